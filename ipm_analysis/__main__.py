"""Command line: ``python -m ipm_analysis build|report|check|add|reuse`` (also installed as ``ipm-analysis``)."""
from __future__ import annotations

import argparse
import os
import signal
import sys

import pandas as pd

MAX_LINES = 40


def _print_summary(result) -> None:
    from .corpus import summary

    corpus = result.corpus
    state = "up to date, nothing rebuilt" if result.up_to_date else (
        f"rebuilt {len(result.rebuilt)}, reused {len(result.reused)}")
    print(f"data/processed: {state} ({result.seconds:.2f} s)")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(summary(corpus).to_string(index=False))
    diags = corpus.diagnostics
    shown = diags[diags["severity"] != "info"]
    if len(shown):
        print(f"\n{len(shown)} diagnostic(s) to look at (all in data/processed/csv/diagnostics.csv):")
        if len(shown) > MAX_LINES:  # hundreds of new plans: a count per problem first, then the first lines
            counts = shown.groupby(["severity", "code"]).size().sort_values(ascending=False)
            for (severity, code), n in counts.items():
                print(f"  {n:>7} {severity} {code}")
            print(f"first {MAX_LINES}:")
            shown = shown.head(MAX_LINES)
        for d in shown.itertuples():
            where = f"{d.file}:{d.line}" if pd.notna(d.line) else f"{d.file}"
            print(f"  {d.severity}: {where}: {d.message} [{d.code}]")


def _report(args) -> int:
    """Run the notebooks; one line per warning and per failed notebook, exit 1 if any failed."""
    import warnings

    from . import report

    try:
        paths = report.notebooks()
        if args.notebook:
            paths = report.select_notebooks(paths, args.notebook)
        parameters = {name: report.parse_value(value) for name, value in args.parameter}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", report.UnknownParameterWarning)
            try:
                report.run_report(paths, parameters=parameters, force=args.force)
            finally:
                for w in caught:
                    print(f"warning: {w.message}", file=sys.stderr)
    except report.NotebookError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; the notebooks that were running are marked failed, the others were not started",
              file=sys.stderr)
        return 130
    return 0


def _add(args) -> int:
    """Propose each file's manifest row, print it, and on confirmation (or ``--yes``) copy the file into
    data/raw/ and append the row; exit 1 if any file was refused or not written."""
    from pathlib import Path

    from . import adding, config

    raw_dir, manifest = config.raw_dir(), config.manifest_path()
    if args.doc_id and len(args.files) > 1:
        print("error: --doc-id names one plan; add the files one at a time", file=sys.stderr)
        return 2
    problem = adding.manifest_problem(manifest)
    if problem:
        print(f"error: {manifest.name}: {problem}", file=sys.stderr)
        return 2
    header, rows = adding.read_listing(manifest)
    given = {k: getattr(args, k) for k in ("doc_id", "year", "jurisdiction", "level", "issuer", "issue_date",
                                            "script", "source_form", "original_file", "notes")}
    status = 0
    for file in args.files:
        proposal = adding.propose(Path(file), raw_dir, rows, given)
        print(adding.describe_proposal(proposal, raw_dir))
        if not proposal.ok:
            print(f"not added: fix the error(s) above and run the command again\n")
            status = 1
            continue
        if not args.yes:
            try:
                answer = input(f"write this row to {manifest.parent.parent.name}/{manifest.parent.name}/{manifest.name}? [y/N] ")
            except EOFError:
                answer = ""
            if answer.strip().lower() not in ("y", "yes"):
                print("not written (answer y, or run with --yes)\n")
                status = 1
                continue
        adding.write(proposal, raw_dir, manifest, header)
        rows.append(dict(proposal.row, _line=len(rows) + 2))
        print(f"added {proposal.row['doc_id']}; run `ipm-analysis build` to build it\n")
    return status


def _interrupt_build(signum, frame) -> None:
    """Ctrl-C during the build: kill the workers and end at once. Raising KeyboardInterrupt instead can land
    inside multiprocessing's own bookkeeping (seen: a half-made Finalize object failing at exit, or an exit that
    waits on the pool's threads); ending the process is safe because a build publishes all or nothing (the
    generation switch is one rename, leftovers are removed by the next run) and the lock dies with the process."""
    from .builder import kill_workers
    from .store import committed

    kill_workers()
    sys.stderr.write("interrupted after the new tables were published\n" if committed else
                     "interrupted; the previous tables are unchanged\n")
    sys.stderr.flush()
    os._exit(130)


def _reuse(args, corpus) -> int:
    """Every local plan against national plans in one pass; tables into ``--out`` (docs/methods_reuse.md)."""
    import time
    from pathlib import Path

    from . import config
    from .analysis import reuse_all

    pairs = [tuple(p) for p in args.pair] if args.pair else args.pairs
    known = set(corpus.documents["doc_id"])
    unknown = sorted({d for p in args.pair for d in p} - known)
    if unknown:
        print(f"error: unknown doc_id(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    result = reuse_all.reuse_all(corpus, pairs, min_score=args.min_score, candidate_min=args.candidate_min,
                                 jobs=args.jobs)
    out = Path(args.out) if args.out else config.tables_dir() / "reuse"
    out.mkdir(parents=True, exist_ok=True)
    for name in ("pairs", "alignment", "passages"):
        frame = getattr(result, name)
        frame.to_parquet(out / f"{name}.parquet", index=False)
        if args.csv or name == "pairs":
            frame.to_csv(out / f"{name}.csv", index=False, encoding="utf-8-sig")
    p = result.pairs
    print(f"reuse: {len(p)} pairs ({int(p['is_candidate'].sum())} compared), {len(result.alignment)} task rows, "
          f"{len(result.passages)} passages in {time.perf_counter() - t0:.1f} s -> {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    if hasattr(signal, "SIGPIPE"):  # `ipm-analysis build | head` ends quietly instead of with a traceback
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    parser = argparse.ArgumentParser(prog="ipm-analysis", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the tidy tables from data/raw into data/processed")
    b.add_argument("--force", action="store_true", help="ignore the cache and rebuild every document")
    b.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    b.add_argument("--no-csv", action="store_true",
                   help="skip the Excel-friendly CSV copies in data/processed/csv/ (they cost time at scale)")
    b.add_argument("--no-wait", action="store_true",
                   help="if another build is running, exit (code 75) instead of waiting for it")
    r = sub.add_parser("report", help="build, then execute every notebook and export figures and tables")
    r.add_argument("--force", action="store_true", help="rebuild the data and execute every notebook, ignoring "
                                                         "both caches (an unchanged notebook is reused otherwise)")
    r.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                   help="set a notebook parameter (papermill's -p: VALUE read as a Python literal or YAML, "
                        "else a string); repeatable")
    r.add_argument("--notebook", action="append", default=[], metavar="NN",
                   help="run only this notebook (number, stem or file name); repeatable")
    sub.add_parser("check", help="build and exit non-zero if any document has an error diagnostic")
    a = sub.add_parser("add", help="propose the manifest row of new plan files (.txt, .html, .docx, .pdf) from "
                                   "their text, then copy them into data/raw/ and add the rows")
    a.add_argument("files", nargs="+", metavar="FILE")
    a.add_argument("-y", "--yes", action="store_true", help="write without asking")
    for name, example in (("doc-id", "2019_shenzhen"), ("year", "2019"), ("jurisdiction", "深圳市"),
                          ("level", "municipal"), ("issuer", "深圳市打击侵权假冒工作领导小组"),
                          ("issue-date", "2019-05-10"), ("script", "zh-Hans"), ("source-form", "web page"),
                          ("original-file", "the URL"), ("notes", "…")):
        a.add_argument(f"--{name}", default="", help=f"state the {name.replace('-', '_')} (e.g. {example}); a "
                                                     "stated value wins over the detected one")
    u = sub.add_parser("reuse", help="build, then compare local plans with national plans in one pass and write "
                                     "pairs, alignment and passages tables (default reports/tables/reuse/)")
    u.add_argument("--pairs", choices=["year", "all"], default="year",
                   help="year: each local plan against the national plans of its year and the year before "
                        "(default); all: against every national plan")
    u.add_argument("--pair", nargs=2, action="append", default=[], metavar=("LOCAL", "NATIONAL"),
                   help="compare just this pair (any two doc_ids); repeatable, overrides --pairs")
    u.add_argument("--out", help="folder for the tables (default reports/tables/reuse/)")
    u.add_argument("--csv", action="store_true", help="CSV copies of every table, not only pairs.csv")
    u.add_argument("--min-score", type=float, default=0.18, help="alignment threshold (compare_plans' default)")
    u.add_argument("--candidate-min", type=float, default=0.0,
                   help="if > 0, pairs whose best corpus-wide task cosine is below this are listed, not aligned "
                        "(default 0: every pair is aligned)")
    u.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    args = parser.parse_args(argv)
    if args.command == "add":
        return _add(args)

    from .diagnostics import InputError
    from .builder import build
    from .store import BuildLocked

    previous = signal.signal(signal.SIGINT, _interrupt_build)
    try:
        result = build(force=getattr(args, "force", False), jobs=getattr(args, "jobs", None),
                       csv=not getattr(args, "no_csv", False), wait=not getattr(args, "no_wait", False))
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BuildLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 75  # EX_TEMPFAIL: try again later
    except KeyboardInterrupt:
        print("interrupted; the previous tables are unchanged", file=sys.stderr)
        return 130
    except OSError as exc:  # disk full, permissions: the previous tables are intact (writes are atomic)
        print(f"error: could not write the processed tables: {exc}; free disk space or fix permissions and "
              "run the build again (the previous tables are unchanged)", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGINT, previous)
    if args.command == "reuse":
        print(f"data/processed: {'up to date' if result.up_to_date else 'rebuilt'} ({result.seconds:.2f} s)")
        return _reuse(args, result.corpus)
    _print_summary(result)
    if args.command == "report":
        return _report(args)
    if args.command == "check":
        return int((result.corpus.diagnostics["severity"] == "error").any())
    return 0


if __name__ == "__main__":
    sys.exit(main())
