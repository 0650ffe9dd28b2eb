"""ipm_analysis.readers: web pages, Word files and PDFs made here around a real plan's text (with the
libraries the project ships: python-docx, and fpdf2 with mplfonts' CJK font for the PDF) parse to the same
sections, tasks and titles as the plan itself; what was dropped is in the removals."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from ipm_analysis import readers
from ipm_analysis.builder import document_records
from ipm_analysis.diagnostics import InputError

PLANS = ["2012_national", "2017_national", "2018_qingdao", "2020_national", "2021_national"]
PLAN = "2021_national"  # for the single-plan tests: sections, multi-paragraph tasks with sub-headings, clauses
ROW = dict(doc_id="x", file="", original_file="", year="2021", jurisdiction="全国", level="national",
           issuer="", issue_date="", source_form="", script="zh-Hans", notes="")


def title_and_paragraphs(corpus, doc_id: str) -> tuple[str, list[str]]:
    """A real plan's title and paragraphs (its normalised body, simplified); a plan whose copy has no title
    line (Qingdao) gets its web page's 关于印发《…》的通知 heading."""
    docs = corpus.documents.set_index("doc_id")
    lines = docs.at[doc_id, "text"].rstrip("\n").split("\n")
    if lines[0] == docs.at[doc_id, "title"]:
        return lines[0], lines[1:]
    return f"关于印发《{docs.at[doc_id, 'title']}》的通知", lines


def structure(records: dict) -> dict:
    return dict(
        title=records["documents"][0]["title"],
        sections=[(s["section_no"], s["title"]) for s in records["sections"]],
        tasks=[(t["section_no"], t["task_no"], t["title"]) for t in records["tasks"]],
        subtasks=[s["title"] for s in records["subtasks"]],
        clauses=[c["raw"] for c in records["clauses"]],
        agencies=[(a["agency"], a["role"]) for a in records["task_agencies"]],
    )


def expected_structure(corpus, doc_id: str) -> dict:
    """The plan's structure as built from its .txt file."""
    pick = {name: frame[frame["doc_id"] == doc_id].to_dict("records")
            for name in ("documents", "sections", "tasks", "subtasks", "clauses", "task_agencies")
            for frame in [getattr(corpus, name)]}
    return structure(pick)


def row_of(corpus, doc_id: str) -> dict:
    """The plan's manifest values that shape the parse (its body is simplified whatever the raw script)."""
    doc = corpus.documents.set_index("doc_id").loc[doc_id]
    return dict(year=str(doc["year"]), jurisdiction=doc["jurisdiction"], level=doc["level"], script="zh-Hans")


@pytest.fixture(scope="module")
def plan(corpus) -> tuple[str, list[str]]:
    return title_and_paragraphs(corpus, PLAN)


@pytest.fixture(scope="module")
def expected(corpus) -> dict:
    return expected_structure(corpus, PLAN)


def build_file(tmp_path: Path, name: str, data: bytes, **row) -> dict:
    (tmp_path / name).write_bytes(data)
    return document_records(ROW | dict(file=name) | row, tmp_path)


def rules(records: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in records["removals"]:
        out.setdefault(r["rule"], []).append(r["removed"])
    return out


# ---- web pages ---------------------------------------------------------------------------------------------


def web_page(title: str, paragraphs: list[str], *, charset: str = "gb2312") -> str:
    """A government site's article page: header, navigation, breadcrumb, share widget, the article, a
    related-reading box, a sidebar, a footer, scripts and styles."""
    body = "\n".join(f'<p style="text-indent:2em;">{p}</p>' for p in paragraphs)
    return f"""<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{title}_政务公开_中国政府网</title>
<style>.nav li {{ float: left; }} .TRS_Editor p {{ line-height: 2; }}</style>
<script>var _hmt = _hmt || []; var msg = "一、这不是正文";</script>
</head>
<body>
<div class="header"><div class="logo">中国政府网 www.gov.cn</div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zhengce/">政策</a></li><li><a href="/hudong/">互动</a></li></ul>
</div>
<div class="BreadcrumbNav">当前位置：<a href="/">首页</a> &gt; <a href="/zhengce/">政策</a> &gt; 政策文件库</div>
<div class="main">
 <div class="article">
  <h1 class="article-title">{title}</h1>
  <div class="pages-date">2021-06-01 10:00 来源：全国打击侵权假冒工作领导小组办公室
   <span class="font">【字体：<a>大</a> <a>中</a> <a>小</a>】</span></div>
  <div class="share bdsharebuttonbox">分享到：<a class="bds_weixin">微信</a><a class="bds_tsina">微博</a></div>
  <div id="UCAP-CONTENT" class="pages_content TRS_Editor">
{body}
  </div>
  <!-- 正文结束 -->
  <div class="related"><h3>相关阅读</h3><ul>
   <li><a href="/a.htm">2020年全国打击侵犯知识产权和制售假冒伪劣商品工作要点</a></li>
   <li><a href="/b.htm">国务院办公厅关于印发知识产权保护和运用规划的通知</a></li>
  </ul></div>
  <div class="editor">【我要打印】【关闭窗口】</div>
 </div>
 <div class="sidebar"><h3>热点专题</h3><ul><li><a href="/c.htm">打击侵权假冒专项行动成果展</a></li>
   <li><a href="/d.htm">知识产权强国建设纲要</a></li></ul></div>
</div>
<div class="footer"><p>主办单位：国务院办公厅　运行维护单位：中国政府网运行中心</p>
<p>版权所有：中国政府网　网站标识码bm01000001　京ICP备05070218号</p></div>
<script src="/js/share.js"></script><script>document.write("相关词条");</script>
</body></html>
"""


@pytest.mark.parametrize("doc_id", PLANS)
def test_each_plan_as_web_page_word_and_pdf_parses_like_its_txt(tmp_path, corpus, doc_id):
    title, paragraphs = title_and_paragraphs(corpus, doc_id)
    expected = expected_structure(corpus, doc_id)
    for name, data in (("page.html", web_page(title, paragraphs).encode("gb18030")),
                       ("plan.docx", word_file(title, paragraphs)), ("plan.pdf", pdf_file(title, paragraphs))):
        records = build_file(tmp_path, name, data, **row_of(corpus, doc_id))
        assert structure(records) == expected, name
        diagnostics = corpus.diagnostics[corpus.diagnostics["doc_id"] == doc_id]
        stated = {"stated_count_ok"}  # 2020 states its counts in the wiki summary, which is not in the body
        assert {d["code"] for d in records["diagnostics"]} - stated == set(diagnostics["code"]) - stated, name


def test_web_page_drops_the_furniture(tmp_path, plan, expected):
    page = web_page(*plan).encode("gb18030")
    records = build_file(tmp_path, "page.html", page)
    assert structure(records) == expected
    dropped = rules(records)
    assert {"html_script", "html_style", "html_header", "html_navigation", "html_share", "html_related",
            "html_footer"} <= set(dropped)
    assert any("微信" in t for t in dropped["html_share"])
    assert any("相关阅读" in t for t in dropped["html_related"])
    assert any("版权所有" in t for t in dropped["html_footer"])
    text = records["documents"][0]["text"]
    for furniture in ("当前位置", "分享到", "相关阅读", "版权所有", "首页", "_hmt", "这不是正文", "字体", "关闭窗口"):
        assert furniture not in text
    assert [d["code"] for d in records["diagnostics"]] == []  # charset declared: no encoding warning


def test_web_page_lines_point_into_the_source(tmp_path, plan):
    page = web_page(*plan, charset="utf-8")
    records = build_file(tmp_path, "page.htm", page.encode())
    source = page.split("\n")
    first_task = records["tasks"][0]
    assert first_task["title"][:6] in source[first_task["raw_line"] - 1]
    share = next(r for r in records["removals"] if r["rule"] == "html_share")
    assert "分享到" in source[share["raw_line"] - 1]


def test_web_page_saved_as_txt_is_read_as_html(tmp_path, plan, expected):
    records = build_file(tmp_path, "page.txt", web_page(*plan, charset="utf-8").encode())
    assert structure(records) == expected
    [diag] = records["diagnostics"]
    assert (diag["severity"], diag["code"], diag["line"]) == ("warning", "read_as_html", 1)
    assert "read as HTML" in diag["message"] and "rename the file to .html" in diag["message"]


def test_charset_without_meta_is_detected(tmp_path, plan, expected):
    page = web_page(*plan).replace('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', "")
    records = build_file(tmp_path, "page.html", page.encode("gb18030"))
    assert structure(records) == expected
    assert [d["code"] for d in records["diagnostics"]] == ["not_utf8"]


def test_page_declaring_gbk_but_saved_as_utf8_is_read_as_utf8(plan, expected, tmp_path):
    records = build_file(tmp_path, "page.html", web_page(*plan).encode("utf-8"))   # meta still says gb2312
    assert structure(records) == expected
    [diag] = records["diagnostics"]
    assert (diag["code"], diag["line"]) == ("html_charset_wrong", 3) and "is UTF-8" in diag["message"]


def test_page_of_br_lines_and_entities():
    page = ("<html><body><div class='content'>2019年某市打击侵权假冒工作要点<br>一、加强&nbsp;领导<br/>"
            "（一）健全机制。各部门要<b>加强</b>协作。<br>（二）强化考核。</div></body></html>").encode()
    got = readers.read_html(page, "p.html")
    assert got.text.split("\n")[:4] == ["2019年某市打击侵权假冒工作要点", "一、加强\xa0领导", "（一）健全机制。各部门要加强协作。",
                                         "（二）强化考核。"]


OLD_SITE = """<html><head><meta charset=utf-8></head><body><table width=1000><tr><td width=200><a href=1>首页</a><br>
<a href=2>机构设置</a><br><a href=3>政策法规</a></td><td><table><tr><td align=center><font size=5>{title}</font></td></tr>
<tr><td><font size=3>&nbsp;&nbsp;一、加强组织领导<br>&nbsp;&nbsp;（一）健全工作机制。各成员单位要加强协作配合，形成合力。（市市场监管局牵头负责）<br>
&nbsp;&nbsp;（二）强化督查考核。将打击侵权假冒工作纳入绩效考核。</font></td></tr></table></td></tr></table>
<table><tr><td>版权所有：某市人民政府 地址：某市某路1号</td></tr></table></body></html>"""
# Word's "Save as Web Page": MsoNormal paragraphs, the source wrapped inside a paragraph
WORD_HTML = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>
<meta http-equiv=Content-Type content="text/html; charset=gb2312"><style><!-- p.MsoNormal {{margin:0cm}} --></style></head>
<body lang=ZH-CN><div class=WordSection1><p class=MsoNormal align=center><b><span>{title}</span></b></p>
<p class=MsoNormal style="text-indent:32pt"><span>一、加强组织领导</span></p>
<p class=MsoNormal style="text-indent:32pt"><span>（一）健全工作机制。各成员单位要加强协作配合，
形成合力。（市市场监管局牵头负责）</span></p>
<p class=MsoNormal style="text-indent:32pt"><span>（二）强化督查考核。将打击侵权假冒工作纳入绩效考核。</span></p></div></body></html>"""


@pytest.mark.parametrize("page, encoding, dropped", [
    (OLD_SITE, "utf-8", {"html_link_list", "html_footer"}),   # a table layout without classes
    (WORD_HTML, "gb18030", {"html_style"}),
])
def test_other_page_layouts(page, encoding, dropped):
    title = "2019年某市打击侵犯知识产权和制售假冒伪劣商品工作要点"
    got = readers.read_html(page.format(title=title).encode(encoding), "p.html")
    lines = [line.strip("\xa0 ") for line in got.text.split("\n")]
    assert lines[:2] == [title, "一、加强组织领导"]
    assert lines[2].replace(" ", "") == "（一）健全工作机制。各成员单位要加强协作配合，形成合力。（市市场监管局牵头负责）"
    assert lines[3] == "（二）强化督查考核。将打击侵权假冒工作纳入绩效考核。"
    assert {r["rule"] for r in got.removals} == dropped


@pytest.mark.parametrize("page, said", [
    (b"<html><head><script>load()</script></head><body><div id='app'></div></body></html>", "no Chinese text"),
])
def test_empty_web_page_is_refused(page, said):
    with pytest.raises(InputError, match=said):
        readers.read_html(page, "app.html")


# ---- Word ----------------------------------------------------------------------------------------------------


def word_file(title: str, paragraphs: list[str], *, table: list[list[str]] | None = None) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "全国打击侵权假冒工作领导小组办公室"
    section.footer.paragraphs[0].text = "— 1 —"
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for part in (title[:14], title[14:]):  # a title in two runs, the second bold
        run = heading.add_run(part)
        run.font.size = Pt(22)
    heading.runs[1].bold = True
    for text in paragraphs:
        p = document.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(32)
        cut = len(text) // 2  # every paragraph in two runs, as Word saves an edited text
        p.add_run(text[:cut])
        p.add_run(text[cut:])
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                grid.cell(r, c).text = cell
        document.add_paragraph("抄送：各省、自治区、直辖市打击侵权假冒工作领导小组办公室。")
        document.add_paragraph("全国打击侵权假冒工作领导小组办公室 2021年6月1日印发")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_word_file_parses_like_the_plan(tmp_path, plan, expected):
    records = build_file(tmp_path, "plan.docx", word_file(*plan))
    assert structure(records) == expected
    dropped = rules(records)
    assert dropped["docx_header"] == ["全国打击侵权假冒工作领导小组办公室"]
    assert dropped["docx_footer"] == ["— 1 —"]
    assert records["diagnostics"] == []
    task = records["tasks"][0]
    assert task["raw_line"] == 1 + next(i for i, p in enumerate(plan[1], start=1) if p.startswith("（一）"))


def test_word_tables_are_read_in_order_and_the_colophon_dropped():
    data = word_file("2021年某省打击侵权假冒工作任务分工", ["一、任务分工如下。"],
                     table=[["任务", "牵头单位"], ["（一）加强商标保护。", "省市场监管局"]])
    got = readers.read_docx(data, "t.docx")
    assert got.text.split("\n")[1:6] == ["一、任务分工如下。", "任务", "牵头单位", "（一）加强商标保护。", "省市场监管局"]
    assert [r["rule"] for r in got.removals if r["rule"] == "colophon"] == ["colophon", "colophon"]
    assert "抄送" not in got.text


def test_word_automatic_numbering_is_reported():
    import docx

    document = docx.Document()
    document.add_paragraph("2021年某市打击侵权假冒工作要点")
    document.add_paragraph("加强组织领导", style="List Number")
    out = io.BytesIO()
    document.save(out)
    got = readers.read_docx(out.getvalue(), "n.docx")
    [diag] = got.diagnostics
    assert (diag.code, diag.line) == ("docx_auto_numbering", 2)


@pytest.mark.parametrize("data, said", [
    (b"PK\x03\x04" + b"\x00" * 64, "not a readable Word .docx file"),
    (b"\xd0\xcf\x11\xe0" + b"\x00" * 64, "an old Word .doc"),
])
def test_bad_word_file_is_refused(data, said):
    with pytest.raises(InputError, match=said):
        readers.read_docx(data, "bad.docx")


# ---- PDF -----------------------------------------------------------------------------------------------------


def pdf_file(title: str, paragraphs: list[str], *, text: bool = True) -> bytes:
    """An official document as printed to PDF: letterhead and document number on the first page, a running
    header and a page number (— 3 —) on every page, paragraphs with a first-line indent wrapped at the margin,
    the colophon at the end."""
    import mplfonts
    from fpdf import FPDF

    font = Path(mplfonts.__file__).parent / "fonts" / "SimHei.ttf"
    size, line_h = 12, 7

    class Document(FPDF):
        def header(self):
            self.set_font("cjk", size=9)
            self.set_y(12)
            self.cell(0, 5, "全国打击侵权假冒工作领导小组办公室", align="C")
            self.set_y(30)
            self.set_font("cjk", size=size)

        def footer(self):
            self.set_y(-20)
            self.set_font("cjk", size=11)
            self.cell(0, 6, f"— {self.page_no()} —", align="C")
            self.set_font("cjk", size=size)

    pdf = Document(format="A4")
    pdf.add_font("cjk", fname=str(font))
    pdf.set_margins(28, 30, 26)
    pdf.set_auto_page_break(True, 30)
    pdf.add_page()
    if not text:  # a scan: the page is an image
        from PIL import Image

        image = io.BytesIO()
        Image.new("L", (60, 80), 255).save(image, format="PNG")
        pdf.image(image, x=20, y=20, w=150)
        return bytes(pdf.output())
    pdf.set_font("cjk", size=24)
    pdf.set_text_color(200, 0, 0)
    pdf.cell(0, 16, "全国打击侵权假冒工作领导小组办公室文件", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("cjk", size=size)
    pdf.cell(0, 12, "打假办发〔2021〕3号", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=18)
    pdf.multi_cell(0, 10, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=size)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    indent = 2 * size * 0.3528  # two characters, in mm
    for paragraph in paragraphs + ["抄送：各省、自治区、直辖市打击侵权假冒工作领导小组办公室。",
                                   "全国打击侵权假冒工作领导小组办公室 2021年6月1日印发"]:
        lines = pdf.multi_cell(width, line_h, "\u3000\u3000" + paragraph, dry_run=True, output="LINES")
        for i, line in enumerate(lines):
            if i == 0:
                pdf.set_x(pdf.l_margin + indent)
                pdf.cell(width - indent, line_h, line.lstrip("\u3000"), new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.cell(width, line_h, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


@pytest.fixture(scope="module")
def plan_pdf(plan) -> bytes:
    return pdf_file(*plan)


def test_pdf_parses_like_the_plan(tmp_path, plan_pdf, expected):
    records = build_file(tmp_path, "plan.pdf", plan_pdf)
    assert structure(records) == expected
    dropped = rules(records)
    pages = len(dropped["pdf_page_number"])
    assert pages >= 3 and dropped["pdf_page_number"][:3] == ["— 1 —", "— 2 —", "— 3 —"]
    assert dropped["pdf_running_header"] == ["全国打击侵权假冒工作领导小组办公室"] * pages
    assert dropped["letterhead"] == ["全国打击侵权假冒工作领导小组办公室文件"]
    assert len(dropped["colophon"]) == 2
    assert dropped["pdf_line_wrap"] and dropped["pdf_page_break"]
    text = records["documents"][0]["text"]
    assert "— " not in text and "抄送" not in text and "文件" not in text.split("\n")[0]
    assert records["diagnostics"] == []


def test_pdf_lines_are_lines_of_the_text_layer(plan_pdf):
    import pdfplumber

    with pdfplumber.open(io.BytesIO(plan_pdf)) as pdf:
        layer = [l["text"] for p in pdf.pages for l in p.extract_text_lines(strip=True)]
    got = readers.read_pdf(plan_pdf, "plan.pdf")
    for line, n in zip(got.text.rstrip("\n").split("\n"), got.lines):
        assert line.startswith(layer[n - 1])
    for removal in got.removals:
        if removal["removed"] != "\n":
            assert layer[removal["raw_line"] - 1] == removal["removed"]


def test_scanned_pdf_is_refused(plan):
    with pytest.raises(InputError, match="no text layer .*a scan.*no OCR"):
        readers.read_pdf(pdf_file(*plan, text=False), "scan.pdf")


def test_damaged_pdf_is_refused():
    with pytest.raises(InputError, match="damaged or unreadable"):
        readers.read_pdf(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", "bad.pdf")


# ---- text ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "big5", "utf-16"])
def test_text_in_any_encoding(encoding):
    text = "2019年某市打击侵权假冒工作要点\n一、加强组织领导\n（一）健全工作机制，加强部门协作配合，形成工作合力。\n" * 3
    if encoding == "big5":
        text = "2019年某市打擊侵權假冒工作要點\n一、加強組織領導\n（一）健全工作機制，加強部門協作配合，形成工作合力。\n" * 3
    got = readers.read_bytes(text.encode(encoding), "plan.txt")
    assert got.text == text and got.lines is None
    assert [d.code for d in got.diagnostics] == ([] if encoding == "utf-8" else ["not_utf8"])


def test_every_diagnostic_code_is_documented():
    import re

    package = Path(readers.__file__).parent
    docs = (package.parent / "docs" / "adding_plans.md").read_text(encoding="utf-8")
    for module in ("readers.py", "metadata.py"):
        for code in re.findall(r'code="([a-z_0-9]+)"', (package / module).read_text(encoding="utf-8")):
            assert f"`{code}`" in docs, code
