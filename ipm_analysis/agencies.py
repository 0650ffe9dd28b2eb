"""Responsibility clauses and the agencies in them.

A clause is a bracketed span such as `（市场监管总局牵头，公安部、海关总署按职责分工负责）`. Each comma-separated
part names agencies and ends in a role verb: 牵头 in any form → ``lead``; 按职责分工(分别)负责 → ``participating``;
a bare 负责 → ``responsible``. A part without a verb takes the verb of the next part
(`（甲、乙，丙负责）`: all three responsible); a clause without any verb (one in the Qingdao plan) gets
``unspecified``. Names are looked up in the reviewed alias table of the plan's scope; a name it does not hold
is resolved by rule (``LocalRules``, data/local_agency_rules.yaml): split into a jurisdiction prefix (省, 市, 福建,
福州 …) and a body, the body mapped to its national counterpart (省文化厅 → 文化部). Placeholders (有关部门 …) are
kept and flagged generic; names no table or rule resolves are kept, flagged and reported once per name.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import NamedTuple

import pandas as pd
import yaml

from . import config, grammar
from .diagnostics import Diagnostic
from .grammar import ROLE_LABEL_RE, TASK_RE
from .ingest import Normalised

# Role verbs at the end of a clause part (data/plan_grammar.yaml `roles`); the group name is the role.
ROLE_RE = re.compile(grammar.role_pattern())
# ROLE_RE only matches the last ROLE_TAIL characters (its longest verb, 按职责分工分别牵头负责, and a final newline
# that $ may precede): searching that tail finds the same match without trying every position of a long clause.
ROLE_TAIL = 12
PART_SEPARATORS = "，；"
NAME_SEPARATORS = "、及"
# 等 closes an open list (`税务总局、市场监管总局等`), optionally followed by the group it stands for
# (`等罚没部门`, `等领导小组成员单位`), which is kept as a generic row.
ETC_RE = re.compile(r"等(?P<group>[^、]*)$")
_BRACKET_RE = re.compile("[（）]")
_BRAND_RE = re.compile(r"(?P<name>[^（）]+)（(?P<brand>[^（）]+)）")
_INNER_LABEL_RE = re.compile(ROLE_LABEL_RE.pattern.lstrip("^"))


@dataclass(frozen=True)
class AgencyTables:
    """The reviewed agency knowledge (data files under ``ipm_analysis/data``)."""

    agencies: pd.DataFrame
    aliases: dict[tuple[str, str], str]
    generic: tuple[tuple[str, re.Pattern], ...]
    rules: "LocalRules | None" = None
    # (scope, agency) -> (counterpart, counterpart_successor) of agency_counterparts.csv ("" = reviewed: none)
    counterparts: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def scope_of(self, level: str, jurisdiction: str) -> str:
        return "national" if level == "national" else jurisdiction

    def lookup(self, name: str, scope: str) -> dict | None:
        key = self.aliases.get((scope, name))
        if key is None:
            return None
        return self._records[(scope, key)] | {"agency": key}

    @functools.cached_property
    def _records(self) -> dict[tuple[str, str], dict]:
        """Rows of ``agencies`` as plain dicts: a .loc lookup per agency mention dominated the build."""
        return dict(zip(self.agencies.index, self.agencies.to_dict("records")))

    @functools.cached_property
    def resolved(self) -> dict[tuple[str, str, str], tuple]:
        """Memo of ``_resolve`` by (name, scope, level): a plan names the same few agencies again and again."""
        return {}

    @functools.cached_property
    def _any_generic(self) -> re.Pattern | None:
        """All placeholder patterns as one alternation (fullmatches a name iff one of them does), or None when a
        pattern has a backreference or inline flags, which joining would change."""
        if any(re.search(r"\\[1-9]|\(\?P=|\(\?[aiLmsux]", rx.pattern) for _, rx in self.generic):
            return None
        return re.compile("|".join(f"(?:{rx.pattern})" for _, rx in self.generic) or "(?!)")

    def generic_name(self, name: str) -> str | None:
        # Asked for every name and every bracket: one regex call rules out the usual non-placeholder at once.
        if self._any_generic is not None and not self._any_generic.fullmatch(name):
            return None
        return next((label for label, rx in self.generic if rx.fullmatch(name)), None)


# agency_aliases.csv: the spellings of the corpus's plans (also the tokenizer's forced words); the second file:
# national agencies other plans name (kept out of the tokenizer's dictionary, see its header)
ALIAS_FILES = ("agency_aliases.csv", "agency_aliases_beyond_corpus.csv")


@functools.cache
def load_agency_tables() -> AgencyTables:
    """Read agencies.csv, agency_aliases.csv, agency_counterparts.csv, the placeholders (generic_agencies.yaml)
    and the local-agency rules (local_agency_rules.yaml) once per process."""
    agencies = pd.read_csv(config.data_path("agencies.csv"), comment="#", dtype=str, keep_default_na=False)
    aliases = pd.concat([pd.read_csv(config.data_path(name), comment="#", dtype=str, keep_default_na=False)
                         for name in ALIAS_FILES], ignore_index=True)
    with open(config.data_path(grammar.placeholders_file()), encoding="utf-8") as fh:
        generic_doc = yaml.safe_load(fh)
    entries = generic_doc if isinstance(generic_doc, list) else generic_doc.get("generic", [])
    generic = tuple((e["name"], re.compile(e["pattern"])) for e in entries)
    counterparts = pd.read_csv(config.data_path("agency_counterparts.csv"), comment="#", dtype=str,
                               keep_default_na=False)
    return AgencyTables(
        agencies=agencies.set_index(["scope", "agency"]),
        aliases={(s, a.strip()): g for s, a, g in zip(aliases["scope"], aliases["alias"], aliases["agency"])},
        generic=generic,
        rules=load_local_rules(),
        counterparts={(s, a): (c, cs) for s, a, c, cs in zip(counterparts["scope"], counterparts["agency"],
                                                            counterparts["counterpart"],
                                                            counterparts["counterpart_successor"])},
    )


@dataclass
class ClauseResult:
    clauses: list[dict] = field(default_factory=list)
    agencies: list[dict] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def bracket_spans(text: str) -> tuple[list[tuple[int, int]], list[int]]:
    """Top-level （…） spans in one paragraph (nested brackets kept inside) and unmatched bracket positions.

    An opening bracket that is never closed does not swallow the rest of the paragraph: the matched pairs
    after it are still top-level spans (so one lost `）` costs one clause, not every clause that follows).
    """
    pairs, unmatched, stack = [], [], []
    for m in _BRACKET_RE.finditer(text):  # visit the brackets only, not every character
        i = m.start()
        if m.group() == "（":
            stack.append(i)
        elif not stack:
            unmatched.append(i)
        else:
            pairs.append((stack.pop(), i + 1))
    unmatched.extend(stack)
    spans, reach = [], -1
    for start, end in sorted(pairs):  # matched pairs nest or are disjoint: keep the outermost ones
        if start >= reach:
            spans.append((start, end))
            reach = end
    return spans, sorted(unmatched)


def role_match(text: str) -> re.Match | None:
    """``ROLE_RE.search(text)``, searched in the tail only (see ROLE_TAIL)."""
    return ROLE_RE.search(text, max(0, len(text) - ROLE_TAIL))


def _split_top(text: str, separators: str) -> list[str]:
    """Split on separators outside nested brackets (各区（市）… stays whole)."""
    if "（" not in text and "）" not in text:  # the usual case: every separator is at depth 0
        return [p for p in map(str.strip, _separator_re(separators).split(text)) if p]
    parts, depth, cur = [], 0, []
    for ch in text:
        depth += ch == "（"
        depth -= ch == "）"
        if ch in separators and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p for p in map(str.strip, parts) if p]


@functools.cache
def _separator_re(separators: str) -> re.Pattern:
    return re.compile(f"[{re.escape(separators)}]")


def split_clause(content: str, tables: AgencyTables) -> list[tuple[str, str]]:
    """(name, role) pairs of one clause's content, in order; names as written."""
    return [(name, role) for name, role, _ in split_clause_verbs(content, tables)]


def split_clause_verbs(content: str, tables: AgencyTables) -> list[tuple[str, str, str | None]]:
    """(name, role, verb) triples of one clause's content, in order; names and verbs as written (the verb is
    None for ``unspecified``).

    A role is named by a verb after the names (公安部牵头) or, in a task-division document, by a label before
    them (牵头单位：公安部), which holds for the parts after it up to the next label.
    """
    parts = []
    label = None
    for part in (p for chunk in _split_top(content, PART_SEPARATORS) for p in _split_labels(chunk)):
        found = ROLE_LABEL_RE.match(part)
        if found:
            label = (found.lastgroup, found.group(found.lastgroup))
            parts.append((part[found.end():], *label))
            continue
        m = role_match(part)
        parts.append((part[: m.start()], m.lastgroup, m.group(0)) if m else (part, *(label or (None, None))))
    # A part without its own verb shares the verb of the next part that has one.
    out: list[tuple[str, str, str | None]] = []
    for i, (names, role, verb) in enumerate(parts):
        if role is None:
            role, verb = next(((r, v) for _, r, v in parts[i + 1:] if r), ("unspecified", None))
        for name in _split_names(names, tables):
            out.append((name, role, verb))
    return out


def _split_labels(part: str) -> list[str]:
    """A part holding several role labels (牵头单位：甲配合单位：乙, once the space between them is gone) split
    before each label."""
    cuts = [m.start() for m in _INNER_LABEL_RE.finditer(part) if m.start() > 0]
    return [part[a:b] for a, b in zip([0] + cuts, cuts + [len(part)])]


def _split_names(names: str, tables: AgencyTables) -> list[str]:
    names = names.strip()
    if not names:
        return []
    # A placeholder may itself contain 、 (各省、自治区、直辖市和新疆生产建设兵团…领导小组): keep it whole.
    if tables.generic_name(names):
        return [names]
    tail = None
    etc = ETC_RE.search(names)
    if etc:
        names, tail = names[: etc.start()], etc.group("group").strip() or None
    items = _split_top(names, NAME_SEPARATORS)
    return items + ([tail] if tail else [])


def is_clause(content: str, tables: AgencyTables, scope: str, level: str | None = None) -> tuple[bool, bool]:
    """(is a responsibility clause, has a role verb). Verbless brackets count only if every name is known (by
    alias or rule) or a placeholder, and at least one is an agency."""
    stripped = content.strip().rstrip("。")
    if role_match(stripped) or ROLE_LABEL_RE.match(stripped):
        return True, True
    level = level or ("national" if scope == "national" else "municipal")
    names = _split_names(stripped, tables)
    fields = [resolve_name(n, tables, scope, level) for n in names]
    known = [f for f in fields if f.is_known and not f.is_generic]
    ok = bool(known) and all(f.is_known for f in fields)
    return ok, False


class Resolved(NamedTuple):
    """What a name as written resolves to: the ``task_agencies`` columns of one mention (``_resolve``)."""

    agency: str | None
    agency_full: str | None
    level: str
    successor: str | None
    is_generic: bool
    is_known: bool
    agency_canonical: str | None
    agency_jurisdiction: str | None
    counterpart: str | None
    counterpart_successor: str | None
    resolved_by: str


def resolve_name(name: str, tables: AgencyTables, scope: str, level: str) -> Resolved:
    """``_resolve`` memoised by (name, scope, level): a plan names the same few agencies again and again."""
    key = (name, scope, level)
    fields = tables.resolved.get(key)
    if fields is None:
        fields = tables.resolved[key] = _resolve(name, tables, scope, level)
    return fields


def extract_clauses(norm: Normalised, segments: list[dict], *, level: str, jurisdiction: str,
                    tables: AgencyTables | None = None) -> ClauseResult:
    """All responsibility clauses of one document and one row per agency mention."""
    tables = tables or load_agency_tables()
    scope = tables.scope_of(level, jurisdiction)
    out = ClauseResult()
    counters: dict = {}
    unknown: dict[str, tuple[str, list[int]]] = {}  # name -> (first clause, raw lines of its mentions)
    body = norm.body
    # Only in the plan's body: its tasks, and the prose after its title line (a plan written as paragraphs); a
    # text with no title and no task (a 10 MB line of anything) is not searched for clauses at all.
    kinds = ("task", "subtask", "preamble", "unassigned") if norm.has_title_line else ("task", "subtask")
    for seg in segments:
        if seg["kind"] not in kinds:
            continue
        seg_start = seg["start"]
        for line in seg["text"].split("\n"):
            spans, unmatched = bracket_spans(line)
            marker = TASK_RE.match(line) if unmatched else None
            for pos in unmatched:
                if marker and pos < marker.end():  # the malformed marker 三十五） is reported by parse
                    continue
                out.diagnostics.append(Diagnostic(
                    "warning", "unbalanced_bracket",
                    f"bracket {line[pos]!r} without its partner near {line[max(0, pos - 8):pos + 8]!r}; "
                    "a clause there is not read", norm.file, norm.raw_line_at(seg_start + pos), norm.doc_id))
            found = [(a, b, line[a + 1:b - 1]) for a, b in spans]
            if not spans and ROLE_LABEL_RE.match(line):  # a task-division line: 牵头单位：…；配合单位：…
                found = [(0, len(line), line)]
            for a, b, content in found:
                ok, has_verb = is_clause(content, tables, scope, level)
                if not ok:
                    continue
                start, end = seg_start + a, seg_start + b
                task_id = seg["task_id"]
                clause_no = counters[task_id] = counters.get(task_id, 0) + 1
                raw_line = norm.raw_line_at(start)
                out.clauses.append(dict(doc_id=norm.doc_id, task_id=task_id, sub_no=seg["sub_no"],
                                        clause_no=clause_no,
                                        raw=body[start:end], start=start, end=end, raw_line=raw_line,
                                        has_role_verb=has_verb))
                for agency_no, (name, role, verb) in enumerate(split_clause_verbs(content.rstrip("。"), tables),
                                                               start=1):
                    found_as = resolve_name(name, tables, scope, level)
                    out.agencies.append(dict(
                        found_as._asdict(), agency_raw=name, role=role, role_verb=verb,
                        doc_id=norm.doc_id, task_id=task_id, clause_no=clause_no, agency_no=agency_no))
                    if not found_as.is_known and not found_as.is_generic:
                        if name not in unknown:  # the clause is quoted once, from the first mention
                            unknown[name] = (body[start:end], [])
                        unknown[name][1].append(raw_line)
            seg_start += len(line) + 1
    # One finding per unknown name and document, at its first mention, listing the others: an unreviewed local
    # plan names its own agencies dozens of times, and one line per mention buried the other warnings.
    for name, (clause, lines) in unknown.items():
        others = sorted(set(lines[1:]) - {lines[0]})
        more = (f" (also on line{'s' if len(others) > 1 else ''} {', '.join(map(str, others))})"
                if others else "")
        out.diagnostics.append(Diagnostic(
            "warning", "unknown_agency",
            f"unknown agency name {name!r} in {clause!r}{more}; add it to "
            f"ipm_analysis/data/agency_aliases.csv (scope {scope}), add a rule for its body to "
            "ipm_analysis/data/local_agency_rules.yaml, or fix the text",
            norm.file, lines[0], norm.doc_id))
    out.diagnostics.sort(key=lambda d: d.line or 0)  # stable: line order, as the other stages report
    return out


def _resolve(name: str, tables: AgencyTables, scope: str, level: str) -> Resolved:
    """What a name as written resolves to.

    In order: a placeholder (generic); the alias table of the plan's scope (alias: the hand table wins, so
    Qingdao's agencies keep their names; the rules add the canonical name and, where agency_counterparts.csv
    has no row, the counterpart); a rule (rule: ``agency`` is the canonical ``<place><body>``, its successor
    itself, as for the hand table, whose local successors are not verified either, and the national lineage is
    ``counterpart_successor``); in a local plan, the national alias table (national_alias: 公安部 named by a
    province); else unknown.
    """
    generic = tables.generic_name(name)
    if generic:
        return Resolved(generic, None, level, None, True, True, generic, None, None, None, "generic")
    hit = tables.lookup(name, scope)
    if hit is not None:
        agency, successor = hit["agency"], hit["successor"] or hit["agency"]
        if scope == "national":
            return Resolved(agency, hit["agency_full"] or None, hit["level"] or level, successor, False, True,
                            agency, "全国", agency, successor, "alias")
        canonical, place, counterpart, cp_successor = _local_facts(agency, tables, scope, level)
        return Resolved(agency, hit["agency_full"] or None, hit["level"] or level, successor, False, True,
                        canonical, place, counterpart, cp_successor, "alias")
    rule = tables.rules.resolve(name, scope, level) if tables.rules is not None else None
    if rule is not None:
        counterpart, cp_successor = _counterpart_facts(rule.rule, tables)
        return Resolved(rule.agency, rule.agency_full, rule.level, rule.agency, False, True, rule.agency,
                        rule.jurisdiction, counterpart, cp_successor, "rule")
    if scope != "national":
        national = tables.lookup(name, "national")
        if national is not None:
            agency, successor = national["agency"], national["successor"] or national["agency"]
            return Resolved(agency, national["agency_full"] or None, national["level"] or "national", successor,
                            False, True, agency, "全国", agency, successor, "national_alias")
    # 省委宣传部（省版权局）, 中央宣传部（国家版权局）: one body under its second (brand) name in brackets; the name
    # before the bracket is the agency
    inner = _BRAND_RE.fullmatch(name)
    if inner:
        outer = _resolve(inner.group("name"), tables, scope, level)
        if outer.is_known and not outer.is_generic:
            return outer
    return Resolved(None, None, level, None, False, False, None, None, None, None, "unknown")


def _counterpart_facts(rule: BodyRule, tables: AgencyTables) -> tuple[str, str]:
    """(counterpart, its successor): the rule's own successor where the functions went elsewhere (检验检疫局 →
    海关总署), else the national lineage of agencies.csv."""
    record = tables._records.get(("national", rule.counterpart))
    successor = rule.successor or (record["successor"] if record else None) or rule.counterpart
    return rule.counterpart, successor


def _local_facts(agency: str, tables: AgencyTables, scope: str, level: str) -> tuple:
    """(agency_canonical, agency_jurisdiction, counterpart, counterpart_successor) of a hand-table agency: the
    rules applied to its canonical hand-table name, the reviewed agency_counterparts.csv row winning where
    there is one (an empty counterpart there is a reviewed "none")."""
    rule = tables.rules.resolve(agency, scope, level) if tables.rules is not None else None
    if rule is not None:
        canonical, place = rule.agency, rule.jurisdiction
        counterpart, cp_successor = _counterpart_facts(rule.rule, tables)
    else:
        canonical, place = (tables.rules.canonical_place(agency, scope) if tables.rules is not None
                            else (agency, scope))
        counterpart = cp_successor = None
    reviewed = tables.counterparts.get((scope, agency))
    if reviewed is not None:
        counterpart, cp_successor = reviewed[0] or None, reviewed[1] or None
    return canonical, place, counterpart, cp_successor


# --------------------------------------------------------------------------------------------------------------
# local agencies by rule (data/local_agency_rules.yaml; README_agencies.md)

# A leading party or state prefix that names no place: 中共福建省委宣传部, 中华人民共和国福州海关.
_STATE_PREFIX_RE = re.compile("^(?:中共|中国共产党|中华人民共和国)")
_MAX_PLACE = 8       # characters of a named place before its 市/州/县/区/盟/旗 (西双版纳傣族自治州 is 8 + 州)
_BARE_PLACE = (2, 4)  # characters of a bare place name before a body that allows one (福州海关, 乌鲁木齐海关)
RESOLVED_BY = ("alias", "rule", "national_alias", "generic", "unknown")


@dataclass(frozen=True)
class BodyRule:
    """One reviewed rule: a body (or whole-name) pattern and the national counterpart it stands for."""

    pattern: re.Pattern
    counterpart: str
    kind: str
    canonical: str
    full: str | None
    successor: str | None = None
    bare_place: bool = False


@dataclass(frozen=True)
class RuleHit:
    """A name resolved by rule: its canonical and full name, level, place and the rule that matched."""

    agency: str
    agency_full: str | None
    level: str
    jurisdiction: str | None   # the place it belongs to, full form (福建省; 福州 as written); None if unknown
    rule: BodyRule


def _by_length(names) -> tuple[tuple[int, frozenset[str]], ...]:
    """Names grouped by length, longest first, for ``_leading``."""
    names = set(names)
    return tuple((k, frozenset(n for n in names if len(n) == k))
                 for k in sorted({len(n) for n in names}, reverse=True))


def _leading(name: str, index: tuple[tuple[int, frozenset[str]], ...]):
    """The names of ``index`` (``_by_length``) that ``name`` starts with, longest first: one set lookup per
    length instead of a startswith per name."""
    return (name[:k] for k, names in index if name[:k] in names)


@dataclass(frozen=True)
class LocalRules:
    """Prefix splitting and the body rules of ``local_agency_rules.yaml`` (compiled once)."""

    names: tuple[BodyRule, ...]
    bodies: tuple[BodyRule, ...]
    provinces: dict[str, tuple[str, str]]           # full or short name -> (full name, kind)
    prefixes: tuple[tuple[str, str, str], ...]      # (prefix, level, jurisdiction ending), longest first
    place_levels: dict[str, str]                    # last character of a named place -> level

    def body_rule(self, body: str, *, bare: bool = False) -> tuple[BodyRule, re.Match] | None:
        """The rule a body fullmatches (only those that allow a bare place name, if ``bare``). Memoised: every
        split of every new name asks, and the same tails (公安局, 市场监管局 …) come back for every place."""
        key = (body, bare)
        memo = self._body_memo
        if key not in memo:
            memo[key] = self._body_rule(body, bare)
        return memo[key]

    @functools.cached_property
    def _body_memo(self) -> dict:
        return {}

    def _body_rule(self, body: str, bare: bool) -> tuple[BodyRule, re.Match] | None:
        for rule in self.bodies:
            if bare and not rule.bare_place:
                continue
            m = rule.pattern.fullmatch(body)
            if m:
                return rule, m
        return None

    def _provincial(self, place: str) -> bool:
        return place in self.provinces

    def splits(self, name: str, scope: str, level: str):
        """Candidate (place for the templates, place's jurisdiction, level, body, bare) splits, in order."""
        local = scope != "national"
        # a province-level unit by its full name (福建省, 重庆市, 广西壮族自治区), longest first
        for place in _leading(name, self._province_full):
            yield place, place, "provincial", name[len(place):], False
        # a relative prefix: 省 in a 福建省 plan is 福建省; 省 in a city's plan stays 省 (place unknown)
        for prefix, prefix_level, ends in self.prefixes:
            if name.startswith(prefix):
                if local and ends and scope.endswith(ends):
                    lvl = ("provincial" if self._provincial(scope) else prefix_level)
                    yield scope, scope, lvl, name[len(prefix):], False
                else:
                    yield prefix, None, prefix_level, name[len(prefix):], False
        # a named place: <2-8 hanzi> ending in 市/州/县/区/盟/旗 (福州市, 浦东新区, 重庆市渝中区)
        for i in range(2, min(len(name) - 1, _MAX_PLACE + 1)):
            if name[i] in self.place_levels:
                place = name[: i + 1]
                lvl = "provincial" if self._provincial(place) else self.place_levels[name[i]]
                yield place, place, lvl, name[i + 1:], False
        # a province by its short name (福建检验检疫局, 重庆海关)
        for short in _leading(name, self._province_short):
            yield short, self.provinces[short][0], "provincial", name[len(short):], False
        # no prefix: in a local plan the plan's own agency (Qingdao's 林业局); in a national plan a bare body is a
        # national name (the alias table's), so no rule resolves it (place None stops the search)
        yield (scope if local else None), scope, "provincial" if self._provincial(scope) else level, name, False
        # a bare place name before a body that allows one (福州海关, 厦门海关)
        for k in range(_BARE_PLACE[0], _BARE_PLACE[1] + 1):
            if len(name) > k:
                yield name[:k], name[:k], "municipal", name[k:], True

    @functools.cached_property
    def _province_full(self) -> tuple[tuple[int, frozenset[str]], ...]:
        return _by_length(n for n, (full, _) in self.provinces.items() if n == full)

    @functools.cached_property
    def _province_short(self) -> tuple[tuple[int, frozenset[str]], ...]:
        return _by_length(n for n, (full, _) in self.provinces.items() if n != full)

    def resolve(self, name: str, scope: str, level: str) -> RuleHit | None:
        """A name resolved by rule in a plan of ``scope`` and ``level``, or None when no rule applies."""
        name = _STATE_PREFIX_RE.sub("", name.strip())
        if not name:
            return None
        for rule in self.names:
            m = rule.pattern.fullmatch(name)
            if m:
                place = m.group("place")
                place_full = self.provinces.get(place, (place,))[0]
                lvl = ("provincial" if self._provincial(place) else
                       self.place_levels.get(place[-1], "municipal"))
                return self._hit(rule, m, place, place_full, lvl, "")
        for place, place_full, lvl, body, bare in self.splits(name, scope, level):
            found = self.body_rule(body, bare=bare) if body else None
            if found:
                if place is None:
                    return None
                return self._hit(found[0], found[1], place, place_full, lvl, body)
        return None

    @staticmethod
    def _hit(rule: BodyRule, m: re.Match, place: str, place_full: str | None, level: str, body: str) -> RuleHit:
        fields = {k: v or "" for k, v in m.groupdict().items()} | {"place": place, "body": body}
        return RuleHit(agency=rule.canonical.format(**fields),
                       agency_full=rule.full.format(**fields) if rule.full else None,
                       level=level, jurisdiction=place_full, rule=rule)

    def canonical_place(self, name: str, scope: str) -> tuple[str, str | None]:
        """(canonical name, jurisdiction) of a name no rule resolves, by its relative prefix only (Qingdao's
        hand-table 市电政办 → 青岛市电政办); the name itself when it has none."""
        if scope != "national":
            for prefix, _, ends in self.prefixes:
                if name.startswith(prefix) and ends and scope.endswith(ends):
                    return scope + name[len(prefix):], scope
            return name, scope
        return name, "全国"


def _body_rule(entry: dict, key: str) -> BodyRule:
    return BodyRule(pattern=re.compile(entry[key]), counterpart=entry["counterpart"], kind=entry["kind"],
                    canonical=entry.get("canonical") or "{place}{body}", full=entry.get("full") or None,
                    successor=entry.get("successor") or None, bare_place=bool(entry.get("bare_place", False)))


@functools.cache
def load_local_rules() -> LocalRules:
    """``ipm_analysis/data/local_agency_rules.yaml``, its patterns compiled once per process."""
    with open(config.data_path("local_agency_rules.yaml"), encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    provinces = {}
    for p in doc["provinces"]:
        for form in [p["name"], *p.get("short", [])]:
            provinces[form] = (p["name"], p["kind"])
    prefixes = tuple(sorted(((e["prefix"], e["level"], e["ends"]) for e in doc["prefixes"]),
                            key=lambda t: -len(t[0])))
    return LocalRules(names=tuple(_body_rule(e, "name") for e in doc.get("names", [])),
                      bodies=tuple(_body_rule(e, "body") for e in doc["bodies"]),
                      provinces=provinces, prefixes=prefixes, place_levels=dict(doc["place_levels"]))
