"""ipm_analysis.adding and ``ipm-analysis add``: a Word file, a web page and a PDF made here get their
manifest row proposed from their text, written on confirmation or with --yes, and copied unchanged; bad or
conflicting files are refused with one line each, and nothing is written for them."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ipm_analysis.__main__ import main
from ipm_analysis.builder import document_records
from ipm_analysis.ingest import read_manifest
from test_readers import pdf_file, web_page, word_file

REPO_RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    shutil.copytree(REPO_RAW, tmp_path / "data" / "raw")
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def plan(corpus) -> tuple[str, list[str]]:
    lines = corpus.documents.set_index("doc_id").at["2021_national", "text"].rstrip("\n").split("\n")
    return lines[0], lines[1:]


def run(capsys, *argv) -> tuple[int, str, str]:
    rc = main(["add", *map(str, argv)])
    out, err = capsys.readouterr()
    return rc, out, err


def test_add_with_yes_copies_the_file_and_writes_the_row(root, tmp_path_factory, capsys, plan, corpus):
    incoming = tmp_path_factory.mktemp("downloads")
    docx = incoming / "2021_national_word.docx"
    docx.write_bytes(word_file(*plan))
    before = (root / "data" / "raw" / "manifest.csv").read_bytes()
    rc, out, _ = run(capsys, docx, "--yes")
    assert rc == 0, out
    assert (root / "data" / "raw" / docx.name).read_bytes() == docx.read_bytes()   # copied unchanged
    umask = os.umask(0o22)
    os.umask(umask)
    assert (root / "data" / "raw" / docx.name).stat().st_mode & 0o777 == 0o666 & ~umask   # not mkstemp's 0600
    manifest, diags = read_manifest(root / "data" / "raw" / "manifest.csv")
    assert diags == [] and (root / "data" / "raw" / "manifest.csv").read_bytes().startswith(before)
    row = manifest.set_index("doc_id").loc["2021_national_word"]
    assert (row["file"], row["year"], row["jurisdiction"], row["level"], row["script"], row["source_form"]) == (
        docx.name, 2021, "全国", "national", "zh-Hans", "Word file")
    assert "year          2021   (detected)" in out and "added 2021_national_word" in out
    records = document_records(manifest.set_index("doc_id").loc[["2021_national_word"]].reset_index()
                               .iloc[0].to_dict(), root / "data" / "raw")
    assert len(records["tasks"]) == corpus.documents.set_index("doc_id").at["2021_national", "n_tasks"]


@pytest.mark.parametrize("answer, written", [("y", True), ("n", False), (None, False)])
def test_add_asks_before_writing(root, tmp_path, capsys, monkeypatch, plan, answer, written):
    page = tmp_path / "2021_page.html"
    page.write_bytes(web_page(*plan).encode("gb18030"))

    def reply(prompt):
        if answer is None:
            raise EOFError   # no terminal: nothing is written
        return answer

    monkeypatch.setattr("builtins.input", reply)
    manifest = (root / "data" / "raw" / "manifest.csv").read_bytes()
    rc, out, _ = run(capsys, page)
    assert rc == (0 if written else 1)
    assert "source_form   web page" in out and "issue_date    2021-06-01   (detected)" in out
    assert ((root / "data" / "raw" / "manifest.csv").read_bytes() != manifest) == written
    assert (root / "data" / "raw" / page.name).exists() == written


def test_given_values_win_and_a_disagreement_is_a_warning(root, tmp_path, capsys, plan):
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(pdf_file(*plan))
    rc, out, _ = run(capsys, pdf, "--yes", "--year", "2020", "--doc-id", "2021_pdf", "--issue-date", "2021-06-01")
    assert rc == 0, out
    assert "warning: year given as '2020', the text states '2021'; the given value is used [add_disagrees]" in out
    row = read_manifest(root / "data" / "raw" / "manifest.csv")[0].set_index("doc_id").loc["2021_pdf"]
    assert (row["year"], row["issuer"], row["issue_date"]) == (2020, "全国打击侵权假冒工作领导小组办公室", "2021-06-01")
    assert "打假办发〔2021〕3号" in row["notes"]


def test_refusals(root, tmp_path, capsys, plan):
    raw = root / "data" / "raw"
    manifest = (raw / "manifest.csv").read_bytes()
    other = tmp_path / "2018_qingdao.txt"   # a different file under a name data/raw/ already has
    other.write_text("2019年某市打击侵权假冒工作要点\n一、加强组织领导\n", encoding="utf-8")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(pdf_file(*plan, text=False))
    undated = tmp_path / "undated.txt"
    undated.write_text("一、加强组织领导\n（一）健全工作机制。\n", encoding="utf-8")
    rc, out, _ = run(capsys, other, scan, undated, raw / "2017_national.txt", "--yes")
    assert rc == 1
    assert "a different file named 2018_qingdao.txt is already in data/raw/" in out
    assert "the PDF has no text layer" in out and "no OCR" in out
    assert "year is not stated in the text; give it with --year 2019" in out
    assert "already in the manifest (line 3, doc_id '2017_national')" in out
    assert out.count("not added") == 4
    assert (raw / "manifest.csv").read_bytes() == manifest
    assert (raw / "2018_qingdao.txt").read_bytes() == (REPO_RAW / "2018_qingdao.txt").read_bytes()
    assert not (raw / "scan.pdf").exists() and not (raw / "undated.txt").exists()


def test_manifest_not_utf8_is_not_appended_to(root, tmp_path, capsys, plan):
    path = root / "data" / "raw" / "manifest.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    page = tmp_path / "2021_page.html"
    page.write_bytes(web_page(*plan).encode("gb18030"))
    rc, _, err = run(capsys, page, "--yes")
    assert rc == 2 and err.startswith("error: manifest.csv: the manifest is not UTF-8")
