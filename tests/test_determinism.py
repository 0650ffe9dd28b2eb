"""Determinism and the build cache: same inputs → byte-identical files; only changed documents are rebuilt and
rewritten; a failed or interrupted build leaves the previous index and every file it names intact."""
from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from ipm_analysis import builder
from ipm_analysis.builder import build
from ipm_analysis.corpus import read_tables
from ipm_analysis.store import TABLES

REPO_RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
REAL = ["2012_national", "2017_national", "2018_qingdao", "2020_national", "2021_national"]


def make_root(path: Path, *, copies: int = 0) -> Path:
    """A project root holding the real plans, plus ``copies`` extra documents copied from them."""
    raw = path / "data" / "raw"
    shutil.copytree(REPO_RAW, raw)
    if copies:
        with open(raw / "manifest.csv", encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        extra = []
        for i in range(copies):
            base = rows[i % len(rows)]
            row = dict(base, doc_id=f"{base['doc_id']}_copy{i:02d}", file=f"{base['doc_id']}_copy{i:02d}.txt")
            shutil.copy(raw / base["file"], raw / row["file"])
            extra.append(row)
        with open(raw / "manifest.csv", "a", encoding="utf-8", newline="") as fh:
            csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n").writerows(extra)
    return path


INDEX = ".generations/G/_build.json"  # the published index, as processed_files names it


def processed_files(root: Path) -> dict[str, Path]:
    """The files (not links) under data/processed, by relative path; the generation directory's random name
    replaced by G, the lock file left out."""
    out = root / "data" / "processed"
    files = {}
    for folder, _, names in os.walk(out):
        for name in names:
            p = Path(folder) / name
            rel = p.relative_to(out).parts
            if p.is_symlink() or rel == (".build.lock",):
                continue
            if rel[0] == ".generations":
                rel = (rel[0], "G", *rel[2:])
            files["/".join(rel)] = p
    return files


def processed_bytes(root: Path) -> dict[str, bytes]:
    return {rel: p.read_bytes() for rel, p in sorted(processed_files(root).items())}


def stamps(root: Path) -> dict[str, int]:
    return {rel: p.stat().st_mtime_ns for rel, p in processed_files(root).items()}


def leftovers(root: Path) -> list[str]:
    """Temp files, and generations but the published one."""
    out = root / "data" / "processed"
    temp = [p.name for p in out.rglob(".*") if p.name not in (".build.lock", ".generations")]
    gens = [g.name for g in (out / ".generations").iterdir()] if (out / ".generations").exists() else []
    current = os.path.basename(os.readlink(out / "current")) if (out / "current").is_symlink() else None
    return sorted(temp + [g for g in gens if g != current])


def named_files(root: Path) -> list[str]:
    """Every file the index names, relative to data/processed."""
    corpus = read_tables(root / "data" / "processed")
    return [str(f.relative_to(root / "data" / "processed")) for name in TABLES for f in corpus.files(name)]


@pytest.fixture
def built(tmp_path, monkeypatch, corpus, project_copy) -> Path:
    """A root built once in parts of two documents (2012+2017, Qingdao+2020, 2021), from a copy of the session
    build's files: the documents' rows are copied, none is processed again."""
    root = make_root(tmp_path / "a")
    shutil.copytree(project_copy / "data" / "processed", root / "data" / "processed",
                    ignore=shutil.ignore_patterns("csv"))
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(root))
    monkeypatch.setattr(builder, "_PART", 2)
    result = build(quiet=True)
    assert result.rebuilt == [] and len(list((root / "data" / "processed" / "tasks").iterdir())) == 3
    return root


def test_same_inputs_give_identical_files(tmp_path, monkeypatch):
    first, second = make_root(tmp_path / "first"), make_root(tmp_path / "second")
    for root in (first, second):
        monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(root))
        build(force=True, quiet=True)
    a, b = processed_bytes(first), processed_bytes(second)
    assert sorted(a) == sorted(named_files(first) + [INDEX])   # nothing else lies there
    assert len([f for f in a if f.startswith("tasks/part-")]) == 1   # the five plans make one part
    assert a == b                                   # every Parquet file byte for byte, and the index
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(first))
    build(force=True, quiet=True)                   # a forced rebuild in place changes nothing either
    assert processed_bytes(first) == a


def test_process_pool_gives_the_same_files(tmp_path, monkeypatch):
    """Enough documents for the worker pool: the files equal those of a one-process build."""
    monkeypatch.setattr(builder, "_PART", 4)          # four parts: work for both workers
    n = builder._PARALLEL_FROM - len(REAL)
    serial, pooled = make_root(tmp_path / "serial", copies=n), make_root(tmp_path / "pooled", copies=n)
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(serial))
    build(force=True, jobs=1, quiet=True)
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(pooled))
    result = build(force=True, jobs=2, quiet=True)
    assert len(result.rebuilt) == builder._PARALLEL_FROM
    assert processed_bytes(serial) == processed_bytes(pooled)


def test_no_change_rebuild_is_up_to_date(built):
    before, times = processed_bytes(built), stamps(built)
    result = build(quiet=True)
    assert result.up_to_date and result.rebuilt == [] and sorted(result.reused) == sorted(REAL)
    assert stamps(built) == times                   # nothing rewritten
    assert processed_bytes(built) == before


def _add_task_to_qingdao(root: Path) -> None:
    path = root / "data" / "raw" / "2018_qingdao.txt"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(45, "（二十八）新增一项任务。（市公安局负责）")   # after the last task, before the web footer
    path.write_text("\n".join(lines), encoding="utf-8")


def test_changing_one_file_rebuilds_only_that_document(built, tmp_path, monkeypatch):
    old = read_tables(built / "data" / "processed")
    old_tables = {name: getattr(old, name) for name in ("tasks", "segments", "clauses", "task_agencies")}
    times = stamps(built)
    _add_task_to_qingdao(built)
    result = build(quiet=True)
    assert not result.up_to_date
    assert result.rebuilt == ["2018_qingdao"]
    assert sorted(result.reused) == sorted(set(REAL) - {"2018_qingdao"})
    new = result.corpus
    assert new.documents.set_index("doc_id").at["2018_qingdao", "n_tasks"] == 28
    for name in ("tasks", "segments", "clauses", "task_agencies"):
        keep = lambda f: f[f["doc_id"] != "2018_qingdao"].reset_index(drop=True)  # noqa: E731
        pd.testing.assert_frame_equal(keep(old_tables[name]), keep(getattr(new, name)))
    # only the part holding Qingdao (and 2020, whose rows were copied) was rewritten; the old one is gone
    untouched = [t["file"] for i in (0, 2) for t in old._index["parts"][i]["tables"].values()]
    replaced = [t["file"] for t in old._index["parts"][1]["tables"].values()]
    after = stamps(built)
    assert untouched and all(after[f] == times[f] for f in untouched)
    assert len(replaced) == 9 and not any(f in after for f in replaced)   # all tables but subtasks (only 2021)
    assert build(quiet=True).up_to_date
    # and the files equal those of a fresh build of the same inputs: the layout does not depend on history
    fresh = make_root(tmp_path / "fresh")
    _add_task_to_qingdao(fresh)
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(fresh))
    build(quiet=True)
    assert processed_bytes(fresh) == processed_bytes(built)


def test_removing_and_inserting_documents(built, tmp_path, monkeypatch):
    """A document dropped from the manifest and one inserted in the middle: later parts shift, rows are copied
    rather than rebuilt, and the files equal a fresh build's."""
    path = built / "data" / "raw" / "manifest.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    new = lines[3].replace("2018_qingdao", "2018_qingdao_copy", 2)
    shutil.copy(built / "data" / "raw" / "2018_qingdao.txt", built / "data" / "raw" / "2018_qingdao_copy.txt")
    lines = [lines[0], lines[2], new] + lines[3:]           # drop 2012, insert the copy after 2017
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = build(quiet=True)
    assert result.rebuilt == ["2018_qingdao_copy"]
    assert result.corpus.documents["doc_id"].tolist() == ["2017_national", "2018_qingdao_copy", "2018_qingdao",
                                                          "2020_national", "2021_national"]
    assert (result.corpus.tokens["doc_id"] == "2012_national").sum() == 0
    fresh = tmp_path / "fresh"
    shutil.copytree(built / "data" / "raw", fresh / "data" / "raw")
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(fresh))
    build(quiet=True)
    assert processed_bytes(fresh) == processed_bytes(built)


def test_changing_one_manifest_row_rebuilds_only_that_document(built):
    path = built / "data" / "raw" / "manifest.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("青岛市打击侵权假冒工作领导小组",
                                                             "青岛市打击侵权假冒工作领导小组办公室"),
                    encoding="utf-8")
    result = build(quiet=True)
    assert result.rebuilt == ["2018_qingdao"]
    assert result.corpus.documents.set_index("doc_id").at["2018_qingdao", "issuer"].endswith("办公室")


def _change_input(root: Path) -> None:
    path = root / "data" / "raw" / "2012_national.txt"
    path.write_bytes(path.read_bytes().replace("大力开展专项整治".encode(), "大力开展专项整治行动".encode()))


def test_failed_write_leaves_previous_tables(built, monkeypatch):
    """The Parquet writer fails on one table of the changed document: the previous index and every file it
    names are intact and readable, no temporary file remains, and the next build completes the change."""
    before = processed_bytes(built)
    _change_input(built)
    import pyarrow.parquet as pq

    real_write_table = pq.write_table

    def failing_write_table(table, *args, **kwargs):
        if "n_subtasks" in table.column_names:       # the tasks table
            raise OSError("disk full (simulated)")
        return real_write_table(table, *args, **kwargs)

    monkeypatch.setattr(pq, "write_table", failing_write_table)
    with pytest.raises(OSError, match="simulated"):
        build(quiet=True)
    after = processed_bytes(built)
    assert {k: v for k, v in after.items() if k in before} == before   # the old index and all its files
    assert leftovers(built) == []
    old = read_tables(built / "data" / "processed")
    assert "大力开展专项整治" in old.sections["title"].tolist()
    assert len(old.tokens) == sum(1 for _ in old.tokens.itertuples()) > 15000

    monkeypatch.setattr(pq, "write_table", real_write_table)
    result = build(quiet=True)                      # the next build is not fooled into "up to date"
    assert not result.up_to_date and result.rebuilt == ["2012_national"]
    assert "大力开展专项整治行动" in result.corpus.sections["title"].tolist()
    assert leftovers(built) == []
    assert sorted(processed_bytes(built)) == sorted(named_files(built) + [INDEX])  # orphans removed


def test_failure_while_replacing_files_leaves_each_file_whole(built, monkeypatch):
    """Even if the renames themselves fail half way, every file the index names is complete and readable."""
    _change_input(built)
    real_replace, calls = os.replace, []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 4:
            raise OSError("power cut (simulated)")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="simulated"):
        build(quiet=True)
    assert leftovers(built) == []
    old = read_tables(built / "data" / "processed")
    for name in TABLES:
        getattr(old, name)                          # every table of the old index reads
    assert "大力开展专项整治" in old.sections["title"].tolist()
    monkeypatch.setattr(os, "replace", real_replace)
    result = build(quiet=True)
    assert not result.up_to_date
    assert "大力开展专项整治行动" in read_tables(built / "data" / "processed").sections["title"].tolist()


def _first_part(root: Path, name: str) -> Path:
    return root / "data" / "processed" / read_tables(root / "data" / "processed")._index["parts"][0]["tables"][
        name]["file"]


def test_damaged_output_is_rebuilt(built):
    """A processed file damaged by hand is not served as "up to date": the documents of its part are rebuilt."""
    _first_part(built, "tasks").write_bytes(b"garbage")
    result = build(quiet=True)
    assert not result.up_to_date and result.rebuilt == ["2012_national", "2017_national"]
    assert (read_tables(built / "data" / "processed").tasks["doc_id"] == "2017_national").sum() == 31


def test_reading_a_damaged_table_names_the_fix(built):
    from ipm_analysis.diagnostics import InputError

    _first_part(built, "tasks").write_bytes(b"garbage")
    with pytest.raises(InputError, match="tasks table cannot be read.*ipm_analysis build"):
        read_tables(built / "data" / "processed").tasks


def test_a_failed_document_keeps_its_diagnostic_when_its_part_is_rebuilt(built):
    """A plan that cannot be built is cached like any other: when a neighbour in its part changes, its
    diagnostic row is copied, not lost, and it is not processed again until its own input changes."""
    raw = built / "data" / "raw"
    (raw / "2019_empty.txt").write_bytes(b"")
    with open(raw / "manifest.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with open(raw / "manifest.csv", "a", encoding="utf-8", newline="") as fh:
        csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n").writerow(
            dict(rows[-1], doc_id="2019_empty", file="2019_empty.txt"))
    assert build(quiet=True).rebuilt == ["2019_empty"]          # part 3: 2021 (copied) + the empty plan
    path = raw / "2021_national.txt"
    path.write_bytes(path.read_bytes() + "\n".encode())
    result = build(quiet=True)
    assert result.rebuilt == ["2021_national"]
    diags = result.corpus.diagnostics.query("doc_id == '2019_empty'")
    assert diags[["severity", "code"]].values.tolist() == [["error", "unreadable_document"]]
    assert "2019_empty" not in set(result.corpus.documents["doc_id"])


def test_files_do_not_depend_on_batches(tmp_path, monkeypatch):
    """Every document its own batch, tokens made a few segments at a time and row groups of 4,000 rows (the
    tokens span four, as a very large plan's do): the same files as one batch of everything, which are the
    same tables as the default build's."""
    from ipm_analysis import store

    monkeypatch.setattr(store, "ROW_GROUP", 4000)
    files = {}
    for name, batch_chars, token_batch in (("one", builder._BATCH_CHARS, builder._TOKEN_BATCH),
                                           ("many", 1, 3000)):
        root = make_root(tmp_path / name)
        monkeypatch.setattr(builder, "_BATCH_CHARS", batch_chars)
        monkeypatch.setattr(builder, "_TOKEN_BATCH", token_batch)
        monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(root))
        corpus = build(force=True, quiet=True).corpus
        files[name] = processed_bytes(root)
    assert files["one"] == files["many"]
    import pyarrow.parquet as pq

    assert pq.ParquetFile(corpus.files("tokens")[0]).num_row_groups == 4
    monkeypatch.undo()
    default = make_root(tmp_path / "default")
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(default))
    reference = build(force=True, quiet=True).corpus
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(corpus, name), getattr(reference, name))
