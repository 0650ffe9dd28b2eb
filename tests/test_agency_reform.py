"""The many-to-many reform lineage ipm_analysis/data/agency_reform.csv: names resolve, splits recorded with
the function that moved, consistent with agencies.csv's one-to-one successor."""
from __future__ import annotations

import networkx as nx
import pytest

from ipm_analysis.analysis import agency_load


@pytest.fixture(scope="module")
def reform():
    return agency_load.load_reform()


@pytest.fixture(scope="module")
def agencies():
    return agency_load.load_agencies()


def test_fields_and_names(reform, agencies):
    assert (reform[["predecessor", "successor", "kind", "function", "function_en", "source"]] != "").all().all()
    assert set(reform["kind"]) <= {"merged", "split", "transferred", "renamed", "brand"}
    national = set(agencies.loc[agencies["scope"] == "national", "agency"])
    assert set(reform["predecessor"]) | set(reform["successor"]) <= national
    assert not reform.duplicated(["predecessor", "successor", "function"]).any()


def test_every_abolished_agency_has_a_reform_row(reform, agencies):
    gone = agencies[(agencies["scope"] == "national") & agencies["abolished"].notna()]
    # 铁道部's successors (交通运输部, 国家铁路局, 中国铁路总公司) are named in no plan: left out, documented
    assert set(gone["agency"]) - set(reform["predecessor"]) == {"铁道部"}
    for row in gone[gone["agency"] != "铁道部"].itertuples():
        # the latest reform it appears in is the one that abolished it (工商总局 also lost food safety in 2013)
        assert reform.loc[reform["predecessor"] == row.agency, "year"].max() == int(row.abolished), row.agency


@pytest.mark.parametrize("predecessor, successors", [
    ("质检总局", {"市场监管总局", "海关总署", "知识产权局"}),
    ("食品药品监管总局", {"市场监管总局", "药监局"}),
    ("新闻出版广电总局", {"中央宣传部", "广电总局"}),
    ("工商总局", {"市场监管总局", "知识产权局"}),
])
def test_2018_splits(reform, predecessor, successors):
    rows = reform[(reform["predecessor"] == predecessor) & (reform["year"] == 2018)]
    assert set(rows["successor"]) == successors


def test_functions_that_moved(reform):
    r = reform.set_index(["predecessor", "successor"])
    assert "出入境检验检疫" in r.loc[("质检总局", "海关总署"), "function"]
    assert "药品" in r.loc[("食品药品监管总局", "药监局"), "function"]
    press = r.loc[("新闻出版广电总局", "中央宣传部"), "function"].tolist()
    # film went to 中央宣传部 (国家电影局), not to 广电总局, which kept radio and television only
    assert any("版权" in f for f in press) and any("电影" in f for f in press)
    assert r.loc[("新闻出版广电总局", "广电总局"), "function"] == "广播电视管理职责"


def test_one_to_one_successor_is_reachable(reform, agencies):
    """agencies.csv's successor (the build's one-to-one view) lies on the many-to-many chain."""
    chain = nx.DiGraph(list(zip(reform["predecessor"], reform["successor"])))
    for row in agencies[(agencies["scope"] == "national") & agencies["agency"].isin(chain.nodes)].itertuples():
        if row.successor != row.agency:
            assert nx.has_path(chain, row.agency, row.successor), row.agency


def test_successor_view_of_the_market_regulator(reform):
    view = agency_load.successor_functions(reform).set_index(["successor", "year"])
    row = view.loc[("市场监管总局", 2018)]
    assert row["predecessors"] == "工商总局、质检总局、食品药品监管总局、发展改革委、商务部"
    assert view.loc[("知识产权局", 2018), "n_predecessors"] == 3
