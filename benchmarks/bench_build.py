"""Benchmark the build on a synthetic corpus at the scale of every local plan in China (issue 5).

    .venv/bin/python benchmarks/bench_build.py                      # 2,000 documents, scaling 250…2,000
    .venv/bin/python benchmarks/bench_build.py --n 500 --sizes 250,500 --stage-docs 200   # quick look

Measures, and prints as markdown tables:

1. throughput of each stage of the build's own code path in one process (normalise, parse, agencies, frames,
   tokenise, validate, write) over ``--stage-docs`` synthetic plans, in MB of raw input per second and
   documents per second, and bare jieba and bare rjieba (the build's engine) over the same normalised text;
2. full builds (``build(force=True)``, all cores) at each size, each in a fresh process: wall time,
   documents/s, MB/s, peak RSS of the main process and of the largest worker;
3. bare jieba-python (the project's reference tokenizer, HMM off, nothing else) over the normalised text of the
   largest corpus, in one process and on all cores, and the ratio of the full build to it (goal <= 0.4x since
   the build segments with rjieba; < 1.5x before): the median of ``--pairs`` build / jieba pairs run
   alternately, since the machine's speed drifts between runs; bare rjieba over the same text in one process;
4. a no-change rebuild (goal < 5 s), a one-changed-document rebuild and the CSV copies of the largest corpus.

Everything is written under ``--out`` (default ``benchmarks/out/``, gitignored): the synthetic corpus and a
``results.json`` / ``results.md``. Nothing is written into the repository's data/.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))


def _maxrss_mb(who=resource.RUSAGE_SELF) -> float:
    """Peak resident memory in MB of this process (or of its largest finished child process)."""
    if who == resource.RUSAGE_SELF:
        # Not ru_maxrss: on Linux it survives exec, so a child started by this script would report the
        # script's own peak (the stage measurements) instead of its own. VmHWM is this process's alone.
        try:
            status = Path("/proc/self/status").read_text()
            return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")) / 1024
        except (OSError, StopIteration):
            pass
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kilobytes


# ---- children: each measurement in a fresh process ----------------------------------------------------------


def child_build(root: Path, force: bool) -> dict:
    os.environ["IPM_ANALYSIS_ROOT"] = str(root)
    t_import = time.perf_counter()
    from ipm_analysis.builder import build

    t0 = time.perf_counter()
    result = build(force=force, quiet=True)
    t1 = time.perf_counter()
    out = dict(seconds=t1 - t0, import_seconds=t0 - t_import, up_to_date=result.up_to_date,
               rebuilt=len(result.rebuilt), reused=len(result.reused),
               rss_main_mb=_maxrss_mb(), rss_worker_mb=_maxrss_mb(resource.RUSAGE_CHILDREN))
    # counted after the peak memory was read: the build itself never holds the tables
    out["rows"] = {k: result.corpus.rows(k) for k in ("documents", "tasks", "clauses", "task_agencies", "tokens",
                                                       "diagnostics")}
    out["errors"] = int((result.corpus.diagnostics["severity"] == "error").sum())
    return out


def child_csv(root: Path) -> dict:
    os.environ["IPM_ANALYSIS_ROOT"] = str(root)
    from ipm_analysis.builder import build
    from ipm_analysis.store import write_csv

    corpus = build(quiet=True).corpus
    t0 = time.perf_counter()
    write_csv(corpus)
    return dict(seconds=time.perf_counter() - t0, rss_main_mb=_maxrss_mb(),
                mb=sum(p.stat().st_size for p in (root / "data" / "processed" / "csv").glob("*.csv")) / 1e6)


def _lcut_all(texts: list[str]) -> int:
    """Tokens of ``texts`` by jieba-python, the project's reference tokenizer (its dictionary loaded first)."""
    from ipm_analysis.tokenize import tokenizer

    tok = tokenizer()
    return sum(len(tok.lcut(t, HMM=False)) for t in texts)


def _rcut_all(texts: list[str]) -> int:
    """Tokens of ``texts`` by rjieba with the same dictionary, as the build cuts them (its dictionary loaded
    first)."""
    from ipm_analysis.tokenize import cut

    return sum(len(cut(t)) for t in texts)


def child_jieba(root: Path, jobs: int, engine: str = "jieba") -> dict:
    """Bare segmentation of the normalised text of every built document: the project's tokenizer (same
    dictionary), HMM off, nothing else; in one process, or split over ``jobs`` worker processes like the build.
    ``engine`` is "jieba" (jieba-python, the floor the build is measured against) or "rjieba"."""
    os.environ["IPM_ANALYSIS_ROOT"] = str(root)
    from ipm_analysis.corpus import read_tables

    texts = read_tables().documents["text"].tolist()
    fn = {"jieba": _lcut_all, "rjieba": _rcut_all}[engine]
    t0 = time.perf_counter()
    if jobs == 1:
        n = fn(texts)
    else:
        from concurrent.futures import ProcessPoolExecutor

        chunks = [texts[i::jobs * 4] for i in range(jobs * 4)]
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            n = sum(pool.map(fn, chunks))
    return dict(seconds=time.perf_counter() - t0, tokens=n, mb=sum(len(t.encode()) for t in texts) / 1e6)


def run_child(root: Path, *, mode: str = "build", force: bool = False, jobs: int = 1) -> dict:
    t0 = time.perf_counter()
    cmd = [sys.executable, __file__, "--child", str(root), "--mode", mode, "--jobs", str(jobs)]
    proc = subprocess.run(cmd + (["--force"] if force else []), capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"child {mode} failed:\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_seconds"] = wall
    return out


def run_cli(root: Path) -> float:
    """Wall time of the whole command a researcher types, `python -m ipm_analysis build --no-csv`."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ipm_analysis", "build", "--no-csv"], check=True, capture_output=True,
                   env=os.environ | {"IPM_ANALYSIS_ROOT": str(root)}, cwd=REPO)
    return time.perf_counter() - t0


# ---- corpus ------------------------------------------------------------------------------------------------


def corpus_root(out: Path, n: int, seed: int) -> Path:
    """The synthetic corpus of n documents (generated once, reused while the generator and n are unchanged)."""
    import synthetic

    root = out / f"corpus_{n}_seed{seed}"
    marker = root / "generated.json"
    key = dict(n=n, seed=seed, generator=(HERE / "synthetic.py").stat().st_mtime_ns)
    if not marker.exists() or json.loads(marker.read_text()) != key:
        import shutil

        shutil.rmtree(root, ignore_errors=True)
        synthetic.generate(root, n, seed=seed)
        marker.write_text(json.dumps(key))
    return root


def subset_root(out: Path, full: Path, n: int) -> Path:
    """A root whose data/raw links to the first n documents of ``full`` (fresh: no cache, no output)."""
    import shutil

    import synthetic

    root = out / f"scale_{n}"
    shutil.rmtree(root, ignore_errors=True)
    raw = root / "data" / "raw"
    raw.mkdir(parents=True)
    import csv

    with open(full / "data" / "raw" / "manifest.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))[:n]
    for r in rows:   # a hard link (or a copy): the build refuses a symlink out of data/raw/ (issue 15)
        try:
            os.link(full / "data" / "raw" / r["file"], raw / r["file"])
        except OSError:
            shutil.copyfile(full / "data" / "raw" / r["file"], raw / r["file"])
    synthetic.write_manifest(raw / "manifest.csv", rows)
    return root


def raw_mb(root: Path) -> float:
    raw = root / "data" / "raw"
    return sum(p.stat().st_size for p in raw.iterdir() if p.suffix == ".txt") / 1e6


# ---- stages ------------------------------------------------------------------------------------------------

STAGES = ["normalise", "parse", "agencies", "frames", "tokenise", "validate", "write"]


def stage_throughput(root: Path, n_docs: int) -> dict:
    """Each stage of the build's own code path over the first n_docs plans, in this process (warm: caches and
    dictionaries loaded first). Parts are built by ``builder._build_part`` as in a build (into a scratch
    folder), which reports the end of each stage through its ``lap`` hook: per document normalise, parse and
    agencies; per part frames, tokenise, validate (pandera and Arrow) and write (Parquet)."""
    import tempfile

    import pandas as pd

    from ipm_analysis import builder
    from ipm_analysis.tokenize import cut, tokenizer

    raw = root / "data" / "raw"
    manifest = pd.read_csv(raw / "manifest.csv", dtype=str, keep_default_na=False).head(n_docs)
    rows = [{k: (v or None) for k, v in r.items()} for r in manifest.to_dict("records")]
    mb = sum((raw / r["file"]).stat().st_size for r in rows) / 1e6
    timings = dict.fromkeys(STAGES, 0.0)
    clock = time.perf_counter
    last = [0.0]

    def lap(stage: str) -> None:
        now = clock()
        timings[stage] += now - last[0]
        last[0] = now

    from ipm_analysis.ingest import read_document

    bodies = [read_document(raw / r["file"], doc_id=r["doc_id"], script=r["script"]).body for r in rows]
    tok = tokenizer()
    jieba_seconds, rjieba_seconds, n_tokens = 0.0, 0.0, 0
    with tempfile.TemporaryDirectory() as out:
        # warm-up: OpenCC, regexes, the tokenizer, pandera
        builder._build_part(("warm", [(r, "warm", None) for r in rows[:20]], raw, Path(out)))
        for i in range(0, len(rows), builder._PART):
            members = [(r, f"{i:016d}", None) for r in rows[i:i + builder._PART]]
            last[0] = clock()
            builder._build_part((f"{i:016d}", members, raw, Path(out)), lap)
            # the floor over the same plans right after: this machine's speed drifts by up to ±25 % within
            # a minute, so the floor is timed part by part alongside the build, not once at the end
            t0 = clock()
            n_tokens += sum(len(tok.lcut(b, HMM=False)) for b in bodies[i:i + builder._PART])
            t1 = clock()
            sum(len(cut(b)) for b in bodies[i:i + builder._PART])
            jieba_seconds += t1 - t0
            rjieba_seconds += clock() - t1
    return dict(docs=len(rows), mb=mb, stages=timings, jieba_seconds=jieba_seconds, jieba_tokens=n_tokens,
                rjieba_seconds=rjieba_seconds,
                body_mb=sum(len(b.encode()) for b in bodies) / 1e6, rss_mb=_maxrss_mb())


# ---- report ------------------------------------------------------------------------------------------------


def markdown(res: dict) -> str:
    st = res["stages"]
    jobs = res["jobs"]
    lines = [f"Machine: {res['machine']}; Python {res['python']}; synthetic corpus of {res['n']} plans "
             f"({res['corpus_mb']:.1f} MB raw), seed {res['seed']}.", "",
             f"### Stages, one process, {st['docs']} plans ({st['mb']:.1f} MB raw)", "",
             "| stage | seconds | MB/s | documents/s | share |", "|---|---:|---:|---:|---:|"]
    total = sum(st["stages"].values())
    for k, sec in st["stages"].items():
        lines.append(f"| {k} | {sec:.2f} | {st['mb'] / sec if sec else float('inf'):.2f} | "
                     f"{st['docs'] / sec if sec else float('inf'):.0f} | {sec / total:.0%} |")
    lines.append(f"| **all stages** | {total:.2f} | {st['mb'] / total:.2f} | {st['docs'] / total:.0f} | 100% |")
    j = st["jieba_seconds"]
    lines.append(f"| bare jieba-python, same dictionary, HMM off (the reference) | {j:.2f} | {st['mb'] / j:.2f} | "
                 f"{st['docs'] / j:.0f} | {j / total:.0%} of all stages |")
    r = st["rjieba_seconds"]
    lines.append(f"| bare rjieba, same dictionary, HMM off (the build's engine) | {r:.2f} | {st['mb'] / r:.2f} | "
                 f"{st['docs'] / r:.0f} | {r / total:.0%} of all stages |")
    lines += ["", f"### Full builds (`build(force=True)`, fresh process, {jobs} workers)", "",
              "| documents | MB raw | seconds | documents/s | MB/s | s per 1,000 docs | peak RSS main / worker (MB) |",
              "|---:|---:|---:|---:|---:|---:|---:|"]
    for b in res["builds"]:
        lines.append(f"| {b['n']:,} | {b['mb']:.1f} | {b['seconds']:.1f} | {b['n'] / b['seconds']:.0f} | "
                     f"{b['mb'] / b['seconds']:.2f} | {1000 * b['seconds'] / b['n']:.1f} | "
                     f"{b['rss_main_mb']:.0f} / {b['rss_worker_mb']:.0f} |")
    big = res["builds"][-1]
    jp, j1, r1 = res["jieba_parallel"], res["jieba_serial"], res["rjieba_serial"]
    pairs = "; ".join(f"{p['build']:.1f} s / {p['jieba']:.1f} s" for p in res["pairs"])
    lines += ["", f"Bare jieba over the normalised text of the {big['n']:,} built plans ({jp['mb']:.1f} MB): "
              f"{j1['seconds']:.1f} s in one process ({j1['mb'] / j1['seconds']:.2f} MB/s), {jp['seconds']:.1f} s "
              f"on {jobs} workers; bare rjieba with the same dictionary {r1['seconds']:.1f} s in one process "
              f"({r1['mb'] / r1['seconds']:.2f} MB/s, {j1['seconds'] / r1['seconds']:.1f}x jieba's speed). "
              f"Full build / bare jieba on {jobs} workers, pair by pair: {pairs}.", "",
              "### Goals", "", "| measure | value | goal | met? |", "|---|---:|---:|---|"]
    ratios = sorted(p["build"] / p["jieba"] for p in res["pairs"])
    ratio = statistics.median(ratios)
    lines.append(f"| full build of {big['n']:,} / bare jieba-python of the same text, both on {jobs} workers: median "
                 f"of {len(ratios)} alternating pairs (each pair) | {ratio:.2f}x "
                 f"({', '.join(f'{r:.2f}' for r in ratios)}) | <= 0.4x | {'yes' if ratio <= 0.4 else 'no'} |")
    lines.append(f"| same, against bare jieba in one process | {big['seconds'] / j1['seconds']:.2f}x | - | - |")
    lines.append(f"| per-document CPU, all stages / bare jieba (one process, {st['docs']} plans) | "
                 f"{total / j:.2f}x | - | - |")
    lines.append(f"| bare jieba-python / bare rjieba, same text and dictionary, one process ({st['docs']} plans / "
                 f"{big['n']:,} plans) | {j / r:.1f}x / {j1['seconds'] / r1['seconds']:.1f}x | - | - |")
    nc = res["no_change"]
    lines.append(f"| no-change rebuild of {big['n']:,}: `build()` / fresh process / `python -m ipm_analysis build "
                 f"--no-csv` | {nc['seconds']:.2f} s / {nc['process_seconds']:.2f} s / {res['no_change_cli']:.2f} s "
                 f"| < 5 s | {'yes' if max(nc['process_seconds'], res['no_change_cli']) < 5 else 'no'} |")
    one = res["one_changed"]
    lines.append(f"| one changed document of {big['n']:,}: `build()` | {one['seconds']:.2f} s "
                 f"(rebuilt {one['rebuilt']}) | - | - |")
    sc = res["scaling"]
    lines.append(f"| scaling {res['builds'][0]['n']:,} → {big['n']:,}: time ratio / size ratio | "
                 f"{sc['time_ratio']:.2f} / {sc['size_ratio']:.2f} | linear | "
                 f"{'yes' if sc['time_ratio'] <= 1.25 * sc['size_ratio'] else 'no'} |")
    mem = [b["rss_main_mb"] for b in res["builds"]]
    lines.append(f"| peak memory, main process, {res['builds'][0]['n']:,} → {big['n']:,} documents | "
                 f"{mem[0]:.0f} → {mem[-1]:.0f} MB | bounded | {'yes' if mem[-1] < 2 * mem[0] else 'no'} |")
    csv = res["csv"]
    lines.append(f"| CSV copies of every table of {big['n']:,} (`write_csv`, {csv['mb']:.0f} MB) | "
                 f"{csv['seconds']:.1f} s, peak {csv['rss_main_mb']:.0f} MB | - | - |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="largest corpus (default 2000)")
    ap.add_argument("--sizes", default="250,500,1000,2000", help="corpus sizes for the scaling builds")
    ap.add_argument("--stage-docs", type=int, default=500, help="plans timed stage by stage (default 500)")
    ap.add_argument("--pairs", type=int, default=3,
                    help="full build / bare jieba pairs of the largest corpus, run one after the other (default 3)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--mode", default="build", help=argparse.SUPPRESS)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help=argparse.SUPPRESS)
    ap.add_argument("--force", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        fn = {"build": lambda: child_build(args.child, args.force), "csv": lambda: child_csv(args.child),
              "jieba": lambda: child_jieba(args.child, args.jobs),
              "rjieba": lambda: child_jieba(args.child, args.jobs, "rjieba")}[args.mode]
        print(json.dumps(fn()))
        return 0

    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    sizes = sorted({int(s) for s in args.sizes.split(",")} | {args.n})
    sizes = [s for s in sizes if s <= args.n]
    full = corpus_root(out, args.n, args.seed)
    jobs = os.cpu_count() or 1
    res = dict(n=args.n, seed=args.seed, corpus_mb=raw_mb(full), python=platform.python_version(), jobs=jobs,
               machine=f"{platform.machine()}, {jobs} cores, {platform.system()}")
    print(f"corpus: {args.n} plans, {res['corpus_mb']:.1f} MB in {full}", file=sys.stderr)

    print("stages ...", file=sys.stderr)
    res["stages"] = stage_throughput(full, min(args.stage_docs, args.n))

    res["builds"] = []
    for n in sizes:
        root = subset_root(out, full, n)
        print(f"full build of {n} ...", file=sys.stderr)
        b = run_child(root, force=True)
        b.update(n=n, mb=raw_mb(root))
        res["builds"].append(b)
    big_root = out / f"scale_{sizes[-1]}"
    print("bare jieba ...", file=sys.stderr)
    res["jieba_parallel"] = run_child(big_root, mode="jieba", jobs=jobs)
    # The ratio to the floor from pairs measured back to back, the median reported: a single build and a single
    # jieba run minutes apart differ by the machine's drift as much as by the code.
    res["pairs"] = [dict(build=res["builds"][-1]["seconds"], jieba=res["jieba_parallel"]["seconds"])]
    for k in range(1, args.pairs):
        print(f"pair {k + 1} of {args.pairs} ...", file=sys.stderr)
        build_s = run_child(big_root, force=True)["seconds"]
        res["pairs"].append(dict(build=build_s, jieba=run_child(big_root, mode="jieba", jobs=jobs)["seconds"]))
    res["jieba_serial"] = run_child(big_root, mode="jieba", jobs=1)
    res["rjieba_serial"] = run_child(big_root, mode="rjieba", jobs=1)
    print("no-change rebuild ...", file=sys.stderr)
    res["no_change"] = run_child(big_root)
    res["no_change_cli"] = run_cli(big_root)
    print("csv copies ...", file=sys.stderr)
    res["csv"] = run_child(big_root, mode="csv")
    first = sorted((big_root / "data" / "raw").glob("syn*.txt"))[0]
    data = first.read_bytes()
    first.unlink()                                       # replace the link with a changed copy
    first.write_bytes(data.replace("加强".encode(), "进一步加强".encode(), 1) if "加强".encode() in data
                      else data + b"\n")
    print("one-changed rebuild ...", file=sys.stderr)
    res["one_changed"] = run_child(big_root)

    small, big = res["builds"][0], res["builds"][-1]
    res["scaling"] = dict(time_ratio=big["seconds"] / small["seconds"], size_ratio=big["n"] / small["n"])
    (out / "results.json").write_text(json.dumps(res, indent=1, ensure_ascii=False))
    text = markdown(res)
    (out / "results.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
