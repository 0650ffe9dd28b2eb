"""Tidy tables: build them from the raw plans, cache them, write and read ``data/processed/``.

``build()`` runs ingest → parse → agencies → tokenize for every document in the manifest and writes each table
as Parquet and Excel-friendly CSV. Work is cached per document under a content key (raw bytes, manifest row,
package code and data files), so a rebuild redoes only changed documents, and a build with nothing changed
writes nothing. Writes are atomic: a table file is replaced only by a complete new one.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import config, schemas
from .agencies import extract_clauses
from .diagnostics import Diagnostic, InputError, to_frame
from .ingest import read_document, read_manifest
from .parse import parse

TABLES = ["documents", "segments", "sections", "tasks", "subtasks", "clauses", "task_agencies", "tokens",
          "removals", "diagnostics"]
# Modules and data files whose change invalidates the per-document cache.
_CODE_FILES = ["ingest.py", "parse.py", "agencies.py", "tokenize.py", "tables.py", "schemas.py"]
_PARALLEL_FROM = 16  # below this many changed documents, worker start-up costs more than it saves


class Corpus:
    """The processed tables of the corpus, one DataFrame per attribute (see docs/data_dictionary.md):
    documents, segments, sections, tasks, subtasks, clauses, task_agencies, tokens, removals, diagnostics.

    Read from ``data/processed`` lazily: a table is loaded from its Parquet file the first time it is used,
    so a no-change rebuild or a notebook that needs two tables does not read the (large) tokens table.
    """

    def __init__(self, source: Path | None = None, **frames: pd.DataFrame):
        unknown = set(frames) - set(TABLES)
        if unknown or (source is None and set(frames) != set(TABLES)):
            raise TypeError(f"Corpus needs the tables {TABLES}; got {sorted(frames)}")
        self._source = Path(source) if source is not None else None
        self._frames: dict[str, pd.DataFrame] = dict(frames)

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name in TABLES:
            frames = self.__dict__["_frames"]
            if name not in frames:
                frames[name] = pd.read_parquet(self.__dict__["_source"] / f"{name}.parquet")
            return frames[name]
        raise AttributeError(name)

    def text(self, doc_id: str, start: int | None = None, end: int | None = None) -> str:
        """The normalised body of a document, or the span ``[start, end)`` of it."""
        body = self.documents.set_index("doc_id").at[doc_id, "text"]
        return body[start:end]

    def __repr__(self) -> str:
        loaded = ", ".join(f"{n}={len(self._frames[n])}" for n in TABLES if n in self._frames)
        return f"Corpus({loaded or 'nothing loaded yet'}; tables: {', '.join(TABLES)})"


@dataclass
class BuildResult:
    corpus: Corpus
    rebuilt: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    up_to_date: bool = False
    seconds: float = 0.0


# --------------------------------------------------------------------------------------------------------------
# one document


def process_document(row: dict, raw_dir: Path) -> dict[str, pd.DataFrame]:
    """All tables of one document (pure apart from reading its raw file). Bad input → InputError."""
    from .tokenize import tokenize_segments

    path = raw_dir / row["file"]
    norm = read_document(path, doc_id=row["doc_id"], script=row["script"])
    structure = parse(norm)
    found = extract_clauses(norm, structure.segments, level=row["level"], jurisdiction=row["jurisdiction"])
    meta = dict(year=int(row["year"]), jurisdiction=row["jurisdiction"])

    documents = schemas.conform("documents", [dict(
        doc_id=row["doc_id"], year=int(row["year"]), jurisdiction=row["jurisdiction"], level=row["level"],
        issuer=row["issuer"], issue_date=row["issue_date"] or None, source_form=row["source_form"],
        script=row["script"], title=norm.title, text=norm.body, n_chars=len(norm.body),
        n_sections=len(structure.sections), n_tasks=len(structure.tasks), n_clauses=len(found.clauses),
        n_tokens=0,
        stated_sections=norm.stated_sections, stated_tasks=norm.stated_tasks, file=row["file"],
        original_file=row["original_file"], sha256=hashlib.sha256(path.read_bytes()).hexdigest())])
    segments = schemas.conform("segments", structure.segments)
    frames = dict(
        documents=documents,
        segments=segments,
        sections=schemas.conform("sections", structure.sections),
        tasks=schemas.conform("tasks", [t | meta for t in structure.tasks]),
        subtasks=schemas.conform("subtasks", structure.subtasks),
        clauses=schemas.conform("clauses", found.clauses),
        task_agencies=schemas.conform("task_agencies", [a | meta for a in found.agencies]),
        removals=schemas.conform("removals", norm.removals),
        diagnostics=to_frame(norm.diagnostics + structure.diagnostics + found.diagnostics),
    )
    frames["tokens"] = tokenize_segments(segments, documents, frames["clauses"])
    frames["documents"] = documents.assign(n_tokens=len(frames["tokens"]))
    return frames


def _error_frames(row: dict, error: Exception) -> dict[str, pd.DataFrame]:
    """A document that could not be built contributes only its diagnostic."""
    if isinstance(error, InputError):
        diag = Diagnostic("error", "unreadable_document", error.message, error.file, error.line, row["doc_id"])
    else:  # a bug, not bad input: still name the document and keep building the others
        diag = Diagnostic("error", "internal_error", f"{type(error).__name__}: {error}; please report this",
                          row["file"], None, row["doc_id"])
    return {"diagnostics": to_frame([diag])}


def _build_one(args) -> tuple[str, dict[str, pd.DataFrame]]:
    row, raw_dir = args
    try:
        return row["doc_id"], process_document(row, raw_dir)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a diagnostic row naming the file
        return row["doc_id"], _error_frames(row, exc)


# --------------------------------------------------------------------------------------------------------------
# cache keys


def _code_fingerprint() -> str:
    pkg = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in _CODE_FILES:
        p = pkg / name
        if p.exists():
            digest.update(p.read_bytes())
    for p in sorted((pkg / "data").glob("*")):
        if p.is_file():
            digest.update(p.name.encode() + p.read_bytes())
    return digest.hexdigest()


def _doc_key(row: dict, raw_dir: Path, code: str) -> str:
    digest = hashlib.sha256(code.encode())
    digest.update(json.dumps(row, sort_keys=True, default=str).encode())
    path = raw_dir / row["file"]
    digest.update(path.read_bytes())
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------------------------
# build


def build(*, force: bool = False, jobs: int | None = None, quiet: bool = False) -> BuildResult:
    """Build every table from ``data/raw`` into ``data/processed`` (reusing what has not changed)."""
    t0 = time.perf_counter()
    raw_dir, out_dir = config.raw_dir(), config.processed_dir()
    cache = config.cache_dir() / "build"
    manifest, manifest_diags = read_manifest(config.manifest_path())
    rows = [{k: (None if pd.isna(v) else v) for k, v in r.items()} for r in manifest.to_dict("records")]
    code = _code_fingerprint()
    keys = {r["doc_id"]: _doc_key(r, raw_dir, code) for r in rows}
    stamp = hashlib.sha256(json.dumps([keys, [str(d) for d in manifest_diags]], sort_keys=True).encode()
                           ).hexdigest()
    stamp_file = out_dir / "_build.json"
    if not force and stamp_file.exists() and all((out_dir / f"{t}.parquet").exists() for t in TABLES):
        try:
            corpus = None
            if json.loads(stamp_file.read_text()).get("stamp") == stamp:
                import pyarrow.parquet as pq

                for t in TABLES:  # each file's footer must parse: a damaged table is rebuilt, not served
                    pq.read_metadata(out_dir / f"{t}.parquet")
                corpus = read_tables(out_dir)
        except Exception:  # noqa: BLE001 - damaged output (or stamp): rebuild it below
            corpus = None
        if corpus is not None:
            return BuildResult(corpus, reused=list(keys), up_to_date=True, seconds=time.perf_counter() - t0)

    per_doc: dict[str, dict[str, pd.DataFrame]] = {}
    todo = []
    for r in rows:
        cached = cache / f"{r['doc_id']}.pkl"
        if not force and cached.exists():
            try:
                with open(cached, "rb") as fh:
                    key, frames = pickle.load(fh)
            except Exception:  # noqa: BLE001 - a damaged or incompatible cache entry is a cache miss
                key = None
            if key == keys[r["doc_id"]]:
                per_doc[r["doc_id"]] = frames
                continue
        todo.append(r)
    jobs = jobs or (os.cpu_count() or 1)
    work = [(r, raw_dir) for r in todo]
    if len(todo) >= _PARALLEL_FROM and jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = pool.map(_build_one, work, chunksize=max(1, len(work) // (jobs * 8)))
            results = _progress(results, len(work), quiet)
            built = dict(results)
    else:
        built = dict(_progress(map(_build_one, work), len(work), quiet))
    cache.mkdir(parents=True, exist_ok=True)
    for r in todo:
        frames = built[r["doc_id"]]
        if "documents" in frames:  # failed documents are retried next time, not cached
            _atomic_pickle(cache / f"{r['doc_id']}.pkl", (keys[r["doc_id"]], frames))
        per_doc[r["doc_id"]] = frames

    tables = {}
    order = [r["doc_id"] for r in rows]
    for name in TABLES:
        parts = [per_doc[d][name] for d in order if name in per_doc[d]]
        if name == "diagnostics":
            parts = [to_frame(manifest_diags)] + parts
        parts = [p for p in parts if not p.empty]
        frame = pd.concat(parts, ignore_index=True) if parts else schemas.empty(name)
        tables[name] = schemas.validate(name, frame)
    corpus = Corpus(**tables)
    stamp_file.unlink(missing_ok=True)  # until every table is replaced, the old stamp must not vouch for them
    write_tables(corpus, out_dir)
    _atomic_write(stamp_file, json.dumps({"stamp": stamp, "documents": keys}, indent=1, sort_keys=True).encode())
    return BuildResult(corpus, rebuilt=[r["doc_id"] for r in todo],
                       reused=[d for d in order if d not in {r["doc_id"] for r in todo}],
                       seconds=time.perf_counter() - t0)


def _progress(iterable, total: int, quiet: bool):
    if quiet or total < _PARALLEL_FROM or not sys.stderr.isatty():
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc="documents", unit="doc")


# --------------------------------------------------------------------------------------------------------------
# I/O


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _atomic_pickle(path: Path, obj) -> None:
    _atomic_write(path, pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def write_tables(corpus: Corpus, out_dir: Path | None = None) -> None:
    """Write every table as Parquet and as Excel-friendly CSV (UTF-8 with BOM), each file atomically.

    Every file is serialised in memory first, so a failure while serialising (the likely one) leaves all the
    previous files untouched; only then are they renamed into place one by one.
    """
    import io

    import pyarrow as pa
    import pyarrow.csv as pacsv

    out_dir = Path(out_dir or config.processed_dir())
    payloads: list[tuple[Path, bytes]] = []
    # pyarrow's CSV writer is ~10x faster than DataFrame.to_csv on the tokens table (docs/benchmarks.md)
    csv_options = pacsv.WriteOptions(quoting_style="needed")
    for name in TABLES:
        frame: pd.DataFrame = getattr(corpus, name)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        buf = io.BytesIO()
        frame.to_parquet(buf, index=False, engine="pyarrow")
        payloads.append((out_dir / f"{name}.parquet", buf.getvalue()))
        csv = io.BytesIO()
        csv.write("\ufeff".encode("utf-8"))  # BOM: Excel then reads the file as UTF-8
        pacsv.write_csv(table, csv, write_options=csv_options)
        payloads.append((out_dir / f"{name}.csv", csv.getvalue()))
    for path, data in payloads:
        _atomic_write(path, data)


def read_tables(in_dir: Path | None = None) -> Corpus:
    """Read the processed Parquet tables."""
    in_dir = Path(in_dir or config.processed_dir())
    return Corpus(in_dir)


def load_corpus(*, rebuild: bool = False) -> Corpus:
    """The processed corpus: built (or brought up to date) first if needed, then read from Parquet."""
    return build(force=rebuild, quiet=True).corpus


def summary(corpus: Corpus) -> pd.DataFrame:
    """Per-document build summary: sections, tasks, clauses, agency mentions, diagnostics by severity."""
    docs = corpus.documents.set_index("doc_id")
    ta = corpus.task_agencies
    diag = corpus.diagnostics
    known = ta[ta["is_known"] & ~ta["is_generic"]]
    out = pd.DataFrame({
        "year": docs["year"],
        "sections": docs["n_sections"],
        "tasks": docs["n_tasks"],
        "clauses": docs["n_clauses"],
        "agency_mentions": known.groupby("doc_id").size(),
        "agencies": known.groupby("doc_id")["agency"].nunique(),
        "generic": ta[ta["is_generic"]].groupby("doc_id").size(),
        "unknown": ta[~ta["is_known"]].groupby("doc_id").size(),
        "tokens": docs["n_tokens"],
    }).reindex(docs.index)
    for sev in ("error", "warning", "info"):
        out[sev + "s"] = diag[diag["severity"] == sev].groupby("doc_id").size().reindex(out.index)
    return out.fillna(0).astype("int64").reset_index()
