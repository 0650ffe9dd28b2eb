"""Raw file bytes → the plan's text, one paragraph a line, by format: plain text (any encoding), a saved web page
(``.html``/``.htm``, or HTML saved as ``.txt``), a Word ``.docx`` or a PDF's text layer.

Every reader returns an ``Extracted``: the text, the raw line of each of its lines (for a web page the line of
the page source where the paragraph starts; for a Word file the paragraph's number in the body; for a PDF the
line of its text layer counted from the first page), what it dropped (each block with a rule name, the line and
the text, for the ``removals`` table) and its diagnostics. Bad input raises ``InputError`` naming the file.
Pure functions of the bytes: the caller (``ingest.read_document``) reads the file.
"""
from __future__ import annotations

import io
import re
import statistics
from dataclasses import dataclass, field
from pathlib import PurePath

from . import grammar
from .diagnostics import Diagnostic, InputError

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
SUFFIXES = (".txt", *HTML_SUFFIXES, ".docx", ".pdf")


@dataclass
class Extracted:
    """A file's text and where it came from."""

    text: str
    lines: list[int] | None = None  # raw line of each text line; None: the text's lines are the file's lines
    removals: list[dict] = field(default_factory=list)  # {rule, raw_line, removed}
    diagnostics: list[Diagnostic] = field(default_factory=list)
    form: str = "text"  # text, html, docx, pdf

    def raw_line(self, n: int) -> int:
        """Raw line of the text's line ``n`` (1-based)."""
        if self.lines is None or not self.lines:
            return n
        return self.lines[min(max(n, 1), len(self.lines)) - 1]


def read_bytes(data: bytes, file: str) -> Extracted:
    """The text of a raw file, read by its suffix (``SUFFIXES``); a ``.txt`` holding a web page is read as one."""
    suffix = PurePath(file).suffix.lower()
    if suffix in HTML_SUFFIXES:
        return read_html(data, file)
    if suffix == ".docx":
        return read_docx(data, file)
    if suffix == ".pdf":
        return read_pdf(data, file)
    text, diags = decode(data, file)
    found = find_markup(text)
    if found is None:
        return Extracted(text, None, [], diags)
    page = read_html(data, file)
    line = text.count("\n", 0, found.start()) + 1
    page.diagnostics.insert(0, Diagnostic(
        severity="warning", code="read_as_html", file=file, line=line, doc_id=None,
        message=f"a web page saved as {suffix or 'text'} (HTML markup {found.group(0)[:30]!r}): read as HTML, its "
                f"main text kept and {len(page.removals)} block(s) dropped (see removals); check documents.text, "
                "then rename the file to .html to silence this"))
    return page


# --------------------------------------------------------------------------------------------------------------
# plain text


# Formats that are sometimes saved under a .txt name instead of the text converted from them.
_BINARY_MAGIC = {b"%PDF-": "a PDF", b"PK\x03\x04": "a ZIP archive (or docx/xlsx)",
                 b"\xd0\xcf\x11\xe0": "an old Office document (doc/xls)", b"{\\rtf": "an RTF document",
                 b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image"}


def decode(data: bytes, file: str) -> tuple[str, list[Diagnostic]]:
    """Decode raw bytes as UTF-8 (BOM allowed); detect and report GBK/Big5 and the like; refuse binary."""
    diags: list[Diagnostic] = []
    text: str | None = None
    if not data.strip():
        raise InputError(file, None, "file is empty; replace it with the plan's text")
    kind = next((k for magic, k in _BINARY_MAGIC.items() if data.startswith(magic)), None)
    if kind:
        rename = {"a PDF": " (or name it .pdf)", "a ZIP archive (or docx/xlsx)": " (or name a Word file .docx)"}
        raise InputError(file, None, f"file is {kind}, not text; save the plan's text as UTF-8 instead"
                                     + rename.get(kind, ""))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Windows Notepad's "Unicode" (UTF-16 with a BOM)
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(file, None, "file starts like UTF-16 but is not; save it as UTF-8") from None
        diags.append(Diagnostic(severity="warning", code="not_utf8", file=file, line=None, doc_id=None,
                                message="not UTF-8; decoded as utf_16; save the file as UTF-8 to silence this"))
    elif b"\x00" in data:  # anywhere: a text with a binary tail is no more a plan than a binary file
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InputError(file, line, "file looks binary (NUL bytes); save the plan as UTF-8 text")
    try:
        text = data.decode("utf-8-sig") if text is None else text
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None or best.encoding in ("utf_8", "ascii") or best.chaos > 0.2:
            raise InputError(file, line, "not valid UTF-8 and the encoding could not be detected; "
                                         "save the file as UTF-8") from None
        text = str(best)
        visible = sum(not ch.isspace() for ch in text)
        if sum("\u3400" <= ch <= "\u9fff" for ch in text) < 0.2 * visible:  # mac_turkish for a PDF, etc.
            raise InputError(file, line, f"not valid UTF-8, and read as {best.encoding} it is not Chinese text; "
                                         "save the file as UTF-8") from None
        diags.append(Diagnostic(
            severity="warning", code="not_utf8", file=file, line=line, doc_id=None,
            message=f"not UTF-8 (first bad byte on line {line}); decoded as {best.encoding}; "
                    "save the file as UTF-8 to silence this"))
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, diags


# Markup of a saved web page: any of these tags is enough; other tags only when there are several.
_PAGE_TAG_RE = re.compile(r"<\s*(?:!doctype\s+html|html|head|body|script|style|meta|iframe)\b[^>]{0,500}>",
                          re.IGNORECASE)
_TAG_RE = re.compile(r"</?\s*(?:div|span|p|br|a|table|tr|td|li|ul|font|img|h[1-6])\b[^<>]{0,500}/?>",
                     re.IGNORECASE)


def find_markup(text: str) -> re.Match | None:
    """The first tag showing that ``text`` is a web page (a page-level tag, or three ordinary tags), if any."""
    found = _PAGE_TAG_RE.search(text)
    if found is None:
        tags = _TAG_RE.finditer(text)
        first = next(tags, None)
        found = first if first is not None and sum(1 for _ in zip(range(2), tags)) == 2 else None
    return found


# --------------------------------------------------------------------------------------------------------------
# task-division tables (all formats)

_BARE_ARABIC_RE = re.compile(r"[0-9]{1,3}")
_BARE_CN_RE = re.compile(f"[{grammar.CN_DIGITS}]+")
_NUMBER_PUNCT_RE = re.compile(r"^[\s.．、]+|[\s.．、]+$")


@dataclass
class DivisionTable:
    """A task-division table turned into the lines of a plan: each line with the index of its grid row."""

    lines: list[tuple[str, int]]
    header_rows: list[int]          # grid rows of the header (dropped)
    header: str                     # the header as printed, cells joined by ' | '
    tasks: int = 0
    headings: int = 0
    numbered: int = 0               # rows without a number, numbered by their place (N.)


def division_table(grid: list[list[tuple[object, str]]], *, wrapped: bool = False,
                   columns: list | None = None) -> DivisionTable | None:
    """Read a table as a task division (``grammar.division_columns``), or None when it is not one.

    ``grid`` holds a row per table row and a ``(key, text)`` per grid column, ``key`` naming the physical cell
    (a merged cell repeats its key and text in every grid cell it covers); the lines of a cell's text are its
    paragraphs, or (``wrapped``: a PDF) the lines it wraps onto. ``columns`` reads a table without a header as
    going on with a table whose columns are known (a PDF table continued on the next page).
    """
    header_rows: list[int] = []
    if columns is None:
        for h in range(min(3, len(grid))):
            columns = grammar.division_columns([text for _, text in grid[h]])
            if columns:
                break
        if not columns:
            return None
        header_rows = [h]
        for r in range(h + 1, len(grid)):  # a header of two rows: 责任单位 over 牵头单位 | 配合单位
            more = [grammar.division_column(text) if text.strip() else None for _, text in grid[r]]
            if not any(more) or any(t.strip() and m is None for (_, t), m in zip(grid[r], more)):
                break
            columns = [m or c for m, c in zip(more, columns)]
            header_rows.append(r)
    start = header_rows[-1] + 1 if header_rows else 0
    header = " | ".join(t for r in header_rows for t in _distinct(grid[r]))
    out = DivisionTable([], header_rows, header)

    def join(text: str, kind: str) -> str:
        pieces = [p.strip() for p in text.split("\n") if p.strip()]
        if wrapped or kind == "number":
            return "".join(pieces)
        if kind == "task":  # the task's paragraphs
            return "\n".join(pieces)
        return "、".join(p.rstrip("。；，、") for p in pieces)  # agencies a paragraph each: 甲 / 乙 → 甲、乙

    for r in range(header_rows[0] if header_rows else 0):  # a title row above the header
        out.lines += [(line, r) for t in _distinct(grid[r]) for line in t.split("\n") if line.strip()]
    last_task_key, counter = None, 0
    for r in range(start, len(grid)):
        row = grid[r]
        filled = _distinct(row)
        if not filled:
            continue
        cells: dict[str, list[tuple[str, str, object]]] = {}
        seen_keys = set()
        for (key, text), column in zip(row, columns):
            if column is None or not text.strip() or key in seen_keys:
                continue
            seen_keys.add(key)
            cells.setdefault(column[0] if column[0] in ("number", "task", "note") else "role", []).append(
                (column[1], join(text, column[0]), key))
        task_cell = (cells.get("task") or [(None, "", None)])[0]
        task_key, task = task_cell[2], task_cell[1] if task_cell[1] else ""
        roles = [(label, text) for label, text, _ in cells.get("role", [])]
        notes = [f"{label}：{text}" for label, text, _ in cells.get("note", [])]
        number = _NUMBER_PUNCT_RE.sub("", (cells.get("number") or [("", "", None)])[0][1])
        lone = filled[0].replace("\n", "")
        if len(filled) == 1 and (grammar.is_section(lone) or grammar.marker_at(lone) and not roles):
            out.lines.append((lone, r))          # a heading row: 一、加强重点领域治理
            out.headings += 1
            last_task_key, counter = None, 0
            continue
        if not roles and not notes and _BARE_CN_RE.fullmatch(number) and task and len(task) <= \
                grammar.SECTION_MAX_CHARS and "。" not in task:
            out.lines.append((f"{number}、{task}", r))   # 一 | 加强重点领域治理: a section heading in two cells
            out.headings += 1
            last_task_key, counter = None, 0
            continue
        if last_task_key is not None and (task_key == last_task_key or not task):  # task cell merged down or
            # left empty: more agencies of the task above
            if roles:
                out.lines.append(("；".join(f"{label}：{text}" for label, text in roles), r))
            out.lines += [(note, r) for note in notes]
            continue
        paragraphs = [p.strip() for p in task.split("\n") if p.strip()] if not wrapped else [task]
        if not paragraphs:
            paragraphs = [""]
        first = paragraphs[0]
        counter += 1
        if first and grammar.marker_at(first) is not None:
            marker = ""
        elif _BARE_ARABIC_RE.fullmatch(number):
            marker = f"{number}."
        elif _BARE_CN_RE.fullmatch(number):
            marker = f"（{number}）"
        elif number and grammar.marker_at(number + first) is not None:
            marker = number
        else:
            marker = f"{counter}."
            out.numbered += 1
        clause = "（" + "；".join(f"{label}：{text}" for label, text in roles) + "）" if roles else ""
        paragraphs[0] = marker + first
        paragraphs[-1] += clause
        out.lines += [(p, r) for p in paragraphs] + [(note, r) for note in notes]
        out.tasks += 1
        last_task_key = task_key
    return out


def _distinct(row: list[tuple[object, str]]) -> list[str]:
    """The texts of a grid row's filled cells, a merged cell once."""
    seen, out = set(), []
    for key, text in row:
        if text.strip() and key not in seen:
            seen.add(key)
            out.append(text.strip())
    return out


def _division_diagnostic(table: DivisionTable, file: str, line: int) -> Diagnostic:
    numbered = (f"; {table.numbered} row(s) without a number numbered by their place (N.)" if table.numbered
                else "")
    return Diagnostic(
        severity="info", code="division_table", file=file, line=line, doc_id=None,
        message=f"a task-division table (header {table.header!r}) read as {table.tasks} task(s) with their role "
                f"clauses and {table.headings} heading(s){numbered}; its header row is dropped (removals "
                "division_table_header)")


# --------------------------------------------------------------------------------------------------------------
# web pages

_META_CHARSET_RE = re.compile(rb"""<meta\b[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# Browsers read these labels as the larger encoding (WHATWG Encoding Standard).
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
                    "big5": "big5hkscs", "big5-hkscs": "big5hkscs", "iso-8859-1": "cp1252", "latin1": "cp1252"}
_DROP_TAGS = {"script": "html_script", "style": "html_style", "noscript": "html_script",
              "template": "html_script", "iframe": "html_widget", "object": "html_widget", "embed": "html_widget",
              "svg": "html_widget", "canvas": "html_widget", "form": "html_widget", "button": "html_widget",
              "select": "html_widget", "input": "html_widget", "textarea": "html_widget",
              "nav": "html_navigation", "header": "html_header", "footer": "html_footer", "aside": "html_related"}
# class/id words of page furniture, by rule; matched as whole words of the class or id (split at - _ space
# digits), so 'share' matches 'bdshare_t' only by the listed form and 'title' never matches 'tit'.
_FURNITURE = {
    "html_share": r"share|bdshare|bdsharebuttonbox|jiathis|social|fenxiang|fx|weixin|wechat|qrcode|ewm|erweima",
    "html_related": r"related|relate|xgyd|xgwz|xglj|xgxw|recommend|tuijian|hot|hotnews|more|links?|friendlinks?|"
                    r"yqlj|sidebar|side|aside|ad|ads|advert|comment|comments",
    "html_navigation": r"nav|navbar|menu|breadcrumbs?|crumbs?|position|location|dqwz|daohang|topbar|pager|"
                       r"pagination|page-?nav|toolbar|tools|print|fontsize|zihao|skip",
    "html_footer": r"footer|foot|bottom|copyright|banquan|bq|contact",
    "html_header": r"header|masthead|logo|banner|topnav|top",
}
_FURNITURE_RE = {rule: re.compile(rf"(?:^|[\s_\-\d])(?:{words})(?:$|[\s_\-\d])", re.IGNORECASE)
                 for rule, words in _FURNITURE.items()}
# Blocks known by their first words: related reading, share widgets, print/close/font-size bars.
_FURNITURE_TEXT = [
    ("html_related", re.compile(r"^(?:【\s*)?(?:相关阅读|相关链接|相关文章|相关新闻|相关稿件|相关文件|延伸阅读|"
                                r"推荐阅读|热点推荐|猜你喜欢|上一篇|下一篇)")),
    ("html_share", re.compile(r"^(?:分享到|分享：|分享:)")),
    ("html_navigation", re.compile(r"^(?:【\s*字体|字号[：:]|【\s*打印|打印本页|关闭窗口|【\s*关闭|返回顶部)")),
]
_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
               "td", "th", "table", "tbody", "thead", "section", "article", "main", "blockquote", "pre", "center",
               "hr", "address", "figure", "figcaption", "body", "html", "form", "fieldset", "caption"}
_HTML_SPACE_RE = re.compile(r"[ \t\r\n\f]+")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
_CJK_RUN_RE = re.compile(r"[\u3400-\u9fff]{1,8}")
# A title that may stand outside the page's main text box (an <h1> above it).
_PLAN_TITLE_RE = re.compile(r"\d{4}年\S{0,80}(?:工作要点|工作方案|实施方案|工作计划)")


def decode_html(data: bytes, file: str) -> tuple[str, list[Diagnostic]]:
    """A page's text: by its BOM, else the charset its ``<meta>`` (or HTTP-equiv) declares, else detected."""
    if data.startswith(b"\xef\xbb\xbf") or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return decode(data, file)
    declared = _META_CHARSET_RE.search(data[:16384])
    if declared:
        label = declared.group(1).decode("ascii", "replace").lower()
        encoding = _CHARSET_ALIASES.get(label, label)
        if encoding.replace("-", "").replace("_", "") != "utf8" and not data.isascii():
            try:  # valid UTF-8 beyond ASCII is never GBK or Big5 by chance: a page re-encoded when saved
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                line = data[: declared.start()].count(b"\n") + 1
                return text.replace("\r\n", "\n").replace("\r", "\n"), [Diagnostic(
                    severity="warning", code="html_charset_wrong", file=file, line=line, doc_id=None,
                    message=f"the page declares charset {label!r} but is UTF-8 (re-encoded when saved?); read as "
                            "UTF-8; check documents.text")]
        try:
            text = data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            text, diags = decode(data, file)
            line = data[: declared.start()].count(b"\n") + 1
            return text, [Diagnostic(
                severity="warning", code="html_charset_wrong", file=file, line=line, doc_id=None,
                message=f"the page declares charset {label!r} but is not in it; read as UTF-8 or detected "
                        "(see not_utf8); check documents.text")] + diags
        return text.replace("\r\n", "\n").replace("\r", "\n"), []
    return decode(data, file)


def read_html(data: bytes, file: str) -> Extracted:
    """The main text of a saved web page, one block a line; scripts, styles, navigation, share widgets,
    related-reading boxes, headers and footers dropped (each recorded)."""
    from selectolax.lexbor import LexborHTMLParser

    source, diags = decode_html(data, file)
    tree = LexborHTMLParser(source)
    locate = _Locator(source)
    removals: list[dict] = []

    def drop(found: list[tuple]) -> None:
        """Drop the outermost of ``found`` ((node, rule) pairs), each recorded; inner ones go with them."""
        marked = {node.mem_id for node, _ in found}
        outer = [(node, rule) for node, rule in found if not _inside(node, marked)]
        for node, rule in outer:
            text = _squeeze(node.text(deep=True, separator=" "))
            removed = text or _squeeze(node.html or "")[:300]
            if removed:
                removals.append({"rule": rule, "raw_line": locate.find(text or removed, anywhere=True),
                                 "removed": removed})
        for node, _ in outer:  # after reading them all: a dropped node's children are freed with it
            node.decompose()

    root = tree.root
    if root is None:
        raise InputError(file, None, "web page has no content; save the plan's text instead")
    for node in root.traverse(include_text=True):
        if node.tag == "-comment":
            html = node.html or ""
            removals.append({"rule": "html_comment", "raw_line": locate.find(html, anywhere=True),
                             "removed": _squeeze(html)[:300]})
    drop([(node, rule) for tag, rule in _DROP_TAGS.items() for node in tree.css(tag)])
    head = tree.head
    if head is not None:  # <title> and <meta>: the page's, not the plan's (the plan's own title is in the body)
        title_text = _squeeze(head.css_first("title").text()) if head.css_first("title") else ""
        if title_text:
            removals.append({"rule": "html_head", "raw_line": locate.find(title_text, anywhere=True),
                             "removed": title_text})
        head.decompose()
    body = tree.body
    if body is None or not _cjk(body):
        raise InputError(file, None, "web page holds no Chinese text (its text may be loaded by a script); save "
                                     "the plan's text from the browser instead")
    main, outside = _main_block(body)
    title = _outside_title(outside)
    drop([(node, _furniture_rule(node) or _outside_rule(node)) for node in outside if node is not title])
    # inside the main box, never a block holding a third of its text (a class such as printContent)
    most = 0.3 * max(_cjk(main) - _link_cjk(main), 1)
    drop([(node, rule) for node in main.traverse(include_text=False) if node is not main
          for rule in [_furniture_rule(node) or _link_list(node)] if rule and _cjk(node) - _link_cjk(node) < most])
    divisions = {}  # task-division tables, by node: read a row a line
    for node in main.css("table"):
        division = division_table(_html_grid(node))
        if division is not None and not _inside(node, set(divisions)):
            divisions[node.mem_id] = division
            first = _CJK_RUN_RE.search(division.header)
            line = locate.find(first.group(0) if first else division.header, anywhere=True)
            removals.append({"rule": "division_table_header", "raw_line": line, "removed": division.header})
            diags.append(_division_diagnostic(division, file, line))
    lines: list[str] = []
    for block in ([title] if title is not None else []) + [main]:
        lines += _block_lines(block, divisions)
    texts, numbers = [], []
    for text in lines:
        rule = next((r for r, rx in _FURNITURE_TEXT if rx.search(text)), None)
        if rule and len(text) < 200:
            removals.append({"rule": rule, "raw_line": locate.find(text, anywhere=True), "removed": text})
            continue
        texts.append(text)
        numbers.append(locate.find(text))
    if not texts:
        raise InputError(file, None, "no text found in the web page's main part; save the plan's text instead")
    removals.sort(key=lambda r: r["raw_line"])
    return Extracted("\n".join(texts) + "\n", numbers + [numbers[-1]], removals, diags, "html")


def _squeeze(text: str) -> str:
    return _HTML_SPACE_RE.sub(" ", text).strip()


def _cjk(node) -> int:
    return len(_CJK_RE.findall(node.text(deep=True)))


def _link_cjk(node) -> int:
    return sum(_cjk(a) for a in node.css("a"))


def _main_block(body):
    """The smallest element holding 80 % of the page's non-link Chinese text, and the blocks left outside it
    (the siblings of every element on the way down)."""
    def weight(node) -> int:
        return _cjk(node) - _link_cjk(node)

    node, outside = body, []
    total = max(weight(body), 1)
    while True:
        children = [c for c in node.iter(include_text=False) if c.tag not in ("-text", "-comment")]
        best = max(children, key=weight, default=None)
        if best is None or weight(best) < 0.8 * total or best.tag in ("br", "a", "span", "font", "b", "strong") \
                or best.tag == "table" and division_table(_html_grid(best)) is not None:  # a task division whole
            return node, outside
        outside += [c for c in children if c is not best]
        node = best


def _outside_title(outside: list):
    """The plan's title where the page shows it above the main box (``<h1>2019年…工作要点</h1>``)."""
    for node in outside:
        text = _squeeze(node.text(deep=True, separator=""))
        if len(text) <= 120 and _PLAN_TITLE_RE.search(text) and not node.css("a"):
            return node
    return None


def _furniture_rule(node) -> str | None:
    if node.tag in _DROP_TAGS:
        return _DROP_TAGS[node.tag]
    attrs = node.attributes
    names = " ".join(v for k, v in attrs.items() if k in ("class", "id") and v)
    names = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", names)  # BreadcrumbNav → Breadcrumb Nav
    if not names:
        return None
    for rule, rx in _FURNITURE_RE.items():
        if rx.search(names):
            return rule
    return None


_FOOTER_TEXT_RE = re.compile(r"版权所有|主办单位|承办单位|ICP备|网站标识码|公网安备|联系我们|网站地图")


def _outside_rule(node) -> str:
    """The rule of a block outside the main box that has no telling tag or class: by its text."""
    text = node.text(deep=True)
    if _FOOTER_TEXT_RE.search(text):
        return "html_footer"
    return _link_list(node) or "html_outside_main"


def _link_list(node) -> str | None:
    """A block that is mostly links (a list of other articles)."""
    if node.tag not in ("div", "ul", "ol", "table", "tr", "td", "dl", "p", "section"):
        return None
    links = node.css("a")
    chars = _cjk(node)
    return "html_link_list" if len(links) >= 2 and chars and _link_cjk(node) >= 0.5 * chars else None


def _inside(node, marked: set) -> bool:
    """Whether an ancestor of ``node`` is among the ``marked`` nodes (by ``mem_id``)."""
    parent = node.parent
    while parent is not None:
        if parent.mem_id in marked:
            return True
        parent = parent.parent
    return False


def _block_lines(node, divisions: dict | None = None) -> list[str]:
    """The text of ``node``, a line per block element or ``<br>``; whitespace as a browser shows it. A table in
    ``divisions`` (by ``mem_id``) gives the lines read from it, a row a line."""
    parts: list[str] = []

    def walk(n, pre: bool) -> None:
        for child in n.iter(include_text=True):
            tag = child.tag
            if divisions and tag == "table" and child.mem_id in divisions:
                parts.append("\n" + "\n".join(line for line, _ in divisions[child.mem_id].lines) + "\n")
            elif tag == "-text":
                text = child.text_content or ""
                # text outside any element (a plain-text copy with a few tags) keeps its own lines
                keep = pre or n.tag in ("body", "html")
                parts.append(text if keep else _HTML_SPACE_RE.sub(" ", text))
            elif tag == "-comment":
                continue
            elif tag in _BLOCK_TAGS:
                parts.append("\n")
                walk(child, pre or tag == "pre")
                parts.append("\n")
            else:
                walk(child, pre)

    walk(node, node.tag == "pre")
    return [line.strip(" ") for line in "".join(parts).split("\n") if line.strip()]


def _html_grid(table) -> list[list[tuple[object, str]]]:
    """A ``<table>``'s own rows as a grid of ``(key, text)`` per column (``division_table``): a cell spanning
    columns (colspan) or rows (rowspan) repeats in each grid cell it covers; a cell's lines are its paragraphs
    and ``<br>``s."""
    rows = []
    for child in table.iter(include_text=False):
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows += [c for c in child.iter(include_text=False) if c.tag == "tr"]

    def span(cell, name: str) -> int:
        value = re.match(r"\s*(\d{1,3})", cell.attributes.get(name) or "")
        return max(1, int(value.group(1))) if value else 1

    grid, carry = [], {}  # carry: column -> [key, text, rows still covered]
    for tr in rows:
        out: list[tuple[object, str]] = []

        def carried() -> None:
            while len(out) in carry:
                entry = carry[len(out)]
                out.append((entry[0], entry[1]))
                entry[2] -= 1
                if entry[2] == 0:
                    del carry[len(out) - 1]

        for cell in (c for c in tr.iter(include_text=False) if c.tag in ("td", "th")):
            carried()
            text = "\n".join(_block_lines(cell))
            down = span(cell, "rowspan")
            for _ in range(span(cell, "colspan")):
                if down > 1:
                    carry[len(out)] = [cell.mem_id, text, down - 1]
                out.append((cell.mem_id, text))
        carried()
        grid.append(out)
    return grid


class _Locator:
    """Finds the page-source line where a piece of extracted text starts: by its first 24, 12 or 6 characters,
    else by its first run of Chinese characters, shortened until found (entities and tags inside the text)."""

    def __init__(self, source: str):
        self.source = source
        self.newlines = [i for i, ch in enumerate(source) if ch == "\n"]
        self.cursor = 0
        self.last = 1

    def find(self, text: str, *, anywhere: bool = False) -> int:
        import bisect

        text = text.strip()
        run = _CJK_RUN_RE.search(text)
        run = run.group(0) if run else ""
        probes = [text[:24], text[:12], text[:6]] + [run[:k] for k in range(len(run), 0, -1)]
        start = 0 if anywhere else self.cursor
        for probe in dict.fromkeys(p for p in probes if p):
            at = self.source.find(probe, start)
            if at >= 0:
                line = bisect.bisect_left(self.newlines, at) + 1
                if not anywhere:
                    self.cursor, self.last = at + len(probe), line
                return line
        return self.last


# --------------------------------------------------------------------------------------------------------------
# Word (.docx)


def read_docx(data: bytes, file: str) -> Extracted:
    """The body of a Word file: paragraphs in order (runs joined), tables cell by cell, row by row (a
    task-division table a row a line: ``division_table``); headers and footers dropped (recorded with line 0:
    they are outside the body)."""
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(file, None, "an old Word .doc (or another old Office file), not .docx; open it in Word or "
                                     "LibreOffice and save it as .docx")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - python-docx raises zipfile, KeyError, lxml errors …
        raise InputError(file, None, f"not a readable Word .docx file ({type(exc).__name__}); open it in Word and "
                                     "save it again as .docx") from None
    texts, numbers, numbered = [], [], []
    count = 0

    def add(paragraph) -> None:
        nonlocal count
        count += 1
        text = paragraph.text
        if text.strip() and _auto_numbered(paragraph, qn("w:numPr")):
            numbered.append(count)
        for piece in text.split("\n"):
            texts.append(piece)
            numbers.append(count)

    seen_cells, kept = set(), []  # kept: the cells' elements stay alive, so their ids stay theirs
    removals, divisions = [], []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            add(Paragraph(child, document))
        elif child.tag == qn("w:tbl"):
            rows = Table(child, document).rows
            grid = [[(cell._tc, "\n".join(p.text for p in cell.paragraphs)) for cell in row.cells] for row in rows]
            division = division_table(grid)
            if division is not None:  # a task division: a line per row (its paragraphs counted as below)
                row_lines = []
                for row in rows:
                    first = None
                    for cell in row.cells:
                        if id(cell._tc) not in seen_cells:
                            seen_cells.add(id(cell._tc))
                            kept.append(cell._tc)
                            first = first or count + 1
                            count += len(cell.paragraphs)
                    row_lines.append(first or count)
                for line, r in division.lines:
                    texts.append(line)
                    numbers.append(row_lines[r])
                removals.append({"rule": "division_table_header", "raw_line": row_lines[division.header_rows[0]],
                                 "removed": division.header})
                divisions.append(_division_diagnostic(division, file, row_lines[division.header_rows[0]]))
                continue
            for row in rows:
                for cell in row.cells:
                    if id(cell._tc) in seen_cells:  # a merged cell comes once per grid cell it spans
                        continue
                    seen_cells.add(id(cell._tc))
                    kept.append(cell._tc)
                    for paragraph in cell.paragraphs:
                        add(paragraph)
    seen = set()
    for section in document.sections:
        for kind, parts in (("docx_header", (section.header, section.first_page_header, section.even_page_header)),
                            ("docx_footer", (section.footer, section.first_page_footer, section.even_page_footer))):
            for part in parts:
                if part.is_linked_to_previous:
                    continue
                text = "\n".join(p.text for p in part.paragraphs if p.text.strip())
                for table in part.tables:
                    text += "".join("\n" + c.text for r in table.rows for c in r.cells if c.text.strip())
                text = text.strip()
                if text and (kind, text) not in seen:
                    seen.add((kind, text))
                    removals.append({"rule": kind, "raw_line": 0, "removed": text})
    if not any(t.strip() for t in texts):
        raise InputError(file, None, "the Word file's body holds no text (an image or a text box only?); save "
                                     "the plan's text instead")
    diags = divisions
    if numbered:
        diags.append(Diagnostic(
            severity="warning", code="docx_auto_numbering", file=file, line=numbered[0], doc_id=None,
            message=f"{len(numbered)} paragraph(s) use Word's automatic numbering, whose numbers (一、 （一）…) "
                    "are not part of the text and are lost; in Word, convert the numbering to text (or save as PDF "
                    "and add that)"))
    texts, numbers, cut = _drop_colophon(texts, numbers)
    return Extracted("\n".join(texts) + "\n", numbers + [numbers[-1] if numbers else 1], removals + cut,
                     diags, "docx")


def _auto_numbered(paragraph, num_pr: str) -> bool:
    """Whether Word numbers the paragraph itself (numbering in the paragraph or in its style)."""
    ppr = paragraph._p.pPr
    if ppr is not None and ppr.find(num_pr) is not None:
        return True
    style = paragraph.style
    while style is not None:
        style_ppr = style.element.pPr
        if style_ppr is not None and style_ppr.find(num_pr) is not None:
            return True
        style = style.base_style
    return False


# The 版记 at the end of an official document (抄送 list, the office that printed it and the date).
_COLOPHON_RE = re.compile(r"^\s*(?:抄送|抄报|主题词)\s*[：:]|^\S.{0,40}\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*印发\s*$")
# The letterhead of an official document: 国务院办公厅文件, ××省人民政府办公厅文件.
_LETTERHEAD_RE = re.compile(r"^\s*\S{2,30}文\s*件\s*$")


def _drop_colophon(texts: list[str], numbers: list[int]) -> tuple[list[str], list[int], list[dict]]:
    """Cut the colophon (抄送 … 印发) among the last lines, recorded as ``colophon``."""
    tail = max(0, len(texts) - 12)
    cut = next((i for i in range(tail, len(texts)) if _COLOPHON_RE.search(texts[i])), None)
    if cut is None:
        return texts, numbers, []
    removed = [{"rule": "colophon", "raw_line": n, "removed": t} for t, n in zip(texts[cut:], numbers[cut:])
               if t.strip()]
    return texts[:cut], numbers[:cut], removed


# --------------------------------------------------------------------------------------------------------------
# PDF

# A page number alone on its line: — 3 —, - 3 -, 3, 3/10, 第3页, 第 3 页 共 10 页.
_PAGE_NUMBER_RE = re.compile(r"^[\s\-—–－―~·]*(?:第\s*)?\d{1,4}\s*(?:页)?\s*(?:(?:/|共)\s*\d{1,4}\s*页?)?[\s\-—–－―~·]*$")
# A line that starts a new paragraph whatever its position: a numbered heading or task.
_STARTS_BLOCK_RE = re.compile(r"^\s*(?:[一二三四五六七八九十百]+\s*[、.．]|[（(]\s*[一二三四五六七八九十百0-9]+\s*[）)]|"
                              r"[0-9]{1,3}\s*[.．、](?![0-9])|[①-⑳])")


def read_pdf(data: bytes, file: str) -> Extracted:
    """A PDF's text layer, one paragraph a line: running headers and footers, page numbers and the letterhead
    dropped, lines wrapped inside a paragraph (also across a page break) rejoined, each recorded. A PDF without
    text (a scan) is refused: there is no OCR."""
    import pdfplumber

    if not data.startswith(b"%PDF-"):
        raise InputError(file, None, "not a PDF (it does not start with %PDF-); check the file")
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [(float(p.height), p.extract_text_lines(layout=False, strip=True, return_chars=False),
                      [_pdf_grid(t) for t in p.find_tables()] if p.edges else []) for p in pdf.pages]
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds on a damaged or encrypted file
        what = "encrypted" if "password" in f"{type(exc).__name__} {exc}".lower() else "damaged or unreadable"
        raise InputError(file, None, f"the PDF is {what} ({type(exc).__name__}); save it again (print to PDF) or "
                                     "save the plan's text instead") from None
    lines = []  # (page index, raw line, dict)
    n = 0
    for page_no, (height, page_lines, _) in enumerate(pages):
        for line in page_lines:
            n += 1
            lines.append((page_no, n, height, line))
    if sum(len(_CJK_RE.findall(l["text"])) for *_, l in lines) < 20:
        raise InputError(file, None, f"the PDF has no text layer ({len(pages)} page(s) of images: a scan); this "
                                     "toolkit does no OCR: find a copy with text, or OCR it and add the text as .txt")
    lines, table_removals, diags = _pdf_divisions(lines, [tables for *_, tables in pages], file)
    removals, body = _pdf_furniture(lines, len(pages))
    texts, numbers, joins = _pdf_paragraphs(body)
    texts, numbers, cut = _drop_colophon(texts, numbers)
    if not texts:
        raise InputError(file, None, "the PDF holds only page headers, footers and numbers; check the file")
    removals = sorted(removals + table_removals + joins + cut, key=lambda r: r["raw_line"])
    return Extracted("\n".join(texts) + "\n", numbers + [numbers[-1]], removals, diags, "pdf")


def _pdf_grid(table) -> dict:
    """A ruled table found by pdfplumber: its bbox, its rows' bboxes and its grid of ``(key, text)`` per column
    (``division_table``), a merged cell (absent from the rows it also covers) repeated in each grid cell it
    covers, its key its bbox."""
    rows, texts = table.rows, table.extract()
    text_of = {bbox: text or "" for row, row_texts in zip(rows, texts) for bbox, text in zip(row.cells, row_texts)
               if bbox is not None}
    xs = [None] * max((len(r.cells) for r in rows), default=0)  # the x-middle of each grid column
    for row in rows:
        for c, bbox in enumerate(row.cells):
            if bbox is not None and xs[c] is None:
                xs[c] = (bbox[0] + bbox[2]) / 2
    grid = []
    for row in rows:
        out = []
        middle = (row.bbox[1] + row.bbox[3]) / 2
        for c, bbox in enumerate(row.cells):
            if bbox is None and xs[c] is not None:  # covered by a merged cell above or on the left
                bbox = next((b for b in text_of if b[0] <= xs[c] <= b[2] and b[1] <= middle <= b[3]), None)
            out.append((bbox, text_of.get(bbox, "")))
        grid.append(out)
    return {"bbox": table.bbox, "rows": [r.bbox for r in rows], "grid": grid}


def _pdf_divisions(lines: list[tuple], tables: list[list[dict]], file: str) -> tuple[list[tuple], list, list]:
    """Task-division tables (``division_table``) read a row a line in place of their text-layer lines; a table
    going on at the top of the next page (same columns, no header, or its header again) is read with it, a row
    cut by the page break (its number cell empty) joined to the row above. Other tables stay text lines."""
    pieces = [(page, i, t) for page, page_tables in enumerate(tables) for i, t in enumerate(page_tables)]
    if not pieces:
        return lines, [], []

    def inside(line: dict, box) -> bool:
        x, y = (line["x0"] + line["x1"]) / 2, (line["top"] + line["bottom"]) / 2
        return box[0] <= x <= box[2] and box[1] <= y <= box[3]

    groups = []  # [division, merged grid, [(page, row bbox, raw line)] per grid row, pieces]
    for page, i, t in pieces:
        first_n = [min((n for p, n, _, l in lines if p == page and inside(l, box)), default=None)
                   for box in t["rows"]]
        rows = [(page, box, n) for box, n in zip(t["rows"], first_n)]
        prev = groups[-1] if groups else None
        own = division_table(t["grid"], wrapped=True)
        goes_on = prev is not None and i == 0 and prev[3][-1][0] == page - 1 and \
            prev[3][-1][1] == len(tables[page - 1]) - 1 and len(t["grid"][0]) == len(prev[1][0])
        if goes_on and (own is None or own.header == prev[0].header):
            grid, skip = t["grid"], len(own.header_rows) if own else 0
            grid, rows = grid[skip:], rows[skip:]
            columns = grammar.division_columns([text for _, text in prev[1][prev[0].header_rows[0]]])
            number = next((c for c, k in enumerate(columns) if k and k[0] == "number"), None)
            if grid and number is not None and not grid[0][number][1].strip():  # a row cut by the page break
                prev[1][-1] = [(key, (text + "\n" + more).strip("\n") if more_key != key else text)
                               for (key, text), (more_key, more) in zip(prev[1][-1], grid[0])]
                grid, rows = grid[1:], rows[1:]
            prev[1] += grid
            prev[2] += rows
            prev[3].append((page, i))
            prev[0] = division_table(prev[1], wrapped=True)
        elif own is not None:
            groups.append([own, list(t["grid"]), rows, [(page, i)]])
    if not groups:
        return lines, [], []
    boxes = {(page, i): tables[page][i]["bbox"] for g in groups for page, i in g[3]}
    removals, diags, made = [], [], {}
    for division, grid, rows, _ in groups:
        numbers = []
        for page, box, n in rows:  # an empty row: the line of the row above
            numbers.append(n if n is not None else (numbers[-1] if numbers else 0))
        head = division.header_rows[0]
        removals.append({"rule": "division_table_header", "raw_line": numbers[head], "removed": division.header})
        diags.append(_division_diagnostic(division, file, numbers[head]))
        for text, r in division.lines:
            page, box, _ = rows[r]
            made.setdefault(page, []).append((numbers[r], {"text": text, "x0": box[0], "x1": box[2],
                                                           "top": box[1], "bottom": box[3], "table": True}))
    out = []
    for page, n, height, line in lines:
        if any(p == page and inside(line, box) for (p, _), box in boxes.items()):
            continue
        while made.get(page) and made[page][0][1]["top"] <= line["top"]:
            row_n, row = made[page].pop(0)
            out.append((page, row_n, height, row))
        out.append((page, n, height, line))
    heights = {page: height for page, _, height, _ in lines}
    for page in sorted(made):
        at = next((k for k, item in enumerate(out) if item[0] > page), len(out))
        out[at:at] = [(page, row_n, heights.get(page, 0.0), row) for row_n, row in made[page]]
    return out, removals, diags


def _pdf_furniture(lines: list[tuple], n_pages: int) -> tuple[list[dict], list[tuple]]:
    """Page numbers, running headers/footers (the same text at the top or bottom of two or more pages, digits
    aside) and the first page's letterhead; returns their removals and the other lines."""
    by_page: dict[int, list[tuple]] = {}
    for item in lines:
        if not item[3].get("table"):  # a task-division table's row is never a page's furniture
            by_page.setdefault(item[0], []).append(item)
    edge = {}  # raw line -> 'top' / 'bottom' for the two first and last lines of a page
    for page_lines in by_page.values():
        for item in page_lines[:2]:
            edge[item[1]] = "top"
        for item in page_lines[-2:]:
            edge.setdefault(item[1], "bottom")

    def shape(text: str) -> str:
        return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))

    counts: dict[tuple[str, str], set] = {}
    for page, n, _, line in lines:
        if n in edge:
            counts.setdefault((edge[n], shape(line["text"])), set()).add(page)
    removals, body = [], []
    first_text = True
    for item in lines:
        page, n, height, line = item
        text = line["text"]
        rule = None
        if n in edge and _PAGE_NUMBER_RE.match(text):
            rule = "pdf_page_number"
        elif n in edge and n_pages > 1 and len(counts.get((edge[n], shape(text)), ())) >= 2:
            rule = "pdf_running_header" if edge[n] == "top" else "pdf_running_footer"
        elif page == 0 and first_text and _LETTERHEAD_RE.match(text) and line["top"] < 0.4 * height:
            rule = "letterhead"
        if rule:
            removals.append({"rule": rule, "raw_line": n, "removed": text})
            continue
        first_text = False
        body.append(item)
    return removals, body


def _pdf_paragraphs(body: list[tuple]) -> tuple[list[str], list[int], list[dict]]:
    """Rejoin the lines of a paragraph: a line reaching the right margin goes on in the next line unless that
    one is indented or starts a numbered heading (geometry, not punctuation: a wrapped line may end in 。)."""
    if not body:
        return [], [], []
    # the type size of the text lines (a task-division table's row may be several lines high)
    em = statistics.median(max(l["bottom"] - l["top"], 1.0) for *_, l in body if not l.get("table")) \
        if any(not l.get("table") for *_, l in body) else 10.0
    # the margins most lines keep (most lines of a plan are wrapped ones), not an odd line's overhang; a table
    # row spans the table, which spans the text
    starts, ends = sorted(l["x0"] for *_, l in body), sorted(l["x1"] for *_, l in body)
    left, right = starts[int(0.2 * (len(starts) - 1))], ends[int(0.8 * (len(ends) - 1))]
    texts, numbers, joins = [], [], []
    prev = None
    for page, n, _, line in body:
        if prev is not None and not prev[1].get("table") and not line.get("table"):  # a table row: a line
            p_page, p_line = prev
            reaches = p_line["x1"] >= right - 1.2 * em
            indented = line["x0"] > left + 0.6 * em
            if (reaches and not indented and not _STARTS_BLOCK_RE.match(line["text"])) or \
                    _heading_wraps(p_line, line, left, right, em):
                rule = "pdf_line_wrap" if page == p_page else "pdf_page_break"
                joins.append({"rule": rule, "raw_line": n, "removed": "\n"})
                texts[-1] += line["text"]
                prev = (page, line)
                continue
        texts.append(line["text"])
        numbers.append(n)
        prev = (page, line)
    return texts, numbers, joins


def _heading_wraps(first: dict, second: dict, left: float, right: float, em: float) -> bool:
    """A centred heading in a larger type wrapped onto a second centred line of the same size (a long title,
    关于印发《…》的通知): the first line spans most of the width."""
    def height(line: dict) -> float:
        return line["bottom"] - line["top"]

    def centred(line: dict) -> bool:
        return abs((line["x0"] + line["x1"]) / 2 - (left + right) / 2) < 1.5 * em

    return (height(first) > 1.15 * em and abs(height(first) - height(second)) < 0.15 * height(first)
            and centred(first) and centred(second) and first["x1"] - first["x0"] >= 0.8 * (right - left))


__all__ = ["Extracted", "read_bytes", "read_html", "read_docx", "read_pdf", "decode", "decode_html",
           "find_markup", "SUFFIXES"]
