"""Markers run into a line without spaces (a copy flattened with its spaces lost): split where safe, never inside
a sentence (统一、规范, 第一、, 一、二类, 2.5亿, 上述（一）项, 第（一）项, 按照本要点（一）)."""
from __future__ import annotations

import pytest

from ipm_analysis import grammar
from ipm_analysis.agencies import extract_clauses
from ipm_analysis.grammar import FlatSplitter
from ipm_analysis.ingest import normalise
from ipm_analysis.parse import parse

# A provincial plan, line-broken: preamble, 一、→（一）→ 1. / 1、 →（1）, headings without 。, clauses after 。,
# a 保障措施 section numbered 1. under 三、 and the false friends of a marker inside its sentences.
PLAN = (
    "2019年江西省打击侵犯知识产权和制售假冒伪劣商品工作要点\n"
    "2019年，全省打击侵权假冒工作要坚持统一、规范的原则，推进第一、二类医疗器械监管，力争罚没2.5亿元、案件数增长1.5倍。\n"
    "一、总体要求\n"
    "（一）指导思想。以习近平新时代中国特色社会主义思想为指导，按照本要点（一）项和上述（二）项的要求推进工作。\n"
    "（二）基本原则。坚持依法治理、打建结合，落实第（一）项任务。\n"
    "二、加大重点领域治理力度\n"
    "（三）加大商标权保护力度\n"
    "1.以驰名商标、地理标志、涉外商标为重点，严厉打击商标侵权行为。（省市场监管局牵头，省公安厅按职责分工负责）\n"
    "2.严厉打击恶意抢注商标行为。（省市场监管局负责）\n"
    "（四）加强版权保护\n"
    "1、开展“剑网2019”专项行动，严厉打击网络侵权盗版行为。（省版权局牵头，省公安厅按职责分工负责）\n"
    "（1）加强院线电影版权保护，1、2月份集中整治。\n"
    "（2）规范网络转载秩序。（省版权局负责）\n"
    "2、持续推进软件正版化工作。（省版权局牵头，各部门共同负责）\n"
    "三、保障措施\n"
    "1.加强组织领导。各地要把打击侵权假冒工作摆上重要议事日程，三、四季度开展督查。\n"
    "2.强化督查考核。将打击侵权假冒工作纳入绩效考核。\n"
)


def _parse(text: str, doc_id: str = "t"):
    norm = normalise(text, doc_id=doc_id, file="t.txt", script="zh-Hans")
    return norm, parse(norm)


def shape(norm, s) -> dict:
    clauses = extract_clauses(norm, s.segments, level="provincial", jurisdiction="江西省")
    return dict(
        title=norm.title,
        sections=[(x["section_no"], x["title"]) for x in s.sections],
        tasks=[(t["task_id"], t["marker"], t["title"]) for t in s.tasks],
        items=[(x["task_id"], x["depth"], x["marker"], x["title"]) for x in s.subtasks],
        agencies=[(a["task_id"], a["agency_raw"], a["role"]) for a in clauses.agencies],
        diagnostics=[d.code for d in s.diagnostics],
    )


def test_plan_flattened_without_spaces_parses_like_its_lines():
    norm, s = _parse(PLAN)
    expected = shape(norm, s)
    assert len(expected["sections"]) == 3 and len(expected["tasks"]) == 6 and len(expected["items"]) == 6
    flat, fs = _parse("".join(PLAN.split("\n")) + "\n")
    assert flat.body == norm.body
    assert shape(flat, fs) == expected
    splits = [r for r in flat.removals if r["rule"] == "flattened_line_split"]
    assert len(splits) == PLAN.count("\n") - 1 and {(r["raw_line"], r["removed"]) for r in splits} == {(1, "")}


@pytest.mark.parametrize("line", [
    "2019年，全省要坚持统一、规范的原则。",                   # 一、 after a hanzi
    "（一）推进治理。推进第一、二类医疗器械监管。",             # 第一、 and 一、二类
    "（一）推进治理。力争罚没2.5亿元，增长1.5倍，2019年3.15前完成。",  # amounts and dates
    "（一）推进治理。落实上述（二）项要求。",                     # a reference
    "（一）推进治理。落实第（二）项任务。",
    "（一）推进治理。按照本要点（二）推进。",
    "（一）推进治理。；（二）项所列任务。",                        # （二）项 after a sentence end
    "（一）推进治理。1、2月份集中整治。",                          # 1、2月
    "（一）加强（二期）工程建设。",                                 # a bracket that is no clause
])
def test_false_friends_are_not_split(line):
    splitter = FlatSplitter()
    splitter.breaks("一、加强重点领域治理")
    assert splitter.breaks(line) == []


def test_stray_number_out_of_sequence_is_not_split():
    splitter = FlatSplitter()
    assert splitter.breaks("一、加强重点领域治理") == []
    # 三、 after a sentence end does not follow 一、; the 二、 that does is split
    line = "（一）推进治理。三、四季度开展督查。二、加强刑事打击"
    assert splitter.breaks(line) == [(line.index("二、"), line.index("二、"))]


def test_run_in_after_a_clause_and_a_heading():
    splitter = FlatSplitter()
    line = "一、总体要求（一）指导思想1.加强组织领导。（省市场监管局负责）2.强化督查考核。（二）基本原则"
    cuts = splitter.breaks(line)
    pieces = [line[a:b] for a, b in zip([0] + [e for _, e in cuts], [s for s, _ in cuts] + [len(line)])]
    assert pieces == ["一、总体要求", "（一）指导思想", "1.加强组织领导。（省市场监管局负责）", "2.强化督查考核。", "（二）基本原则"]


def test_title_run_into_the_preamble():
    norm, s = _parse("2020年全国打击侵犯知识产权和制售假冒伪劣商品工作要点做好2020年全国打击侵权假冒工作，要营造良好环境。"
                     "一、深化重点领域治理（一）加强互联网领域侵权假冒治理。依法打击。（公安部负责）\n")
    assert norm.title == "2020年全国打击侵犯知识产权和制售假冒伪劣商品工作要点" and norm.has_title_line
    assert [x["kind"] for x in s.segments] == ["title", "preamble", "section_heading", "task"]


# ---- the five real plans, flattened without spaces -----------------------------------------------------------

PLANS = ["2012_national", "2017_national", "2018_qingdao", "2020_national", "2021_national"]


@pytest.mark.parametrize("doc_id", PLANS)
def test_real_plans_flattened_without_spaces(corpus, doc_id):
    """Each plan's body with its lines joined by '' parses to the same sections, tasks (ids and titles) and
    agencies. What a flattened copy cannot show is lost: a paragraph that no marker opens joins the one before
    (2012: one closing paragraph after a task, unassigned before; 2021: 33 paragraphs of multi-paragraph tasks,
    so its nine sub-headings, found at a paragraph start only, are no longer found)."""
    doc = corpus.documents.set_index("doc_id").loc[doc_id]
    flat, s = _parse("".join(line.strip() for line in doc["text"].split("\n")) + "\n", doc_id)
    pick = {name: getattr(corpus, name)[getattr(corpus, name)["doc_id"] == doc_id]
            for name in ("sections", "tasks", "subtasks", "task_agencies", "segments")}
    assert [(x["section_no"], x["title"]) for x in s.sections] == list(zip(pick["sections"]["section_no"],
                                                                            pick["sections"]["title"]))
    assert [(t["task_id"], t["title"]) for t in s.tasks] == list(zip(pick["tasks"]["task_id"], pick["tasks"]["title"]))
    found = extract_clauses(flat, s.segments, level=doc["level"], jurisdiction=doc["jurisdiction"])
    assert [(a["task_id"], a["agency_raw"], a["role"]) for a in found.agencies] == list(zip(
        pick["task_agencies"]["task_id"], pick["task_agencies"]["agency_raw"], pick["task_agencies"]["role"]))
    # the paragraphs come back exactly where a marker opens one; the others join the paragraph before
    lines = doc["text"].rstrip("\n").split("\n")
    expected = lines[:2]
    for line in lines[2:]:
        if grammar.is_marker_line(line):
            expected.append(line)
        else:
            expected[-1] += line
    assert flat.body.rstrip("\n").split("\n") == expected
    joined = {"2012_national": 1, "2021_national": 33}.get(doc_id, 0)
    assert len(lines) - len(expected) == joined
    assert len(s.subtasks) == len(pick["subtasks"]) - (9 if doc_id == "2021_national" else 0)
