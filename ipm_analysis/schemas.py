"""Column names, dtypes and checks of every processed table (mirrors docs/data_dictionary.md).

``validate(name, frame)`` casts a frame to its documented dtypes and validates it with pandera, so a table with
a missing, extra or renamed column, a duplicate key or an unknown role never reaches ``data/processed/``.
"""
from __future__ import annotations

import functools

import pandas as pd
import pyarrow

S, I, NI, B = "string", "int64", "Int64", "bool"

COLUMNS: dict[str, dict[str, str]] = {
    "documents": dict(doc_id=S, year=I, jurisdiction=S, level=S, issuer=S, issue_date=S, source_form=S, script=S,
                      title=S, text=S, n_chars=I, n_sections=I, n_tasks=I, n_clauses=I, n_tokens=I, stated_sections=NI,
                      stated_tasks=NI, file=S, original_file=S, sha256=S),
    "segments": dict(doc_id=S, segment_no=I, kind=S, section_no=NI, task_id=S, sub_no=NI, start=I, end=I,
                     raw_line=I, text=S),
    "sections": dict(doc_id=S, section_no=I, title=S, start=I, end=I, raw_line=I),
    "tasks": dict(doc_id=S, year=I, jurisdiction=S, section_no=I, task_no=I, seq=I, task_id=S, marker=S, title=S,
                  text=S, start=I, end=I, raw_line=I, n_subtasks=I),
    "subtasks": dict(doc_id=S, task_id=S, sub_no=I, depth=I, parent_sub_no=NI, marker=S, item_no=NI, title=S,
                     text=S, start=I, end=I, raw_line=I),
    "clauses": dict(doc_id=S, task_id=S, sub_no=NI, clause_no=I, raw=S, start=I, end=I, raw_line=I,
                    has_role_verb=B),
    "task_agencies": dict(doc_id=S, year=I, jurisdiction=S, task_id=S, clause_no=I, agency_no=I, agency_raw=S,
                          agency=S, agency_full=S, level=S, successor=S, role=S, role_verb=S, is_generic=B,
                          is_known=B, agency_canonical=S, agency_jurisdiction=S, counterpart=S,
                          counterpart_successor=S, resolved_by=S),
    "tokens": dict(doc_id=S, year=I, jurisdiction=S, segment_no=I, task_id=S, position=I, token=S, start=I, end=I,
                   is_stopword=B, is_punct=B, is_campaign=B, is_agency=B, is_in_clause=B),
    "removals": dict(doc_id=S, rule=S, raw_line=I, removed=S),
    "diagnostics": dict(doc_id=S, file=S, line=NI, severity=S, code=S, message=S),
}

KEYS: dict[str, list[str]] = {
    "documents": ["doc_id"],
    "segments": ["doc_id", "segment_no"],
    "sections": ["doc_id", "section_no"],
    "tasks": ["task_id"],
    "subtasks": ["task_id", "sub_no"],
    "clauses": ["doc_id", "start"],
    "task_agencies": ["doc_id", "task_id", "clause_no", "agency_no"],
    "tokens": ["doc_id", "position"],
}

ALLOWED = {
    ("segments", "kind"): ["title", "preamble", "section_heading", "task", "subtask", "unassigned"],
    ("task_agencies", "role"): ["lead", "responsible", "participating", "unspecified"],
    ("task_agencies", "resolved_by"): ["alias", "rule", "national_alias", "generic", "unknown"],
    ("documents", "level"): ["national", "provincial", "municipal"],
    ("diagnostics", "severity"): ["error", "warning", "info"],
}
NULLABLE = {
    ("documents", "issue_date"), ("documents", "stated_sections"), ("documents", "stated_tasks"),
    ("segments", "section_no"), ("segments", "task_id"), ("segments", "sub_no"),
    ("clauses", "task_id"), ("clauses", "sub_no"), ("tokens", "task_id"),
    ("subtasks", "parent_sub_no"), ("subtasks", "marker"), ("subtasks", "item_no"),
    ("task_agencies", "task_id"), ("task_agencies", "agency"), ("task_agencies", "agency_full"),
    ("task_agencies", "successor"), ("task_agencies", "role_verb"), ("task_agencies", "agency_canonical"),
    ("task_agencies", "agency_jurisdiction"), ("task_agencies", "counterpart"),
    ("task_agencies", "counterpart_successor"),
    ("diagnostics", "doc_id"), ("diagnostics", "file"), ("diagnostics", "line"),
}


@functools.cache
def pandera_schemas() -> dict:
    """The pandera schema of every table, made on first use: importing pandera costs ~0.5 s, which a command
    that validates nothing (a no-change build, reading the tables) should not pay. The build calls this before
    forking its workers, so they share one import."""
    import pandera.pandas as pa
    from pandera.engines import pandas_engine

    class _String(pandas_engine.STRING):
        """pandas' ``string`` dtype (``StringDtype``, missing values ``pd.NA``), checked on the column's dtype.

        pandera's own check of ``"string"`` accepts an ``object`` or ``str`` column of strings too, and tests it
        element by element even when the dtype is right (~0.5 ms a column, a third of a part's validation).
        """

        def check(self, pandera_dtype, data_container=None):
            if data_container is not None:
                return bool(data_container.dtype == pd.StringDtype())
            return super().check(pandera_dtype)

        def __str__(self) -> str:
            return "string"

    def one(name: str) -> pa.DataFrameSchema:
        cols = {}
        for col, dtype in COLUMNS[name].items():
            checks = []
            if (name, col) in ALLOWED:
                checks.append(pa.Check.isin(ALLOWED[(name, col)]))
            if col in ("start", "end", "raw_line", "n_chars"):
                checks.append(pa.Check.ge(0))
            cols[col] = pa.Column(_String() if dtype == S else dtype, checks=checks,
                                  nullable=(name, col) in NULLABLE)
        unique = KEYS.get(name)
        return pa.DataFrameSchema(cols, strict=True, ordered=True, unique=unique if unique else None,
                                  name=name)

    return {name: one(name) for name in COLUMNS}


@functools.cache
def arrow_schema(name: str) -> pyarrow.Schema:
    """The table's Arrow schema (Parquet files), with the pandas metadata that restores the documented dtypes."""
    return pyarrow.Schema.from_pandas(_empty(name), preserve_index=False)


def empty(name: str) -> pd.DataFrame:
    """An empty frame with the table's columns and dtypes."""
    return _empty(name).copy()  # a copy of a cached frame: building one costs ~0.5 ms, asked for per document


@functools.cache
def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in COLUMNS[name].items()})


def conform(name: str, records) -> pd.DataFrame:
    """Records (list of dicts or a frame) → frame with exactly the documented columns and dtypes."""
    if isinstance(records, pd.DataFrame):
        if records.empty:
            return empty(name)
        return records.reindex(columns=list(COLUMNS[name])).astype(COLUMNS[name])
    records = list(records)
    if not records:
        return empty(name)
    return records_table(name, records).to_pandas()  # the schema's pandas metadata restores the dtypes


_RECORDS_AT_ONCE = 1 << 16


def records_table(name: str, records: list[dict]) -> pyarrow.Table:
    """Records (list of dicts; a missing key is a missing value) → Arrow table with the table's schema.

    Arrow reads the dicts in C++: with ``to_pandas`` this is ~1.5x faster than building the pandas columns from
    the records in Python, and the build writes the Arrow table as it is (docs/benchmarks.md). A value of the
    wrong type (a number in a text column) raises instead of being converted.
    """
    if len(records) > _RECORDS_AT_ONCE:  # in slices: from_pylist first makes a Python list of every column
        return pyarrow.concat_tables([records_table(name, records[i:i + _RECORDS_AT_ONCE])
                                      for i in range(0, len(records), _RECORDS_AT_ONCE)])
    schema = arrow_schema(name)
    try:
        return pyarrow.Table.from_pylist(records, schema=schema)
    except (pyarrow.ArrowInvalid, pyarrow.ArrowTypeError) as exc:  # name the column (Arrow does not)
        for field in schema:
            try:
                pyarrow.array([r.get(field.name) for r in records], type=field.type)
            except (pyarrow.ArrowInvalid, pyarrow.ArrowTypeError) as column_exc:
                raise TypeError(f"{name}.{field.name}: {column_exc}") from exc
        raise


def validate(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Validate a table against its schema (raises pandera's SchemaError with the offending rows)."""
    return pandera_schemas()[name].validate(frame)
