"""Tidy tables: build them from the raw plans, cache them, write and read ``data/processed/``.

``build()`` runs ingest → parse → agencies → tokenize for every document in the manifest. Each table is a
Parquet dataset with one file per document (``data/processed/<table>/<doc_id>.<key>.parquet``), written by the
worker that built the document, so memory stays bounded by a batch of documents and a rebuild writes only what
changed. ``<key>`` hashes the document's raw bytes, manifest row, the package code and its data files: a
document whose key is unchanged is not rebuilt. ``_build.json`` (the index) lists the files of every document;
it is replaced atomically once every new file is complete, so an interrupted or failed build leaves the
previous index and every file it names intact. Files no index names are removed after each build.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
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
FORMAT = 2  # layout of data/processed: 1 = one file per table, 2 = one Parquet file per table and document
INDEX = "_build.json"
# Modules and data files whose change invalidates every document's key.
_CODE_FILES = ["ingest.py", "parse.py", "agencies.py", "tokenize.py", "tables.py", "schemas.py", "diagnostics.py"]
_PARALLEL_FROM = 16  # below this many changed documents, worker start-up costs more than it saves
_BATCH = 32          # documents validated together: pandera costs ~5 ms a call whatever the size of the frame


class Corpus:
    """The processed tables of the corpus, one DataFrame per attribute (see docs/data_dictionary.md):
    documents, segments, sections, tasks, subtasks, clauses, task_agencies, tokens, removals, diagnostics.

    Read from ``data/processed`` lazily: a table is loaded from its files the first time it is used, so a
    no-change rebuild or a notebook that needs two tables does not read the (large) tokens table. Rows are in
    manifest order (manifest findings first in ``diagnostics``).
    """

    def __init__(self, source: Path | None = None, index: dict | None = None, **frames: pd.DataFrame):
        unknown = set(frames) - set(TABLES)
        if unknown or (source is None and set(frames) != set(TABLES)):
            raise TypeError(f"Corpus needs the tables {TABLES}; got {sorted(frames)}")
        self._source = Path(source) if source is not None else None
        self._index = index
        self._frames: dict[str, pd.DataFrame] = dict(frames)

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name in TABLES:
            frames = self.__dict__["_frames"]
            if name not in frames:
                frames[name] = _read_table(self.__dict__["_source"], self.__dict__["_index"], name)
            return frames[name]
        raise AttributeError(name)

    def files(self, name: str) -> list[Path]:
        """The Parquet files of one table, in manifest order."""
        return [self._source / f for f in _table_files(self._index, name)]

    def rows(self, name: str) -> int:
        """Number of rows of a table, from the index (without reading the table)."""
        n = sum(d["tables"][name]["rows"] for d in self._index["documents"] if name in d["tables"])
        return n + ((self._index.get("manifest") or {}).get("rows", 0) if name == "diagnostics" else 0)

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


def process_document(row: dict, raw_dir: Path, lap=None) -> dict[str, pd.DataFrame]:
    """All tables of one document (pure apart from reading its raw file). Bad input → InputError.

    ``lap(stage)``, if given, is called as each stage ends (normalise, parse, agencies, frames, tokenise):
    the benchmark times the stages of this very code path with it.
    """
    from .tokenize import tokenize_segments

    lap = lap or (lambda stage: None)
    path = raw_dir / row["file"]
    norm = read_document(path, doc_id=row["doc_id"], script=row["script"])
    lap("normalise")
    structure = parse(norm)
    lap("parse")
    found = extract_clauses(norm, structure.segments, level=row["level"], jurisdiction=row["jurisdiction"])
    lap("agencies")
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
    lap("frames")
    frames["tokens"] = tokenize_segments(segments, documents, frames["clauses"])
    frames["documents"] = documents.assign(n_tokens=len(frames["tokens"]))
    lap("tokenise")
    return frames


def _error_frames(row: dict, error: Exception) -> dict[str, pd.DataFrame]:
    """A document that could not be built contributes only its diagnostic."""
    if isinstance(error, InputError):
        diag = Diagnostic("error", "unreadable_document", error.message, error.file, error.line, row["doc_id"])
    else:  # a bug, not bad input: still name the document and keep building the others
        diag = Diagnostic("error", "internal_error", f"{type(error).__name__}: {error}; please report this",
                          row["file"], None, row["doc_id"])
    return {"diagnostics": to_frame([diag])}


def _validated(built: list[tuple[dict, dict[str, pd.DataFrame]]]) -> list[tuple[dict, dict[str, pd.DataFrame]]]:
    """Validate a batch of documents' tables with one pandera call per table; if that fails, find the
    documents at fault one by one and replace each by its ``internal_error`` diagnostic."""
    def check(frames_list):
        for name in TABLES:
            parts = [f[name] for f in frames_list if name in f and not f[name].empty]
            if parts:
                schemas.validate(name, pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0])

    try:
        check([frames for _, frames in built])
        return built
    except Exception:  # noqa: BLE001 - rare: redo one by one to name the document
        out = []
        for row, frames in built:
            try:
                check([frames])
            except Exception as exc:  # noqa: BLE001
                frames = _error_frames(row, exc)
            out.append((row, frames))
        return out


def _build_batch(args) -> list[tuple[str, dict]]:
    """Build, validate and write a batch of documents (in a worker); return each document's index entry."""
    rows, raw_dir, out_dir, keys = args
    built = []
    for row in rows:
        try:
            built.append((row, process_document(row, raw_dir)))
        except Exception as exc:  # noqa: BLE001 - every failure becomes a diagnostic row naming the file
            built.append((row, _error_frames(row, exc)))
    return [(row["doc_id"], _write_document(out_dir, row["doc_id"], keys[row["doc_id"]], frames))
            for row, frames in _validated(built)]


# --------------------------------------------------------------------------------------------------------------
# cache keys


def _code_fingerprint() -> str:
    pkg = Path(__file__).resolve().parent
    digest = hashlib.sha256(str(FORMAT).encode())
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
    """Build every table from ``data/raw`` into ``data/processed`` (reusing the documents that have not changed).

    Work and memory grow with the number of changed documents only: unchanged documents are neither read nor
    rewritten, and each worker holds at most a batch of documents.
    """
    t0 = time.perf_counter()
    raw_dir, out_dir = config.raw_dir(), config.processed_dir()
    manifest, manifest_diags = read_manifest(config.manifest_path())
    rows = [{k: (None if pd.isna(v) else v) for k, v in r.items()} for r in manifest.to_dict("records")]
    code = _code_fingerprint()
    keys = {r["doc_id"]: _doc_key(r, raw_dir, code) for r in rows}
    manifest_frame = to_frame(manifest_diags)
    stamp = hashlib.sha256(json.dumps([list(keys.items()), manifest_frame.astype(str).values.tolist()]
                                      ).encode()).hexdigest()
    old = _read_index(out_dir) or {}
    listing = _listing(out_dir)
    old_docs = {e["doc_id"]: e for e in old.get("documents", [])}
    if (not force and old.get("stamp") == stamp
            and all(_intact(e, listing) for e in [*old_docs.values(), old.get("manifest") or {}])):
        return BuildResult(Corpus(out_dir, old), reused=list(keys), up_to_date=True,
                           seconds=time.perf_counter() - t0)

    entries, todo = {}, []
    for r in rows:
        entry = old_docs.get(r["doc_id"])
        if (not force and entry and entry["key"] == keys[r["doc_id"]] and entry["status"] == "ok"
                and _intact(entry, listing)):
            entries[r["doc_id"]] = entry
        else:  # new, changed, damaged, or failed last time (failures are retried, not cached)
            todo.append(r)
    entries.update(_run(todo, raw_dir, out_dir, keys, jobs, quiet))
    index = {"format": FORMAT, "stamp": stamp,
             "manifest": _write_table(out_dir, "diagnostics", f"@manifest.{stamp[:16]}", manifest_frame),
             "documents": [{**entries[r["doc_id"]], "doc_id": r["doc_id"]} for r in rows]}
    # the commit point: until this rename the previous index, and every file it names, is what readers see
    _atomic_write(out_dir / INDEX, json.dumps(index, indent=1, sort_keys=True).encode())
    _remove_unlisted(out_dir, index)
    rebuilt = {r["doc_id"] for r in todo}
    return BuildResult(Corpus(out_dir, index), rebuilt=[r["doc_id"] for r in todo],
                       reused=[r["doc_id"] for r in rows if r["doc_id"] not in rebuilt],
                       seconds=time.perf_counter() - t0)


def _run(todo: list[dict], raw_dir: Path, out_dir: Path, keys: dict[str, str], jobs: int | None,
         quiet: bool) -> dict[str, dict]:
    """Build the changed documents in batches, on all cores when there are enough of them."""
    jobs = jobs or (os.cpu_count() or 1)
    parallel = len(todo) >= _PARALLEL_FROM and jobs > 1
    # several batches per worker keep both cores busy to the end; small batches bound each worker's memory
    size = max(1, min(_BATCH, -(-len(todo) // (jobs * 4)))) if parallel else _BATCH
    batches = [(todo[i:i + size], raw_dir, out_dir, {r["doc_id"]: keys[r["doc_id"]] for r in todo[i:i + size]})
               for i in range(0, len(todo), size)]
    entries: dict[str, dict] = {}
    with _progress(len(todo), quiet) as bar:
        if parallel:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                for done in pool.map(_build_batch, batches):
                    entries.update(done)
                    bar.update(len(done))
        else:
            for batch in batches:
                done = _build_batch(batch)
                entries.update(done)
                bar.update(len(done))
    return entries


def _progress(total: int, quiet: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="documents", unit="doc",
                disable=quiet or total < _PARALLEL_FROM or not sys.stderr.isatty())


# --------------------------------------------------------------------------------------------------------------
# files and the index


@contextlib.contextmanager
def _atomic_file(path: Path):
    """A binary file handle whose content replaces ``path`` only once complete (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _atomic_write(path: Path, data: bytes) -> None:
    with _atomic_file(path) as fh:
        fh.write(data)


def _write_table(out_dir: Path, name: str, stem: str, frame: pd.DataFrame) -> dict | None:
    """Write one document's rows of a table as ``<table>/<stem>.parquet``; its index entry (None if no rows)."""
    if frame.empty:
        return None
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = schemas.arrow_schema(name)
    # column by column: ~4x faster than pa.Table.from_pandas on a document's small frames (docs/benchmarks.md)
    table = pa.Table.from_arrays([pa.array(frame[f.name], type=f.type, from_pandas=True) for f in schema],
                                 schema=schema)
    rel = f"{name}/{stem}.parquet"
    with _atomic_file(out_dir / rel) as fh:
        pq.write_table(table, fh)
        size = fh.tell()
    return {"file": rel, "rows": len(frame), "bytes": size}


def _write_document(out_dir: Path, doc_id: str, key: str, frames: dict[str, pd.DataFrame]) -> dict:
    """Write every table of one document; its index entry. File names carry the key, so a new version of a
    document never overwrites the files the current index names."""
    tables = {}
    for name in TABLES:
        if name in frames:
            entry = _write_table(out_dir, name, f"{doc_id}.{key[:16]}", frames[name])
            if entry:
                tables[name] = entry
    return {"key": key, "status": "ok" if "documents" in frames else "error", "tables": tables}


def _read_index(out_dir: Path) -> dict | None:
    """The index of ``out_dir``, or None if there is none (or it is damaged, or of an older layout)."""
    try:
        index = json.loads((out_dir / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return index if isinstance(index, dict) and index.get("format") == FORMAT else None


def _listing(out_dir: Path) -> dict[str, int]:
    """Size of every file under the table folders, by path relative to ``out_dir``."""
    sizes = {}
    for name in TABLES:
        try:
            with os.scandir(out_dir / name) as it:
                for e in it:
                    sizes[f"{name}/{e.name}"] = e.stat().st_size
        except FileNotFoundError:
            continue
    return sizes


def _intact(entry: dict, listing: dict[str, int]) -> bool:
    """Every file of an index entry is there with the size it was written with (a damaged or truncated file
    makes its document a cache miss, so it is rebuilt rather than served)."""
    files = [entry] if "file" in entry else entry.get("tables", {}).values()
    return all(listing.get(f["file"]) == f["bytes"] for f in files)


def _table_files(index: dict, name: str) -> list[str]:
    files = [(index.get("manifest") or {}).get("file")] if name == "diagnostics" else []
    files += [d["tables"][name]["file"] for d in index["documents"] if name in d["tables"]]
    return [f for f in files if f]


def _remove_unlisted(out_dir: Path, index: dict) -> None:
    """Delete files no index names: replaced versions, leftovers of interrupted builds, the old layout."""
    keep = {f for name in TABLES for f in _table_files(index, name)}
    for rel in _listing(out_dir):
        if rel not in keep and (rel.endswith(".parquet") or rel.endswith(".tmp")):
            (out_dir / rel).unlink(missing_ok=True)
    for name in TABLES:  # layout 1 wrote one file per table at the top
        for ext in ("parquet", "csv"):
            (out_dir / f"{name}.{ext}").unlink(missing_ok=True)
    for p in out_dir.glob(".*.tmp"):
        p.unlink(missing_ok=True)


def _read_table(source: Path, index: dict, name: str) -> pd.DataFrame:
    files = [source / f for f in _table_files(index, name)]
    if not files:
        return schemas.empty(name)
    import pyarrow.dataset as ds

    try:
        return ds.dataset(files, schema=schemas.arrow_schema(name), format="parquet").to_table().to_pandas()
    except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
        raise InputError(str(source), None, f"the {name} table cannot be read ({exc}); run "
                         "`python -m ipm_analysis build` to rebuild it") from exc


def read_tables(in_dir: Path | None = None) -> Corpus:
    """The processed tables of ``in_dir`` (default ``data/processed``), read lazily through its index."""
    in_dir = Path(in_dir or config.processed_dir())
    index = _read_index(in_dir)
    if index is None:
        raise InputError(str(in_dir), None, f"no processed tables ({INDEX} missing or of an older layout); run "
                         "`python -m ipm_analysis build`")
    return Corpus(in_dir, index)


def load_corpus(*, rebuild: bool = False) -> Corpus:
    """The processed corpus: built (or brought up to date) first if needed, then read lazily from Parquet."""
    return build(force=rebuild, quiet=True).corpus


def write_csv(corpus: Corpus, out_dir: Path | None = None) -> bool:
    """Excel-friendly CSV copies of every table in ``data/processed/csv/`` (UTF-8 with BOM).

    Streamed file by file, so memory stays that of one document; skipped when the copies are already those of
    the current index. Returns whether anything was written.
    """
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    csv_dir = Path(out_dir or config.processed_dir()) / "csv"
    marker = csv_dir / "_csv.json"
    stamp = json.dumps({"stamp": corpus._index["stamp"]})
    if (marker.exists() and marker.read_text(encoding="utf-8") == stamp
            and all((csv_dir / f"{t}.csv").exists() for t in TABLES)):
        return False
    marker.unlink(missing_ok=True)
    csv_dir.mkdir(parents=True, exist_ok=True)
    options = pacsv.WriteOptions(quoting_style="needed")
    for name in TABLES:
        with _atomic_file(csv_dir / f"{name}.csv") as fh:
            fh.write("\ufeff".encode("utf-8"))  # BOM: Excel then reads the file as UTF-8
            with pacsv.CSVWriter(fh, schemas.arrow_schema(name), write_options=options) as writer:
                for f in corpus.files(name):
                    writer.write_table(pq.read_table(f, schema=schemas.arrow_schema(name)))
    _atomic_write(marker, stamp.encode())
    return True


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
