"""Task-division documents printed as a table (issue 14): a Word table, an HTML <table> and a PDF's ruled table
(made here with python-docx, a string and fpdf2) are read a row a task, and go through the whole build to the
tasks, their clauses and the agencies with their roles."""
from __future__ import annotations

import io
from pathlib import Path

from ipm_analysis import readers
from ipm_analysis.builder import document_records

TITLE = "2019年贵州省打击侵犯知识产权和制售假冒伪劣商品工作要点任务分工"
ROW = dict(doc_id="gz", file="", original_file="", year="2019", jurisdiction="贵州省", level="provincial",
           issuer="", issue_date="", source_form="", script="zh-Hans", notes="")
HEADER = ["序号", "工作任务", "牵头单位", "配合单位", "完成时限"]
# (number, task, lead, participating, deadline); None: merged with the cell above; a 1-tuple: a heading row
ROWS = [
    ("一、深化重点领域治理",),
    ("1", "开展网络市场监管专项行动。", "省市场监管局", "省公安厅\n省通信管理局", "2019年12月底"),
    ("2", "开展“剑网2019”专项行动", None, "省版权局、各部门", ""),
    ("二", "加强刑事打击", "", "", ""),
    ("3", "加大刑事打击力度。\n依法严惩侵权假冒犯罪。", "省公安厅", "省检察院", ""),
    (None, None, "省法院", "", ""),
]
LINES = [
    TITLE,
    "一、深化重点领域治理",
    "1.开展网络市场监管专项行动。（牵头单位：省市场监管局；配合单位：省公安厅、省通信管理局）",
    "完成时限：2019年12月底",
    "2.开展“剑网2019”专项行动（牵头单位：省市场监管局；配合单位：省版权局、各部门）",
    "二、加强刑事打击",
    "3.加大刑事打击力度。",
    "依法严惩侵权假冒犯罪。（牵头单位：省公安厅；配合单位：省检察院）",
    "牵头单位：省法院",
]
SECTIONS = [(1, "深化重点领域治理"), (2, "加强刑事打击")]
TASKS = [("gz-01-01", "开展网络市场监管专项行动"), ("gz-01-02", "开展“剑网2019”专项行动"), ("gz-02-03", "加大刑事打击力度")]
AGENCIES = [
    ("gz-01-01", 1, "省市场监管局", "lead"), ("gz-01-01", 1, "省公安厅", "participating"),
    ("gz-01-01", 1, "省通信管理局", "participating"),
    ("gz-01-02", 1, "省市场监管局", "lead"), ("gz-01-02", 1, "省版权局", "participating"),
    ("gz-01-02", 1, "各部门", "participating"),
    ("gz-02-03", 1, "省公安厅", "lead"), ("gz-02-03", 1, "省检察院", "participating"),
    ("gz-02-03", 2, "省法院", "lead"),
]


def build(tmp_path: Path, name: str, data: bytes) -> dict:
    (tmp_path / name).write_bytes(data)
    return document_records(ROW | dict(file=name), tmp_path)


def check_tables(records: dict) -> None:
    """The division as tasks with their role clauses, end to end."""
    assert records["documents"][0]["title"] == TITLE
    assert [(s["section_no"], s["title"]) for s in records["sections"]] == SECTIONS
    assert [(t["task_id"], t["title"]) for t in records["tasks"]] == TASKS
    assert [(a["task_id"], a["clause_no"], a["agency_raw"], a["role"]) for a in records["task_agencies"]] == AGENCIES
    assert [c["raw"] for c in records["clauses"]][-1] == "牵头单位：省法院"
    assert not [s for s in records["segments"] if s["kind"] == "unassigned"]   # 完成时限： stays in its task
    task = next(t for t in records["tasks"] if t["task_id"] == "gz-01-01")
    assert task["text"].endswith("完成时限：2019年12月底\n")
    [header] = [r for r in records["removals"] if r["rule"] == "division_table_header"]
    assert header["removed"].replace(" ", "") == "|".join(HEADER)   # as printed: 序 号 in the web page
    codes = [d["code"] for d in records["diagnostics"]]
    assert "division_table" in codes and set(codes) <= {"division_table", "unknown_agency"}
    info = next(d for d in records["diagnostics"] if d["code"] == "division_table")
    assert "3 task(s)" in info["message"] and "2 heading(s)" in info["message"]


# ---- Word ----------------------------------------------------------------------------------------------------


def word_division() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(TITLE)
    grid = document.add_table(rows=1 + len(ROWS), cols=len(HEADER))
    for c, word in enumerate(HEADER):
        grid.cell(0, c).text = word
    for r, row in enumerate(ROWS, start=1):
        if len(row) == 1:
            grid.cell(r, 0).merge(grid.cell(r, len(HEADER) - 1)).text = row[0]
            continue
        for c, text in enumerate(row):
            if text is None:
                grid.cell(r - 1, c).merge(grid.cell(r, c))
                continue
            first, *more = text.split("\n")
            grid.cell(r, c).text = first
            for paragraph in more:  # a cell of several paragraphs
                grid.cell(r, c).add_paragraph(paragraph)
    document.add_paragraph("抄送：各市（州）人民政府。")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_word_division_table_is_read_a_row_a_task(tmp_path):
    got = readers.read_docx(word_division(), "gz.docx")
    assert got.text.rstrip("\n").split("\n") == LINES
    # lines of a row: the body paragraph number of its first cell (title 1, header 2-6, heading row 7, …)
    assert got.lines[:4] == [1, 7, 8, 8]
    check_tables(build(tmp_path, "gz.docx", word_division()))


def test_word_table_without_a_role_column_is_read_cell_by_cell():
    import docx

    document = docx.Document()
    document.add_paragraph(TITLE)
    grid = document.add_table(rows=2, cols=2)
    for c, (a, b) in enumerate([("序号", "1"), ("工作任务", "（一）加强商标保护。")]):
        grid.cell(0, c).text, grid.cell(1, c).text = a, b
    out = io.BytesIO()
    document.save(out)
    got = readers.read_docx(out.getvalue(), "t.docx")
    assert got.text.split("\n")[1:5] == ["序号", "工作任务", "1", "（一）加强商标保护。"]
    assert not got.removals and not got.diagnostics


# ---- web page ------------------------------------------------------------------------------------------------

PAGE = """<html><head><meta charset="utf-8"><title>任务分工_贵州省人民政府</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/zw/">政务公开</a></div>
<div class="article"><h1>{title}</h1>
<table border="1" class="MsoTableGrid">
<thead><tr><th>序 号</th><th>工作任务</th><th>牵头单位</th><th>配合单位</th><th>完成时限</th></tr></thead>
<tbody>
<tr><td colspan="5"><p>一、深化重点领域治理</p></td></tr>
<tr><td>1</td><td>开展网络市场监管专项行动。</td><td rowspan="2">省市场监管局</td><td>省公安厅<br>省通信管理局</td>
<td>2019年12月底</td></tr>
<tr><td>2</td><td>开展“剑网2019”专项行动</td><td>省版权局、各部门</td><td></td></tr>
<tr><td>二</td><td>加强刑事打击</td><td></td><td></td><td></td></tr>
<tr><td rowspan="2">3</td><td rowspan="2"><p>加大刑事打击力度。</p><p>依法严惩侵权假冒犯罪。</p></td><td>省公安厅</td>
<td>省检察院</td><td></td></tr>
<tr><td>省法院</td><td></td><td></td></tr>
</tbody></table></div>
<div class="footer">版权所有：贵州省人民政府办公厅</div></body></html>"""


def test_web_page_division_table_is_read_a_row_a_task(tmp_path):
    page = PAGE.format(title=TITLE).encode()
    got = readers.read_html(page, "gz.html")
    assert got.text.rstrip("\n").split("\n") == LINES
    source = page.decode().split("\n")
    assert "开展网络市场监管专项行动" in source[got.lines[2] - 1]
    check_tables(build(tmp_path, "gz.html", page))


def test_web_page_table_of_figures_stays_text():
    page = ("<html><body><div><h1>2019年某市打击侵权假冒工作要点</h1><p>一、工作成效</p><table><tr><th>序号</th>"
            "<th>案件类别</th><th>数量</th></tr><tr><td>1</td><td>商标侵权</td><td>120</td></tr></table></div>"
            "</body></html>").encode()
    got = readers.read_html(page, "t.html")
    assert got.text.split("\n")[2:8] == ["序号", "案件类别", "数量", "1", "商标侵权", "120"]
    assert not got.diagnostics


# ---- PDF -----------------------------------------------------------------------------------------------------


PREAMBLE = ("为贯彻落实《2019年贵州省打击侵犯知识产权和制售假冒伪劣商品工作要点》，现将工作任务分工如下，各地各部门要结合"
            "实际抓好落实，确保各项任务落到实处，并按时报送工作进展情况。")


def pdf_division(extra_rows: int = 0) -> bytes:
    """The division as an office prints it to PDF: a centred title, an indented paragraph, then a ruled table
    (fpdf2's table: every cell bordered); ``extra_rows`` more tasks carry it over a page break."""
    import mplfonts
    from fpdf import FPDF, FontFace

    pdf = FPDF(format="A4")
    pdf.add_font("cjk", fname=str(Path(mplfonts.__file__).parent / "fonts" / "SimHei.ttf"))
    pdf.set_margins(28, 30, 26)
    pdf.add_page()
    pdf.set_font("cjk", size=18)
    pdf.multi_cell(0, 10, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=12)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for i, line in enumerate(pdf.multi_cell(width, 7, "\u3000\u3000" + PREAMBLE, dry_run=True, output="LINES")):
        pdf.set_x(pdf.l_margin + (8.5 if i == 0 else 0))  # the first line indented by two characters
        pdf.cell(width - (8.5 if i == 0 else 0), 7, line.lstrip("\u3000"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)
    rows = [HEADER, *ROWS]
    rows += [(str(4 + k), f"开展第{4 + k}项专项行动，加大打击力度。", "省公安厅", "省检察院", "")
             for k in range(extra_rows)]
    with pdf.table(col_widths=(12, 60, 30, 34, 20), line_height=7, first_row_as_headings=True,
                   headings_style=FontFace(emphasis=""), repeat_headings=0) as table:
        for r, row in enumerate(rows):
            cells = table.row()
            if len(row) == 1:
                cells.cell(row[0], colspan=len(HEADER))
                continue
            for c, text in enumerate(row):
                if text is None:
                    continue
                down = 2 if r + 1 < len(rows) and len(rows[r + 1]) > 1 and rows[r + 1][c] is None else 1
                # a PDF cell's lines are wraps: the names of a list cell printed with 、 here
                cells.cell(text.replace("\n", "、" if c >= 2 else ""), rowspan=down)
    return bytes(pdf.output())


def test_pdf_ruled_division_table_is_read_a_row_a_task(tmp_path):
    got = readers.read_pdf(pdf_division(), "gz.pdf")
    want = LINES[:1] + [PREAMBLE] + LINES[1:6] + ["3.加大刑事打击力度。依法严惩侵权假冒犯罪。（牵头单位：省公安厅；配合单位：省检察院）", LINES[8]]
    assert got.text.rstrip("\n").split("\n") == want   # a PDF cell's lines are one paragraph
    records = build(tmp_path, "gz.pdf", pdf_division())
    assert [(t["task_id"], t["title"]) for t in records["tasks"]] == TASKS
    assert [(a["task_id"], a["clause_no"], a["agency_raw"], a["role"])
            for a in records["task_agencies"]] == AGENCIES
    [header] = [r for r in records["removals"] if r["rule"] == "division_table_header"]
    assert header["removed"] == " | ".join(HEADER)


def test_pdf_division_table_over_a_page_break(tmp_path):
    data = pdf_division(extra_rows=40)
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert sum(1 for page in pdf.pages if page.find_tables()) >= 2
    records = build(tmp_path, "gz.pdf", data)
    assert [t["task_no"] for t in records["tasks"]] == list(range(1, 44))
    assert records["tasks"][-1]["title"] == "开展第43项专项行动，加大打击力度"
    assert sum(r["rule"] == "division_table_header" for r in records["removals"]) == 1
    assert {d["code"] for d in records["diagnostics"]} <= {"division_table", "unknown_agency"}


def test_pdf_row_cut_by_a_page_break_is_joined():
    """A row a page break cut: the next page's table opens with the rest of it, its number cell empty."""
    def line(page, n, text, x0, top):
        return (page, n, 842.0, {"text": text, "x0": x0, "x1": x0 + 40, "top": top, "bottom": top + 10})

    def cells(y, texts):
        return [((x, y, x + 100, y + 20), text) for x, text in zip((0, 100, 200), texts)]

    first = {"bbox": (0, 700, 300, 760), "rows": [(0, 700, 300, 720), (0, 720, 300, 760)],
             "grid": [cells(700, ["序号", "工作任务", "牵头单位"]), cells(720, ["1", "开展网络市场监管专项", "省市场监管局"])]}
    rest = {"bbox": (0, 60, 300, 80), "rows": [(0, 60, 300, 80)], "grid": [cells(60, ["", "行动。", ""])]}
    lines = [line(0, 1, TITLE, 0, 100), line(0, 2, "序号", 5, 705), line(0, 3, "工作任务", 105, 705),
             line(0, 4, "1", 5, 725), line(0, 5, "开展网络市场监管专项", 105, 725), line(1, 6, "行动。", 105, 65),
             line(1, 7, "二、加强刑事打击", 0, 100)]
    out, removals, diags = readers._pdf_divisions(lines, [[first], [rest]], "gz.pdf")
    assert [(p, n, l["text"]) for p, n, _, l in out] == [
        (0, 1, TITLE), (0, 4, "1.开展网络市场监管专项行动。（牵头单位：省市场监管局）"), (1, 7, "二、加强刑事打击")]
    assert [r["removed"] for r in removals] == ["序号 | 工作任务 | 牵头单位"] and [d.code for d in diags] == ["division_table"]
