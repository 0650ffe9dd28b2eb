"""Benchmark the build on a synthetic corpus at the scale of every local plan in China (issue 5).

    .venv/bin/python benchmarks/bench_build.py                      # 2,000 documents, scaling 250…2,000
    .venv/bin/python benchmarks/bench_build.py --n 500 --sizes 250,500 --stage-docs 200   # quick look

Measures, and prints as markdown tables:

1. throughput of each stage in one process (decode, normalise, parse, agencies, tokenise) over
   ``--stage-docs`` synthetic plans, in MB of raw input per second and documents per second, and bare
   ``jieba.lcut`` over the same normalised text (the floor: the build cannot be faster than tokenising);
2. full builds (``build(force=True)``, default worker count) at each size, each in a fresh process: wall time,
   documents/s, MB/s, peak RSS of the main process and of the largest worker;
3. the ratio of the largest full build to bare jieba on the same text (goal < 1.5x);
4. a no-change rebuild and a one-changed-document rebuild of the largest corpus (goal < 5 s).

Everything is written under ``--out`` (default ``benchmarks/out/``, gitignored): the synthetic corpus and a
``results.json`` / ``results.md``. Nothing is written into the repository's data/.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))


def _maxrss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kilobytes


# ---- child: one build in a fresh process ---------------------------------------------------------------------


def child_build(root: Path, force: bool) -> dict:
    os.environ["IPM_ANALYSIS_ROOT"] = str(root)
    t_import = time.perf_counter()
    from ipm_analysis.tables import build

    t0 = time.perf_counter()
    result = build(force=force, quiet=True)
    t1 = time.perf_counter()
    return dict(seconds=t1 - t0, import_seconds=t0 - t_import, up_to_date=result.up_to_date,
                rebuilt=len(result.rebuilt), reused=len(result.reused),
                errors=int((result.corpus.diagnostics["severity"] == "error").sum()),
                rows={k: len(getattr(result.corpus, k)) for k in ("documents", "tasks", "clauses",
                                                                   "task_agencies", "tokens", "diagnostics")},
                rss_main_mb=_maxrss_mb(), rss_worker_mb=_maxrss_mb(resource.RUSAGE_CHILDREN))


def run_child(root: Path, *, force: bool, env_extra: dict | None = None) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, "--child", str(root)] + (["--force"] if force else []),
                          capture_output=True, text=True, env=os.environ | (env_extra or {}))
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"child build failed:\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_seconds"] = wall
    return out


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
    for r in rows:
        os.symlink(full / "data" / "raw" / r["file"], raw / r["file"])
    synthetic.write_manifest(raw / "manifest.csv", rows)
    return root


def raw_mb(root: Path) -> float:
    raw = root / "data" / "raw"
    return sum(p.stat().st_size for p in raw.iterdir() if p.suffix == ".txt") / 1e6


# ---- stages ------------------------------------------------------------------------------------------------


def stage_throughput(root: Path, n_docs: int) -> dict:
    """Each stage over the first n_docs plans in this process (warm: caches and dictionaries loaded first)."""
    import jieba
    import pandas as pd

    from ipm_analysis import agencies, ingest, parse, schemas
    from ipm_analysis.tokenize import tokenize_segments

    raw = root / "data" / "raw"
    manifest = pd.read_csv(raw / "manifest.csv", dtype=str, keep_default_na=False).head(n_docs)
    rows = manifest.to_dict("records")
    blobs = [(raw / r["file"]).read_bytes() for r in rows]
    mb = sum(map(len, blobs)) / 1e6
    tables = agencies.load_agency_tables()
    jieba.setLogLevel(60)
    jieba.initialize()
    # warm-up: OpenCC converters, rule regexes, the tokenizer's dictionaries
    for r in rows[:50]:
        text, _ = ingest.decode((raw / r["file"]).read_bytes(), r["file"])
        norm = ingest.normalise(text, doc_id=r["doc_id"], file=r["file"], script=r["script"])
    warm = parse.parse(norm)
    tokenize_segments(schemas.conform("segments", warm.segments),
                      schemas.conform("documents", [dict(doc_id=norm.doc_id, year=2000, jurisdiction="x",
                                                         level="national", issuer="", issue_date=None,
                                                         source_form="", script="zh-Hans", title=norm.title,
                                                         text=norm.body, n_chars=len(norm.body), n_sections=0,
                                                         n_tasks=0, n_clauses=0, stated_sections=None,
                                                         stated_tasks=None, file="", original_file="",
                                                         sha256="")]))

    timings = dict.fromkeys(["decode", "normalise", "parse", "agencies", "tokenise"], 0.0)
    bodies = []
    clock = time.perf_counter
    for r, data in zip(rows, blobs):
        t0 = clock()
        text, _ = ingest.decode(data, r["file"])
        t1 = clock()
        norm = ingest.normalise(text, doc_id=r["doc_id"], file=r["file"], script=r["script"])
        t2 = clock()
        structure = parse.parse(norm)
        t3 = clock()
        agencies.extract_clauses(norm, structure.segments, level=r["level"], jurisdiction=r["jurisdiction"],
                                 tables=tables)
        t4 = clock()
        segments = schemas.conform("segments", structure.segments)
        documents = schemas.conform("documents", [dict(
            doc_id=r["doc_id"], year=int(r["year"]), jurisdiction=r["jurisdiction"], level=r["level"],
            issuer=r["issuer"], issue_date=None, source_form=r["source_form"], script=r["script"],
            title=norm.title, text=norm.body, n_chars=len(norm.body), n_sections=0, n_tasks=0, n_clauses=0,
            stated_sections=None, stated_tasks=None, file=r["file"], original_file="", sha256="")])
        tokenize_segments(segments, documents)
        t5 = clock()
        for k, a, b in (("decode", t0, t1), ("normalise", t1, t2), ("parse", t2, t3), ("agencies", t3, t4),
                        ("tokenise", t4, t5)):
            timings[k] += b - a
        bodies.append(norm.body)
    t0 = clock()
    n_tokens = sum(len(jieba.lcut(b, HMM=False)) for b in bodies)   # the project's mode: HMM off
    jieba_seconds = clock() - t0
    t0 = clock()
    sum(len(jieba.lcut(b)) for b in bodies)                         # jieba's default: HMM on
    jieba_hmm_seconds = clock() - t0
    return dict(docs=len(rows), mb=mb, stages=timings, jieba_seconds=jieba_seconds, jieba_tokens=n_tokens,
                jieba_hmm_seconds=jieba_hmm_seconds,
                body_mb=sum(len(b.encode()) for b in bodies) / 1e6, rss_mb=_maxrss_mb())


# ---- report ------------------------------------------------------------------------------------------------


def markdown(res: dict) -> str:
    st = res["stages"]
    lines = [f"Machine: {res['machine']}; Python {res['python']}; synthetic corpus of {res['n']} plans "
             f"({res['corpus_mb']:.1f} MB raw), seed {res['seed']}.", "",
             f"### Stages, one process, {st['docs']} plans ({st['mb']:.1f} MB raw)", "",
             "| stage | seconds | MB/s | documents/s | share |", "|---|---:|---:|---:|---:|"]
    total = sum(st["stages"].values())
    for k, s in st["stages"].items():
        lines.append(f"| {k} | {s:.2f} | {st['mb'] / s if s else float('inf'):.2f} | "
                     f"{st['docs'] / s if s else float('inf'):.0f} | {s / total:.0%} |")
    lines.append(f"| **all stages** | {total:.2f} | {st['mb'] / total:.2f} | {st['docs'] / total:.0f} | 100% |")
    j = st["jieba_seconds"]
    lines.append(f"| bare `jieba.lcut(HMM=False)` (floor) | {j:.2f} | {st['mb'] / j:.2f} | {st['docs'] / j:.0f} | "
                 f"{j / total:.0%} of stages |")
    h = st["jieba_hmm_seconds"]
    lines.append(f"| bare `jieba.lcut` (default, HMM on) | {h:.2f} | {st['mb'] / h:.2f} | {st['docs'] / h:.0f} | "
                 f"{h / total:.0%} of stages |")
    lines += ["", "### Full builds (`build(force=True)`, fresh process, default workers)", "",
              "| documents | MB raw | seconds | documents/s | MB/s | s per 1,000 docs | peak RSS main / worker (MB) |",
              "|---:|---:|---:|---:|---:|---:|---:|"]
    for b in res["builds"]:
        lines.append(f"| {b['n']:,} | {b['mb']:.1f} | {b['seconds']:.1f} | {b['n'] / b['seconds']:.0f} | "
                     f"{b['mb'] / b['seconds']:.2f} | {1000 * b['seconds'] / b['n']:.1f} | "
                     f"{b['rss_main_mb']:.0f} / {b['rss_worker_mb']:.0f} |")
    big = res["builds"][-1]
    lines += ["", "### Goals", "", "| measure | value | goal | met? |", "|---|---:|---:|---|"]
    ratio = res["ratio_build_to_jieba"]
    lines.append(f"| full build of {big['n']:,} ({os.cpu_count()} workers) / bare jieba (HMM off, one process) on "
                 f"the same text | {ratio:.2f}x | < 1.5x | {'yes' if ratio < 1.5 else 'no'} |")
    cpu = big["seconds"] * os.cpu_count() / res["jieba_seconds_full_estimate"]
    lines.append(f"| same, in CPU time (build wall x {os.cpu_count()} cores / jieba) | {cpu:.2f}x | - | - |")
    nc = res["no_change"]
    lines.append(f"| no-change rebuild of {big['n']:,} (`build()` call / whole process) | "
                 f"{nc['seconds']:.2f} s / {nc['process_seconds']:.2f} s | < 5 s | "
                 f"{'yes' if nc['process_seconds'] < 5 else ('build() yes, process no' if nc['seconds'] < 5 else 'no')} |")
    one = res["one_changed"]
    lines.append(f"| one changed document of {big['n']:,} (`build()` call) | {one['seconds']:.2f} s | - | - |")
    sc = res["scaling"]
    lines.append(f"| scaling {res['builds'][0]['n']:,} → {big['n']:,}: time ratio / size ratio | "
                 f"{sc['time_ratio']:.2f} / {sc['size_ratio']:.2f} | linear (≈1) | "
                 f"{'yes' if sc['time_ratio'] <= 1.25 * sc['size_ratio'] else 'no'} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="largest corpus (default 2000)")
    ap.add_argument("--sizes", default="250,500,1000,2000", help="corpus sizes for the scaling builds")
    ap.add_argument("--stage-docs", type=int, default=500, help="plans timed stage by stage (default 500)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--force", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child_build(args.child, args.force)))
        return 0

    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    sizes = sorted({int(s) for s in args.sizes.split(",")} | {args.n})
    sizes = [s for s in sizes if s <= args.n]
    full = corpus_root(out, args.n, args.seed)
    res = dict(n=args.n, seed=args.seed, corpus_mb=raw_mb(full), python=platform.python_version(),
               machine=f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}")
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
    print("no-change rebuild ...", file=sys.stderr)
    res["no_change"] = run_child(big_root, force=False)
    first = sorted((big_root / "data" / "raw").glob("syn*.txt"))[0]
    data = first.read_bytes()
    first.unlink()                                       # replace the link with a changed copy
    first.write_bytes(data.replace("加强".encode(), "进一步加强".encode(), 1) if "加强".encode() in data
                      else data + b"\n")
    print("one-changed rebuild ...", file=sys.stderr)
    res["one_changed"] = run_child(big_root, force=False)

    big = res["builds"][-1]
    # The floor is bare jieba in one process over the same text; scale the stage sample's jieba time to the
    # full corpus by bytes of normalised text (jieba is linear in its input).
    st = res["stages"]
    jieba_full = st["jieba_seconds"] * (big["mb"] / st["mb"])
    res["jieba_seconds_full_estimate"] = jieba_full
    res["ratio_build_to_jieba"] = big["seconds"] / jieba_full
    small = res["builds"][0]
    res["scaling"] = dict(time_ratio=big["seconds"] / small["seconds"], size_ratio=big["n"] / small["n"])

    (out / "results.json").write_text(json.dumps(res, indent=1, ensure_ascii=False))
    text = markdown(res)
    (out / "results.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
