"""Storage of the processed tables in ``data/processed/``: Parquet parts, generations, the lock, CSV copies.

Each table is a Parquet dataset, ``data/processed/<table>/part-<id>.parquet``; a part's name hashes its
documents' keys, so a part file, once complete, never changes. What a build publishes is a *generation*,
``.generations/g-*/``, holding the index ``_build.json`` (the parts and documents) and the CSV copies ``csv/``.
The symbolic link ``current`` names the published generation and is switched in one atomic rename, so the
index, the parts it names and the CSV copies become visible together; ``_build.json`` and ``csv`` at the top
are fixed links through ``current``. Anything a failed or killed build left (parts no index names, unpublished
generations, temp files) is removed by the next build. One build at a time: ``build_lock``.

Pure I/O: what to write is decided in ``builder``.
"""
from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from . import config, schemas
from .diagnostics import InputError

TABLES = ["documents", "segments", "sections", "tasks", "subtasks", "clauses", "task_agencies", "tokens",
          "removals", "diagnostics"]
FORMAT = 2  # layout of data/processed: 1 = one file per table, 2 = one Parquet file per table and part
INDEX = "_build.json"
CURRENT = "current"
GENERATIONS = ".generations"
LOCK = ".build.lock"
CSV_MARKER = "_csv.json"
# Text cells a spreadsheet would run as a formula (OWASP "CSV injection"): neutralised in the CSV copies only.
_FORMULA_START = r"^[=+\-@\t\r]"
# Parquet min/max statistics only for the columns that pick documents out (a reader filtering on them skips
# whole files): computing them for every column, the tokens' text included, cost ~0.12 ms a plan.
_STATISTICS = ("doc_id", "year", "jurisdiction")
# Integer columns that only grow within a document, stored as deltas instead of a dictionary: the tokens' files
# are 2.5x smaller (9 instead of 23 KB a plan) and no slower to write (docs/benchmarks.md).
_DELTA = {"tokens": ("position", "start", "end")}
# pyarrow's default row group (rows): a table written in slices of exactly this many rows makes the same file.
ROW_GROUP = 1024 * 1024


@contextlib.contextmanager
def atomic_file(path: Path):
    """A binary file handle whose content replaces ``path`` only once complete (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600: others sharing the project could not read it
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: Path, data: bytes) -> None:
    with atomic_file(path) as fh:
        fh.write(data)


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in blocks (never a second copy of a large plan's bytes)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


@functools.cache
def _umask() -> int:
    mask = os.umask(0o22)  # the only way to read it is to set it
    os.umask(mask)
    return mask


# --------------------------------------------------------------------------------------------------------------
# one build at a time


class BuildLocked(Exception):
    """Another build holds the lock (and the caller would not, or could no longer, wait)."""


@contextlib.contextmanager
def build_lock(out_dir: Path, *, wait: bool = True, timeout: float | None = None, say=None):
    """Hold ``data/processed/.build.lock`` (``fcntl.flock``) for the body; while held, the file holds this
    process's pid. The kernel releases a flock when its holder dies, so a lock left by a killed build is
    simply taken; the pid in the file is then stale and only used for the message.

    Held by another build: say "another build (pid N) is running; waiting" (``say``, default stderr) and wait
    (up to ``timeout`` seconds), or raise ``BuildLocked`` at once if ``wait`` is false.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(out_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
    held = False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            if not wait:
                raise BuildLocked(f"another build (pid {holder}) is running; not waiting (--no-wait)") from None
            (say or (lambda m: print(m, file=sys.stderr, flush=True)))(
                f"another build (pid {holder}) is running; waiting")
            if timeout is None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            else:
                deadline = time.monotonic() + timeout
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise BuildLocked(f"another build (pid {holder}) is still running after "
                                              f"{timeout:g} s") from None
                        time.sleep(0.1)
        held = True
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        if held:
            os.ftruncate(fd, 0)  # no pid in the file once nobody holds the lock
        os.close(fd)  # releases the lock


# --------------------------------------------------------------------------------------------------------------
# generations


# generations this process has published: an interrupted build says whether its new tables are already in place
committed: list[str] = []


def publish(out_dir: Path, index: dict, *, csv: bool) -> None:
    """Make ``index`` (whose part files are complete) the current generation, with CSV copies of every table if
    ``csv``: written into a new generation directory, then ``current`` switched to it in one rename. A failure
    before the switch leaves the previous generation as it was."""
    gens = out_dir / GENERATIONS
    gens.mkdir(parents=True, exist_ok=True)
    gen = Path(tempfile.mkdtemp(dir=gens, prefix="g-"))
    try:
        os.chmod(gen, 0o777 & ~_umask())
        atomic_write(gen / INDEX, json.dumps(index, indent=1, sort_keys=True).encode())
        if csv:
            write_csv_files(out_dir, index, gen / "csv")
        _switch_link(out_dir / CURRENT, f"{GENERATIONS}/{gen.name}")  # the commit point
        committed.append(gen.name)
    except BaseException:
        shutil.rmtree(gen, ignore_errors=True)
        raise
    for name in (INDEX, "csv"):  # fixed links; replace the files of the layout before generations
        _switch_link(out_dir / name, f"{CURRENT}/{name}")


def _switch_link(path: Path, target: str) -> None:
    """Point the symbolic link ``path`` at ``target`` atomically (a directory in its way, as left by a copy
    that followed the links, is removed first)."""
    if path.is_symlink() and os.readlink(path) == target:
        return
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, path)


def current_generation(out_dir: Path) -> Path | None:
    """The directory of the published generation, or None (no build yet, or the layout before generations)."""
    link = out_dir / CURRENT
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def has_csv(out_dir: Path, index: dict) -> bool:
    """Whether the published generation holds complete CSV copies of ``index``."""
    gen = current_generation(out_dir)
    try:
        return gen is not None and json.loads((gen / "csv" / CSV_MARKER).read_text(encoding="utf-8")) == {
            "stamp": index["stamp"]}
    except (OSError, ValueError):
        return False


def to_arrow(name: str, frame: pd.DataFrame):
    """A frame of a table as an Arrow table with the table's schema."""
    import pyarrow as pa

    schema = schemas.arrow_schema(name)
    # column by column: ~3x faster than pa.Table.from_pandas on a document's small frames (docs/benchmarks.md)
    return pa.Table.from_arrays([pa.array(frame[f.name], type=f.type, from_pandas=True) for f in schema],
                                schema=schema)


def write_table(out_dir: Path, name: str, stem: str, pieces: list) -> dict:
    """Write Arrow tables, one after the other, as ``<table>/<stem>.parquet``; return its index entry."""
    writer = TableWriter(out_dir, name, stem)
    try:
        for piece in pieces:
            writer.append(piece)
        return writer.close(empty=True)
    except BaseException:
        writer.abort()
        raise


class TableWriter:
    """One table's Parquet file, written as its pieces (Arrow tables) arrive, so that a part never holds more
    than one row group of a table it has already made.

    The file's bytes are those of writing all the pieces as one table, whatever their sizes: a table of up to one
    row group (``ROW_GROUP`` rows) is held and written whole at ``close`` (``pq.write_table``); past that, each
    row group of exactly ``ROW_GROUP`` rows is written, made contiguous, as soon as it is complete. The file
    appears (temp file + rename) only at ``close``; ``abort`` removes what was written.
    """

    def __init__(self, out_dir: Path, name: str, stem: str):
        self.path, self.rel = out_dir / f"{name}/{stem}.parquet", f"{name}/{stem}.parquet"
        self._delta = _DELTA.get(name, ())
        self.rows = 0
        self._held: list = []  # appended tables not written yet (fewer than ROW_GROUP rows, but for the last)
        self._held_rows = 0
        self._stack: contextlib.ExitStack | None = None  # the open temp file, once a row group is written
        self._writer = self._fh = None
        self._closed: tuple[dict | None] | None = None  # (the entry,) once closed

    def append(self, table) -> None:
        if self._closed is not None:
            raise ValueError(f"{self.rel}: appended to after close")
        if not table.num_rows:
            if not self._held:  # kept only for its schema: an empty table asked for is written empty
                self._held.append(table)
            return
        self._held.append(table)
        self._held_rows += table.num_rows
        self.rows += table.num_rows
        while self._held_rows > ROW_GROUP:
            self._write_group(ROW_GROUP)

    def close(self, *, empty: bool = False) -> dict | None:
        """Write what is held and put the file in place; its index entry (None if no rows were appended, unless
        ``empty``: then an empty file is written). Closing again gives the same entry."""
        if self._closed is None:
            self._closed = (self._close(empty),)
        return self._closed[0]

    def _close(self, empty: bool) -> dict | None:
        import pyarrow.parquet as pq

        if self._writer is None:
            if not self.rows and not empty:
                self._held = []
                return None
            table = _concat(self._held).combine_chunks()
            self._held, self._held_rows = [], 0
            # one contiguous table: the file's bytes then depend only on the rows, not on where they came from
            with atomic_file(self.path) as fh:
                pq.write_table(table, fh, **self._options(table.schema))
                size = fh.tell()
            del table
        else:
            if self._held_rows:
                self._write_group(self._held_rows)
            self._writer.close()
            size = self._fh.tell()
            stack, self._stack, self._writer, self._fh = self._stack, None, None, None
            stack.close()  # the temp file renamed into place
        return {"file": self.rel, "rows": self.rows, "bytes": size}

    def abort(self) -> None:
        """Drop what is held and remove the temp file, if any (never raises)."""
        self._held, self._held_rows = [], 0
        stack, self._stack, writer, self._writer, self._fh = self._stack, None, self._writer, None, None
        if stack is not None:
            with contextlib.suppress(Exception):
                writer.close()
            error = RuntimeError("aborted")
            with contextlib.suppress(Exception):
                stack.__exit__(type(error), error, None)  # atomic_file removes its temp file

    def _write_group(self, n: int) -> None:
        import pyarrow.parquet as pq

        held = _concat(self._held)
        if self._writer is None:
            self._stack = contextlib.ExitStack()
            self._fh = self._stack.enter_context(atomic_file(self.path))
            self._writer = pq.ParquetWriter(self._fh, held.schema, **self._options(held.schema))
        self._writer.write_table(held.slice(0, n).combine_chunks())
        rest = held.slice(n)
        self._held, self._held_rows = ([rest] if rest.num_rows else []), rest.num_rows


    def _options(self, schema) -> dict:
        return dict(write_statistics=[c for c in _STATISTICS if c in schema.names],
                    use_dictionary=[c for c in schema.names if c not in self._delta],
                    column_encoding=dict.fromkeys(self._delta, "DELTA_BINARY_PACKED"))


def _concat(tables: list):
    import pyarrow as pa

    return tables[0] if len(tables) == 1 else pa.concat_tables(tables)


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
    """Delete what the published generation does not use: replaced parts, leftovers of failed or killed builds
    (parts, generations, temp files), the layouts before generations."""
    keep = {f for name in TABLES for f in table_files(index, name)}
    for rel in listing(out_dir):
        if rel not in keep and (rel.endswith(".parquet") or rel.endswith(".tmp")):
            (out_dir / rel).unlink(missing_ok=True)
    for name in TABLES:  # layout 1 wrote one file per table at the top, and pickled every document
        for ext in ("parquet", "csv"):
            (out_dir / f"{name}.{ext}").unlink(missing_ok=True)
    shutil.rmtree(config.cache_dir() / "build", ignore_errors=True)
    current = current_generation(out_dir)
    if current is not None:
        for gen in (out_dir / GENERATIONS).iterdir():
            if gen.resolve() != current:
                shutil.rmtree(gen, ignore_errors=True)
    for p in out_dir.glob(".*.tmp"):  # temp files and links left by a killed build
        p.unlink(missing_ok=True)


def read_table(source: Path, index: dict, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """One table of a generation (only ``columns``, if given: Parquet reads just those)."""
    files = [source / f for f in table_files(index, name)]
    if not files:
        return schemas.empty(name) if columns is None else schemas.empty(name)[list(columns)]
    import pyarrow.dataset as ds

    try:
        return (ds.dataset(files, schema=schemas.arrow_schema(name), format="parquet")
                .to_table(columns=None if columns is None else list(columns)).to_pandas())
    except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
        raise InputError(str(source), None, f"the {name} table cannot be read ({exc}); run "
                         "`python -m ipm_analysis build` to rebuild it") from exc


def write_csv(corpus, out_dir: Path | None = None) -> bool:
    """Excel-friendly CSV copies of every table of ``corpus`` in ``data/processed/csv/`` (a new generation with
    the same index, published as one). Skipped when the copies are already those of the corpus's index.
    Returns whether anything was written."""
    out_dir = Path(out_dir or config.processed_dir())
    if has_csv(out_dir, corpus._index):
        return False
    publish(out_dir, corpus._index, csv=True)
    remove_unlisted(out_dir, corpus._index)
    return True


def write_csv_files(out_dir: Path, index: dict, csv_dir: Path) -> None:
    """CSV copies of every table of ``index`` in ``csv_dir`` (UTF-8 with BOM; text cells that a spreadsheet
    would run as a formula get a leading apostrophe). Streamed file by file: memory stays that of one part."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    csv_dir.mkdir(parents=True, exist_ok=True)
    options = pacsv.WriteOptions(quoting_style="needed")
    for name in TABLES:
        schema = schemas.arrow_schema(name)
        with atomic_file(csv_dir / f"{name}.csv") as fh:
            fh.write("\ufeff".encode("utf-8"))  # BOM: Excel then reads the file as UTF-8
            with pacsv.CSVWriter(fh, schema, write_options=options) as writer:
                for f in table_files(index, name):
                    writer.write_table(neutralise_formulas(pq.read_table(out_dir / f, schema=schema)))
    atomic_write(csv_dir / CSV_MARKER, json.dumps({"stamp": index["stamp"]}).encode())


def neutralise_formulas(table):
    """``table`` with every text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a CR prefixed by an
    apostrophe, which spreadsheets show but do not run (OWASP's advice against CSV injection)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for column, field in zip(table.columns, table.schema):
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            risky = pc.match_substring_regex(column, _FORMULA_START)
            if pc.any(risky).as_py():
                quote = pa.scalar("'", field.type)
                column = pc.if_else(risky, pc.binary_join_element_wise(quote, column, pa.scalar("", field.type)),
                                    column)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=table.schema)
