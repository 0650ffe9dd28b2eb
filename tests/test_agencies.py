"""ipm_analysis.agencies: clause detection, splitting, roles, alias and lineage lookups."""
from __future__ import annotations

import pytest

from ipm_analysis.agencies import ROLE_RE, ROLE_TAIL, bracket_spans, load_agency_tables, role_match, split_clause

CLAUSES_PER_DOC = {  # counted in data/raw with grep for brackets ending in 负责/牵头 (+1 verbless in Qingdao)
    "2012_national": 0, "2017_national": 55, "2018_qingdao": 45, "2020_national": 61, "2021_national": 62}


@pytest.fixture(scope="module")
def tables():
    return load_agency_tables()


@pytest.mark.parametrize("content, expected", [
    ("公安部负责", [("公安部", "responsible")]),
    ("市场监管总局牵头，公安部、海关总署按职责分工负责",
     [("市场监管总局", "lead"), ("公安部", "participating"), ("海关总署", "participating")]),
    ("发展改革委、市场监管总局分别牵头", [("发展改革委", "lead"), ("市场监管总局", "lead")]),
    ("中央综治办、全国打击侵权假冒工作领导小组办公室按职责分工牵头负责",
     [("中央综治办", "lead"), ("全国打击侵权假冒工作领导小组办公室", "lead")]),
    ("农业部、国家林业局按职责分工分别负责", [("农业部", "participating"), ("国家林业局", "participating")]),
    ("新闻出版广电总局牵头负责，工业和信息化部按职责分工负责",
     [("新闻出版广电总局", "lead"), ("工业和信息化部", "participating")]),
    # a part without a verb shares the next part's verb
    ("市打击侵权假冒领导小组办公室、市综治办，各区（市）打击侵权假冒领导小组办公室负责",
     [("市打击侵权假冒领导小组办公室", "responsible"), ("市综治办", "responsible"),
      ("各区（市）打击侵权假冒领导小组办公室", "responsible")]),
    # 等 closes the list; a named group after it is kept (as a generic row)
    ("税务总局、市场监管总局等按职责分工负责", [("税务总局", "participating"), ("市场监管总局", "participating")]),
    ("市公安局、市工商局、市食品药品监管局等罚没部门",
     [("市公安局", "unspecified"), ("市工商局", "unspecified"), ("市食品药品监管局", "unspecified"),
      ("罚没部门", "unspecified")]),
    ("全国打击侵权假冒工作领导小组办公室及领导小组有关成员单位按职责分工负责",
     [("全国打击侵权假冒工作领导小组办公室", "participating"), ("领导小组有关成员单位", "participating")]),
    # a placeholder that itself contains 、 stays whole
    ("各省、自治区、直辖市和新疆生产建设兵团打击侵权假冒工作领导小组负责",
     [("各省、自治区、直辖市和新疆生产建设兵团打击侵权假冒工作领导小组", "responsible")]),
    (" 市版权局牵头，市财政局按职责分工负责", [("市版权局", "lead"), ("市财政局", "participating")]),
])
def test_split_clause(tables, content, expected):
    assert split_clause(content, tables) == expected


@pytest.mark.parametrize("line, spans, unmatched", [
    ("甲（乙）丙", [(1, 4)], []),
    ("（各区（市）办公室负责）。", [(0, 12)], []),     # nested bracket stays inside
    ("甲（乙丙", [], [1]),
    ("甲）乙", [], [1]),
])
def test_bracket_spans(line, spans, unmatched):
    assert bracket_spans(line) == (spans, unmatched)


# ---- the real corpus ---------------------------------------------------------------------------------------

def test_clause_counts(corpus):
    counts = corpus.clauses.groupby("doc_id").size().reindex(list(CLAUSES_PER_DOC), fill_value=0)
    assert counts.to_dict() == CLAUSES_PER_DOC
    docs = corpus.documents.set_index("doc_id")["n_clauses"]
    assert docs.to_dict() == CLAUSES_PER_DOC


def test_every_clause_is_inside_a_task(corpus):
    assert corpus.clauses["task_id"].notna().all()


def test_no_unknown_agencies(corpus):
    ta = corpus.task_agencies
    assert ta[~ta["is_known"]]["agency_raw"].tolist() == []
    assert not (corpus.diagnostics["code"] == "unknown_agency").any()


def _agencies(corpus, task_id, clause_no=None):
    ta = corpus.task_agencies
    rows = ta[ta["task_id"] == task_id]
    if clause_no is not None:
        rows = rows[rows["clause_no"] == clause_no]
    return list(zip(rows["agency"], rows["role"]))


def test_2017_software_legalisation(corpus):
    assert _agencies(corpus, "2017_national-03-11") == [
        ("新闻出版广电总局", "lead"), ("工业和信息化部", "participating"), ("财政部", "participating"),
        ("国资委", "participating"), ("工商总局", "participating"), ("知识产权局", "participating"),
        ("国管局", "participating")]
    ta = corpus.task_agencies
    succ = ta[ta["task_id"] == "2017_national-03-11"].set_index("agency")["successor"]
    assert succ["工商总局"] == "市场监管总局"
    assert succ["新闻出版广电总局"] == "中央宣传部"
    assert succ["知识产权局"] == "知识产权局"


def test_2017_last_task_has_a_generic_clause(corpus):
    rows = corpus.task_agencies[corpus.task_agencies["task_id"] == "2017_national-08-31"]
    assert rows[["agency_raw", "role", "is_generic"]].values.tolist() == [
        ["全国打击侵权假冒工作领导小组办公室", "lead", False],
        ["各地打击侵权假冒工作领导小组", "responsible", True]]


def test_2020_roles(corpus):
    assert _agencies(corpus, "2020_national-04-20", 1) == [("发展改革委", "lead"), ("市场监管总局", "lead")]
    assert _agencies(corpus, "2020_national-02-10", 2) == [("文化和旅游部", "lead")]
    assert _agencies(corpus, "2020_national-04-22") == [("中央政法委", "lead"),
                                                        ("全国打击侵权假冒工作领导小组办公室", "lead")]
    # 法務部 (Taiwan vocabulary) is read as 司法部
    raw = corpus.task_agencies[corpus.task_agencies["task_id"] == "2020_national-04-19"]["agency_raw"]
    assert raw.iloc[0] == "司法部"


def test_qingdao_odd_clauses(corpus):
    cl = corpus.clauses.set_index(["task_id", "clause_no"])
    assert not cl.at[("2018_qingdao-02-06", 2), "has_role_verb"]
    assert cl.at[("2018_qingdao-02-06", 2), "raw"] == "（市公安局、市工商局、市食品药品监管局等罚没部门）"
    assert _agencies(corpus, "2018_qingdao-02-06", 2) == [
        ("市公安局", "unspecified"), ("市工商局", "unspecified"), ("市食品药品监管局", "unspecified"),
        ("罚没部门", "unspecified")]
    # spelling variants resolve to one agency
    ta = corpus.task_agencies
    fda = ta[ta["agency_raw"].isin(["市食品药品监督管理局", "市食品药品监管局"])]["agency"].unique().tolist()
    assert fda == ["市食品药品监管局"]
    # (IP地址) and (二期) are not clauses
    assert (corpus.clauses["task_id"] == "2018_qingdao-01-01").sum() == 3
    assert (corpus.clauses["task_id"] == "2018_qingdao-01-03").sum() == 1
    last = ta[ta["task_id"] == "2018_qingdao-10-27"]
    assert last["role"].tolist() == ["responsible"] * 3 and last["is_generic"].tolist() == [False, False, True]


def test_2021_clause_inside_sentence_and_fullwidth(corpus):
    cl = corpus.clauses
    assert "（海关总署负责）" in cl[cl["task_id"] == "2021_national-01-03"]["raw"].tolist()
    gen = corpus.task_agencies[corpus.task_agencies["task_id"] == "2021_national-07-26"]
    assert "各省、自治区、直辖市和新疆生产建设兵团打击侵权假冒工作领导小组" in gen["agency_raw"].tolist()


def test_2012_names_no_agencies(corpus):
    assert (corpus.task_agencies["doc_id"] == "2012_national").sum() == 0


def test_clause_offsets_trace_back(corpus):
    for c in corpus.clauses.itertuples():
        assert corpus.text(c.doc_id, c.start, c.end) == c.raw


def test_role_verbs_fit_the_searched_tail():
    """role_match searches only the last ROLE_TAIL characters: no role verb (plus a final newline) is longer."""
    from re import _parser  # private, but the one place that knows a pattern's longest match

    assert _parser.parse(ROLE_RE.pattern).getwidth()[1] + 1 <= ROLE_TAIL
    for text in ("公安部、海关总署、最高人民法院、最高人民检察院按职责分工分别牵头负责", "公安部负责\n", "负责人", "牵头"):
        m, ref = role_match(text), ROLE_RE.search(text)
        assert (m and (m.span(), m.lastgroup)) == (ref and (ref.span(), ref.lastgroup))


# Placeholders and verbs of other plans (issue 14): never agencies, and their verb is not part of their name.
@pytest.mark.parametrize("content, expected", [
    ("省版权局牵头，各部门共同负责", [("省版权局", "lead"), ("各部门", "responsible")]),
    ("全国打击侵权假冒工作领导小组办公室牵头，全国打击侵权假冒工作领导小组各成员单位按职责分工负责",
     [("全国打击侵权假冒工作领导小组办公室", "lead"), ("全国打击侵权假冒工作领导小组各成员单位", "participating")]),
    ("领导小组各成员单位按职责分工负责", [("领导小组各成员单位", "participating")]),
    ("省公安厅牵头，省文化厅、省经信委配合", [("省公安厅", "lead"), ("省文化厅", "participating"),
                                               ("省经信委", "participating")]),
    ("各地负责", [("各地", "responsible")]),
])
def test_other_plans_placeholders_and_verbs(tables, content, expected):
    pairs = split_clause(content, tables)
    assert pairs == expected
    generic = {name for name, _ in pairs if tables.generic_name(name)}
    assert generic == {n for n, _ in expected if n.startswith(("各", "全国打击侵权假冒工作领导小组各", "领导小组各"))}


@pytest.mark.parametrize("content, expected", [
    # task-division labels name the role before the agencies; a part without a label keeps the last one
    ("牵头单位：省市场监管局；配合单位：省公安厅、省通信管理局",
     [("省市场监管局", "lead"), ("省公安厅", "participating"), ("省通信管理局", "participating")]),
    ("牵头单位：市公安局配合单位：市市场监管局", [("市公安局", "lead"), ("市市场监管局", "participating")]),
    ("责任单位：省农业农村厅，省林业局", [("省农业农村厅", "responsible"), ("省林业局", "responsible")]),
])
def test_task_division_labels(tables, content, expected):
    assert split_clause(content, tables) == expected


@pytest.mark.parametrize("name, label", [
    ("各有关部门", "各部门"), ("各成员单位", "领导小组各成员单位"), ("有关单位", "有关部门"), ("省直有关部门", "有关部门"),
    ("各市（州）人民政府", "各地"), ("各县（市、区）打击侵权假冒工作领导小组", "各地领导小组"),
    ("省市场监管局", None), ("各部门共同", None),
])
def test_local_placeholders(tables, name, label):
    assert tables.generic_name(name) == label


@pytest.mark.parametrize("content, expected", [
    ("各部门共同负责", [("各部门", "responsible", "共同负责")]),
    ("甲局、乙局，丙局按职责分工负责", [("甲局", "participating", "按职责分工负责"), ("乙局", "participating", "按职责分工负责"),
                                      ("丙局", "participating", "按职责分工负责")]),
    ("牵头单位：省版权局；省公安厅", [("省版权局", "lead", "牵头单位"), ("省公安厅", "lead", "牵头单位")]),
    ("市公安局、市工商局等罚没部门", [("市公安局", "unspecified", None), ("市工商局", "unspecified", None),
                                    ("罚没部门", "unspecified", None)]),
])
def test_role_verbs_as_printed(tables, content, expected):
    from ipm_analysis.agencies import split_clause_verbs

    assert split_clause_verbs(content, tables) == expected
