"""ipm_analysis.parse: sections, tasks, sub-headings, coverage and numbering diagnostics."""
from __future__ import annotations

import pytest

from ipm_analysis.ingest import normalise
from ipm_analysis.parse import parse

EXPECTED = {  # doc_id: (sections, tasks, subtasks), counted by hand in data/raw/
    "2012_national": (5, 25, 0),
    "2017_national": (8, 31, 0),
    "2018_qingdao": (10, 27, 0),
    "2020_national": (7, 35, 0),
    "2021_national": (7, 28, 9),
}


def _parse(text: str):
    norm = normalise(text, doc_id="t", file="t.txt", script="zh-Hans")
    return norm, parse(norm)


# ---- small inline documents --------------------------------------------------------------------------------

def test_numbering_restarts_per_section():
    _, s = _parse("2012年全国打击侵犯知识产权和制售假冒伪劣商品工作要点\n前言。\n一、甲\n（一）任务一。内容。\n"
                  "（二）任务二。内容。\n二、乙\n（一）任务三。内容。\n")
    assert s.numbering == "per_section"
    assert [t["task_id"] for t in s.tasks] == ["t-01-01", "t-01-02", "t-02-01"]
    assert [d.code for d in s.diagnostics] == []


@pytest.mark.parametrize("markers, code", [
    (["一", "三"], "numbering_gap"),            # （二） skipped
    (["一", "二", "二"], "numbering_duplicate"),
    (["二", "一"], "numbering_out_of_order"),
])
def test_numbering_diagnostics(markers, code):
    text = "一、甲\n" + "".join(f"（{m}）任务。内容。\n" for m in markers)
    _, s = _parse(text)
    assert code in [d.code for d in s.diagnostics]
    assert len({t["task_id"] for t in s.tasks}) == len(markers)   # duplicates still get unique ids


def test_malformed_marker_is_read_and_reported():
    _, s = _parse("一、甲\n（一）任务。内容。\n二）任务。内容。\n")
    assert [t["task_no"] for t in s.tasks] == [1, 2]
    assert [d.code for d in s.diagnostics] == ["malformed_marker"]


def test_unnumbered_paragraph_after_one_line_task_is_unassigned():
    _, s = _parse("一、甲\n（一）任务。内容。\n同时，另有一段。\n二、乙\n（二）任务。内容。\n")
    kinds = [x["kind"] for x in s.segments]
    assert kinds == ["section_heading", "task", "unassigned", "section_heading", "task"]


def test_multi_paragraph_task_with_subheadings():
    _, s = _parse("一、甲\n（一）深化治理。\n互联网领域治理。加强监管，严厉打击。\n续写一段，没有小标题。\n"
                  "重点市场治理。加大巡查。\n（二）下一任务。\n内容。\n")
    assert [st["title"] for st in s.subtasks] == ["互联网领域治理", "重点市场治理"]
    assert s.tasks[0]["n_subtasks"] == 2 and s.tasks[1]["n_subtasks"] == 0
    assert s.tasks[0]["text"].endswith("加大巡查。\n")


def test_no_tasks_is_a_diagnostic_not_a_crash():
    norm, s = _parse("只有一段文字，没有编号。\n")
    assert s.tasks == [] and "no_tasks" in [d.code for d in s.diagnostics]
    assert "".join(x["text"] for x in s.segments) == norm.body


def test_tasks_without_sections():
    _, s = _parse("前言。\n（一）任务。内容。\n（二）任务。内容。\n")
    assert [t["section_no"] for t in s.tasks] == [0, 0]


# ---- the real corpus ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("doc_id", sorted(EXPECTED))
def test_counts(corpus, doc_id):
    docs = corpus.documents.set_index("doc_id")
    sections, tasks, subtasks = EXPECTED[doc_id]
    assert docs.loc[doc_id, "n_sections"] == sections
    assert docs.loc[doc_id, "n_tasks"] == tasks
    assert (corpus.subtasks["doc_id"] == doc_id).sum() == subtasks


@pytest.mark.parametrize("doc_id", sorted(EXPECTED))
def test_coverage_complete(corpus, doc_id):
    """Every body character lies in exactly one segment, and tasks/sections agree with the segments."""
    text = corpus.text(doc_id)
    seg = corpus.segments[corpus.segments["doc_id"] == doc_id].sort_values("segment_no")
    assert seg["start"].iloc[0] == 0 and seg["end"].iloc[-1] == len(text)
    assert (seg["start"].iloc[1:].to_numpy() == seg["end"].iloc[:-1].to_numpy()).all()   # no gap, no overlap
    assert "".join(seg["text"]) == text
    for t in corpus.tasks[corpus.tasks["doc_id"] == doc_id].itertuples():
        own = seg[seg["task_id"] == t.task_id]
        assert (own["start"].min(), own["end"].max()) == (t.start, t.end)
        assert text[t.start:t.end] == t.text
    secs = corpus.sections[corpus.sections["doc_id"] == doc_id]
    assert (secs["start"].iloc[1:].to_numpy() == secs["end"].iloc[:-1].to_numpy()).all()


@pytest.mark.parametrize("task_id, title", [
    ("2012_national-01-01", "开展商标权保护专项整治"),
    ("2012_national-02-01", "开展打击假冒伪劣“破案会战”"),
    ("2012_national-05-03", "切实加强社会监督"),
    ("2017_national-01-03", "深入开展中国制造海外形象维护“清风”行动"),
    ("2017_national-03-11", "深入推进软件正版化工作"),
    ("2017_national-08-31", "加强地方涉外交流合作"),
    ("2018_qingdao-02-05", "加强重点领域产品质量治理"),
    ("2018_qingdao-10-27", "加大日常工作跟踪考核"),
    ("2020_national-01-01", "加强互联网侵权假冒治理"),
    ("2020_national-05-27", "优化企业知识产权服务"),
    ("2020_national-07-35", "加强系统性宣传"),
    ("2021_national-01-01", "深化重点领域和市场治理"),
    ("2021_national-07-28", "健全考核机制"),
])
def test_task_titles(corpus, task_id, title):
    assert corpus.tasks.set_index("task_id").at[task_id, "title"] == title


def test_2012_closing_paragraph_is_unassigned(corpus):
    seg = corpus.segments
    un = seg[(seg["doc_id"] == "2012_national") & (seg["kind"] == "unassigned")]
    assert len(un) == 1 and un["text"].iloc[0].startswith("同时，以盗窃、利诱、胁迫")
    assert un["section_no"].iloc[0] == 1


def test_2020_stated_counts_checked(corpus):
    d = corpus.diagnostics
    ok = d[(d["doc_id"] == "2020_national") & (d["code"] == "stated_count_ok")]
    assert len(ok) == 2
    assert not (d["code"] == "stated_count_mismatch").any()


def test_2020_malformed_marker(corpus):
    t = corpus.tasks.set_index("task_id").loc["2020_national-07-35"]
    assert t["marker"] == "三十五）" and t["raw_line"] == 61
    d = corpus.diagnostics
    assert d[(d["code"] == "malformed_marker")]["line"].tolist() == [61]


def test_2021_subheadings(corpus):
    st = corpus.subtasks[corpus.subtasks["doc_id"] == "2021_national"]
    assert st["title"].tolist() == [
        "互联网领域侵权假冒治理", "重点市场治理", "农村地区侵权假冒治理", "制假售假集中区域治理", "进出口环节治理",
        "寄递环节治理", "生命健康产品治理", "环境保护产品治理", "地理标志和奥林匹克标志产品治理"]


def test_sections_titles(corpus):
    s = corpus.sections.set_index(["doc_id", "section_no"])["title"]
    assert s[("2012_national", 1)] == "大力开展专项整治"
    assert s[("2018_qingdao", 10)] == "严格考核监管机制"
    assert s[("2021_national", 7)] == "压实各地责任"


def test_raw_lines_trace_back(corpus):
    t = corpus.tasks.set_index("task_id")
    assert t.at["2021_national-01-02", "raw_line"] == 17
    assert t.at["2018_qingdao-01-01", "raw_line"] == 10
    assert t.at["2017_national-01-01", "raw_line"] == 13


# ---- other plans' structure: third-level items, headings without 。, flattened lines -----------------------

# The opening of a provincial plan numbered 一、→（一）→ 1. / 1、 →（1）, its （一） headings printed without 。
THREE_LEVELS = (
    "2019年江西省打击侵犯知识产权和制售假冒伪劣商品工作要点\n"
    "2019年，全省打击侵权假冒工作要以习近平新时代中国特色社会主义思想为指导，营造良好营商环境。\n"
    "一、加大重点领域治理力度\n"
    "（一）加大商标权保护力度\n"
    "1.以驰名商标、地理标志、涉外商标为重点，严厉打击商标侵权行为。（省市场监管局牵头，省公安厅按职责分工负责）\n"
    "2.严厉打击恶意抢注商标行为。（省市场监管局负责）\n"
    "（二）加强版权保护\n"
    "1、开展“剑网2019”专项行动，严厉打击网络侵权盗版行为。（省版权局牵头，省公安厅按职责分工负责）\n"
    "（1）加强院线电影版权保护。\n"
    "（2）规范网络转载秩序。（省版权局负责）\n"
    "2、持续推进软件正版化工作。（省版权局牵头，各部门共同负责）\n"
    "二、加强刑事司法打击\n"
    "（三）加大刑事打击力度。严厉打击侵权假冒犯罪。（省公安厅负责）\n"
)


def _coverage_holds(norm, s):
    assert "".join(x["text"] for x in s.segments) == norm.body
    for rows in (s.tasks, s.subtasks):
        for r in rows:
            assert norm.body[r["start"]:r["end"]] == r["text"]


def test_three_level_plan_items_are_subtasks():
    norm, s = _parse(THREE_LEVELS)
    _coverage_holds(norm, s)
    assert [(t["task_no"], t["title"], t["n_subtasks"]) for t in s.tasks] == [
        (1, "加大商标权保护力度", 2), (2, "加强版权保护", 4), (3, "加大刑事打击力度", 0)]
    got = [(st["task_id"], st["sub_no"], st["depth"], st["parent_sub_no"], st["marker"], st["item_no"], st["title"])
           for st in s.subtasks]
    assert got == [
        ("t-01-01", 1, 1, None, "1.", 1, "以驰名商标、地理标志、涉外商标为重点，严厉打击商标侵权行为"),
        ("t-01-01", 2, 1, None, "2.", 2, "严厉打击恶意抢注商标行为"),
        ("t-01-02", 1, 1, None, "1、", 1, "开展“剑网2019”专项行动，严厉打击网络侵权盗版行为"),
        ("t-01-02", 2, 2, 1, "（1）", 1, "加强院线电影版权保护"),
        ("t-01-02", 3, 2, 1, "（2）", 2, "规范网络转载秩序"),
        ("t-01-02", 4, 1, None, "2、", 2, "持续推进软件正版化工作"),
    ]
    # an item holds the deeper items under it; the last item of a task ends with the task
    first = s.subtasks[2]
    assert first["text"].startswith("1、开展") and first["text"].endswith("（省版权局负责）\n")
    assert s.subtasks[-1]["end"] == s.tasks[1]["end"]
    assert [d.code for d in s.diagnostics] == []


def test_three_level_plan_clauses_know_their_item():
    from ipm_analysis.agencies import extract_clauses

    norm, s = _parse(THREE_LEVELS)
    found = extract_clauses(norm, s.segments, level="provincial", jurisdiction="江西省")
    assert [(c["task_id"], c["sub_no"], c["clause_no"]) for c in found.clauses] == [
        ("t-01-01", 1, 1), ("t-01-01", 2, 2), ("t-01-02", 1, 1), ("t-01-02", 3, 2), ("t-01-02", 4, 3),
        ("t-02-03", None, 1)]
    last = [(a["agency_raw"], a["role"], a["is_generic"]) for a in found.agencies if a["task_id"] == "t-01-02"
            and a["clause_no"] == 3]
    assert last == [("省版权局", "lead", False), ("各部门", "responsible", True)]


def test_heading_without_full_stop_is_not_glued_to_the_next_line():
    # a PDF conversion: the heading lines have no 。, so they look like lines cut by a page break
    norm, s = _parse("一、加大重点领域治理力度\n（一）加大商标权保护力度\n1.以驰名商标为重点，严厉打击商标侵权\n"
                     "行为。\n（二）加强版权保护\n开展“剑网2019”专项行动。\n")
    assert [t["title"] for t in s.tasks] == ["加大商标权保护力度", "加强版权保护"]
    assert [st["title"] for st in s.subtasks] == ["以驰名商标为重点，严厉打击商标侵权行为"]   # a real cut is rejoined
    assert s.tasks[1]["text"] == "（二）加强版权保护\n开展“剑网2019”专项行动。\n"
    assert [r["raw_line"] for r in norm.removals if r["rule"] == "page_break_join"] == [4]


def test_flattened_line_is_split_into_paragraphs():
    text = ("2019年福建省打击侵犯知识产权和制售假冒伪劣商品工作要点\n"
            "2019年，全省打击侵权假冒工作要坚持（一）依法治理、（二）打建结合的原则。 一、加大重点领域治理力度 "
            "（一）加大商标权保护力度 1.以驰名商标为重点，严厉打击商标侵权行为。（省市场监管局负责） "
            "2.严厉打击恶意抢注商标行为。 （二）加强版权保护。开展专项行动。\n")
    norm, s = _parse(text)
    assert norm.body.split("\n")[1:-1] == [
        "2019年，全省打击侵权假冒工作要坚持（一）依法治理、（二）打建结合的原则。", "一、加大重点领域治理力度",
        "（一）加大商标权保护力度", "1.以驰名商标为重点，严厉打击商标侵权行为。（省市场监管局负责）",
        "2.严厉打击恶意抢注商标行为。", "（二）加强版权保护。开展专项行动。"]
    assert [r["removed"] for r in norm.removals if r["rule"] == "flattened_line_split"] == [" "] * 5
    assert {norm.raw_line_at(s_["start"]) for s_ in s.segments[1:]} == {2}
    assert [t["title"] for t in s.tasks] == ["加大商标权保护力度", "加强版权保护"]
    assert [st["item_no"] for st in s.subtasks] == [1, 2]
    _coverage_holds(norm, s)


def test_flattened_copy_with_its_title_on_the_same_line():
    norm, s = _parse("2019年重庆市打击侵犯知识产权和制售假冒伪劣商品工作要点 2019年，全市打击侵权假冒工作要营造良好环境。 "
                     "一、加强重点领域治理 （一）深化互联网领域治理。加强网络市场监管。（市市场监管局负责）\n")
    assert norm.title == "2019年重庆市打击侵犯知识产权和制售假冒伪劣商品工作要点" and norm.has_title_line
    assert [x["kind"] for x in s.segments] == ["title", "preamble", "section_heading", "task"]
    assert s.tasks[0]["title"] == "深化互联网领域治理"


def test_items_but_no_tasks_make_the_items_the_tasks():
    # a city plan numbered 一、→ 1.: its 1. level holds the tasks
    norm, s = _parse("一、加强重点领域治理\n1.深化互联网领域治理。加强网络市场监管。\n2.强化进出口环节治理。\n"
                     "二、加强刑事打击\n3.加大刑事打击力度。\n")
    assert [(t["task_id"], t["marker"], t["title"]) for t in s.tasks] == [
        ("t-01-01", "1.", "深化互联网领域治理"), ("t-01-02", "2.", "强化进出口环节治理"),
        ("t-02-03", "3.", "加大刑事打击力度")]
    assert s.subtasks == [] and [d.code for d in s.diagnostics] == []


def test_item_numbering_gap_is_reported():
    _, s = _parse("一、甲\n（一）任务\n1.内容。\n3.内容。\n")
    assert [d.code for d in s.diagnostics] == ["numbering_gap"]


# A task-division document (任务分工) issued with a provincial plan: same numbering, the roles named by labels,
# in a bracket or on a line of their own under the item.
TASK_DIVISION = (
    "2019年贵州省打击侵犯知识产权和制售假冒伪劣商品工作要点任务分工\n"
    "一、深化重点领域治理\n"
    "（一）加强互联网领域侵权假冒治理。\n"
    "1.开展网络市场监管专项行动。（牵头单位：省市场监管局；配合单位：省公安厅、省通信管理局）\n"
    "2.开展“剑网2019”专项行动。\n"
    "牵头单位：省版权局\n"
    "配合单位：省公安厅、各部门\n"
    "（二）加强农村市场治理。开展农资打假专项行动。\n"
    "责任单位：省农业农村厅\n"
)


def test_task_division_document():
    from ipm_analysis.agencies import extract_clauses

    norm, s = _parse(TASK_DIVISION)
    _coverage_holds(norm, s)
    assert norm.title == "2019年贵州省打击侵犯知识产权和制售假冒伪劣商品工作要点任务分工"
    assert [(t["title"], t["n_subtasks"]) for t in s.tasks] == [("加强互联网领域侵权假冒治理", 2),
                                                               ("加强农村市场治理", 0)]
    assert s.subtasks[1]["text"] == "2.开展“剑网2019”专项行动。\n牵头单位：省版权局\n配合单位：省公安厅、各部门\n"
    assert "unassigned" not in [x["kind"] for x in s.segments]   # the label line stays in its task
    found = extract_clauses(norm, s.segments, level="provincial", jurisdiction="贵州省")
    assert [(c["task_id"], c["sub_no"], c["raw"]) for c in found.clauses] == [
        ("t-01-01", 1, "（牵头单位：省市场监管局；配合单位：省公安厅、省通信管理局）"),
        ("t-01-01", 2, "牵头单位：省版权局"), ("t-01-01", 2, "配合单位：省公安厅、各部门"),
        ("t-01-02", None, "责任单位：省农业农村厅")]
    assert [(a["agency_raw"], a["role"], a["is_generic"]) for a in found.agencies] == [
        ("省市场监管局", "lead", False), ("省公安厅", "participating", False), ("省通信管理局", "participating", False),
        ("省版权局", "lead", False), ("省公安厅", "participating", False), ("各部门", "participating", True),
        ("省农业农村厅", "responsible", False)]


def test_tasks_and_items_without_sections():
    norm, s = _parse("前言。\n（一）加大商标权保护力度\n1.以驰名商标为重点。\n2.加强地理标志保护。\n（二）加强版权保护。内容。\n")
    assert [(t["task_id"], t["n_subtasks"]) for t in s.tasks] == [("t-00-01", 2), ("t-00-02", 0)]
    assert "no_sections" in [d.code for d in s.diagnostics]
    _coverage_holds(norm, s)


def test_three_level_plan_through_the_build(tmp_path):
    """The tables of a three-level plan pass their schemas; items, clauses and tokens agree."""
    from ipm_analysis import schemas
    from ipm_analysis.builder import process_document

    # the plan, then the task division's sections renumbered as its third section
    division = (TASK_DIVISION.split("\n", 1)[1].replace("一、", "三、").replace("（一）", "（四）")
                .replace("（二）", "（五）"))
    (tmp_path / "2019_jiangxi.txt").write_text(THREE_LEVELS + division, encoding="utf-8")
    row = dict(doc_id="2019_jiangxi", file="2019_jiangxi.txt", original_file="", year="2019", jurisdiction="江西省",
               level="provincial", issuer="", issue_date="", source_form="web page", script="zh-Hans", notes="")
    frames = process_document(row, tmp_path)
    for name, frame in frames.items():
        schemas.validate(name, frame)
    # no numbering or bracket problem (the provincial names may be unknown: resolving them is another part)
    assert set(frames["diagnostics"]["code"]) <= {"unknown_agency"}
    st = frames["subtasks"]
    assert st["depth"].tolist() == [1, 1, 1, 2, 2, 1, 1, 1]
    assert st["marker"].tolist() == ["1.", "2.", "1、", "（1）", "（2）", "2、", "1.", "2."]
    cl = frames["clauses"]
    assert cl["sub_no"].isna().sum() == 2 and len(cl) == 10     # 2 in the tasks' own text, 8 in items
    seg = frames["segments"]
    assert "".join(seg["text"]) == frames["documents"]["text"].iloc[0]


def test_section_numbered_one_level_less_has_its_own_tasks():
    # a provincial plan whose 保障措施 section numbers 1. directly under 三、, while 二、 has （一） tasks with 1. items
    norm, s = _parse("一、总体要求\n坚持依法治理。\n二、重点任务\n（一）加大商标权保护力度\n1.以驰名商标为重点。\n"
                     "（二）加强版权保护。开展专项行动。\n三、保障措施\n1.加强组织领导。\n2.强化督查考核。\n")
    assert [(t["task_id"], t["marker"], t["title"]) for t in s.tasks] == [
        ("t-02-01", "（一）", "加大商标权保护力度"), ("t-02-02", "（二）", "加强版权保护"),
        ("t-03-01", "1.", "加强组织领导"), ("t-03-02", "2.", "强化督查考核")]
    assert [(st["task_id"], st["title"]) for st in s.subtasks] == [("t-02-01", "以驰名商标为重点")]
    assert [d.code for d in s.diagnostics] == []
    _coverage_holds(norm, s)


def test_continuous_tasks_with_a_section_numbered_one_level_less():
    # （一）…（三） run through the plan; the last section's 1. 2. count on their own and are no numbering problem
    _, s = _parse("一、甲\n（一）任务。内容。\n（二）任务。内容。\n二、乙\n（三）任务。内容。\n三、保障措施\n1.加强组织领导。\n"
                  "2.强化督查考核。\n")
    assert s.numbering == "continuous" and [d.code for d in s.diagnostics] == []
    assert [t["task_id"] for t in s.tasks] == ["t-01-01", "t-01-02", "t-02-03", "t-03-01", "t-03-02"]
