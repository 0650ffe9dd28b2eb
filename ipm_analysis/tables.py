"""Tidy tables: build them from the raw plans, cache them, write and read ``data/processed/``.

``build()`` runs ingest → parse → agencies → tokenize for every document in the manifest. Each table is a
Parquet dataset, ``data/processed/<table>/part-<id>.parquet``: the manifest is cut into parts of ``_PART``
consecutive documents, and one worker builds a part and writes its files, so memory stays bounded by a part
and the file count by the corpus size / ``_PART``. A part's id hashes its documents' keys (raw bytes, manifest
row, package code and data files), so an unchanged part is neither read nor rewritten; in a changed part only
the changed documents are rebuilt, the others' rows are copied from the old part file. ``_build.json`` (the
index) lists the parts and documents; it is replaced atomically once every new file is complete, so an
interrupted or failed build leaves the previous index and every file it names intact. Files no index names
are removed after each build.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import config, schemas
from .agencies import extract_clauses
from .diagnostics import Diagnostic, InputError, to_frame
from .ingest import read_document, read_manifest
from .parse import parse

TABLES = ["documents", "segments", "sections", "tasks", "subtasks", "clauses", "task_agencies", "tokens",
          "removals", "diagnostics"]
FORMAT = 2  # layout of data/processed: 1 = one file per table, 2 = one Parquet file per table and part
INDEX = "_build.json"
# Modules that only read or present the tables. Every other module of the package, and every data file, is part
# of each document's key: a new build module (simplify.py was one) invalidates the tables without being listed.
_NOT_BUILD_CODE = {"__init__.py", "__main__.py", "plots.py", "report.py", "selection.py"}
_PARALLEL_FROM = 16  # below this many changed documents, worker start-up costs more than it saves
# Documents per part: large enough that the per-part costs (frames, one pandera call and one Parquet file per
# table: ~70 ms whatever the part's size) are shared, small enough that a one-document change rewrites little
# and a worker holds little (docs/benchmarks.md: 128 saves ~0.5 ms a plan over 64; a worker peaks at ~400 MB).
_PART = 128
# Parquet min/max statistics only for the columns that pick documents out (a reader filtering on them skips
# whole files): computing them for every column, the tokens' text included, cost ~0.12 ms a plan.
_STATISTICS = ("doc_id", "year", "jurisdiction")
# Integer columns that only grow within a document, stored as deltas instead of a dictionary: the tokens' files
# are 2.5x smaller (9 instead of 23 KB a plan) and no slower to write (docs/benchmarks.md).
_DELTA = {"tokens": ("position", "start", "end")}


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
        n = sum(p["tables"][name]["rows"] for p in self._index["parts"] if name in p["tables"])
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
    document = dict(
        doc_id=row["doc_id"], year=int(row["year"]), jurisdiction=row["jurisdiction"], level=row["level"],
        issuer=row["issuer"], issue_date=row["issue_date"] or None, source_form=row["source_form"],
        script=row["script"], title=norm.title, text=norm.body, n_chars=len(norm.body),
        n_sections=len(structure.sections), n_tasks=len(structure.tasks), n_clauses=len(found.clauses),
        n_tokens=0, stated_sections=norm.stated_sections, stated_tasks=norm.stated_tasks, file=row["file"],
        original_file=row["original_file"], sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    return dict(
        documents=[document],
        segments=structure.segments,
        sections=structure.sections,
        tasks=[t | meta for t in structure.tasks],
        subtasks=structure.subtasks,
        clauses=found.clauses,
        task_agencies=[a | meta for a in found.agencies],
        removals=norm.removals,
        diagnostics=[vars(d) for d in norm.diagnostics + structure.diagnostics + found.diagnostics],
    )


def frames_of(records: list[dict[str, list[dict]]], lap=None) -> dict[str, pd.DataFrame]:
    """Every table of several documents' records (``document_records``), tokens included, one frame per table.

    Built for a batch, not per document: creating a frame, tokenising and converting cost a few milliseconds
    a call whatever the number of rows, which is most of a document's non-jieba time when paid per document.
    """
    return _frames_and_tables(records, lap)[0]


def _frames_and_tables(records: list[dict[str, list[dict]]], lap=None) -> tuple[dict[str, pd.DataFrame], dict]:
    """``frames_of``, and the same tables as Arrow tables where they were built from records (all but tokens),
    so that writing them needs no conversion back from pandas."""
    import pyarrow as pa

    from .tokenize import tokenize_segments

    lap = lap or _no_lap
    arrow, frames = {}, {}
    for name in TABLES:
        if name == "tokens":  # made from the segments below
            continue
        rows = [r for recs in records for r in recs.get(name, ())]
        if rows:
            arrow[name] = schemas.records_table(name, rows)
            frames[name] = arrow[name].to_pandas()  # the schema's pandas metadata restores the dtypes
        else:
            frames[name] = schemas.empty(name)
    lap("frames")
    tokens = tokenize_segments(frames["segments"], frames["documents"], frames["clauses"])
    if len(tokens):  # a document's tokens are contiguous, numbered from position 0
        first = np.flatnonzero(tokens["position"].to_numpy() == 0)
        counts = dict(zip(tokens["doc_id"].take(first).tolist(), np.diff(first, append=len(tokens)).tolist()))
        n_tokens = [counts.get(d, 0) for d in frames["documents"]["doc_id"].tolist()]
        frames["documents"]["n_tokens"] = n_tokens
        if "documents" in arrow:  # the same column in the Arrow table, not the whole table again from pandas
            docs = arrow["documents"]
            i = docs.schema.get_field_index("n_tokens")
            arrow["documents"] = docs.set_column(i, docs.schema.field(i), pa.array(n_tokens, pa.int64()))
    lap("tokenise")
    return {name: tokens if name == "tokens" else frames[name] for name in TABLES}, arrow


def process_document(row: dict, raw_dir: Path, lap=None) -> dict[str, pd.DataFrame]:
    """All tables of one document (pure apart from reading its raw file). Bad input → InputError."""
    return frames_of([document_records(row, raw_dir, lap)], lap)


def _error_records(row: dict, error: Exception) -> dict[str, list[dict]]:
    """A document that could not be built contributes only its diagnostic."""
    if isinstance(error, InputError):
        diag = Diagnostic("error", "unreadable_document", error.message, error.file, error.line, row["doc_id"])
    else:  # a bug, not bad input: still name the document and keep building the others
        diag = Diagnostic("error", "internal_error", f"{type(error).__name__}: {error}; please report this",
                          row["file"], None, row["doc_id"])
    return {"diagnostics": [vars(diag)]}


def _checked(built: list[tuple[dict, dict[str, list[dict]]]], lap=None) -> tuple[dict, dict[str, dict]]:
    """Documents' records → validated Arrow tables, with one frame, one pandera call and one conversion per
    table for the whole batch: the batch's tables, and each document's tables as Arrow slices of them (only
    those where it has rows)."""
    lap = lap or _no_lap
    frames, arrow = _frames_and_tables([recs for _, recs in built], lap)
    n_tokens = dict(zip(frames["documents"]["doc_id"].tolist(), frames["documents"]["n_tokens"].tolist()))
    out: dict[str, dict] = {row["doc_id"]: {} for row, _ in built}
    whole = {}
    for name in TABLES:
        if frames[name].empty:
            continue
        schemas.validate(name, frames[name])  # checks, never changes the frame (no coercion)
        table = whole[name] = arrow[name] if name in arrow else _to_arrow(name, frames[name])
        offset = 0
        for row, recs in built:
            n = n_tokens.get(row["doc_id"], 0) if name == "tokens" else len(recs.get(name, ()))
            if n:
                out[row["doc_id"]][name] = table.slice(offset, n)
                offset += n
        if offset != table.num_rows:  # pragma: no cover - would mean a document's rows were miscounted
            raise AssertionError(f"{name}: documents' rows add up to {offset}, the table has {table.num_rows}")
    lap("validate")
    return whole, out


def _validated(built: list[tuple[dict, dict[str, list[dict]]]], lap=None) -> tuple[dict, dict[str, dict]]:
    """``_checked`` for a batch; if the batch fails, find the documents at fault one by one and replace each by
    its ``internal_error`` diagnostic (a bug, not bad input: the document's rows broke the schema). The batch's
    tables are then not returned (only the documents' slices)."""
    try:
        return _checked(built, lap)
    except Exception:  # noqa: BLE001 - rare: redo one by one to name the document
        out = {}
        for row, recs in built:
            try:
                out.update(_checked([(row, recs)])[1])
            except Exception as exc:  # noqa: BLE001
                out.update(_checked([(row, _error_records(row, exc))])[1])
        return {}, out


def _build_part(args, lap=None) -> tuple[dict, list[dict], int]:
    """Build one part (in a worker): process its new or changed documents, copy the others' rows from their
    old part files, write one file per table. Returns the part's index entry, its documents' entries and the
    number of documents processed. ``lap`` as in ``document_records``, plus frames, tokenise, validate, write."""
    import pyarrow.parquet as pq

    pid, members, raw_dir, out_dir = args
    built = []
    for row, key, reuse in members:
        if reuse is None:
            try:
                built.append((row, document_records(row, raw_dir, lap)))
            except Exception as exc:  # noqa: BLE001 - every failure becomes a diagnostic row naming the file
                built.append((row, _error_records(row, exc)))
    whole, new = _validated(built, lap)
    old_files: dict[str, object] = {}
    pieces: dict[str, list] = {name: [] for name in TABLES}
    docs = []
    for row, key, reuse in members:
        if reuse is None:
            tables = new[row["doc_id"]]
            entry = {"status": "ok" if "documents" in tables else "error",
                     "rows": {n: t.num_rows for n, t in tables.items()}}
        else:
            entry, tables = {"status": reuse["status"], "rows": reuse["rows"]}, {}
            for name, n in reuse["rows"].items():
                file = reuse["files"][name]
                if file not in old_files:
                    old_files[file] = pq.read_table(out_dir / file, schema=schemas.arrow_schema(name))
                tables[name] = old_files[file].slice(reuse["offsets"][name], n)
        for name, table in tables.items():
            pieces[name].append(table)
        docs.append({"doc_id": row["doc_id"], "key": key, **entry})
    if whole and len(built) == len(members):  # every document is new: its tables are the batch's, in one piece
        pieces = {name: [whole[name]] if name in whole else [] for name in TABLES}
    written = {name: _write_table(out_dir, name, f"part-{pid}", pieces[name]) for name in TABLES if pieces[name]}
    (lap or _no_lap)("write")
    return {"id": pid, "docs": [d["doc_id"] for d in docs], "tables": written}, docs, len(built)


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

    Work and memory grow with the changed documents only: an unchanged part is neither read nor rewritten, and
    a worker holds one part at a time.
    """
    t0 = time.perf_counter()
    raw_dir, out_dir = config.raw_dir(), config.processed_dir()
    manifest, manifest_diags = read_manifest(config.manifest_path())
    rows = [{k: (None if pd.isna(v) else v) for k, v in r.items()} for r in manifest.to_dict("records")]
    code = _code_fingerprint()
    keys = {r["doc_id"]: _doc_key(r, raw_dir, code) for r in rows}
    manifest_frame = to_frame(manifest_diags)
    stamp = hashlib.sha256(json.dumps([_PART, list(keys.items()), manifest_frame.astype(str).values.tolist()]
                                      ).encode()).hexdigest()
    old = _read_index(out_dir) or {"parts": [], "documents": []}
    listing = _listing(out_dir)
    intact = {p["id"]: p for p in old["parts"] if _intact(p["tables"].values(), listing)}
    if (not force and old.get("stamp") == stamp and len(intact) == len(old["parts"])
            and _intact([old["manifest"]] if old.get("manifest") else [], listing)):
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
             "manifest": _write_table(out_dir, "diagnostics", f"@manifest-{stamp[:16]}",
                                      [_to_arrow("diagnostics", manifest_frame)]) if len(manifest_frame) else None,
             "parts": parts, "documents": [docs[r["doc_id"]] for r in rows]}
    # the commit point: until this rename the previous index, and every file it names, is what readers see
    _atomic_write(out_dir / INDEX, json.dumps(index, indent=1, sort_keys=True).encode())
    _remove_unlisted(out_dir, index)
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
    with contextlib.ExitStack() as stack, _progress(todo, quiet) as bar:
        run = stack.enter_context(ProcessPoolExecutor(max_workers=jobs)).map if parallel else map
        for (part_no, _), result in zip(units, run(_build_part, [unit for _, unit in units])):
            bar.update(result[2])
            yield part_no, result


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


def _to_arrow(name: str, frame: pd.DataFrame):
    """A frame of a table as an Arrow table with the table's schema."""
    import pyarrow as pa

    schema = schemas.arrow_schema(name)
    # column by column: ~3x faster than pa.Table.from_pandas on a document's small frames (docs/benchmarks.md)
    return pa.Table.from_arrays([pa.array(frame[f.name], type=f.type, from_pandas=True) for f in schema],
                                schema=schema)


def _write_table(out_dir: Path, name: str, stem: str, pieces: list) -> dict:
    """Write Arrow tables, one after the other, as ``<table>/<stem>.parquet``; return its index entry."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    # one contiguous table: the file's bytes then depend only on the rows, not on where they came from
    table = pa.concat_tables(pieces).combine_chunks()
    rel = f"{name}/{stem}.parquet"
    with _atomic_file(out_dir / rel) as fh:
        delta = _DELTA.get(name, ())
        pq.write_table(table, fh, write_statistics=[c for c in _STATISTICS if c in table.column_names],
                       use_dictionary=[c for c in table.column_names if c not in delta],
                       column_encoding=dict.fromkeys(delta, "DELTA_BINARY_PACKED"))
        size = fh.tell()
    return {"file": rel, "rows": table.num_rows, "bytes": size}


def _read_index(out_dir: Path) -> dict | None:
    """The index of ``out_dir``, or None if there is none, it is of an older layout, or it is damaged (then
    everything is rebuilt rather than trusted)."""
    try:
        index = json.loads((out_dir / INDEX).read_text(encoding="utf-8"))
        if index.get("format") != FORMAT:
            return None
        docs = {d["doc_id"] for d in index["documents"] if {"key", "status", "rows"} <= d.keys()}
        if len(docs) != len(index["documents"]):
            return None
        for part in index["parts"]:
            if not (set(part["docs"]) <= docs and isinstance(part["id"], str)
                    and all({"file", "bytes", "rows"} <= t.keys() for t in part["tables"].values())):
                return None
        return index
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


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


def _intact(files, listing: dict[str, int]) -> bool:
    """Every file is there with the size it was written with (a damaged or truncated file makes its part a
    cache miss, so it is rebuilt rather than served)."""
    return all(listing.get(f["file"]) == f["bytes"] for f in files)


def _table_files(index: dict, name: str) -> list[str]:
    files = [index["manifest"]["file"]] if name == "diagnostics" and index.get("manifest") else []
    return files + [p["tables"][name]["file"] for p in index["parts"] if name in p["tables"]]


def _remove_unlisted(out_dir: Path, index: dict) -> None:
    """Delete files no index names: replaced versions, leftovers of interrupted builds, the old layout."""
    keep = {f for name in TABLES for f in _table_files(index, name)}
    for rel in _listing(out_dir):
        if rel not in keep and (rel.endswith(".parquet") or rel.endswith(".tmp")):
            (out_dir / rel).unlink(missing_ok=True)
    for name in TABLES:  # layout 1 wrote one file per table at the top, and pickled every document
        for ext in ("parquet", "csv"):
            (out_dir / f"{name}.{ext}").unlink(missing_ok=True)
    shutil.rmtree(config.cache_dir() / "build", ignore_errors=True)
    for p in [*out_dir.glob(".*.tmp"), *(out_dir / "csv").glob(".*.tmp")]:  # left by a killed build
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
