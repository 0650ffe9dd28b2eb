"""Read raw plans and normalise them into one simplified-Chinese body per document.

Stage one of the pipeline: bytes → text (``readers``: text in any encoding, a web page, a Word file or a PDF's
text layer) → pinyin removed → simplified script →
unified punctuation and whitespace → boilerplate removed → page breaks rejoined. Every removal is logged with a
rule name and the raw line it came from, so the body can always be traced back to the file.
"""
from __future__ import annotations

import bisect
import csv
import dataclasses
import functools
import io
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from . import config, grammar
from .diagnostics import Diagnostic, InputError
from .grammar import NOTICE_TITLE_RE, TERMINAL, TITLE_RE, cn_numeral
from .readers import SUFFIXES, decode, read_bytes

MANIFEST_COLUMNS = [
    "doc_id", "file", "original_file", "year", "jurisdiction", "level", "issuer", "issue_date",
    "source_form", "script", "notes",
]
SCRIPTS = ("zh-Hans", "zh-Hant", "zh-Hant-TW", "zh-Hant-HK")
LEVELS = ("national", "provincial", "municipal")

CJK = r"\u3400-\u9fff\u3000-\u303f\uff00-\uffef“”‘’《》〔〕【】"
_SPACE_RE = re.compile(r"[ \t\u00a0\u2000-\u200b\u3000\ufeff]+")
# Whitespace runs after or before CJK text: (?<=[CJK])\s+|\s+(?=[CJK]), written to start with \s (the lookbehind
# checks the character before the run) so the regex engine skips to the spaces instead of trying every position.
_SPACE_NEAR_CJK_RE = re.compile(rf"\s(?:(?<=[{CJK}]\s)\s*|\s*(?=[{CJK}]))")
# Any character collapse_whitespace could change (\s is exactly str.isspace, which strip() removes).
_ANY_SPACE_RE = re.compile(r"[\s\u200b\ufeff]")
_REMOVED_SPACE_RE = re.compile(r"[\s\u00a0\u3000\ufeff]")
_HALF_TO_FULL = {"(": "（", ")": "）", ";": "；", "!": "！", "?": "？"}
# A comma (colon) not between two digits: (?<![0-9]),|,(?![0-9]), led by the literal for the same reason.
_COMMA_RE = re.compile(r",(?:(?<![0-9],)|(?![0-9]))")
_COLON_RE = re.compile(r":(?:(?<![0-9]:)|(?![0-9]))")
_MD_HEADING_RE = re.compile(r"^#{1,6}\s*")


@dataclass(frozen=True)
class Line:
    """A normalised line (or page-break-joined paragraph) and the raw line where each piece starts."""

    text: str
    raw_line: int
    pieces: tuple[tuple[int, int], ...] = ()  # (offset within text, raw line) for joined continuations


@dataclass
class Normalised:
    """The normalised body of one plan with everything needed to trace it back to the raw file."""

    doc_id: str
    file: str
    body: str
    title: str
    has_title_line: bool
    line_offsets: list[int]
    line_numbers: list[int]
    removals: list[dict] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    stated_sections: int | None = None
    stated_tasks: int | None = None
    script: str = ""  # the script the text was converted from: the manifest's, or detected when it is empty

    def raw_line_at(self, offset: int) -> int:
        """Raw file line of the body character at ``offset``."""
        i = bisect.bisect_right(self.line_offsets, offset) - 1
        return self.line_numbers[max(i, 0)]


# --------------------------------------------------------------------------------------------------------------
# configuration


class _AnyPattern:
    """A list of patterns; ``search`` tells whether any of them occurs in a line.

    Searched one by one: sre tries a joined alternation at every position of the line, but finds a single
    ^-anchored or literal-led pattern almost at once (the footer check ran on every body line).
    """

    def __init__(self, patterns: list[str]):
        self.patterns = tuple(re.compile(p) for p in patterns)

    def search(self, text: str) -> bool:
        for rx in self.patterns:
            if rx.search(text):
                return True
        return False


@functools.cache
def load_rules() -> dict:
    """The normalisation rules (``data/normalisation.yaml``) with their regexes compiled once."""
    with open(config.data_path("normalisation.yaml"), encoding="utf-8") as fh:
        rules = yaml.safe_load(fh)
    compiled = dict(rules)
    compiled["pinyin_re"] = re.compile(rules["pinyin_annotation"])
    for key in ("web_navigation", "notice_title", "web_footer"):
        compiled[key + "_re"] = _AnyPattern(rules[key])
    compiled["front_matter_re"] = [(r["rule"], re.compile(r["marker"])) for r in rules["front_matter"]]
    compiled["stated_counts_re"] = re.compile(rules["stated_counts"])
    return compiled


@functools.cache
def _phrase_table(name: str) -> tuple[re.Pattern, dict[str, str]]:
    table = pd.read_csv(config.data_path(name), comment="#", dtype=str)
    mapping = dict(zip(table["taiwan"], table["mainland"]))
    # Longest first so 网际网路 wins over 网路.
    pattern = re.compile("|".join(map(re.escape, sorted(mapping, key=len, reverse=True))))
    return pattern, mapping


@functools.cache
def _converter(cfg: str):
    from .simplify import FastConverter  # OpenCC's output, ~20x faster (see simplify.py)

    return FastConverter(cfg)


# --------------------------------------------------------------------------------------------------------------
# manifest


_SAVE_AS_UTF8 = 'in Excel: File > Save As > "CSV UTF-8 (Comma delimited) (*.csv)"'


def read_manifest(path: Path | None = None) -> tuple[pd.DataFrame, list[Diagnostic]]:
    """Read and validate the manifest row by row; bad rows become diagnostics naming their line and are left
    out, the others build. A manifest with no row to build is an InputError (one line, nothing replaced)."""
    path = Path(path or config.manifest_path())
    if not path.exists():
        raise InputError(str(path), None, "manifest not found; create data/raw/manifest.csv (see README)")
    text, diags = decode_manifest(path.read_bytes(), path.name)
    records = list(manifest_records(text))
    if not records:
        raise InputError(str(path), None, "manifest is empty; it needs a header line and one row per plan "
                                          "(see docs/adding_plans.md)")
    header_line, header, problem = records[0]
    header = [h.strip() for h in header or []]
    missing = [c for c in MANIFEST_COLUMNS if c not in header and c != "notes"]
    if problem or missing:
        raise InputError(str(path), header_line, problem or f"manifest lacks column(s) {', '.join(missing)}")
    if len(records) == 1:
        raise InputError(str(path), None, "manifest has a header but no rows; add one row per plan")
    raw_dir = path.parent
    with os.scandir(raw_dir) as entries:  # one listing instead of a stat per row (thousands of plans)
        present = {e.name for e in entries if e.is_file(follow_symlinks=False)}
    keep: list[dict] = []
    seen: dict[str, int] = {}
    listed = set()
    for line, fields, problem in records[1:]:
        row = dict(zip(header, fields or []))
        row = {c: row.get(c, "") for c in MANIFEST_COLUMNS}
        where = dict(file=str(path.name), line=line, doc_id=row["doc_id"] or None)
        listed.add(row["file"])
        if problem is None and len(fields) != len(header):
            problem = (f"row has {len(fields)} fields, the header has {len(header)}; a comma inside a field needs "
                       'the field in double quotes ("…")')
        problem = problem or _row_problem(row, seen, raw_dir, present)
        if problem:
            diags.append(Diagnostic(severity="error", code="manifest_row", message=problem, **where))
            continue
        seen[row["doc_id"]] = line
        keep.append(row)
    if not keep:
        first = next(d for d in diags if d.code == "manifest_row")
        raise InputError(str(path), first.line, f"no manifest row can be built; first problem: {first.message}")
    for extra in sorted(p.name for p in raw_dir.iterdir() if p.suffix.lower() in SUFFIXES and p.name not in listed):
        diags.append(Diagnostic(
            severity="warning", code="file_without_manifest_row", file=extra, line=None, doc_id=None,
            message=f"{extra} is in {raw_dir.name}/ but has no manifest row; add one to build it"))
    ok = pd.DataFrame(keep, columns=MANIFEST_COLUMNS).assign(year=lambda f: f["year"].str.strip().astype(int))
    return ok, diags


def decode_manifest(data: bytes, file: str) -> tuple[str, list[Diagnostic]]:
    """The manifest's text: UTF-8 (BOM allowed), else UTF-16 or GBK/GB18030 as Excel saves them, with a
    warning saying how to save it as CSV UTF-8."""
    if not data.strip():
        raise InputError(file, None, "manifest is empty; it needs a header line and one row per plan "
                                     "(see docs/adding_plans.md)")
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
    for encoding, ok in (("utf-16", data.startswith((b"\xff\xfe", b"\xfe\xff"))), ("gb18030", True)):
        if not ok:
            continue
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:  # UTF-16 without a BOM read as GB18030
            continue
        return text, [Diagnostic(
            severity="warning", code="manifest_not_utf8", file=file, line=line, doc_id=None,
            message=f"manifest is not UTF-8 (first bad byte on line {line}); decoded as {encoding}; save it as "
                    f"CSV UTF-8 ({_SAVE_AS_UTF8}) to silence this")]
    raise InputError(file, line, f"manifest is not UTF-8 and could not be decoded; save it as CSV UTF-8 "
                                 f"({_SAVE_AS_UTF8})")


def manifest_records(text: str):
    """``(line, fields, problem)`` for every non-blank CSV record of ``text``, ``line`` the record's first line.

    Record by record rather than by a CSV reader over the whole file, so that one bad row (an unclosed quote
    would swallow every later row) is reported on its own line and the following rows are still read.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    i = 0
    while i < len(lines):
        start = i
        chunk = lines[i]
        i += 1
        while chunk.count('"') % 2 and i < len(lines):  # a quoted field goes on over the newline
            chunk += "\n" + lines[i]
            i += 1
        if not chunk.strip():
            continue
        if chunk.count('"') % 2 or (i - start > 1 and _unbalanced(chunk, lines[start])):
            yield start + 1, None, 'a double quote (") on this line is never closed; close it or remove it'
            i = start + 1  # read again from the next line: the quote swallowed those rows
            continue
        try:
            rows = list(csv.reader(io.StringIO(chunk, newline=""), strict=True))
        except csv.Error as exc:
            yield start + 1, None, f"row is not valid CSV ({exc}); quote fields that hold commas or quotes"
            continue
        fields = rows[0] if rows else []
        if not any(f.strip() for f in fields):  # ",,,," as left by deleting cells in Excel
            continue
        yield start + 1, fields, None


def _unbalanced(chunk: str, first_line: str) -> bool:
    """A record spanning lines whose first line alone looks like a complete row: its quote was left open and
    closed by a quote on some later row."""
    return first_line.count(",") >= len(MANIFEST_COLUMNS) - 2 and "\n" in chunk and \
        chunk.count(",") > first_line.count(",") + 2


def _row_problem(row: dict, seen: dict[str, int], raw_dir: Path, present: set[str]) -> str | None:
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", row["doc_id"] or ""):
        return f"doc_id {row['doc_id']!r} must be non-empty letters, digits, _ . -"
    if row["doc_id"] in seen:
        return f"doc_id {row['doc_id']!r} already used on line {seen[row['doc_id']]}; doc_ids must be unique"
    if not re.fullmatch(r"\d{4}", row["year"].strip()):
        return f"year {row['year']!r} is not a four-digit number"
    if row["level"] not in LEVELS:
        return f"level {row['level']!r} must be one of {', '.join(LEVELS)}"
    if row["script"] and row["script"] not in SCRIPTS:
        return f"script {row['script']!r} must be one of {', '.join(SCRIPTS)}, or empty (detected)"
    return file_problem(row["file"], raw_dir, present)


def file_problem(name: str, raw_dir: Path, present: set[str] = frozenset()) -> str | None:
    """Why a manifest ``file`` may not be read, if it may not: it must name a file inside ``data/raw/``
    (a sub-folder allowed), never an absolute path, a ``..`` or a link to a file elsewhere."""
    if name in present:  # a plain file directly in data/raw/ (not a link)
        return None
    where = f"{raw_dir.parent.name}/{raw_dir.name}/"
    parts = name.replace("\\", "/").split("/")
    if not name or os.path.isabs(name) or re.match(r"[A-Za-z]:", name) or name.startswith(("/", "\\")) \
            or ".." in parts:
        return (f"file {name!r} must be a file name inside {where} (sub-folders allowed), not an absolute path "
                f"or one with '..'; copy the plan into {where} and give its name")
    root = os.path.realpath(raw_dir)
    real = os.path.realpath(raw_dir / name)
    if os.path.commonpath([root, real]) != root:
        return (f"file {name!r} links to {real}, outside {where}; copy the plan itself into {where} (nothing "
                "outside it is read)")
    if not os.path.isfile(real):
        return f"file {name!r} not found in {where}; copy it there or remove the row"
    return None


# --------------------------------------------------------------------------------------------------------------
# decoding


# Control characters other than tab, newline and form feed (a page break), and private-use characters (glyphs
# a PDF converter could not map): damage, not text.
_DAMAGE_RE = re.compile(r"[\x01-\x08\x0b\x0e-\x1f\x7f-\x9f\ue000-\uf8ff]")
# A lone ASCII ? between two Han characters: what an encoder writes for a character its code page lacks (a
# Chinese question mark is full width, ？, and ends a sentence rather than sitting inside a word).
_LOST_CHAR_RE = re.compile(r"\?(?<=[\u3400-\u9fff]\?)(?=[\u3400-\u9fff])")


def damage(text: str, file: str, script: str) -> list[Diagnostic]:
    """Warnings, with file and line, for damage a decoder lets through: U+FFFD and a ``?`` inside a Chinese word
    (characters lost by a conversion), control and private-use characters, and traditional characters in a plan
    declared ``zh-Hans``."""
    diags = []

    def warn(code: str, at: int, what: str, count: int) -> None:
        line = text.count("\n", 0, at) + 1
        more = f" ({count} in the file)" if count > 1 else ""
        diags.append(Diagnostic(severity="warning", code=code, file=file, line=line, doc_id=None,
                                message=what + more))

    if "\ufffd" in text:
        warn("replacement_character", text.index("\ufffd"), "U+FFFD replacement character: a conversion lost "
             "characters here; take the text again from the original", text.count("\ufffd"))
    lost = _LOST_CHAR_RE.search(text) if "?" in text else None
    if lost:
        warn("replacement_character", lost.start(), "'?' between Chinese characters: a conversion to another "
             "encoding lost a character here; take the text again from the original",
             len(_LOST_CHAR_RE.findall(text)))
    bad = _DAMAGE_RE.search(text)
    if bad:
        warn("damaged_character", bad.start(), f"control or private-use character U+{ord(bad.group(0)):04X} "
             "(a damaged copy or an unmapped PDF glyph); fix or remove it", len(_DAMAGE_RE.findall(text)))
    if script == "zh-Hans" and load_rules()["opencc"].get(script) is None:
        converted = _converter("t2s").convert(text)
        if converted != text:
            lines = [i for i, (a, b) in enumerate(zip(text.split("\n"), converted.split("\n"))) if a != b]
            raw = text.split("\n")[lines[0]]
            chars = "".join(dict.fromkeys(a for a, b in zip(raw, converted.split("\n")[lines[0]]) if a != b))
            diags.append(Diagnostic(
                severity="warning", code="traditional_in_simplified", file=file, line=lines[0] + 1, doc_id=None,
                message=f"traditional characters ({chars[:10]}) in a plan declared zh-Hans"
                        + (f", on {len(lines)} lines" if len(lines) > 1 else "")
                        + "; if the plan is traditional, set its script in the manifest (zh-Hant…)"))
    return diags


# --------------------------------------------------------------------------------------------------------------
# line-level normalisers (str -> str)


def to_simplified(text: str, *, script: str) -> str:
    """Convert to simplified Chinese with the OpenCC configuration (and phrase table) chosen for ``script``."""
    rules = load_rules()
    cfg = rules["opencc"].get(script)
    if cfg:
        text = _converter(cfg).convert(text)
    table = rules["phrase_tables"].get(script)
    if table:
        pattern, mapping = _phrase_table(table)
        text = pattern.sub(lambda m: mapping[m.group(0)], text)
    return text


def unify_punctuation(line: str) -> str:
    """Half-width brackets and sentence punctuation to full width (commas/colons between digits stay).

    Line-local (a newline is neither a digit nor composable), so it may be given a whole text at once.
    """
    line = unicodedata.normalize("NFC", line)
    for half, full in _HALF_TO_FULL.items():  # str.replace runs in C; str.translate looks up every character
        line = line.replace(half, full)
    if "," in line:
        line = _COMMA_RE.sub("，", line)
    if ":" in line:
        line = _COLON_RE.sub("：", line)
    return line


def collapse_whitespace(line: str) -> str:
    """No-break, ideographic and other spaces to one space; none next to CJK text; stripped."""
    if not _ANY_SPACE_RE.search(line):  # most lines of Chinese text: nothing to do
        return line
    line = _SPACE_RE.sub(" ", line)
    line = _SPACE_NEAR_CJK_RE.sub("", line)
    return line.strip()


# --------------------------------------------------------------------------------------------------------------
# document-level normalisation


def _removal(doc_id: str, rule: str, raw_line: int, removed: str) -> dict:
    return {"doc_id": doc_id, "rule": rule, "raw_line": raw_line, "removed": removed}


def _is_section(text: str) -> bool:
    return grammar.is_section(text)


def normalise(text: str, *, doc_id: str, file: str, script: str) -> Normalised:
    """Turn one decoded raw plan into its normalised body (see module docstring)."""
    rules = load_rules()
    removals: list[dict] = []
    diags: list[Diagnostic] = []
    raw_lines = text.split("\n")

    # 1. inline pinyin, on the raw text so the log shows exactly what was in the file
    cleaned = []
    for n, raw in enumerate(raw_lines, start=1):
        found = [m.group(0) for m in rules["pinyin_re"].finditer(raw)]
        for annotation in found:
            removals.append(_removal(doc_id, "pinyin_annotation", n, annotation))
        cleaned.append(rules["pinyin_re"].sub("", raw) if found else raw)  # no second scan of clean lines

    # 2. script conversion and punctuation on the whole text at once (neither ever crosses a newline)
    converted = unify_punctuation(to_simplified("\n".join(cleaned), script=script)).split("\n")
    if len(converted) != len(raw_lines):  # pragma: no cover - OpenCC contract
        raise InputError(file, None, "script conversion changed the number of lines")

    # 3. whitespace, markdown heading marks, blank lines
    #    A flattened copy's markers inside a line (preamble, 一、… and （一）… separated by spaces) start new
    #    paragraphs first: the spaces that separate them are removed next to CJK text below.
    lines: list[Line] = []
    splitter = grammar.FlatSplitter()
    for n, (raw, whole) in enumerate(zip(raw_lines, converted), start=1):
        cuts = splitter.breaks(whole)
        for a, b in cuts:
            removals.append(_removal(doc_id, "flattened_line_split", n, whole[a:b]))
        starts, ends = [0] + [b for _, b in cuts], [a for a, _ in cuts] + [len(whole)]
        for line in (whole[a:b] for a, b in zip(starts, ends)):
            squeezed = collapse_whitespace(line)
            if squeezed != line:
                if not squeezed:
                    if raw:
                        removals.append(_removal(doc_id, "blank_line", n, raw))
                    continue
                removals.append(_removal(doc_id, "whitespace", n, "".join(_REMOVED_SPACE_RE.findall(line))))
            heading = _MD_HEADING_RE.match(squeezed)
            if heading:
                removals.append(_removal(doc_id, "markdown_heading", n, heading.group(0)))
                squeezed = squeezed[heading.end():]
            if squeezed:
                lines.append(Line(squeezed, n))
    full_text = "\n".join(l.text for l in lines)

    stated = rules["stated_counts_re"].search(full_text)
    stated_sections = _cn_or_int(stated.group("sections")) if stated else None
    stated_tasks = _cn_or_int(stated.group("tasks")) if stated else None

    # 4. where the plan starts and ends
    first = next((i for i, l in enumerate(lines) if _is_section(l.text)), None)
    if first is None:
        first = next((i for i, l in enumerate(lines) if grammar.marker_below_section(l.text)), None)
    if first is None:
        diags.append(Diagnostic(severity="warning", code="no_sections", file=file, line=None, doc_id=doc_id,
                                message="no section heading (一、) or numbered task found; the whole text "
                                        "is kept as preamble"))
        first = len(lines)
    end = next((i for i in range(first, len(lines)) if rules["web_footer_re"].search(lines[i].text)), len(lines))
    for l in lines[end:]:
        removals.append(_removal(doc_id, "web_footer", l.raw_line, l.text))

    title_at, title_len = _find_title(lines, first)
    start = title_at if title_at is not None else _first_content(lines, first, rules)
    front = lines[:start]
    front_rule = next((rule for rule, rx in rules["front_matter_re"] if any(rx.search(l.text) for l in front)),
                      "front_matter")
    for l in front:
        if rules["web_navigation_re"].search(l.text):
            rule = "web_navigation"
        elif rules["notice_title_re"].search(l.text):
            rule = "notice_title"
        else:
            rule = front_rule
        removals.append(_removal(doc_id, rule, l.raw_line, l.text))

    if title_at is not None:
        title_lines = lines[title_at:title_at + title_len]
        title = "".join(l.text for l in title_lines).replace(" ", "")
        for l in title_lines[1:]:
            removals.append(_removal(doc_id, "title_line_join", l.raw_line, "\n"))
        body_lines = [Line(title, title_lines[0].raw_line)]
        rest = lines[title_at + title_len:end]
    else:
        found = next((m.group("title") for l in front for m in [NOTICE_TITLE_RE.search(l.text)] if m), None)
        title = found or ""
        if not found:
            diags.append(Diagnostic(severity="warning", code="no_title", file=file, line=None, doc_id=doc_id,
                                    message="no plan title (YYYY年…工作要点 or …任务分工) found; documents.title is empty"))
        body_lines = []
        rest = lines[start:end]

    # 5. rejoin paragraphs that a page break cut (no terminal punctuation, not a heading printed without 。, next
    #    line not opened by a marker of any level or a task division's role label 牵头单位：)
    for l in rest:
        prev = body_lines[-1] if body_lines and (title_at is None or len(body_lines) > 1) else None
        if prev is not None and not prev.text.endswith(TERMINAL) and not _is_section(prev.text) \
                and not grammar.is_heading_line(prev.text) and not grammar.is_marker_line(l.text) \
                and not grammar.is_label_line(l.text):
            removals.append(_removal(doc_id, "page_break_join", l.raw_line, "\n"))
            body_lines[-1] = Line(prev.text + l.text, prev.raw_line,
                                  prev.pieces + ((len(prev.text), l.raw_line),))
        else:
            body_lines.append(l)

    body_parts, offsets, numbers = [], [], []
    pos = 0
    for l in body_lines:
        offsets.append(pos)
        numbers.append(l.raw_line)
        for off, raw_line in l.pieces:
            offsets.append(pos + off)
            numbers.append(raw_line)
        body_parts.append(l.text + "\n")
        pos += len(l.text) + 1
    return Normalised(
        doc_id=doc_id, file=file, body="".join(body_parts), title=title, has_title_line=title_at is not None,
        line_offsets=offsets, line_numbers=numbers, removals=removals, diagnostics=diags,
        stated_sections=stated_sections, stated_tasks=stated_tasks,
    )


def _find_title(lines: list[Line], first: int) -> tuple[int | None, int]:
    """Nearest plan title before the first section: one line, or two when a line break splits it."""
    for i in range(first - 1, -1, -1):
        text = lines[i].text.replace(" ", "")
        if "《" in text:
            continue
        if TITLE_RE.match(text):
            return i, 1
        if i + 1 < first and re.match(r"^\d{4}年", text) and not text.endswith(TERMINAL):
            joined = text + lines[i + 1].text.replace(" ", "")
            if TITLE_RE.match(joined):
                return i, 2
    return None, 0


def _first_content(lines: list[Line], first: int, rules: dict) -> int:
    """Without a title line, the body starts after the last navigation/notice line before the first section."""
    start = 0
    for i in range(first):
        if rules["web_navigation_re"].search(lines[i].text) or rules["notice_title_re"].search(lines[i].text):
            start = i + 1
    return start


def _cn_or_int(token: str) -> int:
    return int(token) if token.isdigit() else cn_numeral(token)


def read_document(path: Path, *, doc_id: str, script: str) -> Normalised:
    """Read one raw file (text in any encoding, a web page, a Word file or a PDF: ``readers``) and normalise
    it; an empty ``script`` is detected from the text (I/O edge of this module)."""
    file = Path(path).name
    got = read_bytes(Path(path).read_bytes(), file)
    text, diags = got.text, list(got.diagnostics)
    from .metadata import check_script  # metadata uses this module's converters

    script, found = check_script(text, script, file)
    diags += found
    diags += damage(text, file, script)
    norm = normalise(text, doc_id=doc_id, file=file, script=script)
    norm.script = script
    if got.lines is not None:  # lines of the extracted text → lines of the raw file
        at = got.raw_line
        norm.line_numbers = [at(n) for n in norm.line_numbers]
        norm.removals = [{"doc_id": doc_id, **r} for r in got.removals] + [
            r | {"raw_line": at(r["raw_line"])} for r in norm.removals]
        norm.diagnostics = [dataclasses.replace(d, line=at(d.line)) if d.line else d for d in norm.diagnostics]
        diags = [d if d in got.diagnostics or not d.line else dataclasses.replace(d, line=at(d.line))
                 for d in diags]
    norm.diagnostics[:0] = [d.with_doc(doc_id) for d in diags]
    return norm


__all__ = [
    "Normalised", "read_manifest", "decode", "normalise", "read_document", "to_simplified",
    "unify_punctuation", "collapse_whitespace", "load_rules",
]
