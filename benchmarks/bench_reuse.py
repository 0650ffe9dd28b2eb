"""Benchmark reuse across all plans (issue 16): every local plan against the national plans of its year and the
year before, on a synthetic corpus whose local plans adapt national ones.

    .venv/bin/python benchmarks/bench_reuse.py                    # 2,000 plans, 3 pairs (5-8 min on 2 cores)
    .venv/bin/python benchmarks/bench_reuse.py --n 300 --pairs 1  # a quick look

Builds ``benchmarks/synthetic.py --copies`` once under ``--out`` (default benchmarks/out/, gitignored), then runs
``--pairs`` back-to-back pairs, each in fresh processes: (a) ``compare_plans`` on ``--sample`` pairs drawn from the
year pairs (seconds per pair, the old way), (b) ``reuse_all(corpus, "year")`` over every year pair on all cores
(wall time, its steps, seconds per compared pair). Medians of the pairs are reported, since the machine's speed
drifts between runs. Prints markdown and writes results.json / results_reuse.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))


def child_compare(root: Path, sample: int) -> dict:
    os.environ["IPM_ANALYSIS_ROOT"] = str(root)
    import random

    from ipm_analysis.analysis import reuse, reuse_all
    from ipm_analysis.corpus import read_tables

    corpus = read_tables()
    pairs = random.Random(0).sample(reuse_all.year_pairs(corpus.documents), sample)
    t0 = time.perf_counter()
    for local, national in pairs:
        reuse.compare_plans(corpus, local, national)
    return dict(seconds=time.perf_counter() - t0, pairs=len(pairs))


def child_all(root: Path) -> dict:
    os.environ["IPM_ANALYSIS_ROOT"] = str(root)
    from ipm_analysis.analysis import reuse_all
    from ipm_analysis.corpus import read_tables

    t_read = time.perf_counter()
    corpus = read_tables()
    t0 = time.perf_counter()
    result = reuse_all.reuse_all(corpus, "year")
    out = dict(seconds=time.perf_counter() - t0, read_seconds=t0 - t_read, steps=result.seconds,
               alignment_rows=len(result.alignment), passages=len(result.passages),
               median_reuse_share=float(result.pairs["reuse_share"].median()),
               aligned_share=float(result.alignment["national_task_id"].notna().mean()))
    return out


def run_child(root: Path, mode: str, sample: int) -> dict:
    cmd = [sys.executable, __file__, "--child", str(root), "--mode", mode, "--sample", str(sample)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"child {mode} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def corpus_root(out: Path, n: int, seed: int) -> Path:
    """The built synthetic corpus with --copies (generated and built once while generator and n are unchanged)."""
    import shutil

    import synthetic

    root = out / f"reuse_corpus_{n}_seed{seed}"
    marker = root / "generated.json"
    key = dict(n=n, seed=seed, copies=True, generator=(HERE / "synthetic.py").stat().st_mtime_ns)
    if not marker.exists() or json.loads(marker.read_text()) != key:
        shutil.rmtree(root, ignore_errors=True)
        synthetic.generate(root, n, seed=seed, copies=True)
        subprocess.run([sys.executable, "-m", "ipm_analysis", "build", "--no-csv"], check=True, cwd=REPO,
                       capture_output=True, env=os.environ | {"IPM_ANALYSIS_ROOT": str(root)})
        marker.write_text(json.dumps(key))
    return root


def markdown(res: dict) -> str:
    before = statistics.median(p["compare"]["seconds"] / p["compare"]["pairs"] for p in res["pairs"])
    walls = [p["all"]["seconds"] for p in res["pairs"]]
    last = res["pairs"][-1]["all"]
    st = last["steps"]
    after = statistics.median(p["all"]["seconds"] / p["all"]["steps"]["compared"] for p in res["pairs"])
    lines = [
        f"{res['n']:,} synthetic plans (`--copies`), {st['pairs']:,} year pairs, {st['compared']:,} compared "
        f"(candidates), {res['machine']}, Python {res['python']}; medians of {len(res['pairs'])} back-to-back pairs",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| `compare_plans`, one pair (median of pairs, {res['sample']} pairs each) | {before * 1e3:.0f} ms |",
        f"| same, all {st['pairs']:,} year pairs by arithmetic | {before * st['pairs'] / 60:.0f} min |",
        f"| `reuse_all(corpus, \"year\")`, whole corpus, {st['jobs']} workers (each pair) | "
        f"{statistics.median(walls):.1f} s ({', '.join(f'{w:.1f}' for w in walls)}) |",
        f"| same, per compared pair | {after * 1e3:.2f} ms |",
        f"| steps of the last run: prepare / candidates / compare / frames | {st['prepare']:.1f} / "
        f"{st['candidates']:.1f} / {st['compare']:.1f} / {st['frames']:.1f} s |",
        f"| tables: alignment rows / passages | {last['alignment_rows']:,} / {last['passages']:,} |",
        f"| median verbatim reuse share of a pair / share of local tasks aligned | "
        f"{last['median_reuse_share']:.1%} / {last['aligned_share']:.1%} |",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--pairs", type=int, default=3, help="back-to-back (compare_plans, reuse_all) pairs")
    ap.add_argument("--sample", type=int, default=20, help="pairs timed with compare_plans in each pair")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--mode", default="all", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        fn = {"compare": lambda: child_compare(args.child, args.sample), "all": lambda: child_all(args.child)}
        print(json.dumps(fn[args.mode]()))
        return 0
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    print(f"corpus of {args.n} ...", file=sys.stderr)
    root = corpus_root(out, args.n, args.seed)
    jobs = os.cpu_count() or 1
    res = dict(n=args.n, seed=args.seed, sample=args.sample, python=platform.python_version(),
               machine=f"{platform.machine()}, {jobs} cores, {platform.system()}", pairs=[])
    for k in range(args.pairs):
        print(f"pair {k + 1} of {args.pairs} ...", file=sys.stderr)
        res["pairs"].append(dict(compare=run_child(root, "compare", args.sample), all=run_child(root, "all", 0)))
    (out / "results_reuse.json").write_text(json.dumps(res, indent=1))
    text = markdown(res)
    (out / "results_reuse.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
