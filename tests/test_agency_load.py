"""ipm_analysis.analysis.agency_load and network."""
from __future__ import annotations

import math

import networkx as nx
import pandas as pd
import pytest

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


# ---- shares, placeholders, status, reform, readable networks (issue 13) -------------------------------------

def test_share_divides_by_the_plans_tasks():
    ta = _ta([("p", "t1", 1, "甲", "lead", False), ("q", "u1", 1, "甲", "lead", False)])
    load = agency_load.agency_load(ta, DOCS).set_index("doc_id")
    # p has 4 tasks, q 3: the same count of 1 is a share of 1/4 and 1/3
    assert load["plan_tasks"].to_dict() == {"p": 4, "q": 3}
    assert load.at["p", "share"] == 0.25 and load.at["q", "share"] == pytest.approx(1 / 3)


def test_placeholder_tasks_by_hand():
    ta = _ta([("p", "t1", 1, "甲", "lead", False), ("p", "t1", 1, "有关成员单位", "participating", True),
              ("p", "t2", 1, "有关部门", "responsible", True),
              ("p", "t3", 1, "甲", "lead", False), ("p", "t3", 2, "乙", "participating", False)])
    tasks = pd.DataFrame({"doc_id": ["p"] * 4, "task_id": ["t1", "t2", "t3", "t4"]})
    clauses = pd.DataFrame({"doc_id": ["p"] * 4, "task_id": ["t1", "t2", "t3", "t3"]})      # t4 has none
    row = agency_load.placeholder_tasks(DOCS.iloc[:1], tasks, clauses, ta).iloc[0]
    assert row[["n_tasks", "n_tasks_with_clauses", "n_tasks_placeholder_only", "n_tasks_with_placeholder"]].tolist() \
        == [4, 3, 1, 1]                                       # t2 names only a placeholder; t1 a name and one
    # named agencies over the 3 tasks with clauses: (1 + 0 + 2) / 3 = 1; with a placeholder (t1, t2):
    # (1 + 0) / 2; without (t3): 2
    assert row["named_per_task"] == 1 and row["named_per_task_with_placeholder"] == 0.5
    assert row["named_per_task_without_placeholder"] == 2 and row["share_placeholder_only"] == 0.25


def test_status_matrix_aligned_to_counts():
    ta = _ta([("p", "t1", 1, "甲", "lead", False), ("r", "v1", 1, "乙", "lead", False),
              ("r", "v1", 1, "丙", "participating", False), ("p", "t2", 1, "丙", "lead", False),
              ("s", "w1", 1, "市丁", "lead", False)])
    docs = pd.DataFrame({"doc_id": ["q", "r", "p", "s"], "year": [2012, 2014, 2020, 2020],
                         "jurisdiction": ["全国", "全国", "全国", "某市"],
                         "level": ["national", "national", "national", "municipal"],
                         "n_tasks": [3, 2, 4, 1], "n_clauses": [0, 1, 2, 1]})
    agencies = pd.DataFrame({"scope": ["national", "national", "national", "某市"],
                             "agency": ["甲", "乙", "丙", "市丁"], "successor": ["甲", "丙", "丙", "市丁"],
                             "established": pd.array([2018, None, None, None], dtype="Int64"),
                             "abolished": pd.array([None, 2018, None, None], dtype="Int64")})
    coverage = agency_load.plan_coverage(docs, None, ta)
    counts, status = agency_load.load_status(agency_load.agency_load(ta, docs), coverage, agencies=agencies,
                                             doc_ids=["q", "r", "p", "s"])
    assert status.index.equals(counts.index) and status.columns.equals(counts.columns)
    s = status.loc[["甲", "乙", "丙", "市丁"]]
    assert s.to_dict("index") == {
        "甲": {"q": "no_clauses", "r": "not_yet_founded", "p": "named", "s": "other_scope"},   # founded 2018
        "乙": {"q": "no_clauses", "r": "named", "p": "abolished", "s": "other_scope"},         # gone after 2018
        "丙": {"q": "no_clauses", "r": "named", "p": "named", "s": "other_scope"},
        "市丁": {"q": "no_clauses", "r": "other_scope", "p": "other_scope", "s": "named"}}
    assert set(status.to_numpy().ravel()) <= set(agency_load.STATUSES)


def test_successor_functions_merge_the_reform():
    reform = pd.DataFrame({"predecessor": ["甲", "乙", "乙"], "successor": ["丙", "丙", "丁"],
                           "function": ["一", "二", "三"], "year": [2018, 2018, 2018]})
    view = agency_load.successor_functions(reform).set_index("successor")
    assert view.at["丙", "n_predecessors"] == 2 and view.at["丙", "predecessors"] == "甲、乙"
    assert view.at["丙", "functions"] == "甲：一；乙：二" and view.at["丁", "functions"] == "乙：三"


def test_collaboration_weights_by_hand():
    # t1 has 3 agencies: each of its 3 edges gets 1/(3-1) = 1/2; t2 has 2: its edge gets 1/(2-1) = 1
    ta = _ta([("p", "t1", 1, "甲", "lead", False), ("p", "t1", 1, "乙", "participating", False),
              ("p", "t1", 1, "丙", "participating", False), ("p", "t1", 2, "甲", "lead", False),
              ("p", "t2", 1, "乙", "lead", False), ("p", "t2", 1, "甲", "participating", False),
              ("p", "t3", 1, "丙", "responsible", False), ("p", "t2", 1, "有关部门", "participating", True)])
    g = network.collaboration_graph(ta, "p")
    assert sorted(g.nodes) == ["丙", "乙", "甲"]
    assert g["甲"]["乙"]["weight"] == 1.5 and g["甲"]["丙"]["weight"] == 0.5 and g["乙"]["丙"]["weight"] == 0.5
    d = network.lead_participant_graph(ta, "p")
    # t1 clause 1: 甲 → 乙, 甲 → 丙 (clause 2 adds no task); t2: 乙 → 甲; t3 has no lead
    assert {(a, b): w for a, b, w in d.edges(data="weight")} == {("甲", "乙"): 1, ("甲", "丙"): 1, ("乙", "甲"): 1}
    adj = network.adjacency_frame(g)
    # weighted degree: 甲 2, 乙 2, 丙 1 -> order 乙, 甲 (name), 丙
    assert adj.index.tolist() == ["乙", "甲", "丙"] and adj.at["甲", "乙"] == 1.5 and adj.at["丙", "丙"] == 0
    directed = network.adjacency_frame(d)
    assert directed.at["甲", "乙"] == 1 and directed.at["乙", "丙"] == 0


def test_collaboration_weights_are_networkx_weights_correctly_rounded(corpus):
    """Every edge of every plan: networkx's projection within 1e-12, and exactly the float nearest the exact sum
    of 1/(n-1) (so the same bytes whatever order the terms come in, i.e. whatever the hash seed)."""
    from fractions import Fraction

    ta = corpus.task_agencies
    named = ta[~ta["is_generic"] & ta["is_known"]]
    checked = 0
    for doc_id in corpus.documents["doc_id"]:
        g = network.collaboration_graph(ta, doc_id)
        part = named[named["doc_id"] == doc_id]
        bipartite = nx.Graph()
        bipartite.add_nodes_from(g.nodes)
        bipartite.add_edges_from({(a, ("task", t)) for a, t in zip(part["agency"], part["task_id"])})
        reference = nx.algorithms.bipartite.collaboration_weighted_projected_graph(bipartite, list(g.nodes))
        assert {frozenset(e) for e in g.edges} == {frozenset(e) for e in reference.edges}
        sizes = part.groupby("task_id")["agency"].nunique()
        tasks = {a: set(t) for a, t in part.groupby("agency")["task_id"]}
        for a, b, w in g.edges(data="weight"):
            assert abs(w - reference[a][b]["weight"]) < 1e-12
            exact = sum(Fraction(1, int(sizes[t]) - 1) for t in tasks[a] & tasks[b])
            assert w == float(exact), (doc_id, a, b)
            checked += 1
    assert checked > 500


def test_2021_placeholders_and_market_regulator_share(corpus):
    p = agency_load.placeholder_tasks(corpus.documents, corpus.tasks, corpus.clauses,
                                      corpus.task_agencies).set_index("doc_id")
    # no plan has a task naming only placeholders; in 2021 one stands among the names in 14 of 28 tasks
    assert p["n_tasks_placeholder_only"].sum() == 0
    assert p["n_tasks_with_placeholder"].to_dict() == {"2012_national": 0, "2017_national": 2, "2018_qingdao": 2,
                                                       "2020_national": 2, "2021_national": 14}
    assert round(p.at["2021_national", "named_per_task_with_placeholder"], 1) == 3.9
    assert round(p.at["2021_national", "named_per_task_without_placeholder"], 1) == 8.3
    ta = corpus.task_agencies
    t21 = ta[(ta["doc_id"] == "2021_national") & (ta["agency"] == "领导小组有关成员单位")]["task_id"].nunique()
    assert t21 == 13                                          # the "13 of 28"
    load = agency_load.agency_load(ta, corpus.documents).set_index(["doc_id", "agency"])
    assert load.loc[("2020_national", "市场监管总局"), ["n_tasks", "plan_tasks"]].tolist() == [23, 35]
    assert load.loc[("2021_national", "市场监管总局"), ["n_tasks", "plan_tasks"]].tolist() == [15, 28]


def test_status_on_the_corpus(corpus):
    load = agency_load.agency_load(corpus.task_agencies, corpus.documents)
    coverage = agency_load.plan_coverage(corpus.documents, corpus.tasks, corpus.task_agencies)
    _, status = agency_load.load_status(load, coverage, top_n=None)
    assert status.at["市场监管总局", "2017_national"] == "not_yet_founded"
    assert status.at["工商总局", "2020_national"] == "abolished"
    assert status.at["工商总局", "2018_qingdao"] == "other_scope"
    assert (status["2012_national"] == "no_clauses").all()
