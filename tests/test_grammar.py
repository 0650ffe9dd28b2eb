"""ipm_analysis.grammar: numerals, marker levels, heading lines, flattened-line breaks, role verbs."""
from __future__ import annotations

import pytest

from ipm_analysis import grammar
from ipm_analysis.grammar import FlatSplitter, cn_numeral, is_heading_line, marker_at


@pytest.mark.parametrize("token, value", [("一", 1), ("十", 10), ("十一", 11), ("二十", 20), ("三十五", 35),
                                          ("一百零二", 102), ("12", 12), ("③", 3)])
def test_cn_numeral(token, value):
    assert cn_numeral(token) == value


@pytest.mark.parametrize("text, level, number, marker", [
    ("一、深化重点治理", "section", 1, "一、"),
    ("三．加强刑事司法打击", "section", 3, "三．"),
    ("（十二）加大刑事打击力度。以情报导侦", "cn_bracket", 12, "（十二）"),
    ("三十五）加强系统性宣传。", "cn_bracket", 35, "三十五）"),       # 2020's malformed marker
    ("1.以驰名商标、涉外商标为重点，严厉打击。", "arabic", 1, "1."),
    ("2．加强地理标志保护。", "arabic", 2, "2．"),
    ("3、严厉打击商标侵权。", "arabic", 3, "3、"),
    ("（1）开展专项行动。", "arabic_bracket", 1, "（1）"),
    ("②强化协作。", "circled", 2, "②"),
])
def test_marker_levels(text, level, number, marker):
    m = marker_at(text)
    assert (grammar.LEVELS[m.level], m.number, m.text) == (level, number, marker)


@pytest.mark.parametrize("text", [
    "1.5亿元专项资金用于执法装备。",       # a decimal, not a marker
    "2018年，全市打击侵权假冒工作要认真学习。",
    "一、持续推进三大重点领域治理，加强协作。然后又写了一句很长的话。",   # text after 。: prose, not a heading
])
def test_not_markers(text):
    assert marker_at(text) is None


@pytest.mark.parametrize("text, heading", [
    ("（一）加大商标权保护力度", True),            # a heading printed without 。
    ("1.加强驰名商标保护", True),
    ("（一）开展商标权保护专项整治。以驰名商标、涉外商标为重点", False),   # 。 inside: a paragraph
    ("（二）开展版权保护专项整治，加强印刷复制企业监管，严肃查处非法生产、印刷、复制软件和图书", False),  # too long
    ("加大商标权保护力度", False),                 # no marker
])
def test_heading_lines(text, heading):
    assert is_heading_line(text) is heading


def test_flattened_breaks_follow_the_numbering():
    line = ("2019年，全省打击侵权假冒工作要坚持（一）依法治理、（二）打建结合的原则。 一、加强重点领域治理 "
            "（一）加大商标权保护力度 1.以驰名商标为重点。 2.加强地理标志保护。 （二）加大版权保护力度")
    cuts = FlatSplitter().breaks(line)
    pieces = [line[a:b] for a, b in zip([0] + [e for _, e in cuts], [s for s, _ in cuts] + [len(line)])]
    assert pieces == ["2019年，全省打击侵权假冒工作要坚持（一）依法治理、（二）打建结合的原则。", "一、加强重点领域治理",
                      "（一）加大商标权保护力度", "1.以驰名商标为重点。", "2.加强地理标志保护。", "（二）加大版权保护力度"]


def test_flattened_breaks_skip_numbers_out_of_sequence():
    s = FlatSplitter()
    assert s.breaks("一、加强重点领域治理") == []
    # （三） does not follow （一）… it is a cross-reference written after a space, not a new task
    assert s.breaks("（一）加大商标权保护力度。 详见 （三）所列要求。") == []
    assert s.breaks("开展执法协作。 （二）加大版权保护力度") == [(7, 8)]


@pytest.mark.parametrize("part, role, verb", [
    ("公安部牵头", "lead", "牵头"),
    ("公安部按职责分工分别负责", "participating", "按职责分工分别负责"),
    ("各部门共同负责", "responsible", "共同负责"),
    ("省公安厅配合", "participating", "配合"),
    ("省文化厅参与", "participating", "参与"),
])
def test_role_verbs(part, role, verb):
    from ipm_analysis.agencies import role_match

    m = role_match(part)
    assert (m.lastgroup, m.group(0)) == (role, verb)


@pytest.mark.parametrize("title, expected", [
    ("严厉打击恶意抢注商标行为（省市场监管局负责）", "严厉打击恶意抢注商标行为"),
    ("开展专项行动（牵头单位：省版权局；配合单位：省公安厅）", "开展专项行动"),
    ("加强各区（市）执法协作（各区（市）打击侵权假冒领导小组办公室负责）", "加强各区（市）执法协作"),
    ("开展出口优势企业知识产权保护“龙腾”专项行动（二期）", "开展出口优势企业知识产权保护“龙腾”专项行动（二期）"),  # not a clause
])
def test_titles_lose_their_trailing_clause(title, expected):
    assert grammar.strip_trailing_clause(title) == expected
