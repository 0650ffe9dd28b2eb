"""Storage of the processed tables in ``data/processed/``: Parquet parts, the index, CSV copies.

Each table is a Parquet dataset, ``data/processed/<table>/part-<id>.parquet``; ``_build.json`` (the index) lists
the parts and documents. Files are written to a temp file and renamed once complete. Pure I/O: what to write is
decided in ``builder``.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from . import config, schemas
from .diagnostics import InputError

TABLES = ["documents", "segments", "sections", "tasks", "subtasks", "clauses", "task_agencies", "tokens",
          "removals", "diagnostics"]
FORMAT = 2  # layout of data/processed: 1 = one file per table, 2 = one Parquet file per table and part
INDEX = "_build.json"
# Parquet min/max statistics only for the columns that pick documents out (a reader filtering on them skips
# whole files): computing them for every column, the tokens' text included, cost ~0.12 ms a plan.
_STATISTICS = ("doc_id", "year", "jurisdiction")
# Integer columns that only grow within a document, stored as deltas instead of a dictionary: the tokens' files
# are 2.5x smaller (9 instead of 23 KB a plan) and no slower to write (docs/benchmarks.md).
_DELTA = {"tokens": ("position", "start", "end")}


@contextlib.contextmanager
def atomic_file(path: Path):
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


def atomic_write(path: Path, data: bytes) -> None:
    with atomic_file(path) as fh:
        fh.write(data)


def to_arrow(name: str, frame: pd.DataFrame):
    """A frame of a table as an Arrow table with the table's schema."""
    import pyarrow as pa

    schema = schemas.arrow_schema(name)
    # column by column: ~3x faster than pa.Table.from_pandas on a document's small frames (docs/benchmarks.md)
    return pa.Table.from_arrays([pa.array(frame[f.name], type=f.type, from_pandas=True) for f in schema],
                                schema=schema)


def write_table(out_dir: Path, name: str, stem: str, pieces: list) -> dict:
    """Write Arrow tables, one after the other, as ``<table>/<stem>.parquet``; return its index entry."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    # one contiguous table: the file's bytes then depend only on the rows, not on where they came from
    table = pa.concat_tables(pieces).combine_chunks()
    rel = f"{name}/{stem}.parquet"
    with atomic_file(out_dir / rel) as fh:
        delta = _DELTA.get(name, ())
        pq.write_table(table, fh, write_statistics=[c for c in _STATISTICS if c in table.column_names],
                       use_dictionary=[c for c in table.column_names if c not in delta],
                       column_encoding=dict.fromkeys(delta, "DELTA_BINARY_PACKED"))
        size = fh.tell()
    return {"file": rel, "rows": table.num_rows, "bytes": size}


def read_index(out_dir: Path) -> dict | None:
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


def listing(out_dir: Path) -> dict[str, int]:
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


def intact(files, listing: dict[str, int]) -> bool:
    """Every file is there with the size it was written with (a damaged or truncated file makes its part a
    cache miss, so it is rebuilt rather than served)."""
    return all(listing.get(f["file"]) == f["bytes"] for f in files)


def table_files(index: dict, name: str) -> list[str]:
    files = [index["manifest"]["file"]] if name == "diagnostics" and index.get("manifest") else []
    return files + [p["tables"][name]["file"] for p in index["parts"] if name in p["tables"]]


def remove_unlisted(out_dir: Path, index: dict) -> None:
    """Delete files no index names: replaced versions, leftovers of interrupted builds, the old layout."""
    keep = {f for name in TABLES for f in table_files(index, name)}
    for rel in listing(out_dir):
        if rel not in keep and (rel.endswith(".parquet") or rel.endswith(".tmp")):
            (out_dir / rel).unlink(missing_ok=True)
    for name in TABLES:  # layout 1 wrote one file per table at the top, and pickled every document
        for ext in ("parquet", "csv"):
            (out_dir / f"{name}.{ext}").unlink(missing_ok=True)
    shutil.rmtree(config.cache_dir() / "build", ignore_errors=True)
    for p in [*out_dir.glob(".*.tmp"), *(out_dir / "csv").glob(".*.tmp")]:  # left by a killed build
        p.unlink(missing_ok=True)


def read_table(source: Path, index: dict, name: str) -> pd.DataFrame:
    files = [source / f for f in table_files(index, name)]
    if not files:
        return schemas.empty(name)
    import pyarrow.dataset as ds

    try:
        return ds.dataset(files, schema=schemas.arrow_schema(name), format="parquet").to_table().to_pandas()
    except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
        raise InputError(str(source), None, f"the {name} table cannot be read ({exc}); run "
                         "`python -m ipm_analysis build` to rebuild it") from exc


def write_csv(corpus, out_dir: Path | None = None) -> bool:
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
        with atomic_file(csv_dir / f"{name}.csv") as fh:
            fh.write("\ufeff".encode("utf-8"))  # BOM: Excel then reads the file as UTF-8
            with pacsv.CSVWriter(fh, schemas.arrow_schema(name), write_options=options) as writer:
                for f in corpus.files(name):
                    writer.write_table(pq.read_table(f, schema=schemas.arrow_schema(name)))
    atomic_write(marker, stamp.encode())
    return True
