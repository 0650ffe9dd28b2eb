"""Time the one-command report (`python -m ipm_analysis report`, i.e. `make all`) warm: forced and cached.

    .venv/bin/python benchmarks/bench_report.py                       # 3 alternating rounds, ~4 min on 2 cores
    .venv/bin/python benchmarks/bench_report.py --other ../main       # ~15 min: each round also runs the report
                                                                      # with another checkout's code (before/after)
    .venv/bin/python benchmarks/bench_report.py --cold                # also time a build from scratch
    .venv/bin/python benchmarks/bench_report.py --pairs 1 --saves     # a quick look, with each figure save timed

Runs in a scratch copy of the project root (data/raw and notebooks/ copied; nothing in the repository is
touched). After one warm-up report (tables built, fonts and caches made), each round runs, back to back:

- (with ``--other``) the report with the other checkout's code (``PYTHONPATH``; its kernels inherit it);
- the report **forced**: every notebook executed, as after a change of code or data (the results cache
  ``.cache/report/`` is removed first; the tables stay built, so this is the warm build plus six notebooks);
- the report **cached**: nothing changed since the forced run, so every notebook is reused
  (``ipm_analysis.report``'s results cache).

The machine's speed drifts by ±25 % from minute to minute, so the figures are medians over the rounds, and
each round's runs are adjacent. ``--saves`` puts a ``sitecustomize`` on the kernels' path that times every
``Figure.savefig`` (format, figure, seconds) in the forced runs. Goal (issue 16): warm ``make all`` <= 12 s.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL = 12.0
SAVE_TIMER = '''
import json, os, time
import matplotlib.figure as _figure
_savefig = _figure.Figure.savefig
def _timed_savefig(self, fname, *args, **kwargs):
    t0 = time.perf_counter()
    try:
        return _savefig(self, fname, *args, **kwargs)
    finally:
        with open(os.environ["BENCH_SAVES"], "a") as fh:
            fh.write(json.dumps({"notebook": os.environ.get("IPM_ANALYSIS_NOTEBOOK"), "format": kwargs.get("format"),
                                 "figure": (kwargs.get("metadata") or {}).get("Title"),
                                 "seconds": time.perf_counter() - t0}) + "\\n")
_figure.Figure.savefig = _timed_savefig
'''


def _run(cmd: list[str], env: dict) -> tuple[float, str]:
    t0 = time.perf_counter()
    out = subprocess.run(cmd, env=env, cwd=env["IPM_ANALYSIS_ROOT"], capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if out.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return seconds, out.stdout


def _notebook_lines(out: str) -> dict[str, float]:
    """The report prints one ``  NN_name.ipynb   12.3 s  ok`` line per notebook."""
    times = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0].endswith(".ipynb") and parts[2] == "s":
            times[parts[0]] = float(parts[1])
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=3, help="rounds of forced/cached (default 3)")
    parser.add_argument("--other", type=Path, help="another checkout whose code is timed in every round too")
    parser.add_argument("--cold", action="store_true", help="also time a build from scratch (no jieba cache)")
    parser.add_argument("--saves", action="store_true", help="time every figure save in the forced runs")
    args = parser.parse_args(argv)
    py = sys.executable
    report = [py, "-m", "ipm_analysis", "report"]
    runs: dict[str, list[float]] = defaultdict(list)
    notebooks: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    with tempfile.TemporaryDirectory(prefix="ipm-bench-report-") as tmp:
        # one project root per checkout: the other code's build fingerprint differs, and sharing the tables
        # would rebuild them at every switch
        for name in ("project", "other"):
            shutil.copytree(ROOT / "data" / "raw", Path(tmp) / name / "data" / "raw")
            shutil.copytree(ROOT / "notebooks", Path(tmp) / name / "notebooks")
            if not args.cold and (ROOT / ".cache" / "jieba").exists():  # warm: jieba's dictionary cache exists
                shutil.copytree(ROOT / ".cache" / "jieba", Path(tmp) / name / ".cache" / "jieba")
        root = Path(tmp) / "project"
        saves = Path(tmp) / "saves.jsonl"
        hook = Path(tmp) / "hook"
        hook.mkdir()
        (hook / "sitecustomize.py").write_text(SAVE_TIMER, encoding="utf-8")

        def env(code: Path, timed: bool = False) -> dict:
            path = [str(code)] + ([str(hook)] if timed else [])
            project = root if code == ROOT else Path(tmp) / "other"
            return dict(os.environ, IPM_ANALYSIS_ROOT=str(project), MPLBACKEND="Agg",
                        BENCH_SAVES=str(saves.with_name(f"saves-{project.name}.jsonl")),
                        PYTHONPATH=os.pathsep.join(path + [p for p in [os.environ.get("PYTHONPATH")] if p]))

        here = env(ROOT)
        seconds, _ = _run([py, "-m", "ipm_analysis", "build"], here)
        print(f"build from scratch (5 plans{'' if args.cold else ', jieba cache kept'}): {seconds:.1f} s", flush=True)
        seconds, _ = _run([py, "-m", "ipm_analysis", "build"], here)
        runs["no-change rebuild (`python -m ipm_analysis build`)"].append(seconds)
        _run(report, here)   # warm-up: fonts, caches, page cache
        if args.other:
            _run(report, env(args.other))
        for i in range(args.pairs):
            if args.other:   # executed in full too: a checkout with a results cache would reuse its notebooks
                shutil.rmtree(Path(tmp) / "other" / ".cache" / "report", ignore_errors=True)
                seconds, out = _run(report, env(args.other, timed=args.saves))
                runs[f"report, code of {args.other}"].append(seconds)
                for nb, s in _notebook_lines(out).items():
                    notebooks["other"][nb].append(s)
            # --force, not removing .cache/report: the cache also keeps each notebook's last duration, by which
            # the report starts the longest first
            seconds, out = _run(report + ["--force"], env(ROOT, timed=args.saves))
            runs["**report forced** (every notebook executed)"].append(seconds)
            for nb, s in _notebook_lines(out).items():
                notebooks["forced"][nb].append(s)
            seconds, out = _run(report, here)
            assert "reused" in out, out
            runs["**report cached** (nothing changed: every notebook reused)"].append(seconds)
            print(f"round {i + 1}: " + ", ".join(f"{k.replace('*', '').split(' (')[0]} {v[-1]:.1f} s"
                                                   for k, v in runs.items() if len(v) > i), flush=True)
        figures = len(list((root / "reports" / "figures").glob("*.png")))
        rows = {}
        for name, label in (("project", "this code"), ("other", str(args.other))):
            file = saves.with_name(f"saves-{name}.jsonl")
            if file.exists():
                rows[label] = [json.loads(line) for line in file.read_text().splitlines()]

    print("\n| run | median s | each round s |\n|---|---:|---|")
    for name, values in runs.items():
        print(f"| {name} | {statistics.median(values):.1f} | {', '.join(f'{v:.1f}' for v in values)} |")
    print("\n| notebook | " + " | ".join(f"{k} median s" for k in notebooks) + " |\n|---|"
          + "---:|" * len(notebooks))
    for nb in sorted(notebooks["forced"]):
        print(f"| {nb} | " + " | ".join(f"{statistics.median(notebooks[k][nb]):.1f}" for k in notebooks) + " |")
    if rows:
        print(f"\nfigure saves (kernel seconds, medians over {args.pairs} run(s); the kernels run two at a time):\n"
              "| code | format | saves per run | median s a save | total s per run |\n|---|---|---:|---:|---:|")
        for label, saved in rows.items():
            by_format = defaultdict(list)
            for r in saved:
                by_format[r["format"]].append(r["seconds"])
            for fmt, values in sorted(by_format.items()):
                print(f"| {label} | {fmt} | {len(values) / args.pairs:.0f} | {statistics.median(values):.2f} | "
                      f"{sum(values) / args.pairs:.1f} |")
    cached = statistics.median(runs["**report cached** (nothing changed: every notebook reused)"])
    forced = statistics.median(runs["**report forced** (every notebook executed)"])
    print(f"\n{figures} figures (PNG) exported; goal: warm `make all` <= {GOAL:.0f} s on 2 cores: cached "
          f"{'met' if cached <= GOAL else 'missed'} ({cached:.1f} s), forced "
          f"{'met' if forced <= GOAL else 'missed'} ({forced:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
