"""The whole report on a corpus of 20 national and 50 local plans (issue 14: notebooks readable beyond five plans).

    .venv/bin/python benchmarks/bench_scale_report.py [--formats png] [--keep DIR]

Composes a scratch project: the five real plans plus synthetic ones (benchmarks/synthetic.py, ``--copies``: local
plans adapt national ones) until there are 20 national plans (one per year, so two real years get a synthetic
twin) and 50 local plans; builds it, runs every notebook headless and prints the report's time per notebook and
the size of the largest figures (pixels at 200 dpi), so a chart that grows with the corpus shows up here.
Nothing in the repository is touched.
"""
from __future__ import annotations

import argparse
import csv
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import synthetic  # noqa: E402


def compose(root: Path, *, n_national: int = 20, n_local: int = 50, pool_size: int = 600) -> tuple[int, int]:
    """Write the five real plans and enough synthetic ones into ``root/data/raw`` (with its manifest)."""
    raw = root / "data" / "raw"
    raw.mkdir(parents=True)
    real = list(csv.DictReader(open(ROOT / "data" / "raw" / "manifest.csv", encoding="utf-8")))
    n_nat = sum(r["level"] == "national" for r in real)
    n_loc = len(real) - n_nat
    pool = root / "pool"
    picked, seen = [], set()
    for r in synthetic.generate(pool, pool_size, copies=True):
        if r["level"] == "national" and n_nat < n_national and r["year"] not in seen:
            seen.add(r["year"])
            n_nat += 1
            picked.append(r)
        elif r["level"] != "national" and n_loc < n_local:
            n_loc += 1
            picked.append(r)
    for r in real:
        shutil.copy(ROOT / "data" / "raw" / r["file"], raw / r["file"])
    for r in picked:
        shutil.copy(pool / "data" / "raw" / r["file"], raw / r["file"])
    shutil.rmtree(pool)
    with open(raw / "manifest.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(real[0]), lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(real + picked)
    return n_nat, n_loc


def png_size(path: Path) -> tuple[int, int]:
    with open(path, "rb") as fh:
        head = fh.read(24)
    return struct.unpack(">II", head[16:24])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--formats", default="png", help="figure formats (IPM_ANALYSIS_FIGURE_FORMATS), default png")
    ap.add_argument("--keep", type=Path, help="compose into this folder and keep it (default: a temp folder)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ipm-bench-scale-") as tmp:
        root = args.keep or Path(tmp)
        n_nat, n_loc = compose(root)
        shutil.copytree(ROOT / "notebooks", root / "notebooks")
        env = dict(os.environ, IPM_ANALYSIS_ROOT=str(root), IPM_ANALYSIS_FIGURE_FORMATS=args.formats,
                   PYTHONPATH=str(ROOT))
        t0 = time.perf_counter()
        build = subprocess.run([sys.executable, "-m", "ipm_analysis", "build"], env=env, cwd=ROOT,
                               capture_output=True, text=True)
        t1 = time.perf_counter()
        rep = subprocess.run([sys.executable, "-m", "ipm_analysis", "report"], env=env, cwd=ROOT,
                             capture_output=True, text=True)
        t2 = time.perf_counter()
        print(f"corpus: {n_nat} national + {n_loc} local plans; build {t1 - t0:.1f} s (exit {build.returncode}); "
              f"report {t2 - t1:.1f} s (exit {rep.returncode})\n")
        print("\n".join(line for line in rep.stdout.splitlines() if ".ipynb" in line or "reports/" in line))
        sizes = sorted(((png_size(p), p.stem) for p in (root / "reports" / "figures").glob("*.png")),
                       key=lambda x: -max(x[0]))
        print(f"\n{len(sizes)} PNG figures; the largest (width x height px):")
        for (w, h), name in sizes[:8]:
            print(f"  {name:<50} {w:>6} x {h:<6}")
        return rep.returncode


if __name__ == "__main__":
    sys.exit(main())
