"""Peak memory of a build of one very large plan (issue 15: "memory proportional to a plan").

    PYTHONPATH=. python benchmarks/bench_memory.py /tmp/bigplan [--mb 50] [--kind tasks|line]

``tasks``: one plan of ``--mb`` MB made of real sections and tasks (synthetic.py's pool), 99 sections of
numbered tasks; ``line``: the same bytes with no newline at all (no section, no task). Each build runs in a
fresh process (``python -m ipm_analysis build --force --no-csv``); its peak resident memory (VmHWM, via
``getrusage(RUSAGE_CHILDREN)``) and wall time are printed as JSON, with the rows it produced.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from synthetic import cn_number, pool  # noqa: E402

MANIFEST = ("doc_id,file,original_file,year,jurisdiction,level,issuer,issue_date,source_form,script,notes\n"
            "2030_big,2030_big.txt,,2030,全国,national,,,official text,zh-Hans,synthetic\n")


def big_plan(mb: float) -> str:
    """A plan of about ``mb`` MB (UTF-8): a title, then sections 一 … 九十九 of numbered real tasks."""
    p = pool()
    target = int(mb * 1e6)
    sections = 99
    per_section = target // sections
    out = ["2030年全国打击侵犯知识产权和制售假冒伪劣商品工作要点", p.preambles[0]]
    size = sum(len(x.encode()) + 1 for x in out)
    k = 0
    for s in range(1, sections + 1):
        out.append(f"{cn_number(s)}、{p.sections[s % len(p.sections)]}")
        goal = size + per_section
        t = 0
        while size < goal:
            t += 1
            task = p.tasks[k % len(p.tasks)]
            k += 1
            lines = [f"（{t}）{task[0]}", *task[1:]]
            out += lines
            size += sum(len(x.encode()) + 1 for x in lines)
    return "\n".join(out) + "\n"


def measure(root: Path) -> dict:
    env = dict(os.environ, IPM_ANALYSIS_ROOT=str(root), PYTHONPATH=str(REPO))
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ipm_analysis", "build", "--force", "--no-csv"], env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # Linux: kilobytes
    from ipm_analysis.corpus import read_tables

    corpus = read_tables(root / "data" / "processed")
    return dict(peak_mb=round(peak), seconds=round(seconds, 1), tasks=corpus.rows("tasks"),
                clauses=corpus.rows("clauses"), tokens=corpus.rows("tokens"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("root", type=Path)
    ap.add_argument("--mb", type=float, default=50)
    ap.add_argument("--kind", choices=("tasks", "line"), default="tasks")
    args = ap.parse_args(argv)
    raw = args.root / "data" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    text = big_plan(args.mb)
    if args.kind == "line":
        text = text.replace("\n", "")
    (raw / "2030_big.txt").write_text(text, encoding="utf-8")
    (raw / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    mb = (raw / "2030_big.txt").stat().st_size / 1e6
    print(json.dumps(dict(kind=args.kind, plan_mb=round(mb, 1)) | measure(args.root)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
