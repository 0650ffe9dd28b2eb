"""ipm_analysis.analysis.agency_load and network."""
from __future__ import annotations

import math

import pandas as pd

from ipm_analysis.analysis import agency_load, network


def _ta(rows):
    frame = pd.DataFrame(rows, columns=["doc_id", "task_id", "clause_no", "agency", "role", "is_generic"])
    return frame.assign(is_known=True, successor=frame["agency"], year=2020, jurisdiction="全国")


DOCS = pd.DataFrame({"doc_id": ["p", "q"], "year": [2020, 2012], "jurisdiction": ["全国", "全国"],
                     "level": ["national", "national"], "n_tasks": [4, 3], "n_clauses": [3, 0]})


def test_counts_distinct_tasks_by_role():
    ta = _ta([("p", "t1", 1, "甲", "lead", False), ("p", "t1", 1, "乙", "participating", False),
              ("p", "t1", 2, "甲", "lead", False),           # 甲 leads t1 twice: one task
              ("p", "t2", 1, "甲", "participating", False), ("p", "t2", 1, "有关部门", "participating", True),
              ("p", "t3", 1, "乙", "responsible", False)])
    load = agency_load.agency_load(ta, DOCS).set_index("agency")
    assert load.loc["甲", ["n_lead", "n_participating", "n_tasks", "n_mentions"]].tolist() == [1, 1, 2, 3]
    assert load.loc["乙", ["n_responsible", "n_participating", "n_tasks"]].tolist() == [1, 1, 2]
    assert load.loc["甲", "share"] == 0.5
    assert "有关部门" not in load.index
    assert agency_load.generic_load(ta)["agency"].tolist() == ["有关部门"]


def test_plan_without_clauses_is_nan_not_zero():
    ta = _ta([("p", "t1", 1, "甲", "lead", False)])
    coverage = agency_load.plan_coverage(DOCS, None, ta)
    matrix = agency_load.load_matrix(agency_load.agency_load(ta, DOCS), coverage, doc_ids=["q", "p"])
    assert math.isnan(matrix.loc["甲", "q"]) and matrix.loc["甲", "p"] == 1
    assert coverage.set_index("doc_id")["has_clauses"].to_dict() == {"p": True, "q": False}


def test_network_weights():
    ta = _ta([("p", "t1", 1, "甲", "lead", False), ("p", "t1", 1, "乙", "participating", False),
              ("p", "t2", 1, "甲", "lead", False), ("p", "t2", 1, "乙", "participating", False),
              ("p", "t2", 1, "丙", "participating", False), ("p", "t2", 1, "有关部门", "participating", True)])
    g = network.co_responsibility_graph(ta, "p")
    assert sorted(g.nodes) == ["丙", "乙", "甲"]
    assert g["甲"]["乙"]["weight"] == 2 and g["甲"]["丙"]["weight"] == 1
    deg = network.degree_table(ta, DOCS.iloc[:1]).set_index("agency")
    assert deg.loc["甲", ["degree", "weighted_degree"]].tolist() == [2, 3]


# ---- real corpus --------------------------------------------------------------------------------------------

def test_2020_market_regulator_load_equals_its_rows(corpus):
    ta = corpus.task_agencies
    rows = ta[(ta["doc_id"] == "2020_national") & (ta["agency"] == "市场监管总局")]
    load = agency_load.agency_load(ta, corpus.documents)
    mine = load[(load["doc_id"] == "2020_national") & (load["agency"] == "市场监管总局")].iloc[0]
    assert mine["n_tasks"] == rows["task_id"].nunique() == 23
    assert mine["n_mentions"] == len(rows)
    assert mine["n_lead"] == rows[rows["role"] == "lead"]["task_id"].nunique()


def test_successor_groups_the_2018_reform(corpus):
    succ = agency_load.agency_load(corpus.task_agencies, corpus.documents, by="successor")
    s = succ.set_index(["doc_id", "successor"])["n_tasks"]
    ta = corpus.task_agencies
    pre = ta[(ta["doc_id"] == "2017_national") & ta["agency"].isin(["工商总局", "质检总局", "食品药品监管总局"])]
    assert s[("2017_national", "市场监管总局")] == pre["task_id"].nunique()


def test_2012_shows_no_agencies(corpus):
    coverage = agency_load.plan_coverage(corpus.documents, corpus.tasks, corpus.task_agencies).set_index("doc_id")
    assert not coverage.loc["2012_national", "has_clauses"]
    assert coverage.loc["2020_national", "n_tasks_with_agency"] == 35
    load = agency_load.agency_load(corpus.task_agencies, corpus.documents)
    matrix = agency_load.load_matrix(load, coverage.reset_index())
    assert matrix["2012_national"].isna().all()
