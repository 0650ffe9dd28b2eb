"""The corpus API: the processed tables as DataFrames, read lazily from ``data/processed/``."""
from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from . import config
from .diagnostics import InputError
from .store import INDEX, TABLES, read_index, read_table, table_files


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
                frames[name] = read_table(self.__dict__["_source"], self.__dict__["_index"], name)
            return frames[name]
        raise AttributeError(name)

    def select(self, name: str, columns: list[str]) -> pd.DataFrame:
        """Some columns of a table: from memory if the table is loaded, else only those read from disk (the
        build summary of 2,000 plans needs four columns of task_agencies, not its 600,000 rows of text)."""
        frames = self.__dict__["_frames"]
        if name in frames or self._source is None:
            return getattr(self, name)[list(columns)]
        return read_table(self._source, self._index, name, columns)

    def files(self, name: str) -> list[Path]:
        """The Parquet files of one table, in manifest order."""
        return [self._source / f for f in table_files(self._index, name)]

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


def read_tables(in_dir: Path | None = None) -> Corpus:
    """The processed tables of ``in_dir`` (default ``data/processed``), read lazily through its index."""
    in_dir = Path(in_dir or config.processed_dir())
    index = read_index(in_dir)
    if index is None:
        raise InputError(str(in_dir), None, f"no processed tables ({INDEX} missing or of an older layout); run "
                         "`python -m ipm_analysis build`")
    return Corpus(in_dir, index)


def load_corpus(*, rebuild: bool = False, timeout: float = 600) -> Corpus:
    """The processed corpus: built (or brought up to date) first if needed, then read lazily from Parquet.

    If the rebuild cannot run (a broken manifest, another build holding the lock for ``timeout`` seconds, an
    unwritable disk), the tables on disk are returned with a warning naming the problem; only when there are
    none is the problem raised.
    """
    from .builder import build
    from .store import BuildLocked

    try:
        return build(force=rebuild, quiet=True, timeout=timeout).corpus
    except (InputError, BuildLocked, OSError) as exc:
        try:
            corpus = read_tables()
        except InputError:
            raise exc from None
        warnings.warn(f"the tables could not be brought up to date ({exc}); using the tables last built in "
                      "data/processed", stacklevel=2)
        return corpus


def summary(corpus: Corpus) -> pd.DataFrame:
    """Per-document build summary: sections, tasks, clauses, agency mentions, diagnostics by severity."""
    docs = corpus.select("documents", ["doc_id", "year", "n_sections", "n_tasks", "n_clauses", "n_tokens"]
                         ).set_index("doc_id")
    ta = corpus.select("task_agencies", ["doc_id", "agency", "is_known", "is_generic"])
    diag = corpus.select("diagnostics", ["doc_id", "severity"])
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
