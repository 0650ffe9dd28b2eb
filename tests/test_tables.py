"""ipm_analysis.builder, store, corpus and schemas: the build, the cache, the files and the data dictionary."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from ipm_analysis import schemas
from ipm_analysis.builder import build
from ipm_analysis.corpus import Corpus, read_tables, summary
from ipm_analysis.store import TABLES, write_csv

REAL = ["2012_national", "2017_national", "2018_qingdao", "2020_national", "2021_national"]
DICTIONARY = Path(__file__).resolve().parents[1] / "docs" / "data_dictionary.md"


def _documented_columns() -> dict[str, list[str]]:
    """Column names per table as written in docs/data_dictionary.md (rows like `| a, b | dtype | ... |`)."""
    out, table = {}, None
    for line in DICTIONARY.read_text(encoding="utf-8").splitlines():
        head = re.match(r"^## (\w+)", line)
        if head:
            table = head.group(1)
            out[table] = []
            continue
        cell = re.match(r"^\| ([a-z_0-9, ]+) \|", line)
        if table and cell and cell.group(1).strip() != "column":
            out[table].extend(c.strip() for c in cell.group(1).split(","))
    return out


@pytest.mark.parametrize("name", list(schemas.COLUMNS))
def test_data_dictionary_matches_schema(name):
    assert _documented_columns()[name] == list(schemas.COLUMNS[name])


def test_corpus_has_every_table(corpus):
    assert isinstance(corpus, Corpus)
    for name in TABLES:
        assert isinstance(getattr(corpus, name), pd.DataFrame)


@pytest.mark.parametrize("name", list(schemas.COLUMNS))
def test_tables_match_schema(corpus, name):
    frame = getattr(corpus, name)
    schemas.validate(name, frame)
    assert {c: str(t) for c, t in frame.dtypes.items()} == {
        c: str(pd.Series(dtype=d).dtype) for c, d in schemas.COLUMNS[name].items()}


@pytest.mark.parametrize("dtype", [object, "str"])
def test_schema_refuses_strings_of_another_dtype(corpus, dtype):
    """A text column must be pandas' ``string`` dtype: object or ``str`` (NaN for missing) columns of the same
    strings are refused, so a table read back always has the documented dtypes."""
    import pandera.errors

    frame = corpus.tasks.astype({"title": dtype})
    with pytest.raises(pandera.errors.SchemaError, match="'title' to have type string"):
        schemas.validate("tasks", frame)


def test_files_written_and_readable(corpus, project_copy):
    """One Parquet file per table (the five plans make one part); the folder reads with any Parquet reader."""
    out = project_copy / "data" / "processed"
    for name in ("documents", "tasks", "tokens"):
        assert len([p for p in (out / name).iterdir() if p.suffix == ".parquet"]) == 1
        direct = pd.read_parquet(out / name)          # the folder, as pandas/pyarrow/duckdb read it
        pd.testing.assert_frame_equal(direct, getattr(corpus, name))
    assert corpus.rows("tokens") == len(corpus.tokens) == corpus.documents["n_tokens"].sum()
    again = read_tables(out)
    pd.testing.assert_frame_equal(again.tasks, corpus.tasks)


def test_parts_hold_consecutive_documents(corpus, tmp_path, monkeypatch):
    """With parts of two documents the five plans make three parts per table, read back in manifest order."""
    import shutil

    from ipm_analysis import builder

    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "raw", tmp_path / "data" / "raw")
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(tmp_path))
    monkeypatch.setattr(builder, "_PART", 2)
    result = build(quiet=True)
    out = tmp_path / "data" / "processed"
    assert len(list((out / "tokens").glob("part-*.parquet"))) == 3
    assert len(list((out / "clauses").glob("part-*.parquet"))) == 3      # 2012 has none, 2017 shares its part
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(result.corpus, name), getattr(corpus, name))
    direct = pd.read_parquet(out / "tasks").sort_values("task_id", ignore_index=True)
    pd.testing.assert_frame_equal(direct, corpus.tasks.sort_values("task_id", ignore_index=True))


def test_csv_copies(corpus, project_copy):
    out = project_copy / "data" / "processed"
    write_csv(corpus, out)
    for name in TABLES:
        csv = (out / "csv" / f"{name}.csv").read_bytes()
        assert csv.startswith(b"\xef\xbb\xbf")          # BOM so Excel reads UTF-8
        assert len(pd.read_csv(out / "csv" / f"{name}.csv", encoding="utf-8-sig")) == len(getattr(corpus, name))
    tasks = pd.read_csv(out / "csv" / "tasks.csv", encoding="utf-8-sig")
    assert tasks["title"].tolist() == corpus.tasks["title"].tolist()
    assert not write_csv(corpus, out)                   # already those of this build: nothing rewritten


def test_rebuild_reuses_cache(corpus, project_copy, monkeypatch):
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(project_copy))
    result = build()
    assert result.up_to_date and result.rebuilt == []


def test_code_key_covers_every_build_module(tmp_path):
    """Editing any module the build runs (a new one too) changes every document's key; editing a module that
    only presents the tables, or the analysis subpackage, does not."""
    import shutil

    from ipm_analysis import builder

    pkg = tmp_path / "ipm_analysis"
    shutil.copytree(Path(builder.__file__).parent, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    before = builder._code_fingerprint(pkg)
    assert before == builder._code_fingerprint()
    for module in ("simplify.py", "parse.py", "config.py", "new_stage.py", "data/stopwords.txt"):
        path = pkg / module
        saved = path.read_bytes() if path.exists() else None
        with open(path, "a", encoding="utf-8") as fh:
            fh.write("\n# edited\n")
        assert builder._code_fingerprint(pkg) != before, module
        path.write_bytes(saved) if saved is not None else path.unlink()
    for module in ("plots.py", "report.py", "__main__.py", "analysis/keywords.py"):
        with open(pkg / module, "a", encoding="utf-8") as fh:
            fh.write("\n# edited\n")
        assert builder._code_fingerprint(pkg) == before, module


def test_documents_table(corpus):
    docs = corpus.documents.set_index("doc_id")
    assert docs["year"].tolist() == [2012, 2017, 2018, 2020, 2021]
    assert docs.loc["2018_qingdao", ["jurisdiction", "level"]].tolist() == ["青岛市", "municipal"]
    assert docs.loc["2017_national", "original_file"] == "004_60a208e3080f6e38.txt"
    assert (docs["n_chars"] == docs["text"].str.len()).all()


def test_summary(corpus):
    s = summary(corpus).set_index("doc_id")
    assert s.loc["2020_national", ["sections", "tasks", "clauses"]].tolist() == [7, 35, 61]
    assert s.loc["2012_national", "agency_mentions"] == 0
    assert s["errors"].sum() == 0


def test_dependency_version_is_part_of_the_key(corpus, project_copy, tmp_path, monkeypatch):
    """A new jieba (or OpenCC, pandas, pyarrow, pandera) rebuilds every document; the same versions do not."""
    import shutil

    from ipm_analysis import builder

    shutil.copytree(project_copy / "data", tmp_path / "data", symlinks=True)
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(tmp_path))
    assert build(quiet=True).up_to_date
    real = builder._dependency_versions()
    monkeypatch.setattr(builder, "_dependency_versions", lambda: real | {"jieba": "99.0"})
    result = build(quiet=True)
    assert not result.up_to_date and len(result.rebuilt) == 5
    monkeypatch.setattr(builder, "_dependency_versions", lambda: real)
    assert len(build(quiet=True).rebuilt) == 5 and build(quiet=True).up_to_date


@pytest.mark.parametrize("batch", [3000, 150])
def test_tokens_made_in_batches_are_the_same(corpus, monkeypatch, batch):
    """Tokenised a few segments at a time (as a very large plan is), the tokens table is the same; so it is
    with segments longer than a batch cut into pieces (as a plan without line breaks is)."""
    from ipm_analysis import builder

    monkeypatch.setattr(builder, "_TOKEN_BATCH", batch)
    segments, expected, docs = corpus.segments, corpus.tokens, corpus.documents
    if batch < 200:
        # ~45 ms a batch (a pandera call each): the first national plan and the local plan, 111 batches, not
        # all five plans' 334
        keep = list(docs.groupby(docs["level"] == "national", sort=False)["doc_id"].first())
        segments = segments[segments["doc_id"].isin(keep)].reset_index(drop=True)
        expected = expected[expected["doc_id"].isin(keep)].reset_index(drop=True)
        docs = docs[docs["doc_id"].isin(keep)]
        assert len(keep) == 2 and set(docs["level"]) > {"national"}
        cut = builder._cut_long_segments(segments)
        assert len(cut) > len(segments) + 30 and cut["text"].str.len().max() < 400
        whole = lambda f: f.groupby(["doc_id", "segment_no"], sort=False)["text"].sum().tolist()  # noqa: E731
        assert whole(cut) == whole(segments)
    counts = {}
    batches = list(builder._token_batches(segments, corpus.documents, corpus.clauses, counts))
    assert len(batches) > 5
    tokens = pa.concat_tables(batches)
    pd.testing.assert_frame_equal(tokens.to_pandas(), expected)
    assert counts == docs.set_index("doc_id")["n_tokens"].to_dict()


def test_no_clause_outside_the_tasks(tmp_path):
    """A text with no title line and no task (one long line) is not a plan's body: no responsibility clause is
    looked for in it, however many brackets it holds (a plan in prose after its title keeps its clauses:
    test_bad_input.test_document_without_sections)."""
    from ipm_analysis.agencies import extract_clauses
    from ipm_analysis.ingest import normalise
    from ipm_analysis.parse import parse

    text = "二〇三〇年的说明（市场监管总局、公安部负责）" * 50
    norm = normalise(text, doc_id="x", file="x.txt", script="zh-Hans")
    found = extract_clauses(norm, parse(norm).segments, level="national", jurisdiction="全国")
    assert found.clauses == [] and found.agencies == []


# Row groups of 8,192 rows instead of 1,048,576 in the two tests below: the same code paths (held, streamed, the
# last group short) at 1/128 of the rows, so each takes a fraction of a second instead of several
SMALL_ROW_GROUP = 8192


def test_large_table_written_in_row_groups_is_the_same_file(tmp_path, monkeypatch):
    """Past one row group, a table is written slice by slice (no second copy of it): the bytes are those of
    writing it whole."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ipm_analysis import store

    assert store.ROW_GROUP == 1024 * 1024   # pyarrow's default row group: held tables are written in one
    monkeypatch.setattr(store, "ROW_GROUP", SMALL_ROW_GROUP)
    n = store.ROW_GROUP * 2 + 123
    rng = np.random.default_rng(0)
    table = pa.table({"doc_id": pa.array(np.repeat(["a", "b", "c"], [n // 3, n // 3, n - 2 * (n // 3)]),
                                         pa.large_string()),
                      "position": pa.array(np.arange(n)), "token": pa.array(rng.integers(0, 50, n).astype(str),
                                                                              pa.large_string())})
    pieces = [table.slice(0, 1000), table.slice(1000, n)]
    entry = store.write_table(tmp_path, "tokens", "part-x", pieces)
    whole = tmp_path / "whole.parquet"
    pq.write_table(table, whole, write_statistics=["doc_id"], use_dictionary=["doc_id", "token"],
                   column_encoding={"position": "DELTA_BINARY_PACKED"}, row_group_size=store.ROW_GROUP)
    assert entry["rows"] == n and (tmp_path / entry["file"]).read_bytes() == whole.read_bytes()
    assert pq.ParquetFile(whole).num_row_groups == 3


def test_table_writer_streams_row_groups_and_gives_the_bytes_of_one_write(tmp_path, monkeypatch):
    """Appended in pieces of any size (most smaller than a row group, one spanning several), a table is written
    row group by row group as they fill, holding at most one, and the file is that of writing it whole; an
    aborted writer leaves nothing behind, and a writer that got no rows writes no file."""
    import numpy as np
    import pyarrow.parquet as pq

    from ipm_analysis import store

    monkeypatch.setattr(store, "ROW_GROUP", SMALL_ROW_GROUP)
    n = store.ROW_GROUP * 2 + 5000
    rng = np.random.default_rng(1)
    table = pa.table({"doc_id": pa.array(np.repeat(["a", "b"], [n // 2, n - n // 2]), pa.large_string()),
                      "position": pa.array(np.arange(n)), "start": pa.array(np.arange(n) * 2),
                      "end": pa.array(np.arange(n) * 2 + 1),
                      "token": pa.array(rng.integers(0, 500, n).astype(str), pa.large_string())})
    writer = store.TableWriter(tmp_path, "tokens", "part-x")
    cuts = [0, 1, 5_000, 7_000, 7_001, n - 10, n]   # as at 1,048,576: 700,000, 900,000, 900,001
    for a, b in zip(cuts, cuts[1:]):
        writer.append(table.slice(a, b - a))
        assert writer._held_rows <= store.ROW_GROUP
    entry = writer.close()
    assert writer.close() is entry and entry["rows"] == n
    whole = store.write_table(tmp_path, "tokens", "whole", [table])
    assert (tmp_path / entry["file"]).read_bytes() == (tmp_path / whole["file"]).read_bytes()
    assert pq.ParquetFile(tmp_path / entry["file"]).num_row_groups == 3

    aborted = store.TableWriter(tmp_path, "tokens", "part-y")
    aborted.append(table)
    aborted.abort()
    assert sorted(p.name for p in (tmp_path / "tokens").iterdir()) == ["part-x.parquet", "whole.parquet"]
    assert store.TableWriter(tmp_path, "tasks", "part-z").close() is None
    assert not (tmp_path / "tasks").exists()
