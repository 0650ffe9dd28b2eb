"""Local agencies by rule (issue 14): any province's, city's or county's agency names resolved through
ipm_analysis/data/local_agency_rules.yaml, the Qingdao hand table a special case of the rules."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ipm_analysis import config
from ipm_analysis.agencies import (RESOLVED_BY, _counterpart_facts, extract_clauses, load_agency_tables,
                                   load_local_rules, resolve_name, split_clause)
from ipm_analysis.ingest import normalise
from ipm_analysis.parse import parse

FIELDS = ["agency", "agency_full", "level", "successor", "is_generic", "is_known", "agency_canonical",
          "agency_jurisdiction", "counterpart", "counterpart_successor", "resolved_by"]
PLANS = {  # scope (the manifest's jurisdiction) -> level
    "福建省": "provincial", "重庆市": "provincial", "江苏省": "provincial", "江西省": "provincial",
    "贵州省": "provincial", "上海市": "provincial", "广东省": "provincial", "苏州市": "municipal", "青岛市": "municipal", "浦东新区": "municipal",
    "national": "national"}


@pytest.fixture(scope="module")
def tables():
    return load_agency_tables()


def resolved(tables, name, scope):
    return dict(zip(FIELDS, resolve_name(name, tables, scope, PLANS[scope])))


# (scope, name as written) -> agency (= canonical), counterpart, counterpart_successor, level, jurisdiction
@pytest.mark.parametrize("scope, name, agency, counterpart, successor, level, place", [
    # 福建省 (（省公安厅牵头，省文化厅、省经信委、福州海关、厦门海关、福建检验检疫局按职责分工负责）)
    ("福建省", "省公安厅", "福建省公安厅", "公安部", "公安部", "provincial", "福建省"),
    ("福建省", "省文化厅", "福建省文化厅", "文化部", "文化和旅游部", "provincial", "福建省"),
    ("福建省", "省经信委", "福建省经信委", "工业和信息化部", "工业和信息化部", "provincial", "福建省"),
    ("福建省", "福州海关", "福州海关", "海关总署", "海关总署", "municipal", "福州"),
    ("福建省", "厦门海关", "厦门海关", "海关总署", "海关总署", "municipal", "厦门"),
    # entry-exit inspection went to 海关总署 in 2018, not to 质检总局's one-to-one successor 市场监管总局
    ("福建省", "福建检验检疫局", "福建检验检疫局", "质检总局", "海关总署", "provincial", "福建省"),
    ("福建省", "福建出入境检验检疫局", "福建检验检疫局", "质检总局", "海关总署", "provincial", "福建省"),
    ("福建省", "省委宣传部", "福建省委宣传部", "中央宣传部", "中央宣传部", "provincial", "福建省"),
    ("福建省", "中共福建省委宣传部", "福建省委宣传部", "中央宣传部", "中央宣传部", "provincial", "福建省"),
    ("福建省", "福州市公安局", "福州市公安局", "公安部", "公安部", "municipal", "福州市"),
    ("福建省", "市公安局", "市公安局", "公安部", "公安部", "municipal", None),   # 市 in a province's plan: which?
    ("福建省", "人民银行福州中心支行", "人民银行福州中心支行", "人民银行", "人民银行", "municipal", "福州"),
    ("福建省", "国家税务总局福建省税务局", "福建省税务局", "税务总局", "税务总局", "provincial", "福建省"),
    ("福建省", "省打击侵权假冒工作领导小组办公室", "福建省打击侵权假冒工作领导小组办公室",
     "全国打击侵权假冒工作领导小组办公室", "全国打击侵权假冒工作领导小组办公室", "provincial", "福建省"),
    ("福建省", "省高级人民法院", "福建省高级人民法院", "高法院", "高法院", "provincial", "福建省"),
    ("福建省", "省检察院", "福建省人民检察院", "高检院", "高检院", "provincial", "福建省"),
    # 重庆市 (（市市场监管局牵头，市农委、重庆海关、市公安局配合）): a municipality is provincial
    ("重庆市", "市市场监管局", "重庆市市场监管局", "市场监管总局", "市场监管总局", "provincial", "重庆市"),
    ("重庆市", "市农委", "重庆市农委", "农业部", "农业农村部", "provincial", "重庆市"),
    ("重庆市", "重庆海关", "重庆海关", "海关总署", "海关总署", "provincial", "重庆市"),
    ("重庆市", "市公安局", "重庆市公安局", "公安部", "公安部", "provincial", "重庆市"),
    ("重庆市", "重庆市渝中区公安分局", "重庆市渝中区公安分局", "公安部", "公安部", "county", "重庆市渝中区"),
    ("重庆市", "区县市场监管局", "区县市场监管局", "市场监管总局", "市场监管总局", "county", None),
    # 江苏省, 江西省, 贵州省: post-2018 names
    ("江苏省", "省市场监督管理局", "江苏省市场监管局", "市场监管总局", "市场监管总局", "provincial", "江苏省"),
    ("江苏省", "省文化和旅游厅", "江苏省文化和旅游厅", "文化和旅游部", "文化和旅游部", "provincial", "江苏省"),
    ("江苏省", "南京海关", "南京海关", "海关总署", "海关总署", "municipal", "南京"),
    ("江苏省", "苏州市知识产权局", "苏州市知识产权局", "知识产权局", "知识产权局", "municipal", "苏州市"),
    ("江西省", "省工业和信息化厅", "江西省工业和信息化厅", "工业和信息化部", "工业和信息化部", "provincial", "江西省"),
    ("江西省", "省农业农村厅", "江西省农业农村厅", "农业农村部", "农业农村部", "provincial", "江西省"),
    ("江西省", "南昌海关", "南昌海关", "海关总署", "海关总署", "municipal", "南昌"),
    ("江西省", "省卫生健康委", "江西省卫生健康委", "卫生健康委", "卫生健康委", "provincial", "江西省"),
    ("贵州省", "省林业局", "贵州省林业局", "国家林业局", "林草局", "provincial", "贵州省"),
    ("贵州省", "省版权局", "贵州省版权局", "版权局", "中央宣传部", "provincial", "贵州省"),
    ("贵州省", "省委网信办", "贵州省委网信办", "网信办", "网信办", "provincial", "贵州省"),
    ("贵州省", "省食品药品监督管理局", "贵州省食品药品监管局", "食品药品监管总局", "市场监管总局", "provincial",
     "贵州省"),
    ("贵州省", "省环保厅", "贵州省环保厅", "环境保护部", "生态环境部", "provincial", "贵州省"),
    # 上海市 and a district plan (浦东新区): 区 is county level
    ("上海市", "市知识产权局", "上海市知识产权局", "知识产权局", "知识产权局", "provincial", "上海市"),
    ("上海市", "上海海关", "上海海关", "海关总署", "海关总署", "provincial", "上海市"),
    ("上海市", "市文广局", None, None, None, "provincial", None),   # no rule for 文广局: unknown
    ("浦东新区", "区市场监管局", "浦东新区市场监管局", "市场监管总局", "市场监管总局", "county", "浦东新区"),
    ("浦东新区", "区公安分局", "浦东新区公安分局", "公安部", "公安部", "county", "浦东新区"),
    ("浦东新区", "区人民法院", "浦东新区人民法院", "高法院", "高法院", "county", "浦东新区"),
    # a national body in a local plan, and bare bodies in a national plan (not read as local)
    ("江苏省", "国家知识产权局", "知识产权局", "知识产权局", "知识产权局", "national", "全国"),
    ("national", "出入境检验检疫局", None, None, None, "national", None),
])
def test_resolve_by_rule(tables, scope, name, agency, counterpart, successor, level, place):
    r = resolved(tables, name, scope)
    assert (r["agency"], r["counterpart"], r["counterpart_successor"], r["level"], r["agency_jurisdiction"]) == \
        (agency, counterpart, successor, level, place)
    assert r["agency_canonical"] == agency and r["is_known"] == (agency is not None) and not r["is_generic"]
    if agency is None:
        assert r["resolved_by"] == "unknown"
    elif place == "全国":
        assert r["resolved_by"] == "national_alias" and r["successor"] == successor
    else:
        assert r["resolved_by"] == "rule" and r["successor"] == agency   # a local body is its own successor


@pytest.mark.parametrize("scope, content, expected", [
    ("福建省", "省公安厅牵头，省文化厅、省经信委、福州海关、厦门海关、福建检验检疫局按职责分工负责",
     [("福建省公安厅", "lead", "公安部"), ("福建省文化厅", "participating", "文化部"),
      ("福建省经信委", "participating", "工业和信息化部"), ("福州海关", "participating", "海关总署"),
      ("厦门海关", "participating", "海关总署"), ("福建检验检疫局", "participating", "质检总局")]),
    ("重庆市", "市市场监管局牵头，市农委、重庆海关、市公安局配合",
     [("重庆市市场监管局", "lead", "市场监管总局"), ("重庆市农委", "participating", "农业部"),
      ("重庆海关", "participating", "海关总署"), ("重庆市公安局", "participating", "公安部")]),
    ("江西省", "牵头单位：省市场监管局；配合单位：省公安厅、省通信管理局、省直有关部门",
     [("江西省市场监管局", "lead", "市场监管总局"), ("江西省公安厅", "participating", "公安部"),
      ("江西省通信管理局", "participating", "工业和信息化部"), ("有关部门", "participating", None)]),
])
def test_clauses_of_other_places(tables, scope, content, expected):
    got = [(resolved(tables, n, scope)["agency"], role, resolved(tables, n, scope)["counterpart"])
           for n, role in split_clause(content, tables)]
    assert got == expected


@pytest.mark.parametrize("name", ["省直有关部门", "各设区市人民政府", "各县（市、区）打击侵权假冒工作领导小组", "领导小组各成员单位"])
def test_placeholders_stay_generic(tables, name):
    r = resolved(tables, name, "福建省")
    assert r["is_generic"] and r["resolved_by"] == "generic" and r["counterpart"] is None


def test_hand_table_wins_for_qingdao(tables):
    # the alias table keeps Qingdao's names; the rules add the canonical name, counterpart from the hand table
    r = resolved(tables, "市公安局", "青岛市")
    assert (r["agency"], r["agency_canonical"], r["counterpart"], r["resolved_by"]) == \
        ("市公安局", "青岛市公安局", "公安部", "alias")
    r = resolved(tables, "市版权局", "青岛市")      # the one disagreement: the hand table wins
    assert (r["counterpart"], r["counterpart_successor"]) == ("新闻出版广电总局", "中央宣传部")
    r = resolved(tables, "市电政办", "青岛市")      # no counterpart (reviewed), canonical by its prefix
    assert (r["agency_canonical"], r["counterpart"]) == ("青岛市电政办", None)
    # Qingdao's hand table holds 市公安局; a name it lacks is resolved by rule like any city's
    r = resolved(tables, "市市场监管局", "青岛市")
    assert (r["agency"], r["level"], r["counterpart"], r["resolved_by"]) == \
        ("青岛市市场监管局", "municipal", "市场监管总局", "rule")


# The Qingdao hand table (agency_counterparts.csv) and the rules: where both give a counterpart they must
# agree but for the reviewed exceptions below (the hand table wins there; README_agencies.md).
QINGDAO_DISAGREEMENTS = {
    # hand: the body the 2017 national plan names for copyright; rule: the national copyright brand
    "市版权局": (("新闻出版广电总局", "中央宣传部"), ("版权局", "中央宣传部")),
}


def test_rules_reproduce_qingdao_hand_table(tables):
    cp = pd.read_csv(config.data_path("agency_counterparts.csv"), comment="#", dtype=str, keep_default_na=False)
    rules = load_local_rules()
    found = {}
    for row in cp.itertuples():
        hit = rules.resolve(row.agency, row.scope, "municipal")
        by_rule = _counterpart_facts(hit.rule, tables) if hit else ("", "")
        hand = (row.counterpart, row.counterpart_successor)
        if by_rule != hand:
            found[row.agency] = (hand, by_rule)
    assert found == QINGDAO_DISAGREEMENTS
    assert len(cp) - len(found) == 31   # 29 counterparts agreed; 市电政办 and 市新闻办: none either way
    # every Qingdao spelling (市卫计委, 市邮政局, 林业局, 市检察院 …) gets its agency's counterpart by rule
    aliases = pd.read_csv(config.data_path("agency_aliases.csv"), comment="#", dtype=str, keep_default_na=False)
    for row in aliases[aliases["scope"] == "青岛市"].itertuples():
        a, b = rules.resolve(row.alias, "青岛市", "municipal"), rules.resolve(row.agency, "青岛市", "municipal")
        assert (a and a.rule.counterpart) == (b and b.rule.counterpart), row.alias


# ---- the rules file --------------------------------------------------------------------------------------

def test_rules_data():
    doc = yaml.safe_load(open(config.data_path("local_agency_rules.yaml"), encoding="utf-8"))
    agencies = pd.read_csv(config.data_path("agencies.csv"), comment="#", dtype=str, keep_default_na=False)
    national = set(agencies.loc[agencies["scope"] == "national", "agency"])
    assert len(doc["provinces"]) == 34
    for rule in doc["bodies"] + doc["names"]:
        assert rule["counterpart"] in national, rule
        assert rule.get("successor", rule["counterpart"]) in national, rule
        assert rule["kind"] in {"local", "national_vertical", "court", "procuratorate", "association", "office"}
        assert rule.get("source"), rule
    for rule in doc["names"]:
        assert "place" in re.compile(rule["name"]).groupindex
    vertical = {r["counterpart"] for r in doc["bodies"] if r["kind"] == "national_vertical"}
    assert {"海关总署", "质检总局", "人民银行", "邮政局", "工业和信息化部", "烟草专卖局", "税务总局"} <= vertical


SAMPLE_BODIES = [
    "公安厅", "公安局", "公安分局", "市场监管局", "市场监督管理局", "工商局", "工商行政管理局", "质监局", "质量技术监督局",
    "食品药品监管局", "食药监局", "文化厅", "文化局", "文化和旅游厅", "文旅局", "文广新局", "经信委", "经济和信息化委员会",
    "工信厅", "工业和信息化厅", "经信厅", "农委", "农业厅", "农业农村厅", "农业局", "商务厅", "商务局", "司法厅", "司法局",
    "财政厅", "财政局", "发展改革委", "发改委", "知识产权局", "版权局", "新闻出版局", "卫生计生委", "卫生健康委", "卫健委",
    "环保厅", "生态环境厅", "林业厅", "林业局", "税务局", "国税局", "地税局", "邮政管理局", "通信管理局", "网信办", "委宣传部",
    "党委宣传部", "综治办", "法院", "高级人民法院", "中级人民法院", "检察院", "人民银行", "贸促会", "烟草专卖局",
    "打击侵权假冒工作领导小组办公室", "打击侵权假冒领导小组办公室", "海关", "检验检疫局", "出入境检验检疫局",
    "教育厅", "教育局", "科技厅", "科技局", "交通运输厅", "交通运输局", "住房和城乡建设厅", "住建局", "体育局",
    "银保监局", "银监局", "保监局", "证监局", "金融监管局",
]


@pytest.mark.parametrize("body", SAMPLE_BODIES)
def test_every_listed_body_matches_exactly_one_rule(body):
    rules = load_local_rules()
    assert sum(bool(r.pattern.fullmatch(body)) for r in rules.bodies) == 1


def test_resolved_by_values_are_the_schemas():
    from ipm_analysis.schemas import ALLOWED

    assert ALLOWED[("task_agencies", "resolved_by")] == list(RESOLVED_BY)


# ---- through the pipeline --------------------------------------------------------------------------------

FUJIAN = """2019年福建省打击侵犯知识产权和制售假冒伪劣商品工作要点
为深入推进打击侵权假冒工作，制定本要点。
一、加强重点领域治理
（一）加强互联网领域治理。严厉打击网络侵权假冒行为（省公安厅牵头，省文化厅、省经信委、福州海关、厦门海关、福建检验检疫局按职责分工负责）。
（二）加强农村市场治理。开展农资打假专项行动（省农业厅牵头，省供销社、省市场监管局按职责分工负责）。
二、强化执法
（三）加强刑事司法。依法惩处侵权假冒犯罪（省公安厅、省检察院、省高级人民法院按职责分工负责）。
（四）加强宣传。开展宣传教育（省委宣传部牵头，省供销社、省直有关部门按职责分工负责）。
"""


def _fujian_found(tables):
    norm = normalise(FUJIAN, doc_id="2019_fujian", file="2019_fujian.txt", script="zh-Hans")
    return extract_clauses(norm, parse(norm).segments, level="provincial", jurisdiction="福建省", tables=tables)


def test_synthetic_provincial_plan(tables):
    found = _fujian_found(tables)
    rows = pd.DataFrame(found.agencies)
    assert len(found.clauses) == 4
    assert rows["resolved_by"].value_counts().to_dict() == {"rule": 12, "unknown": 2, "generic": 1}
    first = rows[rows["clause_no"].eq(1) & rows["task_id"].str.endswith("01-01")]
    assert first[["agency", "counterpart", "counterpart_successor", "level"]].values.tolist() == [
        ["福建省公安厅", "公安部", "公安部", "provincial"], ["福建省文化厅", "文化部", "文化和旅游部", "provincial"],
        ["福建省经信委", "工业和信息化部", "工业和信息化部", "provincial"], ["福州海关", "海关总署", "海关总署", "municipal"],
        ["厦门海关", "海关总署", "海关总署", "municipal"], ["福建检验检疫局", "质检总局", "海关总署", "provincial"]]
    # the unknown body (省供销社: 供销合作总社 is in no national plan of agencies.csv) is reported once, with both lines
    unknown = [d for d in found.diagnostics if d.code == "unknown_agency"]
    assert len(unknown) == 1 and "'省供销社'" in unknown[0].message and "(also on line 8)" in unknown[0].message
    assert "local_agency_rules.yaml" in unknown[0].message


@pytest.fixture
def fujian_root(tmp_path, corpus, project_copy, monkeypatch) -> Path:
    """The real plans (warm cache) plus the synthetic 福建省 plan."""
    raw = Path(__file__).resolve().parents[1] / "data" / "raw"
    shutil.copytree(raw, tmp_path / "data" / "raw")
    shutil.copytree(project_copy / "data" / "processed", tmp_path / "data" / "processed",
                    ignore=shutil.ignore_patterns("csv"))
    (tmp_path / "data" / "raw" / "2019_fujian.txt").write_text(FUJIAN, encoding="utf-8")
    with open(tmp_path / "data" / "raw" / "manifest.csv", "a", encoding="utf-8") as fh:
        fh.write("2019_fujian,2019_fujian.txt,,2019,福建省,provincial,福建省打击侵权假冒工作领导小组,,test,zh-Hans,"
                 "synthetic test plan\n")
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(tmp_path))
    return tmp_path


def test_synthetic_plan_end_to_end(fujian_root, corpus):
    from ipm_analysis.analysis import agency_load
    from ipm_analysis.builder import build

    built = build(quiet=True).corpus
    ta = built.task_agencies
    fj = ta[ta["doc_id"] == "2019_fujian"]
    assert fj["jurisdiction"].unique().tolist() == ["福建省"]
    row = fj[fj["agency_raw"] == "省文化厅"].iloc[0]
    assert (row["agency"], row["agency_canonical"], row["agency_jurisdiction"], row["level"], row["counterpart"],
            row["counterpart_successor"], row["resolved_by"], row["successor"]) == \
        ("福建省文化厅", "福建省文化厅", "福建省", "provincial", "文化部", "文化和旅游部", "rule", "福建省文化厅")
    assert fj.loc[fj["agency_raw"] == "省供销社", "resolved_by"].unique().tolist() == ["unknown"]
    d = built.diagnostics
    assert ((d["doc_id"] == "2019_fujian") & (d["code"] == "unknown_agency")).sum() == 1
    # the five real plans are untouched by the added one
    real = ta[ta["doc_id"] != "2019_fujian"].reset_index(drop=True)
    pd.testing.assert_frame_equal(real, corpus.task_agencies.reset_index(drop=True))
    # agency load by counterpart: the province's 公安厅 and the national 公安部 line up
    load = agency_load.agency_load(ta, built.documents, by="counterpart")
    police = load[load["counterpart"] == "公安部"].set_index("doc_id")["n_tasks"]
    assert police["2019_fujian"] == 2 and police["2017_national"] > 0
    coverage = agency_load.plan_coverage(built.documents, built.tasks, ta)
    _, status = agency_load.load_status(load, coverage, by="counterpart", top_n=None)
    assert status.at["公安部", "2019_fujian"] == "named"
    assert status.at["贸促会", "2019_fujian"] == "not_named"   # no other_scope mark in the counterpart view
    assert status.at["中央综治办", "2019_fujian"] == "abolished"   # the national agency's dates still apply
    # the local-national comparison takes the rule-given counterparts of a place the hand table does not hold
    from ipm_analysis.analysis import reuse

    ac = reuse.compare_plans(built, "2019_fujian", "2017_national").agency_comparison.set_index("agency")
    assert ac.loc["福建省公安厅", ["counterpart", "national_agency"]].tolist() == ["公安部", "公安部"]
    assert ac.at["福建省公安厅", "counterpart_national_tasks"] > 0
    assert ac.loc["福建省文化厅", ["counterpart", "national_agency"]].tolist() == ["文化部", "文化部"]
    assert ac.loc["福建检验检疫局", ["counterpart", "national_agency"]].tolist() == ["质检总局", "质检总局"]


@pytest.mark.parametrize("scope, name, agency, counterpart", [
    # one body under its brand name in brackets (as provincial plans write the copyright administration)
    ("江西省", "省委宣传部（省版权局）", "江西省委宣传部", "中央宣传部"),
    ("national", "中央宣传部（国家版权局）", "中央宣传部", "中央宣传部"),
    # the name before the bracket must resolve: an unknown body stays unknown, bracket and all
    ("江西省", "省供销社（省合作社）", None, None),
])
def test_a_brand_name_in_brackets_resolves_by_the_name_before_it(tables, scope, name, agency, counterpart):
    r = resolved(tables, name, scope)
    assert (r["agency"], r["counterpart"]) == (agency, counterpart)


def test_a_local_title_may_name_its_place_before_the_year():
    text = ("江西省2019年打击侵犯知识产权和制售假冒伪劣商品工作要点\n为贯彻落实……，现提出如下工作要点。\n"
            "一、加大重点领域治理力度\n（一）加强互联网领域侵权假冒治理（省市场监管局牵头，省公安厅按职责分工负责）\n")
    norm = normalise(text, doc_id="jx", file="jx.txt", script="zh-Hans")
    assert norm.body.split("\n")[0] == "江西省2019年打击侵犯知识产权和制售假冒伪劣商品工作要点"
    assert norm.has_title_line and not [d for d in norm.diagnostics if d.code == "no_title"]


@pytest.mark.parametrize("scope, name, agency, counterpart, successor", [
    # national agencies other national plans name (not the five of the corpus), with their lineage
    ("national", "教育部", "教育部", "教育部", "教育部"),
    ("national", "中国银保监会", "银保监会", "银保监会", "金融监管总局"),
    ("national", "中国银监会", "银监会", "银监会", "银保监会"),
    ("national", "国家电影局", "国家电影局", "国家电影局", "中央宣传部"),
    ("national", "国家烟草局", "烟草专卖局", "烟草专卖局", "烟草专卖局"),
    # and their local departments and branches
    ("广东省", "省教育厅", "广东省教育厅", "教育部", "教育部"),
    ("广东省", "广东银保监局", "广东银保监局", "银保监会", "金融监管总局"),
    ("江西省", "省科技厅", "江西省科技厅", "科技部", "科技部"),
    ("重庆市", "市交通局", "重庆市交通局", "交通运输部", "交通运输部"),
    ("苏州市", "市通信管理办公室", "苏州市通信管理办公室", "工业和信息化部", "工业和信息化部"),
])
def test_other_plans_agencies(tables, scope, name, agency, counterpart, successor):
    r = resolved(tables, name, scope)
    assert (r["agency"], r["counterpart"], r["counterpart_successor"]) == (agency, counterpart, successor)


@pytest.mark.parametrize("name, generic", [
    ("国务院有关部门", "有关部门"), ("省有关单位", "有关部门"), ("市有关部门", "有关部门"),
    ("各地级以上市人民政府", "各地"), ("各地级市", "各地"), ("各县级市（区）人民政府", "各地"), ("各区县", "各地"),
])
def test_placeholders_of_other_plans(tables, name, generic):
    r = resolved(tables, name, "广东省")
    assert r["is_generic"] and r["agency"] == generic


SUZHOU = ["苏州市2020年打击侵犯知识产权和制售假冒伪劣商品工作要点",
          "为贯彻落实国家和省打击侵权假冒工作部署，结合我市实际，制定本要点。",
          "一、强化重点领域治理",
          "（一）加强互联网领域治理",
          "1、开展“剑网2020”专项行动，严厉打击网络侵权盗版。（责任单位：市委宣传部（市版权局）、市公安局、市通信管理办公室）",
          "2、加强电子商务平台监管。（牵头单位：市市场监管局；配合单位：市商务局、苏州海关）",
          "（二）加强农村市场治理",
          "深入开展农资打假。（市农业农村局牵头，市公安局、市市场监管局、各县级市（区）人民政府按职责分工负责）",
          "二、完善长效机制",
          "（三）加强信用体系建设。将侵权假冒行政处罚信息纳入信用平台。（市发改委、市市场监管局负责）"]


def test_a_city_plan_saved_as_word_end_to_end(tmp_path):
    """A city plan as a Word file (letterhead and page number in header and footer, place before the year in the
    title, 1、 items, role labels inside brackets, a brand name in brackets, a placeholder with brackets)."""
    from docx import Document

    from ipm_analysis.builder import process_document

    doc = Document()
    doc.sections[0].header.paragraphs[0].text = "苏州市人民政府办公室文件"
    doc.sections[0].footer.paragraphs[0].text = "— 1 —"
    for text in SUZHOU:
        doc.add_paragraph(text)
    doc.save(tmp_path / "sz.docx")
    row = dict(doc_id="2020_suzhou", file="sz.docx", original_file="", year=2020, jurisdiction="苏州市",
               level="municipal", issuer="", issue_date="", source_form="official text", script="zh-Hans", notes="")
    t = process_document(row, tmp_path)
    assert t["documents"]["title"].tolist() == [SUZHOU[0]]
    assert t["tasks"]["title"].tolist() == ["加强互联网领域治理", "加强农村市场治理", "加强信用体系建设"]
    assert t["subtasks"]["title"].tolist() == ["开展“剑网2020”专项行动，严厉打击网络侵权盗版", "加强电子商务平台监管"]
    ta = t["task_agencies"]
    assert ta[["agency", "counterpart", "role"]].fillna("-").values.tolist() == [
        ["苏州市委宣传部", "中央宣传部", "responsible"], ["苏州市公安局", "公安部", "responsible"],
        ["苏州市通信管理办公室", "工业和信息化部", "responsible"],
        ["苏州市市场监管局", "市场监管总局", "lead"], ["苏州市商务局", "商务部", "participating"],
        ["苏州海关", "海关总署", "participating"],
        ["苏州市农业农村局", "农业农村部", "lead"], ["苏州市公安局", "公安部", "participating"],
        ["苏州市市场监管局", "市场监管总局", "participating"], ["各地", "-", "participating"],
        ["苏州市发展改革委", "发展改革委", "responsible"], ["苏州市市场监管局", "市场监管总局", "responsible"]]
    assert ta["resolved_by"].tolist() == ["rule"] * 9 + ["generic"] + ["rule"] * 2
    assert t["removals"]["rule"].tolist() == ["docx_header", "docx_footer"]
    assert not t["diagnostics"]["code"].isin(["unknown_agency", "no_title"]).any()
