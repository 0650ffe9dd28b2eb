"""What a plan's text states about itself: its script (simplified, traditional, Taiwan vocabulary), year,
jurisdiction and level, issuer, document number (国办发〔2017〕46号) and date.

Pure functions of the text; used by ``ingest`` (a manifest ``script`` left empty is detected, a stated one that
the text contradicts is a warning) and by ``ipm-analysis add`` (``adding``) to propose a manifest row. What the
text does not state is left empty, never guessed.
"""
from __future__ import annotations

import functools
import re
import unicodedata

from .diagnostics import Diagnostic

_HAN_RE = re.compile(r"[\u3400-\u9fff]")
# Share of the Han characters that t2s changes above which a text is traditional; a simplified plan quoting a
# few traditional words stays simplified (``traditional_in_simplified`` reports those).
TRADITIONAL_SHARE = 0.05
# Distinct Taiwan-localised phrases (tw_phrases.csv, found after t2s) from which a traditional text is zh-Hant-TW.
TAIWAN_PHRASES = 2


@functools.cache
def _traditional_chars() -> frozenset[str]:
    """The characters OpenCC's t2s changes on their own (its character dictionaries)."""
    from .ingest import _converter

    return frozenset(key for group in _converter("t2s").groups or () for d in group
                     for key, value in d.mapping.items() if len(key) == 1 and value != key)


def _traditional_share(text: str) -> float | None:
    """Share of the Han characters that are traditional (None without Han characters)."""
    han = len(_HAN_RE.findall(text))
    return sum(map(_traditional_chars().__contains__, text)) / han if han else None


def _taiwan_phrases(text: str) -> list[str]:
    from .ingest import _converter, _phrase_table

    pattern, _ = _phrase_table("tw_phrases.csv")
    return sorted(set(pattern.findall(_converter("t2s").convert(text))))


def detect_script(text: str) -> tuple[str, str]:
    """``(script, why)``: ``zh-Hans``, ``zh-Hant`` or ``zh-Hant-TW`` (Hong Kong usage is not told apart)."""
    share = _traditional_share(text)
    if share is None:
        return "zh-Hans", "no Chinese characters"
    if share < TRADITIONAL_SHARE:
        return "zh-Hans", f"{share:.0%} of the characters traditional"
    phrases = _taiwan_phrases(text)
    if len(phrases) >= TAIWAN_PHRASES:
        return "zh-Hant-TW", f"traditional ({share:.0%}) with Taiwan vocabulary ({'、'.join(phrases[:4])})"
    return "zh-Hant", f"{share:.0%} of the characters traditional"


def check_script(text: str, stated: str, file: str) -> tuple[str, list[Diagnostic]]:
    """The script to convert ``text`` from: ``stated`` (the manifest's) if given, else detected (an ``info``
    diagnostic). A stated script that the text contradicts is kept, with a ``script_mismatch`` warning: a
    traditional script for a simplified text, or ``zh-Hant``/``zh-Hant-HK`` for a text with Taiwan vocabulary
    (a ``zh-Hans`` plan with traditional characters is ``ingest.damage``'s ``traditional_in_simplified``)."""
    if not stated:
        detected, why = detect_script(text)
        return detected, [Diagnostic(
            severity="info", code="script_detected", file=file, line=None, doc_id=None,
            message=f"script not given in the manifest; detected {detected} ({why})")]
    if stated == "zh-Hans":  # nothing to contradict here: only what damage() reports
        return stated, []
    share = _traditional_share(text)
    if share is None:
        return stated, []
    if share < TRADITIONAL_SHARE:
        why = f"looks zh-Hans ({share:.0%} of the characters traditional)"
    elif stated != "zh-Hant-TW" and len(phrases := _taiwan_phrases(text)) >= TAIWAN_PHRASES:
        why = f"looks zh-Hant-TW (Taiwan vocabulary: {'、'.join(phrases[:4])})"
    else:
        return stated, []
    return stated, [Diagnostic(
        severity="warning", code="script_mismatch", file=file, line=None, doc_id=None,
        message=f"the manifest says script {stated}, the text {why}; the manifest's value is used: correct it, "
                "or empty it to have it detected")]


# --------------------------------------------------------------------------------------------------------------
# the rest of a manifest row

_TITLE_RE = re.compile(r"(?P<year>(?:19|20)\d{2})年(?:度)?(?P<rest>[^《》。，]{0,80}?)(?:工作要点|工作方案|实施方案|工作计划)")
_PLACE_RE = re.compile(r"^(?P<place>全国|[\u4e00-\u9fff]{2,10}?(?:省|自治区|特别行政区|市|自治州|州|盟|地区|县|区))")
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_DOC_NO_RE = re.compile(r"(?P<no>[\u4e00-\u9fff]{1,12}\s*[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*\d{1,4}\s*号)")
_NOTICE_RE = re.compile(r"^(?P<issuer>[\u4e00-\u9fff]{2,40}?)关于印发")
# "2020年5月27日，全国打击侵权假冒工作领导小组办公室印发《…》" (a wiki's or a news page's summary)
_ISSUED_RE = re.compile(r"(?P<y>(?:19|20)\d{2})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日[，,]?(?P<issuer>[\u4e00-\u9fff]{4,40}?"
                        r"(?:办公厅|办公室|领导小组|人民政府|委员会))(?:联合)?印发")
_ISSUER_LINE_RE = re.compile(r"^[\u4e00-\u9fff（）]{4,40}(?:办公厅|办公室|领导小组|人民政府|委员会|工作组|小组)$")
_DATE_RE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")
_ISO_DATE_RE = re.compile(r"(?:发布|印发|成文|日期|时间)\S{0,4}?[：:]\s*(?P<y>(?:19|20)\d{2})[-./年](?P<m>\d{1,2})[-./月]"
                          r"(?P<d>\d{1,2})")
# In what a reader dropped: a letterhead (国务院办公厅文件) or a page's 来源：…; a page's date (2021-06-01 10:00).
_FURNITURE_ISSUER_RE = re.compile(r"^(?P<issuer>[\u4e00-\u9fff]{4,40}?)文件$|来源[：:](?P<source>[\u4e00-\u9fff]{4,40}"
                                  r"(?:办公厅|办公室|领导小组|人民政府|委员会|局|厅))")
_PAGE_DATE_RE = re.compile(r"(?:^|[：:])(?P<y>(?:19|20)\d{2})[-./](?P<m>\d{1,2})[-./](?P<d>\d{1,2})")
_PRINTED_RE = re.compile(r"(?P<y>(?:19|20)\d{2})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日印发$")  # the colophon's date
_CN_DATE_RE = re.compile(r"(?P<y>[〇零一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,3})月"
                         r"(?P<d>[一二三四五六七八九十]{1,3})日")
_CN = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}


def describe(text: str, *, furniture: list[str] = ()) -> dict[str, str]:
    """The manifest fields the text states: ``script``, ``year``, ``jurisdiction``, ``level``, ``issuer``,
    ``issue_date`` (ISO), ``doc_number``; each empty when not stated. ``furniture``, what a reader dropped
    (a letterhead ``…办公室文件``, a page's ``来源：…`` and date line), is looked at for the issuer and the date
    only when the text itself does not state them."""
    from .ingest import load_rules, to_simplified

    script, _ = detect_script(text)
    simple = to_simplified(load_rules()["pinyin_re"].sub("", text), script=script)
    lines = [unicodedata.normalize("NFKC", re.sub(r"[\s\u3000]+", "", line)) for line in simple.split("\n")]
    lines = [line.replace("(", "（").replace(")", "）") for line in lines if line]
    found = dict(script=script, year="", jurisdiction="", level="", issuer="", issue_date="", doc_number="")
    head = lines[:60]
    titles = [m for i, line in enumerate(head) for text in (line, line + "".join(head[i + 1:i + 2]))
              for m in [_TITLE_RE.match(text)] if m]
    inner = [m for line in head for m in [_TITLE_RE.search(line)] if m]
    title = (titles or inner or [None])[0]
    if title:
        found["year"] = title.group("year")
        # the place after the year (2019年江西省…) or, in a local title, before it (江西省2019年…)
        place = _PLACE_RE.match(title.group("rest")) or _PLACE_RE.fullmatch(title.string[:title.start()])
        if place:
            found["jurisdiction"] = place.group("place")
    found["doc_number"] = next((line for line in head if _DOC_NO_RE.fullmatch(line)), "")
    notice = next((m.group("issuer") for line in head for m in [_NOTICE_RE.match(line)] if m), None)
    issued = next((m for line in head for m in [_ISSUED_RE.search(line)] if m), None)
    issuer_line = next((line for line in lines if _ISSUER_LINE_RE.match(line) and not line.startswith("各")), None)
    found["issuer"] = notice or (issued.group("issuer") if issued else None) or issuer_line or ""
    found["issue_date"] = _issue_date(lines) or (_iso(issued) if issued else "")
    extra = [re.sub(r"[\s\u3000]+", "", to_simplified(line, script=script)) for line in furniture]
    if not found["issuer"]:
        found["issuer"] = next((m.group("issuer") or m.group("source") for line in extra
                                for m in [_FURNITURE_ISSUER_RE.search(line)] if m), "")
    if not found["issue_date"]:
        found["issue_date"] = next((_iso(m) for line in extra for rx in (_PRINTED_RE, _PAGE_DATE_RE)
                                    for m in [rx.search(line)] if m), "")
    if not found["jurisdiction"] and found["issuer"]:
        place = _PLACE_RE.match(found["issuer"])
        if found["issuer"].startswith(("国务院", "全国")):
            found["jurisdiction"] = "全国"
        elif place:
            found["jurisdiction"] = place.group("place")
    found["level"] = level_of(found["jurisdiction"])
    return found


def level_of(jurisdiction: str) -> str:
    """``national``, ``provincial`` or ``municipal`` from a jurisdiction's name (empty if there is none); a
    county or district plan is ``municipal`` (the manifest has no finer level)."""
    if not jurisdiction:
        return ""
    if jurisdiction == "全国":
        return "national"
    if jurisdiction.endswith(("省", "自治区", "特别行政区")) or jurisdiction in _MUNICIPALITIES:
        return "provincial"
    return "municipal"


def _issue_date(lines: list[str]) -> str:
    """The date a line states by itself (the signature date), else a 发布时间/印发 date, as ISO."""
    for line in lines:
        whole = _DATE_RE.fullmatch(line) or _CN_DATE_RE.fullmatch(line)
        if whole:
            return _iso(whole)
    for line in lines[:60]:
        stated = _ISO_DATE_RE.search(line)
        if stated:
            return _iso(stated)
    return ""


def _iso(match: re.Match) -> str:
    def number(token: str) -> int:
        if token.isdigit():
            return int(token)
        if len(token) == 4:
            return int("".join(str(_CN[c]) for c in token))
        tens, _, ones = token.partition("十")
        return (_CN.get(tens, 1) * 10 + (_CN.get(ones, 0) if ones else 0)) if "十" in token else _CN[token]

    y, m, d = (number(match.group(k)) for k in ("y", "m", "d"))
    return f"{y:04d}-{m:02d}-{d:02d}" if 1 <= m <= 12 and 1 <= d <= 31 else ""


__all__ = ["detect_script", "check_script", "describe", "level_of"]
