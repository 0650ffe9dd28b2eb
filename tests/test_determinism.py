"""Determinism and the build cache: same inputs → byte-identical files; only changed documents are rebuilt;
an interrupted write never leaves a half-written or temporary file behind."""
from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from ipm_analysis import tables
from ipm_analysis.tables import TABLES, build, read_tables

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


def processed_bytes(root: Path) -> dict[str, bytes]:
    out = root / "data" / "processed"
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def stamps(root: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (root / "data" / "processed").iterdir()}


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "data" / "processed").iterdir() if p.name.startswith("."))


@pytest.fixture
def built(tmp_path, monkeypatch, corpus, project_copy) -> Path:
    """A root built once (from the session's warm per-document cache, so it is quick)."""
    root = make_root(tmp_path / "a")
    if (project_copy / ".cache").exists():
        shutil.copytree(project_copy / ".cache", root / ".cache")
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(root))
    build(quiet=True)
    return root


def test_same_inputs_give_identical_files(tmp_path, monkeypatch):
    first, second = make_root(tmp_path / "first"), make_root(tmp_path / "second")
    for root in (first, second):
        monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(root))
        build(force=True, quiet=True)
    a, b = processed_bytes(first), processed_bytes(second)
    assert sorted(a) == sorted([f"{t}.{ext}" for t in TABLES for ext in ("parquet", "csv")] + ["_build.json"])
    assert a == b                                   # parquet and csv byte for byte, and the stamp
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(first))
    build(force=True, quiet=True)                   # a forced rebuild in place changes nothing either
    assert processed_bytes(first) == a


def test_process_pool_gives_the_same_files(tmp_path, monkeypatch):
    """Enough documents for the worker pool: the files equal those of a one-process build."""
    n = tables._PARALLEL_FROM - len(REAL)
    serial, pooled = make_root(tmp_path / "serial", copies=n), make_root(tmp_path / "pooled", copies=n)
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(serial))
    build(force=True, jobs=1, quiet=True)
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(pooled))
    result = build(force=True, jobs=2, quiet=True)
    assert len(result.rebuilt) == tables._PARALLEL_FROM
    assert processed_bytes(serial) == processed_bytes(pooled)


def test_no_change_rebuild_is_up_to_date(built):
    before, times = processed_bytes(built), stamps(built)
    result = build(quiet=True)
    assert result.up_to_date and result.rebuilt == [] and sorted(result.reused) == sorted(REAL)
    assert stamps(built) == times                   # nothing rewritten
    assert processed_bytes(built) == before


def test_changing_one_file_rebuilds_only_that_document(built):
    old = read_tables(built / "data" / "processed")
    path = built / "data" / "raw" / "2018_qingdao.txt"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(45, "（二十八）新增一项任务。（市公安局负责）")   # after the last task, before the web footer
    path.write_text("\n".join(lines), encoding="utf-8")
    result = build(quiet=True)
    assert not result.up_to_date
    assert result.rebuilt == ["2018_qingdao"]
    assert sorted(result.reused) == sorted(set(REAL) - {"2018_qingdao"})
    new = result.corpus
    assert new.documents.set_index("doc_id").at["2018_qingdao", "n_tasks"] == 28
    for name in ("tasks", "segments", "clauses", "task_agencies"):
        keep = lambda f: f[f["doc_id"] != "2018_qingdao"].reset_index(drop=True)  # noqa: E731
        pd.testing.assert_frame_equal(keep(getattr(old, name)), keep(getattr(new, name)))
    assert build(quiet=True).up_to_date


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


def test_failed_serialisation_leaves_previous_tables(built, monkeypatch):
    """The writer fails on one table: every previous file is intact, readable, and no temp file remains."""
    before = processed_bytes(built)
    _change_input(built)
    import pyarrow.csv as pacsv

    real_write_csv = pacsv.write_csv

    def failing_write_csv(table, *args, **kwargs):
        if "n_subtasks" in table.column_names and "task_no" in table.column_names:   # the tasks table
            raise OSError("disk full (simulated)")
        return real_write_csv(table, *args, **kwargs)

    monkeypatch.setattr(pacsv, "write_csv", failing_write_csv)
    with pytest.raises(OSError, match="simulated"):
        build(quiet=True)
    after = processed_bytes(built)
    assert {k: v for k, v in after.items() if k != "_build.json"} == \
        {k: v for k, v in before.items() if k != "_build.json"}
    assert leftovers(built) == []
    old = read_tables(built / "data" / "processed")
    assert "大力开展专项整治" in old.sections["title"].tolist()

    monkeypatch.setattr(pacsv, "write_csv", real_write_csv)
    result = build(quiet=True)                      # the next build is not fooled into "up to date"
    assert not result.up_to_date
    assert "大力开展专项整治行动" in result.corpus.sections["title"].tolist()
    assert leftovers(built) == []


def test_failure_while_replacing_files_leaves_each_file_whole(built, monkeypatch):
    """Even if the renames themselves fail half way, every file is a complete old or new one."""
    _change_input(built)
    real_replace, calls = os.replace, []

    def failing_replace(src, dst):
        calls.append(dst)
        if len(calls) == 7:
            raise OSError("power cut (simulated)")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="simulated"):
        build(quiet=True)
    assert leftovers(built) == []
    out = built / "data" / "processed"
    for name in TABLES:
        pd.read_parquet(out / f"{name}.parquet")
        pd.read_csv(out / f"{name}.csv", encoding="utf-8-sig")
    monkeypatch.setattr(os, "replace", real_replace)
    result = build(quiet=True)                      # the stamp was removed first: not "up to date"
    assert not result.up_to_date
    assert "大力开展专项整治行动" in read_tables(out).sections["title"].tolist()


def test_damaged_output_is_rebuilt(built):
    """A processed table damaged by hand is not served as "up to date": the build rewrites it."""
    (built / "data" / "processed" / "tasks.parquet").write_bytes(b"garbage")
    result = build(quiet=True)
    assert not result.up_to_date
    assert len(read_tables(built / "data" / "processed").tasks) == len(result.corpus.tasks)
