"""Bad input: every kind of damage becomes a diagnostic naming the file and line, never a traceback.

Each test builds into its own scratch project root: a copy of data/raw (plus the processed files of the session
build, so only the damaged or added document is actually processed), damaged or extended, then
``builder.build()`` and/or the CLI ``main(["build"])``. In every case the five real plans still build.
"""
from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from ipm_analysis.__main__ import main
from ipm_analysis.builder import build

REPO_RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
REAL = ["2012_national", "2017_national", "2018_qingdao", "2020_national", "2021_national"]
NEW_ROW_LINE = 7  # manifest: header on line 1, the five real plans on lines 2-6, an added row on line 7


@pytest.fixture
def root(tmp_path, corpus, project_copy, monkeypatch) -> Path:
    """A scratch project root with the real plans and their processed files (a warm per-document cache)."""
    shutil.copytree(REPO_RAW, tmp_path / "data" / "raw")
    shutil.copytree(project_copy / "data" / "processed", tmp_path / "data" / "processed",
                    ignore=shutil.ignore_patterns("csv"))
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(tmp_path))
    return tmp_path


# ---- helpers -----------------------------------------------------------------------------------------------


def manifest_rows(root: Path) -> list[dict]:
    with open(root / "data" / "raw" / "manifest.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def append_manifest_row(root: Path, **row) -> None:
    path = root / "data" / "raw" / "manifest.csv"
    fields = list(manifest_rows(root)[0])
    with open(path, "a", encoding="utf-8", newline="") as fh:
        csv.DictWriter(fh, fieldnames=fields, lineterminator="\n").writerow(row)


def add_plan(root: Path, doc_id: str, data: bytes | None, *, like: str = "2018_qingdao", **changes) -> str:
    """Write ``data`` as ``<doc_id>.txt`` (unless None) and add a manifest row copied from ``like``."""
    base = next(r for r in manifest_rows(root) if r["doc_id"] == like)
    row = dict(base, doc_id=doc_id, file=f"{doc_id}.txt", original_file="", notes="test") | changes
    if data is not None:
        (root / "data" / "raw" / row["file"]).write_bytes(data)
    append_manifest_row(root, **row)
    return row["file"]


def real_lines(doc_id: str) -> list[str]:
    """Lines of a real raw plan (1-based raw line n is element n - 1)."""
    return (REPO_RAW / f"{doc_id}.txt").read_text(encoding="utf-8").split("\n")


def utf8(lines: list[str]) -> bytes:
    return "\n".join(lines).encode("utf-8")


def problems(corpus, doc_id=None, *, severities=("error", "warning")) -> list[tuple]:
    """(severity, code, file, line) of a document's diagnostics (or the manifest-level ones if doc_id is None)."""
    d = corpus.diagnostics
    manifest_level = d["code"].isin(["manifest_row", "file_without_manifest_row"])
    d = d[manifest_level] if doc_id is None else d[(d["doc_id"] == doc_id) & ~manifest_level]
    d = d[d["severity"].isin(severities)]
    return [(r.severity, r.code, r.file, None if pd.isna(r.line) else int(r.line)) for r in d.itertuples()]


def assert_real_plans_built(corpus) -> None:
    docs = corpus.documents
    assert set(REAL) <= set(docs["doc_id"])
    assert (docs.set_index("doc_id").loc[REAL, "n_tasks"] > 0).all()


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    """Run the CLI in-process; it must return an int and print no traceback."""
    rc = main(list(argv))
    out, err = capsys.readouterr()
    assert isinstance(rc, int)
    assert "Traceback" not in out + err
    return rc, out, err


def same_tables(corpus, a: str, b: str) -> None:
    """Document ``b`` has exactly the rows of document ``a`` in every table (up to doc_id and file)."""
    docs = corpus.documents.set_index("doc_id")
    cols = ["title", "text", "n_chars", "n_sections", "n_tasks", "n_clauses", "stated_sections", "stated_tasks"]
    assert docs.loc[a, cols].tolist() == docs.loc[b, cols].tolist()
    for name in ["segments", "sections", "tasks", "subtasks", "clauses", "task_agencies", "removals",
                 "diagnostics"]:
        frame = getattr(corpus, name)
        rows = [frame[frame["doc_id"] == d].drop(columns=["doc_id", "file"], errors="ignore").reset_index(drop=True)
                for d in (a, b)]
        if "task_id" in rows[1]:
            rows[1]["task_id"] = rows[1]["task_id"].str.replace(b, a, regex=False)
        if "message" in rows[1]:
            rows[1]["message"] = rows[1]["message"].str.replace(b, a, regex=False)
        pd.testing.assert_frame_equal(rows[0], rows[1], obj=name)


# ---- unreadable files --------------------------------------------------------------------------------------


@pytest.mark.parametrize("data, what, line", [
    (b"", "file is empty", None),
    (b"\n \r\n\t\n", "file is empty", None),
    (b"\x00\x01\x02\x03" + bytes(range(256)) * 16, "file looks binary (NUL bytes)", 1),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 16, "file is a PNG image, not text", None),
    (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 16, "file is a ZIP archive (or docx/xlsx), not text", None),
    # a PDF whose first 4 KB hold no NUL byte: charset-normalizer would read it as mac_turkish
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Filter /FlateDecode >>\nstream\nx\x9c\xed\xbd\xdb\x8e\n",
     "file is a PDF, not text", None),
])
def test_unreadable_file(root, capsys, data, what, line):
    file = add_plan(root, "2019_bad", data)
    corpus = build(quiet=True).corpus
    assert problems(corpus, "2019_bad") == [("error", "unreadable_document", file, line)]
    message = corpus.diagnostics.set_index("doc_id").at["2019_bad", "message"]
    assert message.startswith(what)
    assert "2019_bad" not in set(corpus.documents["doc_id"])
    assert_real_plans_built(corpus)

    rc, out, _ = run_cli(capsys, "build")
    assert rc == 0
    assert f"  error: {file}{f':{line}' if line else ''}: {what}" in out
    rc, _, _ = run_cli(capsys, "check")
    assert rc == 1  # check fails while a document has an error


@pytest.mark.parametrize("data", [
    b"2019\n" + bytes(range(0x80, 0x100)) * 8 + b"\n",                  # no encoding fits
    b"2019\nMinist\xe8re de la Culture \xe9t\xe9 \xe0 Paris\n" * 20,    # Latin-1: decodable, but not Chinese
])
def test_undetectable_encoding(root, data):
    """Bytes that are neither UTF-8 nor Chinese in a detectable encoding: refused, naming the first bad line."""
    file = add_plan(root, "2019_noise", data)
    corpus = build(quiet=True).corpus
    assert problems(corpus, "2019_noise") == [("error", "unreadable_document", file, 2)]
    message = corpus.diagnostics.set_index("doc_id").at["2019_noise", "message"]
    assert message.startswith("not valid UTF-8") and message.endswith("save the file as UTF-8")
    assert_real_plans_built(corpus)


def test_utf16_with_bom(root):
    """Windows Notepad's "Unicode": decoded, reported as not_utf8, same tables as the UTF-8 file."""
    text = (REPO_RAW / "2018_qingdao.txt").read_text(encoding="utf-8")
    file = add_plan(root, "2018_qingdao_u16", text.encode("utf-16"))
    corpus = build(quiet=True).corpus
    assert problems(corpus, "2018_qingdao_u16")[0] == ("warning", "not_utf8", file, None)
    docs = corpus.documents.set_index("doc_id")
    assert docs.at["2018_qingdao_u16", "text"] == docs.at["2018_qingdao", "text"]


# ---- encodings, line endings, BOM --------------------------------------------------------------------------


@pytest.mark.parametrize("like, encoding, line", [("2021_national", "gbk", 3),   # lines 1-2 are blank
                                                  ("2020_national", "big5", 1)])
def test_legacy_encoding_detected(root, capsys, like, encoding, line):
    """A plan saved as GBK or Big5: decoded (charset-normalizer), reported as not_utf8, text unchanged."""
    data = (REPO_RAW / f"{like}.txt").read_text(encoding="utf-8").encode(encoding)
    file = add_plan(root, f"{like}_{encoding}", data, like=like)
    corpus = build(quiet=True).corpus
    doc = f"{like}_{encoding}"
    assert problems(corpus, doc)[0] == ("warning", "not_utf8", file, line)
    assert [p[:2] + p[3:] for p in problems(corpus, doc)[1:]] == [p[:2] + p[3:] for p in problems(corpus, like)]
    docs = corpus.documents.set_index("doc_id")
    assert docs.at[doc, "text"] == docs.at[like, "text"]
    for name, col in [("segments", "text"), ("tasks", "text"), ("clauses", "raw"), ("task_agencies", "agency")]:
        frame = getattr(corpus, name)
        assert frame[frame["doc_id"] == doc][col].tolist() == frame[frame["doc_id"] == like][col].tolist()
    assert_real_plans_built(corpus)
    _, out, _ = run_cli(capsys, "build")
    assert f"  warning: {file}:{line}: not UTF-8 (first bad byte on line {line}); decoded as " in out


@pytest.mark.parametrize("newline, bom", [("\r\n", False), ("\n", True), ("\r\n", True), ("\r", False)])
def test_line_endings_and_bom(root, newline, bom):
    """Windows (or old Mac) line endings and a UTF-8 BOM give exactly the tables of the clean file."""
    text = (REPO_RAW / "2018_qingdao.txt").read_text(encoding="utf-8")
    data = (b"\xef\xbb\xbf" if bom else b"") + text.replace("\n", newline).encode("utf-8")
    add_plan(root, "2018_qingdao_win", data)
    corpus = build(quiet=True).corpus
    same_tables(corpus, "2018_qingdao", "2018_qingdao_win")
    assert [p[:2] + p[3:] for p in problems(corpus, "2018_qingdao_win")] == \
        [p[:2] + p[3:] for p in problems(corpus, "2018_qingdao")]


# ---- structure ---------------------------------------------------------------------------------------------


def _prose_plan() -> list[str]:
    """Qingdao's plan as plain paragraphs: no section headings and no task markers."""
    marker = re.compile(r"^\s*(?:[一二三四五六七八九十]+、.*|\([一二三四五六七八九十]+\))")
    paragraphs = [marker.sub("", line) for line in real_lines("2018_qingdao")[7:45]]
    return ["2019年青岛市打击侵犯知识产权和制售假冒伪劣商品工作要点", *[p for p in paragraphs if p.strip()]]


def test_document_without_sections(root):
    file = add_plan(root, "2019_prose", utf8(_prose_plan()))
    corpus = build(quiet=True).corpus
    assert problems(corpus, "2019_prose") == [("warning", "no_sections", file, None),
                                              ("warning", "no_tasks", file, None)]
    doc = corpus.documents.set_index("doc_id").loc["2019_prose"]
    assert (doc["n_sections"], doc["n_tasks"]) == (0, 0)
    assert doc["title"] == "2019年青岛市打击侵犯知识产权和制售假冒伪劣商品工作要点"
    seg = corpus.segments[corpus.segments["doc_id"] == "2019_prose"]
    assert "".join(seg["text"]) == doc["text"]
    assert set(seg["kind"]) == {"title", "preamble"}
    clauses = corpus.clauses[corpus.clauses["doc_id"] == "2019_prose"]
    assert len(clauses) > 0 and clauses["task_id"].isna().all()   # clauses outside any task are kept
    assert_real_plans_built(corpus)


def test_tasks_without_sections(root):
    lines = [l for l in real_lines("2018_qingdao") if not re.match(r"^\s*[一二三四五六七八九十]+、", l)]
    file = add_plan(root, "2018_flat", utf8(lines))
    corpus = build(quiet=True).corpus
    assert problems(corpus, "2018_flat") == [("warning", "no_sections", file, None)]
    tasks = corpus.tasks[corpus.tasks["doc_id"] == "2018_flat"]
    assert tasks["task_id"].tolist() == [f"2018_flat-00-{n:02d}" for n in range(1, 28)]
    assert (tasks["section_no"] == 0).all()
    assert tasks["raw_line"].iloc[0] == 9  # line 10 of the original, one heading above it removed
    assert_real_plans_built(corpus)


# Qingdao's raw lines 15 and 16 are tasks (五) and (六); line 10 is task (一) with five clauses, line 14 task (四).
@pytest.mark.parametrize("damage, expected", [
    ("repeated", [("numbering_duplicate", 16)]),
    ("skipped", [("numbering_gap", 15)]),
    ("out_of_order", [("numbering_gap", 15), ("numbering_out_of_order", 16)]),
    ("repeated_section", [("numbering_duplicate", 14)]),
])
def test_task_numbering(root, damage, expected):
    lines = real_lines("2018_qingdao")
    if damage == "repeated":
        lines.insert(15, lines[14])
    elif damage == "skipped":
        del lines[14]
    elif damage == "out_of_order":
        lines[14], lines[15] = lines[15], lines[14]
    elif damage == "repeated_section":   # 二、 printed again above task (四)
        lines.insert(13, lines[12])
    file = add_plan(root, "2018_damaged", utf8(lines))
    corpus = build(quiet=True).corpus
    assert problems(corpus, "2018_damaged") == [("warning", code, file, line) for code, line in expected]
    tasks = corpus.tasks[corpus.tasks["doc_id"] == "2018_damaged"]
    assert len(tasks) == {"repeated": 28, "skipped": 26}.get(damage, 27)
    assert tasks["task_id"].is_unique
    if damage == "repeated":
        assert tasks["task_id"].iloc[5] == "2018_damaged-02-05-dup2"
        assert tasks["raw_line"].iloc[5] == 16
    if damage == "repeated_section":
        sections = corpus.sections[corpus.sections["doc_id"] == "2018_damaged"]
        assert sections["section_no"].tolist() == list(range(1, 11))
    assert_real_plans_built(corpus)


# ---- responsibility clauses --------------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["lost_closing", "lost_opening"])
def test_unbalanced_bracket_in_clause(root, damage):
    lines = real_lines("2018_qingdao")
    first_clause = "(市工商局、市公安局、市农委"
    assert lines[9].count(first_clause) == 1
    if damage == "lost_closing":
        lines[9] = lines[9].replace("按职责分工负责)打击网络侵权盗版", "按职责分工负责打击网络侵权盗版")
    else:
        lines[9] = lines[9].replace(first_clause, first_clause[1:])
    file = add_plan(root, "2018_brackets", utf8(lines))
    corpus = build(quiet=True).corpus
    assert problems(corpus, "2018_brackets") == [("warning", "unbalanced_bracket", file, 10)]
    n = corpus.documents.set_index("doc_id")["n_clauses"]
    assert n["2018_brackets"] == n["2018_qingdao"] - 1   # only the damaged clause is lost
    assert_real_plans_built(corpus)


def test_unknown_agency(root, capsys):
    lines = real_lines("2018_qingdao")
    clause = re.search(r"\(([^()]*)按职责分工负责\)", lines[13])
    names = clause.group(1).split("、")
    lines[13] = lines[13].replace(clause.group(0), clause.group(0).replace(names[1], "市火星探测局", 1), 1)
    file = add_plan(root, "2018_mars", utf8(lines))
    corpus = build(quiet=True).corpus
    assert problems(corpus, "2018_mars") == [("warning", "unknown_agency", file, 14)]
    ta = corpus.task_agencies
    row = ta[(ta["doc_id"] == "2018_mars") & (ta["agency_raw"] == "市火星探测局")]
    assert len(row) == 1
    assert not row["is_known"].iloc[0] and not row["is_generic"].iloc[0] and pd.isna(row["agency"].iloc[0])
    assert row["task_id"].iloc[0] == "2018_mars-02-04" and row["role"].iloc[0] == "participating"
    assert (ta["doc_id"] == "2018_mars").sum() == (ta["doc_id"] == "2018_qingdao").sum()  # row kept
    _, out, _ = run_cli(capsys, "build")
    assert f"  warning: {file}:14: unknown agency name '市火星探测局'" in out
    assert_real_plans_built(corpus)


def test_unknown_agency_reported_once_with_every_line(root):
    lines = real_lines("2018_qingdao")
    for i in (10, 27, 31):  # raw lines 11, 28 and 32 name 市林业局 in a clause
        assert "市林业局" in lines[i]
        lines[i] = lines[i].replace("市林业局", "市火星探测局")
    file = add_plan(root, "2018_mars3", utf8(lines))
    corpus = build(quiet=True).corpus
    assert problems(corpus, "2018_mars3") == [("warning", "unknown_agency", file, 11)]
    d = corpus.diagnostics
    message = d.loc[d["doc_id"] == "2018_mars3", "message"].iloc[0]
    assert message.startswith("unknown agency name '市火星探测局' in '（市公安局、市农委、")  # first clause
    assert "按职责分工负责）' (also on lines 28, 32); add it to ipm_analysis/data/agency_aliases.csv" in message
    ta = corpus.task_agencies
    mentions = sum(lines[i].count("市火星探测局") for i in (10, 27, 31))
    assert mentions == 4  # line 11 names it twice
    assert ((ta["doc_id"] == "2018_mars3") & (ta["agency_raw"] == "市火星探测局")).sum() == mentions  # every one


# ---- manifest ----------------------------------------------------------------------------------------------


def test_manifest_row_without_file(root, capsys):
    add_plan(root, "2019_missing", None)
    corpus = build(quiet=True).corpus
    assert problems(corpus) == [("error", "manifest_row", "manifest.csv", NEW_ROW_LINE)]
    assert "'2019_missing.txt' not found" in corpus.diagnostics["message"].iloc[0]
    assert_real_plans_built(corpus)
    rc, out, _ = run_cli(capsys, "build")
    assert rc == 0 and f"  error: manifest.csv:{NEW_ROW_LINE}: file '2019_missing.txt' not found" in out


@pytest.mark.parametrize("name", ["2019_orphan.txt", "2019_orphan.html", "2019_orphan.PDF", "2019_orphan.docx"])
def test_file_without_manifest_row(root, name):
    (root / "data" / "raw" / name).write_bytes((REPO_RAW / "2018_qingdao.txt").read_bytes())
    corpus = build(quiet=True).corpus
    assert problems(corpus) == [("warning", "file_without_manifest_row", name, None)]
    assert list(corpus.documents["doc_id"]) == REAL


def test_manifest_duplicate_doc_id(root):
    add_plan(root, "2018_qingdao", (REPO_RAW / "2018_qingdao.txt").read_bytes(), file="2018_copy.txt")
    corpus = build(quiet=True).corpus
    assert problems(corpus) == [("error", "manifest_row", "manifest.csv", NEW_ROW_LINE)]
    assert "already used on line 4" in corpus.diagnostics["message"].iloc[0]
    assert list(corpus.documents["doc_id"]) == REAL


@pytest.mark.parametrize("year", ["二〇一九", "2019年", "", "19"])
def test_manifest_year_not_a_number(root, year):
    add_plan(root, "2019_year", (REPO_RAW / "2018_qingdao.txt").read_bytes(), year=year)
    corpus = build(quiet=True).corpus
    assert problems(corpus) == [("error", "manifest_row", "manifest.csv", NEW_ROW_LINE)]
    assert list(corpus.documents["doc_id"]) == REAL


def test_manifest_lines_count_blank_lines_and_bom(root):
    """Excel adds a BOM; a blank line in the manifest still leaves the reported line numbers right."""
    path = root / "data" / "raw" / "manifest.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes() + b"\n")
    add_plan(root, "2019_missing", None)
    corpus = build(quiet=True).corpus
    assert problems(corpus) == [("error", "manifest_row", "manifest.csv", NEW_ROW_LINE + 1)]
    assert list(corpus.documents["doc_id"]) == REAL


def test_every_problem_at_once_via_cli(root, capsys):
    """All the damage above in one build: the CLI exits normally and prints one line per problem."""
    add_plan(root, "2019_empty", b"")
    add_plan(root, "2019_missing", None)
    add_plan(root, "2019_year", (REPO_RAW / "2018_qingdao.txt").read_bytes(), year="MMXIX")
    (root / "data" / "raw" / "2019_orphan.txt").write_text("孤儿", encoding="utf-8")
    add_plan(root, "2021_gbk", (REPO_RAW / "2021_national.txt").read_text(encoding="utf-8").encode("gbk"),
             like="2021_national")
    rc, out, err = run_cli(capsys, "build")
    assert rc == 0 and err == ""
    shown = [l for l in out.splitlines() if re.match(r"  (error|warning): ", l)]
    listed = [l for l in shown if not any(f"{doc}.txt" in l for doc in REAL + ["2021_gbk"])]
    gbk = [l for l in shown if "2021_gbk.txt" in l]
    national = [l.replace("2021_national", "2021_gbk") for l in shown if "2021_national.txt" in l]
    assert listed == [
        "  error: manifest.csv:8: file '2019_missing.txt' not found in data/raw/; copy it there or remove the row "
        "[manifest_row]",
        "  error: manifest.csv:9: year 'MMXIX' is not a four-digit number [manifest_row]",
        "  warning: 2019_orphan.txt: 2019_orphan.txt is in raw/ but has no manifest row; add one to build it "
        "[file_without_manifest_row]",
        "  error: 2019_empty.txt: file is empty; replace it with the plan's text [unreadable_document]",
    ]
    assert gbk[0].startswith("  warning: 2021_gbk.txt:3: not UTF-8") and gbk[0].endswith("[not_utf8]")
    assert gbk[1:] == national
    rc, _, _ = run_cli(capsys, "check")
    assert rc == 1


def test_missing_manifest_is_one_line_not_a_traceback(root, capsys):
    (root / "data" / "raw" / "manifest.csv").unlink()
    rc, out, err = run_cli(capsys, "build")
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and "manifest not found" in err


def test_unreadable_manifest_is_one_line(root, capsys):
    (root / "data" / "raw" / "manifest.csv").write_bytes("文件,年份\n".encode("gbk"))
    rc, _, err = run_cli(capsys, "build")
    assert rc == 2 and err.count("\n") == 1 and "manifest.csv" in err


@pytest.mark.parametrize("index", [b"not json", b'{"format": 2, "parts": [{"docs": ["x"]}], "documents": []}',
                                   b'{"format": 2, "parts": "x"}', b"[]"])
def test_damaged_index_is_a_cache_miss(root, index):
    (root / "data" / "processed" / "_build.json").write_bytes(index)
    result = build(quiet=True)
    assert sorted(result.rebuilt) == sorted(REAL)
    assert_real_plans_built(result.corpus)


def test_write_failure_is_one_line_and_keeps_the_old_tables(root, capsys, monkeypatch):
    import pyarrow.parquet as pq

    add_plan(root, "2019_copy", (REPO_RAW / "2018_qingdao.txt").read_bytes())

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pq, "write_table", disk_full)
    rc, out, err = run_cli(capsys, "build")
    assert rc == 2 and out == "" and err.count("\n") == 1
    assert "No space left on device" in err and "previous tables are unchanged" in err
    monkeypatch.undo()
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(root))
    assert_real_plans_built(build(quiet=True).corpus)


@pytest.mark.parametrize("column, value, said", [
    ("role", "boss", ["role", "boss"]),          # caught by the pandera schema
    ("agency_raw", 42, ["agency_raw", "int"]),   # caught when the records become an Arrow table
])
def test_rows_breaking_the_schema_become_an_internal_error(root, monkeypatch, column, value, said):
    """A parser bug that yields an invalid row (an unknown role, a number in a text column) is reported for
    that document; the others of its part are written."""
    from ipm_analysis import builder

    real = builder.document_records

    def buggy(row, raw_dir, lap=None):
        records = real(row, raw_dir, lap)
        if row["doc_id"] == "2018_qingdao":
            records["task_agencies"][0][column] = value
        return records

    monkeypatch.setattr(builder, "document_records", buggy)
    corpus = build(force=True, quiet=True).corpus
    assert problems(corpus, "2018_qingdao") == [("error", "internal_error", "2018_qingdao.txt", None)]
    message = corpus.diagnostics.query("doc_id == '2018_qingdao'")["message"].iloc[0]
    assert all(word in message for word in said), message
    assert "2018_qingdao" not in set(corpus.tasks["doc_id"])
    assert sorted(set(corpus.tasks["doc_id"])) == sorted(set(REAL) - {"2018_qingdao"})
