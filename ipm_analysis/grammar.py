"""The plan grammar: marker levels, numerals, title rules, role verbs and placeholders, read from
``data/plan_grammar.yaml``. Ingest (page-break rejoin, flattened lines), parse (sections, tasks, items) and
agencies (role verbs, placeholders) all read the structure of a plan through this module.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import yaml

from . import config


@functools.cache
def load_grammar() -> dict:
    """``plan_grammar.yaml`` as read (cached once per process)."""
    with open(config.data_path("plan_grammar.yaml"), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


_G = load_grammar()
_NUM = _G["numerals"]
_DIGITS: dict[str, int] = {k: int(v) for k, v in _NUM["digits"].items()}
_MULTIPLIERS: dict[str, int] = {k: int(v) for k, v in _NUM["multipliers"].items()}
_CIRCLED = _NUM["circled"]
CN_DIGITS = "".join(_DIGITS) + "".join(_MULTIPLIERS)

LEVELS: tuple[str, ...] = tuple(level["name"] for level in _G["levels"])
_LEVEL_RES = tuple(re.compile(level["marker"]) for level in _G["levels"])
SECTION = 0  # index of the section level in LEVELS

SECTION_MAX_CHARS = int(_G["titles"]["section_max_chars"])
HEADING_MAX_CHARS = int(_G["titles"]["heading_max_chars"])
_HEADING_STOPS = frozenset(_G["titles"]["heading_stops"])
TERMINAL = tuple(_G["titles"]["terminal"])
TITLE_RE = re.compile(_G["titles"]["plan_title"])
NOTICE_TITLE_RE = re.compile(_G["titles"]["notice_title"])
# A role label opening a part of a clause or a line (牵头单位：…); the group name is the role.
ROLE_LABEL_RE = re.compile("^(?:" + "|".join(f"(?P<{role}>{'|'.join(map(re.escape, labels))})"
                                             for role, labels in _G["role_labels"].items()) + ")：")

SECTION_RE = re.compile(rf"^{_G['levels'][0]['marker']}(?P<title>[^。]*。?)$")
# Task markers as read before the items level existed: （三）, the malformed 三十五） and arabic （3）. agencies uses
# it to skip the bracket of a malformed marker.
TASK_RE = re.compile(rf"^(?P<open>（?)(?P<num>[{CN_DIGITS}]+|[0-9]+)）")
# Any marker below the section at a paragraph start: one named group per level (l1, l2, …).
_BELOW_RE = re.compile("^(?:" + "|".join(f"(?P<l{i}>{rx.pattern})".replace("(?P<num>", f"(?P<n{i}>")
                                          .replace("(?P<open>", f"(?P<o{i}>")
                                          for i, rx in enumerate(_LEVEL_RES) if i != SECTION) + ")")
_BELOW_AT_RE = re.compile(_BELOW_RE.pattern[1:])  # the same, matched at a position inside a line
_HEADING_START_RE = re.compile(_G["flattened"]["heading_start"])
_FLAT_TITLE_RE = re.compile(_G["flattened"]["title"])
_SPACES_RE = re.compile(r"[ \t\u00a0\u3000]+")
# Whitespace inside a line followed by a marker of any level (a flattened copy's paragraph breaks).
# Led by the space itself (the lookbehind after it checks what precedes the run), so the regex engine skips to
# spaces instead of trying every position of a long line.
_SPACE = r"[ \t\u00a0\u3000]"
_ANY_MARKER = "|".join(rx.pattern.replace("(?P<num>", "(?:").replace("(?P<open>", "(?:") for rx in _LEVEL_RES)
_FLAT_RE = re.compile(rf"{_SPACE}(?<=\S{_SPACE}){_SPACE}*(?={_ANY_MARKER})")
_LEADING_RE = re.compile(r"^[\s#]*")
# Markers run into a line without a space (plan_grammar.yaml `run_in`): after a sentence end or a closing
# bracket (led by the punctuation, so the regex engine skips to it), or at the end of a heading run.
_RUN_IN = _G["run_in"]
_RUN_IN_AFTER = _RUN_IN["after"]
_RUN_IN_RE = re.compile(rf"[{re.escape(_RUN_IN_AFTER)}）](?={_ANY_MARKER})")
_ANY_MARKER_RE = re.compile(_ANY_MARKER)
_NOT_AFTER_RE = re.compile(_RUN_IN["not_after"])
_NOT_BEFORE_RE = re.compile(_RUN_IN["not_before"])
_RUN_IN_TITLE_RE = re.compile(_RUN_IN["title"])
_SECTION_STOPS = frozenset("。；！？")


def cn_numeral(token: str) -> int:
    """Value of a Chinese numeral up to the hundreds (三十五 → 35, 十 → 10, 一百零二 → 102), of arabic digits and
    of a circled number (③ → 3)."""
    if len(token) == 1 and token in _CIRCLED:  # before isdigit, which is true of ① too
        return _CIRCLED.index(token) + 1
    if token.isdigit():
        return int(token)
    total, current = 0, 0
    for ch in token:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch in _MULTIPLIERS:
            total += (current or 1) * _MULTIPLIERS[ch]
            current = 0
        else:
            raise ValueError(f"not a Chinese numeral: {token!r}")
    return total + current


@dataclass(frozen=True)
class Marker:
    """A numbering marker at the start of a paragraph."""

    level: int        # index into LEVELS (0 = section)
    number: int
    text: str         # the marker as printed, e.g. （三）, 1.
    end: int          # offset just after the marker
    has_open: bool    # False for a bracket marker that lost its opening bracket (三十五）)


def is_section(text: str) -> bool:
    """A section heading line (一、…, short, nothing after its 。)."""
    return len(text) <= SECTION_MAX_CHARS and bool(SECTION_RE.match(text))


def marker_below_section(text: str, pos: int = 0) -> Marker | None:
    """The marker of a level below the section that opens ``text`` (at ``pos``), if any; ``end`` is relative
    to ``pos``."""
    m = (_BELOW_RE if pos == 0 else _BELOW_AT_RE).match(text, pos)
    if m is None:
        return None
    level = int(m.lastgroup[1:])
    opened = m.groupdict().get(f"o{level}")
    return Marker(level, cn_numeral(m.group(f"n{level}")), m.group(0), m.end() - pos,
                  opened is None or bool(opened))


def marker_at(text: str) -> Marker | None:
    """The marker that opens a paragraph: a section heading line, else a marker of a deeper level."""
    if is_section(text):
        m = SECTION_RE.match(text)
        return Marker(SECTION, cn_numeral(m.group("num")), text[: m.start("title")], m.start("title"), True)
    return marker_below_section(text)


def is_marker_line(text: str) -> bool:
    """A paragraph opened by a marker of any level."""
    return is_section(text) or _BELOW_RE.match(text) is not None


def is_heading_line(text: str) -> bool:
    """A marker line that is a heading without its 。 (（一）加大商标权保护力度): short, no sentence punctuation;
    a page break never cut it, so nothing is glued to it."""
    return len(text) <= HEADING_MAX_CHARS and marker_below_section(text) is not None \
        and not _HEADING_STOPS.intersection(text)


class FlatSplitter:
    """Finds the paragraph breaks of a flattened copy, line by line through one document.

    A marker inside a line starts a paragraph when heading text follows it, it continues its level's numbering
    (the next number of that level, or 1 after a marker of a shallower level) and either whitespace precedes it
    or it is run in without a space (``run_in`` in the grammar: after a sentence end, or at the end of a heading
    run, and not in a reference such as 第（一）项). The numbering seen so far (line starts included) is the
    splitter's state, so call ``breaks`` on every line of a document in order. A plan title opening a line
    before any marker is cut off the text after it.
    """

    def __init__(self) -> None:
        self.last: dict[int, int] = {}
        self.fresh: set[int] = set()
        self.titled = False

    def _see(self, mark: Marker) -> None:
        self.last[mark.level] = mark.number
        self.fresh.discard(mark.level)
        self.fresh.update(i for i in range(mark.level + 1, len(LEVELS)))

    def _continues(self, mark: Marker) -> bool:
        return mark.number == self.last.get(mark.level, 0) + 1 or (mark.number == 1 and mark.level in self.fresh)

    def breaks(self, line: str) -> list[tuple[int, int]]:
        """(start, end) of the whitespace runs of ``line`` at which a new paragraph begins (start == end where a
        marker is run in without a space)."""
        lead = _LEADING_RE.match(line).end()
        first = _first_marker(line, lead)
        if first is not None:
            self._see(first)
        out = []
        piece, piece_mark = lead, first  # the paragraph being read and its marker
        title = None if self.titled or self.last else _FLAT_TITLE_RE.match(line, lead)
        if title:
            self.titled = True
            out.append(_SPACES_RE.match(line, title.end()).span())
        elif not (self.titled or self.last) and first is None and not TITLE_RE.match(line[lead:]):
            title = _RUN_IN_TITLE_RE.match(line, lead)
            if title:  # 2019年…工作要点2019年，全省… or …工作要点一、总体要求
                self.titled = True
                piece = title.end()
                out.append((piece, piece))
                piece_mark = _first_marker(line, piece)
                if piece_mark is not None and self._continues(piece_mark):
                    self._see(piece_mark)
                else:
                    piece_mark = None
        spaced = [(ws.start(), ws.end(), True) for ws in _FLAT_RE.finditer(line, lead)]
        run_in = [(m.end(), m.end(), False) for m in _RUN_IN_RE.finditer(line, piece)]
        static = sorted(spaced + run_in) if run_in else spaced
        heads = self._heading_run(line, piece, piece_mark)
        k, pos = 0, piece
        while True:
            head = next((q for q in heads if q > pos), None)
            if k < len(static) and (head is None or static[k][0] <= head):
                a, b, is_space = static[k]
                k += 1
            elif head is not None:
                a = b = head
                is_space = False
            else:
                break
            pos = a
            mark = _first_marker(line, b)
            if mark is None or not _HEADING_START_RE.match(line, b + mark.end) or not self._continues(mark):
                continue
            if not is_space and not self._run_in_ok(line, piece, b, mark):
                continue
            self._see(mark)
            out.append((a, b))
            piece = b
            heads = self._heading_run(line, piece, mark)
        return out

    @staticmethod
    def _heading_run(line: str, piece: int, mark: Marker | None) -> list[int]:
        """Where a marker starts inside the heading that opens the paragraph at ``piece`` (一、总体要求（一）…):
        after at least two characters of heading text, before any of its stops and its length limit."""
        if mark is None:
            return []
        section = mark.level == SECTION
        stops = _SECTION_STOPS if section else _HEADING_STOPS
        start = piece + mark.end
        end = min(len(line), piece + (SECTION_MAX_CHARS if section else HEADING_MAX_CHARS))
        end = next((i for i in range(start, end) if line[i] in stops), end)
        out = []
        found = _ANY_MARKER_RE.search(line, start + 2)
        while found is not None and found.start() < end:
            out.append(found.start())
            found = _ANY_MARKER_RE.search(line, found.end())
        return out

    @staticmethod
    def _run_in_ok(line: str, piece: int, at: int, mark: Marker) -> bool:
        """Whether a marker run in at ``at`` without a space is no part of a sentence: not after a digit, a Latin
        letter or an opening bracket, nor after a reference word (第, 上述, 按照本要点 …), nor before a numeral
        enumeration (一、二类) or 项/条/款 (（一）项); a closing bracket before it closes a responsibility clause or
        a bracket after a sentence end."""
        before = line[at - 1] if at > 0 else ""
        if before in "（(.．" or before.isascii() and before.isalnum():
            return False
        if _NOT_AFTER_RE.search(line, max(piece, at - 8), at) or _NOT_BEFORE_RE.match(line, at + mark.end):
            return False
        if before == "）":
            text = line[piece:at]
            if strip_trailing_clause(text) != text:
                return True
            opening = _opening_bracket(text)
            return opening is not None and opening > 0 and text[opening - 1] in _RUN_IN_AFTER
        return True


def _opening_bracket(text: str) -> int | None:
    """Offset of the （ that the final ） of ``text`` closes (nested brackets inside it), if any."""
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += {"）": 1, "（": -1}.get(text[i], 0)
        if depth == 0:
            return i
    return None


def _first_marker(text: str, pos: int) -> Marker | None:
    """The marker at ``pos`` of ``text`` (a section marker need not end the line here: the line is not split
    yet); ``end`` is relative to ``pos``."""
    m = _LEVEL_RES[SECTION].match(text, pos)
    if m:
        return Marker(SECTION, cn_numeral(m.group("num")), m.group(0), m.end() - pos, True)
    return marker_below_section(text, pos)


def strip_trailing_clause(title: str) -> str:
    """A title without the responsibility clause it ends in (1.严厉打击商标侵权行为（省市场监管局负责） →
    1.严厉打击商标侵权行为): a bracket at the end whose content ends in a role verb or opens with a role label."""
    if not title.endswith("）"):
        return title
    depth = 0
    for i in range(len(title) - 1, -1, -1):  # the bracket that the final ） closes (nested ones inside it)
        depth += {"）": 1, "（": -1}.get(title[i], 0)
        if depth == 0:
            content = title[i + 1:-1]
            if _ROLE_END_RE.search(content) or ROLE_LABEL_RE.match(content):
                return title[:i]
            return title
    return title


def role_pattern() -> str:
    """The role-verb regex: one named group per role (``lead``, ``participating``, ``responsible``), each
    anchored at the end of a clause part."""
    return "|".join(f"(?P<{role}>(?:{'|'.join(verbs)}))$" for role, verbs in _G["roles"].items())


def is_role_label_line(text: str) -> bool:
    """A line of a task-division document naming the agencies of the task or item above it (牵头单位：…)."""
    return ROLE_LABEL_RE.match(text) is not None


_DIVISION = _G["division_table"]
_NOTE_LABELS = tuple(_DIVISION["notes"])
# A note of a task-division table's row, on its own line under the task (完成时限：2019年底).
NOTE_LABEL_RE = re.compile("^(?:" + "|".join(map(re.escape, _NOTE_LABELS)) + ")：")
_COLUMN_KINDS = {word: ("number", word) for word in _DIVISION["number"]} | \
    {word: ("task", word) for word in _DIVISION["task"]} | {word: ("note", word) for word in _NOTE_LABELS} | \
    {label: (role, label) for role, labels in _G["role_labels"].items() for label in labels}


def division_column(header: str) -> tuple[str, str] | None:
    """The kind of a task-division table's column by its header cell (序号 → number, 工作任务 → task, 牵头单位 →
    lead, 完成时限 → note …) and the header word; None for another header."""
    return _COLUMN_KINDS.get(re.sub(r"\s+", "", header))


def division_columns(headers: list[str]) -> list[tuple[str, str] | None] | None:
    """The columns of a task-division table by its header row, or None when the row names no task column or no
    role column (not a task division)."""
    kinds = [division_column(h) for h in headers]
    named = {k[0] for k in kinds if k}
    return kinds if "task" in named and named & set(_G["role_labels"]) else None


def is_label_line(text: str) -> bool:
    """A line naming a task's agencies (牵头单位：…) or a note of a task-division table's row (完成时限：…)."""
    return ROLE_LABEL_RE.match(text) is not None or NOTE_LABEL_RE.match(text) is not None


def placeholders_file() -> str:
    """Name of the reviewed placeholder file in ``data/``."""
    return _G["placeholders"]


_ROLE_END_RE = re.compile(role_pattern())
