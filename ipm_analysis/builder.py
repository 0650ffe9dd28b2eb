"""Build the tidy tables from the raw plans: ingest → parse → agencies → tokenize for every document in the
manifest, in parts of ``_PART`` consecutive documents, one worker a part.

A part's id hashes its documents' keys (raw bytes, manifest row, package code and data files, the versions of
the packages that shape the output), so an unchanged part is neither read nor rewritten; in a changed part only
the changed documents are rebuilt, the others' rows are copied from the old part file. Everything is published
at once (``store.publish``) once every new file is complete, so an interrupted or failed build leaves the
previous tables intact; what it left over is removed by the next build.
"""
from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import json
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import config, schemas, store
from .agencies import extract_clauses
from .corpus import Corpus
from .diagnostics import Diagnostic, InputError, to_frame
from .ingest import read_document, read_manifest
from .parse import parse
from .store import FORMAT, TABLES

# Modules that only read or present the tables. Every other module of the package, and every data file, is part
# of each document's key: a new build module (simplify.py was one) invalidates the tables without being listed.
_NOT_BUILD_CODE = {"__init__.py", "__main__.py", "adding.py", "plots.py", "report.py", "selection.py", "corpus.py"}
_PARALLEL_FROM = 16  # below this many changed documents, worker start-up costs more than it saves
# Documents per part: large enough that the per-part costs (frames, one pandera call and one Parquet file per
# table: ~70 ms whatever the part's size) are shared, small enough that a one-document change rewrites little
# and a worker holds little (docs/benchmarks.md: 128 saves ~0.5 ms a plan over 64; a worker peaks at ~400 MB).
_PART = 128


@dataclass
class BuildResult:
    corpus: Corpus
    rebuilt: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    up_to_date: bool = False
    seconds: float = 0.0


# --------------------------------------------------------------------------------------------------------------
# one document


def _no_lap(stage: str) -> None:
    pass


def document_records(row: dict, raw_dir: Path, lap=None) -> dict[str, list[dict]]:
    """The rows of one document for every table but ``tokens``, as records (pure apart from reading its raw
    file; ``documents.n_tokens`` is filled in by ``frames_of``). Bad input → InputError.

    ``lap(stage)``, if given, is called as each stage ends (normalise, parse, agencies): the benchmark times the
    stages of this very code path with it.
    """
    lap = lap or _no_lap
    path = raw_dir / row["file"]
    norm = read_document(path, doc_id=row["doc_id"], script=row["script"])
    lap("normalise")
    structure = parse(norm)
    lap("parse")
    found = extract_clauses(norm, structure.segments, level=row["level"], jurisdiction=row["jurisdiction"])
    lap("agencies")
    meta = dict(year=int(row["year"]), jurisdiction=row["jurisdiction"])
    for rec in structure.tasks + found.agencies:  # in place: copies would hold a large plan's rows twice
        rec.update(meta)
    document = dict(
        doc_id=row["doc_id"], year=int(row["year"]), jurisdiction=row["jurisdiction"], level=row["level"],
        issuer=row["issuer"], issue_date=row["issue_date"] or None, source_form=row["source_form"],
        script=norm.script or row["script"], title=norm.title, text=norm.body, n_chars=len(norm.body),
        n_sections=len(structure.sections), n_tasks=len(structure.tasks), n_clauses=len(found.clauses),
        n_tokens=0, stated_sections=norm.stated_sections, stated_tasks=norm.stated_tasks, file=row["file"],
        original_file=row["original_file"], sha256=store.file_sha256(path))
    return dict(
        documents=[document],
        segments=structure.segments,
        sections=structure.sections,
        tasks=structure.tasks,
        subtasks=structure.subtasks,
        clauses=found.clauses,
        task_agencies=found.agencies,
        removals=norm.removals,
        diagnostics=[vars(d) for d in norm.diagnostics + structure.diagnostics + found.diagnostics],
    )


# Characters of segments tokenised at a time: jieba's words (Python strings in lists) and the pandas frame made of
# them cost ~400 bytes a token (~200 bytes a character), for one batch only. A part of 128 ordinary plans
# (~0.9 M characters) is four batches: no slower than one within this machine's noise (docs/benchmarks.md).
_TOKEN_BATCH = 250_000
# Characters of plan text whose records are made into tables, validated and written together: a part of 128
# ordinary plans (~0.9 M characters) is one batch, so the per-batch costs (a frame, a pandera call per table) are
# paid once a part, as before; a part of larger plans is made in several, so a worker holds the rows of about
# this much text at a time (or of one plan, if it is larger).
_BATCH_CHARS = 2_000_000


def _return_freed_memory() -> None:
    """Give the memory of freed Python objects back to the system (glibc's ``malloc_trim``; nothing elsewhere).
    glibc keeps it for later ``malloc`` calls, but Arrow allocates from its own pool: a large plan's records,
    freed as each table is made, would otherwise stay resident beside the tables made from them."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


class _BadRows(Exception):
    """A document's rows broke the schema (a bug, not bad input): the part is made again one document at a
    time to name it."""


def _token_batches(segments: pd.DataFrame, documents: pd.DataFrame, clauses: pd.DataFrame, counts: dict):
    """The tokens table of ``segments`` as validated Arrow tables, ``_TOKEN_BATCH`` characters of whole segments
    at a time, so that a very large plan never holds all its tokens; ``counts`` (doc_id → tokens) is updated as
    each batch is made. jieba cuts each segment on its own, so the batches change nothing but the positions,
    which continue from one batch to the next."""
    from .tokenize import tokenize_segments

    if segments.empty:
        return
    segments = _cut_long_segments(segments)
    ends = np.cumsum(segments["text"].str.len().to_numpy(dtype="int64"))
    cuts = [0]
    while cuts[-1] < len(segments):  # at least one segment a batch, however long
        done = ends[cuts[-1] - 1] if cuts[-1] else 0
        cuts.append(max(cuts[-1] + 1, int(np.searchsorted(ends, done + _TOKEN_BATCH, "right"))))
    for a, b in zip(cuts, cuts[1:]):
        frame = tokenize_segments(segments.iloc[a:b], documents, clauses)
        if not len(frame):
            continue
        if counts:  # documents carried on from the previous batch go on numbering where they stopped
            before = frame["doc_id"].map(counts).fillna(0).astype("int64").to_numpy()
            frame = frame.assign(position=frame["position"].to_numpy() + before)
        for doc, n in frame["doc_id"].value_counts(sort=False).items():
            counts[doc] = counts.get(doc, 0) + int(n)
        schemas.validate("tokens", frame)
        table = store.to_arrow("tokens", frame)
        del frame
        yield table


# Where a long segment may be cut for tokenising: after one of these, which jieba never joins to the next character.
_CUT_AFTER = "。；，、：）"


def _cut_long_segments(segments: pd.DataFrame) -> pd.DataFrame:
    """``segments`` with every segment longer than ``_TOKEN_BATCH`` characters (a plan without line breaks is one
    segment) cut into pieces of about that size, each a row of the same segment starting where it starts, so that
    a batch is never much larger than ``_TOKEN_BATCH``. The tokens do not change: jieba cuts a text into blocks
    of Han characters, letters and digits and splits what lies between them character by character (``\r\n``
    apart), so a cut after a character outside such a block is a cut jieba makes anyway."""
    import jieba

    long = np.flatnonzero(segments["text"].str.len().to_numpy(dtype="int64") > _TOKEN_BATCH)
    if not len(long):
        return segments
    pieces, done = [], 0
    for i in long:
        text, start = segments["text"].iat[i], int(segments["start"].iat[i])
        cuts = [0]
        while len(text) - cuts[-1] > _TOKEN_BATCH:
            goal = cuts[-1] + _TOKEN_BATCH
            at = max(text.rfind(c, cuts[-1] + 1, goal) for c in _CUT_AFTER) + 1
            if at <= cuts[-1] + 1 or jieba.re_han_default.match(text[at - 1]):  # no place to cut: keep the rest whole
                break
            cuts.append(at)
        cuts.append(len(text))
        pieces.append(segments.iloc[done:i])
        pieces.append(segments.iloc[[i] * (len(cuts) - 1)].assign(
            text=pd.array([text[a:b] for a, b in zip(cuts, cuts[1:])], dtype="string"),
            start=np.array(cuts[:-1], dtype="int64") + start))
        done = i + 1
    pieces.append(segments.iloc[done:])
    return pd.concat(pieces, ignore_index=True)


def _batch_tables(records: list[dict[str, list[dict]]], rows: list[dict], lap=None):
    """Yield ``(table name, validated Arrow table)`` for several documents' records (``document_records``), in
    the documents' order within each table: every table but tokens and documents once, then the tokens in
    batches as they are made, then documents (whose ``n_tokens`` the tokens give). Then append to ``rows`` each
    document's row count per table (the tables where it has rows).

    Consumes ``records``: each table's records are removed from them as soon as its Arrow table is made, so that
    a very large plan's rows are never held as Python objects and as tables at once. One frame, one pandera call
    and one conversion per table for the whole batch: per document they would cost a few milliseconds each.
    """
    import pyarrow as pa

    lap = lap or _no_lap
    counts = [{name: len(recs[name]) for name in TABLES if recs.get(name)} for recs in records]
    ids = [recs["documents"][0]["doc_id"] if recs.get("documents") else None for recs in records]
    large = sum(d["n_chars"] for recs in records for d in recs.get("documents", ())) >= _BATCH_CHARS
    made = {}
    # the tables of most rows first: their records, freed, make room for the next tables
    names = [n for n in TABLES if n != "tokens"]
    for name in sorted(names, key=lambda n: -sum(len(recs.get(n, ())) for recs in records)):
        batch = [r for recs in records for r in recs.pop(name, ())]
        if batch:
            made[name] = schemas.records_table(name, batch)
        del batch
        if large:
            _return_freed_memory()
    lap("frames")
    keep = {}  # the frames the tokeniser reads
    for name in list(made):
        frame = made[name].to_pandas()  # the schema's pandas metadata restores the dtypes
        schemas.validate(name, frame)  # checks, never changes the frame (no coercion)
        if name in ("segments", "clauses"):
            keep[name] = frame
        elif name == "documents":  # not its text: a second copy of a large plan
            keep[name] = frame[["doc_id", "year", "jurisdiction"]]
        del frame
        if name != "documents":
            yield name, made.pop(name)
    lap("validate")
    n_tokens: dict[str, int] = {}
    if "segments" in keep:
        yield from (("tokens", t) for t in _token_batches(keep.pop("segments"), keep["documents"],
                                                          keep.pop("clauses", None), n_tokens))
    keep.clear()
    lap("tokenise")
    if "documents" in made:
        docs = made.pop("documents")
        i = docs.schema.get_field_index("n_tokens")
        values = pa.array([n_tokens.get(d, 0) for d in docs.column("doc_id").to_pylist()], pa.int64())
        yield "documents", docs.set_column(i, docs.schema.field(i), values)
    for doc_id, doc_counts in zip(ids, counts):
        if n_tokens.get(doc_id):
            doc_counts["tokens"] = n_tokens[doc_id]
    rows.extend(counts)


def process_document(row: dict, raw_dir: Path, lap=None) -> dict[str, pd.DataFrame]:
    """All tables of one document as pandas frames (pure apart from reading its raw file), for inspecting a plan
    or testing: the same validated tables the build streams into its files. Bad input → InputError."""
    import pyarrow as pa

    parts: dict[str, list] = {}
    for name, table in _batch_tables([document_records(row, raw_dir, lap)], [], lap):
        parts.setdefault(name, []).append(table)
    return {name: (pa.concat_tables(parts[name]) if name in parts else schemas.arrow_schema(name).empty_table())
            .to_pandas() for name in TABLES}


def _error_records(row: dict, error: Exception) -> dict[str, list[dict]]:
    """A document that could not be built contributes only its diagnostic."""
    if isinstance(error, InputError):
        diag = Diagnostic("error", "unreadable_document", error.message, error.file, error.line, row["doc_id"])
    else:  # a bug, not bad input: still name the document and keep building the others
        diag = Diagnostic("error", "internal_error", f"{type(error).__name__}: {error}; please report this",
                          row["file"], None, row["doc_id"])
    return {"diagnostics": [vars(diag)]}


def _build_part(args, lap=None) -> tuple[dict, list[dict], int]:
    """Build one part (in a worker): process its new or changed documents, copy the others' rows from their
    old part files, write one file per table. Returns the part's index entry, its documents' entries and the
    number of documents processed. ``lap`` as in ``document_records``, plus frames, validate, tokenise, write.

    Each table's file is written as its rows are made (``store.TableWriter``), in batches of documents
    (``_BATCH_CHARS``) and, for tokens, of segments (``_TOKEN_BATCH``): a worker holds one batch's rows and at
    most one row group of tokens, not the part's tables. If a batch's rows break the schema (a bug), the part is
    made again one document at a time, each document's tables held until they all pass, and a document at fault
    is replaced by its ``internal_error`` diagnostic.
    """
    try:
        return _write_part(*args, lap=lap, careful=False)
    except _BadRows:
        return _write_part(*args, lap=lap, careful=True)


def _write_part(pid: str, members: list, raw_dir: Path, out_dir: Path, *, lap, careful: bool):
    import pyarrow.parquet as pq

    writers = {name: store.TableWriter(out_dir, name, f"part-{pid}") for name in TABLES}
    docs: list[dict] = []
    pending: list[tuple[dict, str, dict]] = []  # consecutive new documents not written yet
    chars = processed = 0

    def flush(last: bool = False) -> None:
        nonlocal chars
        if pending:
            docs.extend(_write_batch(pending, writers, lap, careful, last))
            pending.clear()
            chars = 0

    try:
        old_files: dict[str, object] = {}
        for i, (row, key, reuse) in enumerate(members):
            if reuse is None:
                processed += 1
                try:
                    recs = document_records(row, raw_dir, lap)
                except Exception as exc:  # noqa: BLE001 - every failure becomes a diagnostic row naming the file
                    recs = _error_records(row, exc)
                pending.append((row, key, recs))
                chars += sum(d["n_chars"] for d in recs.get("documents", ()))
                if careful or chars >= _BATCH_CHARS or i == len(members) - 1:
                    flush(last=i == len(members) - 1)
                continue
            flush()  # the rows of each table stay in the order of the part's documents
            for name, n in reuse["rows"].items():
                file = reuse["files"][name]
                if file not in old_files:
                    old_files[file] = pq.read_table(out_dir / file, schema=schemas.arrow_schema(name))
                writers[name].append(old_files[file].slice(reuse["offsets"][name], n))
            docs.append({"doc_id": row["doc_id"], "key": key, "status": reuse["status"], "rows": reuse["rows"]})
        old_files.clear()
        written = {}
        for name in TABLES:
            entry = writers[name].close()
            if entry:
                written[name] = entry
        (lap or _no_lap)("write")
    except BaseException:
        for writer in writers.values():
            writer.abort()
        raise
    return {"id": pid, "docs": [d["doc_id"] for d in docs], "tables": written}, docs, processed


def _write_batch(pending: list[tuple[dict, str, dict]], writers: dict, lap, careful: bool, last: bool) -> list[dict]:
    """Append the tables of ``pending`` (consecutive new documents) to the part's writers; their index entries.
    Rows that break the schema raise ``_BadRows``, unless ``careful`` (one document, whose tables are then all
    made before any is written, and replaced by its diagnostic if they fail). The ``last`` batch of a part
    closes each table's file as soon as its rows are in (before tokenising): nothing is then held but the
    tokens' batch and row group."""
    rows: list[dict] = []
    tables = _batch_tables([recs for _, _, recs in pending], rows, lap)
    if careful:
        (row, _, _), = pending
        try:
            tables = list(tables)
        except Exception as exc:  # noqa: BLE001
            rows = []
            tables = list(_batch_tables([_error_records(row, exc)], rows, lap))
    for name, table in _raising_bad_rows(tables):
        writers[name].append(table)
        if last and name != "tokens":
            writers[name].close()
    return [{"doc_id": row["doc_id"], "key": key, "status": "ok" if "documents" in n else "error", "rows": n}
            for (row, key, _), n in zip(pending, rows)]


def _raising_bad_rows(tables):
    """``tables``, any error in making them raised as ``_BadRows`` (errors in writing them are not caught)."""
    it = iter(tables)
    while True:
        try:
            item = next(it)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001
            raise _BadRows(f"{type(exc).__name__}: {exc}") from exc
        yield item


# --------------------------------------------------------------------------------------------------------------
# cache keys


def _code_fingerprint(pkg: Path | None = None) -> str:
    """Hash of the code and data files the build runs (of the package folder ``pkg``, default this package)."""
    pkg = pkg or Path(__file__).resolve().parent
    digest = hashlib.sha256(str(FORMAT).encode())
    for p in sorted(pkg.glob("*.py")):
        if p.name not in _NOT_BUILD_CODE:
            digest.update(p.name.encode() + p.read_bytes())
    for p in sorted((pkg / "data").glob("*")):
        if p.is_file():
            digest.update(p.name.encode() + p.read_bytes())
    return digest.hexdigest()


# Installed packages whose version can change the tables: the tokenizer, OpenCC's tables, the writers, the schema.
_OUTPUT_PACKAGES = ("jieba", "rjieba", "opencc", "opencc-python-reimplemented", "pandas", "pyarrow", "pandera")


def _dependency_versions() -> dict[str, str | None]:
    """The installed version of every package in ``_OUTPUT_PACKAGES`` (None if not installed)."""
    from importlib import metadata

    versions = {}
    for name in _OUTPUT_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _doc_key(row: dict, raw_dir: Path, code: str) -> str:
    digest = hashlib.sha256(code.encode())
    digest.update(json.dumps(row, sort_keys=True, default=str).encode())
    path = raw_dir / row["file"]
    digest.update(path.read_bytes())
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------------------------
# build


def build(*, force: bool = False, jobs: int | None = None, quiet: bool = False, csv: bool = False,
          wait: bool = True, timeout: float | None = None) -> BuildResult:
    """Build every table from ``data/raw`` into ``data/processed`` (reusing the documents that have not changed),
    with the Excel-friendly CSV copies if ``csv``; publish all of it at once (``store.publish``).

    Work and memory grow with the changed documents only: an unchanged part is neither read nor rewritten, and
    a worker holds one part at a time. One build at a time: if another holds the lock, wait for it (up to
    ``timeout`` seconds) or, if not ``wait``, raise ``store.BuildLocked``. A bad manifest raises InputError before
    anything is written.
    """
    t0 = time.perf_counter()
    raw_dir, out_dir = config.raw_dir(), config.processed_dir()
    manifest, manifest_diags = read_manifest(config.manifest_path())
    with store.build_lock(out_dir, wait=wait, timeout=timeout, ):
        return _build_locked(manifest, manifest_diags, raw_dir, out_dir, force=force, jobs=jobs, quiet=quiet,
                             csv=csv, t0=t0)


def _build_locked(manifest: pd.DataFrame, manifest_diags: list, raw_dir: Path, out_dir: Path, *, force: bool,
                  jobs: int | None, quiet: bool, csv: bool, t0: float) -> BuildResult:
    rows = [{k: (None if pd.isna(v) else v) for k, v in r.items()} for r in manifest.to_dict("records")]
    code = _code_fingerprint() + json.dumps(_dependency_versions(), sort_keys=True)
    keys = {r["doc_id"]: _doc_key(r, raw_dir, code) for r in rows}
    manifest_frame = to_frame(manifest_diags)
    stamp = hashlib.sha256(json.dumps([_PART, list(keys.items()), manifest_frame.astype(str).values.tolist()]
                                      ).encode()).hexdigest()
    old = store.read_index(out_dir) or {"parts": [], "documents": []}
    listing = store.listing(out_dir)
    intact = {p["id"]: p for p in old["parts"] if store.intact(p["tables"].values(), listing)}
    if (not force and old.get("stamp") == stamp and len(intact) == len(old["parts"])
            and store.intact([old["manifest"]] if old.get("manifest") else [], listing)):
        store.remove_unlisted(out_dir, old)  # leftovers of a failed or killed build
        if csv and not store.has_csv(out_dir, old):
            store.publish(out_dir, old, csv=True)
        return BuildResult(Corpus(out_dir, old), reused=list(keys), up_to_date=True,
                           seconds=time.perf_counter() - t0)

    reusable = {} if force else _reusable(old, intact, keys)
    parts: list[dict | None] = []
    units = []
    for i in range(0, len(rows), _PART):
        chunk = rows[i:i + _PART]
        pid = hashlib.sha256(json.dumps([[r["doc_id"], keys[r["doc_id"]]] for r in chunk]).encode()).hexdigest()
        pid = pid[:16]
        if not force and pid in intact:
            parts.append(intact[pid])
            continue
        members = [(r, keys[r["doc_id"]], reusable.get(r["doc_id"])) for r in chunk]
        units.append((len(parts), (pid, members, raw_dir, out_dir)))
        parts.append(None)
    docs = {d["doc_id"]: d for d in old["documents"]}
    rebuilt = {row["doc_id"] for _, (_, members, _, _) in units for row, _, reuse in members if reuse is None}
    for part_no, (part, part_docs, _) in _run(units, jobs, quiet):
        parts[part_no] = part
        docs.update((d["doc_id"], d) for d in part_docs)
    index = {"format": FORMAT, "stamp": stamp,
             "manifest": store.write_table(out_dir, "diagnostics", f"@manifest-{stamp[:16]}",
                                      [store.to_arrow("diagnostics", manifest_frame)]) if len(manifest_frame) else None,
             "parts": parts, "documents": [docs[r["doc_id"]] for r in rows]}
    # the commit point: until then the previous generation, and every file it names, is what readers see
    store.publish(out_dir, index, csv=csv)
    with contextlib.suppress(OSError):  # published: what is left over is removed by the next build
        store.remove_unlisted(out_dir, index)
    return BuildResult(Corpus(out_dir, index), rebuilt=[r["doc_id"] for r in rows if r["doc_id"] in rebuilt],
                       reused=[r["doc_id"] for r in rows if r["doc_id"] not in rebuilt],
                       seconds=time.perf_counter() - t0)


def _reusable(old: dict, intact: dict[str, dict], keys: dict[str, str]) -> dict[str, dict]:
    """Where the rows of each unchanged document lie in the intact parts of the previous build."""
    old_docs = {d["doc_id"]: d for d in old["documents"]}
    out = {}
    for part in intact.values():
        offsets = dict.fromkeys(TABLES, 0)
        for doc_id in part["docs"]:
            entry = old_docs[doc_id]
            if keys.get(doc_id) == entry["key"]:
                out[doc_id] = {"status": entry["status"], "rows": entry["rows"],
                               "files": {n: part["tables"][n]["file"] for n in entry["rows"]},
                               "offsets": {n: offsets[n] for n in entry["rows"]}}
            for name, n in entry["rows"].items():
                offsets[name] += n
    return out


def _run(units: list[tuple[int, tuple]], jobs: int | None, quiet: bool):
    """Build the changed parts, on all cores when there are enough documents to process; yields
    ``(part_no, result)`` in part order."""
    jobs = jobs or (os.cpu_count() or 1)
    todo = sum(1 for _, (_, members, _, _) in units for m in members if m[2] is None)
    parallel = todo >= _PARALLEL_FROM and jobs > 1 and len(units) > 1
    if units:
        schemas.pandera_schemas()   # imported once here, before the workers fork, not once in each of them
    with contextlib.ExitStack() as stack, _progress(todo, quiet) as bar:
        run = stack.enter_context(_pool(jobs)).map if parallel else map
        for (part_no, _), result in zip(units, run(_build_part, [unit for _, unit in units])):
            bar.update(result[2])
            yield part_no, result


@contextlib.contextmanager
def _pool(jobs: int):
    """A process pool whose workers never outlive the build: on any exit but success (an error, Ctrl-C, this
    generator closed) they are killed at once instead of finishing their parts; if the build itself is killed,
    each worker's parent-death signal or watcher ends it (``_watch_build``)."""
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_watch_build, initargs=(os.getpid(),))
    _LIVE_POOLS.append(pool)
    try:
        yield pool
    except BaseException:
        if hasattr(signal, "SIGPIPE") and threading.current_thread() is threading.main_thread():
            # the pool's feeder thread may still write to a killed worker's pipe: an error there, not a
            # SIGPIPE that kills the build before it can say why it stopped (the CLI sets SIGPIPE to default)
            signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        kill_workers()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        _LIVE_POOLS.remove(pool)
    pool.shutdown()


_LIVE_POOLS: list[ProcessPoolExecutor] = []


def kill_workers() -> None:
    """Kill the worker processes of every pool of this build (safe from a signal handler: no locks taken)."""
    for pool in list(_LIVE_POOLS):
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            with contextlib.suppress(OSError, ValueError):
                proc.kill()


def _watch_build(build_pid: int) -> None:
    """Worker initializer: Ctrl-C is the build's to handle (it then kills the workers); the worker dies with the
    build (Linux: PR_SET_PDEATHSIG; elsewhere, and as a fallback, a thread that polls the parent)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() != build_pid:  # the build died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while os.getppid() == build_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="watch-build").start()


def _progress(total: int, quiet: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="documents", unit="doc",
                disable=quiet or total < _PARALLEL_FROM or not sys.stderr.isatty())
