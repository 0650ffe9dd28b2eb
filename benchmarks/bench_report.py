"""Time the one-command report (`python -m ipm_analysis report`) and each of its stages.

    .venv/bin/python benchmarks/bench_report.py            # warm: reuses .venv, jieba cache and data cache
    .venv/bin/python benchmarks/bench_report.py --cold     # also time a build from scratch (cache removed)

Runs in a scratch copy of the project root (data/raw and notebooks/ copied; nothing in the repository is touched) and prints a
markdown table: build from scratch, no-change rebuild, each notebook executed headless, and the whole report
command as a user runs it. Goal (issue 3): the report on a warm environment within 60 s on 2 cores.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _timed(cmd: list[str], env: dict) -> tuple[float, str]:
    t0 = time.perf_counter()
    out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, out.stdout


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cold", action="store_true", help="start without the build cache")
    args = parser.parse_args(argv)
    py = sys.executable
    rows = []
    with tempfile.TemporaryDirectory(prefix="ipm-bench-report-") as tmp:
        root = Path(tmp)
        shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
        shutil.copytree(ROOT / "notebooks", root / "notebooks")
        if not args.cold and (ROOT / ".cache" / "jieba").exists():  # warm: jieba's dictionary cache exists
            shutil.copytree(ROOT / ".cache" / "jieba", root / ".cache" / "jieba")
        env = dict(os.environ, IPM_ANALYSIS_ROOT=str(root), MPLBACKEND="Agg")
        seconds, _ = _timed([py, "-m", "ipm_analysis", "build"], env)
        rows.append(("build from scratch (5 plans)", seconds))
        seconds, _ = _timed([py, "-m", "ipm_analysis", "build"], env)
        rows.append(("no-change rebuild", seconds))
        seconds, out = _timed([py, "-m", "ipm_analysis", "report"], env)
        for line in out.splitlines():  # the report prints one "  NN_name.ipynb   12.3 s" line per notebook
            parts = line.split()
            if len(parts) == 3 and parts[0].endswith(".ipynb"):
                rows.append((f"notebook {parts[0]} (in parallel)", float(parts[1])))
        rows.append(("**whole report command (warm)**", seconds))
        figures = len(list((root / "reports" / "figures").glob("*.png")))
    print(f"| stage | seconds |\n|---|---:|")
    for name, s in rows:
        print(f"| {name} | {s:.1f} |")
    print(f"\n{figures} figures exported; goal: whole report < 60 s on a warm 2-core machine: "
          f"{'met' if rows[-1][1] < 60 else 'missed'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
