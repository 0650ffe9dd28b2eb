"""ipm_analysis.analysis.lineage and reuse.attribute_reuse: national task lineage, a local plan against every
national plan. Hand-made plans pin exact values (arithmetic in the comments); the real-corpus tests pin the
figures of issue 13."""
from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from ipm_analysis.analysis import lineage, reuse

_NO = "一二三四五"


def _corpus(*plans) -> SimpleNamespace:
    """``(doc_id, year, level, [body, ...])``; each body is one task, its title its first sentence."""
    docs, tasks = [], []
    for doc_id, year, level, bodies in plans:
        text = "标题\n"
        for no, body in enumerate(bodies, 1):
            marker, start = f"（{_NO[no - 1]}）", len(text)
            text += marker + body + "\n"
            tasks.append(dict(doc_id=doc_id, section_no=1, task_no=no, seq=no, task_id=f"{doc_id}-{no:02d}",
                              marker=marker, title=body.split("。")[0], text=text[start:], start=start,
                              end=len(text)))
        docs.append(dict(doc_id=doc_id, year=year, level=level, jurisdiction="全国" if level == "national" else "某市",
                         text=text))
    return SimpleNamespace(
        documents=pd.DataFrame(docs), tasks=pd.DataFrame(tasks),
        clauses=pd.DataFrame(columns=["doc_id", "task_id", "clause_no", "raw", "start", "end"]),
        task_agencies=pd.DataFrame(columns=["doc_id", "task_id", "agency", "is_generic", "is_known"]))


PIRACY = "严厉打击网络侵权盗版行为。深入开展剑网专项行动。"      # 13 + 11 characters
FOREIGN = "着力解决外商投资企业关心的问题。"                       # 16 characters
PUBLICITY = "加大知识产权宣传力度。"                               # 11 characters
MINI = _corpus(("A", 2010, "national", [PIRACY, "健全海外维权援助机制。"]),
               ("B", 2011, "national", [PIRACY, FOREIGN]),
               ("C", 2012, "national", [PIRACY, FOREIGN + PUBLICITY]),
               ("L", 2013, "municipal", ["严厉打击网络侵权盗版行为。", FOREIGN, PUBLICITY, "开展卷烟打假专项整治行动。"]))


@pytest.fixture(scope="module")
def mini():
    return lineage.national_lineage(MINI)


def test_mini_lineage_links_and_status(mini):
    t = mini.tasks.set_index("task_id")
    assert mini.doc_ids == ["A", "B", "C"]                        # the local plan L is not in the series
    # missing (no next task, no previous plan, no next plan) shown as ""
    assert t["next_task_id"].fillna("").to_dict() == {"A-01": "B-01", "A-02": "", "B-01": "C-01", "B-02": "C-02",
                                                      "C-01": "", "C-02": ""}
    assert t["status"].fillna("").tolist() == ["", "", "continued", "new", "continued", "continued"]
    assert t["next_status"].fillna("").tolist() == ["continued", "dropped", "continued", "continued", "", ""]
    # C-01 goes back through B-01 to A-01; B-02 starts its own chain
    assert t["lineage_id"].tolist() == ["A-01", "A-02", "A-01", "B-02", "A-01", "B-02"]
    assert t["lineage_step"].tolist() == [0, 0, 1, 0, 2, 1]
    assert t.at["A-01", "score"] == pytest.approx(1.0)
    # identical task: all 24 characters verbatim; C-02 = FOREIGN (16, reused) + PUBLICITY (11, new): 16 / 27
    assert t.at["A-01", "share_verbatim"] == 1.0 and t.at["B-02", "share_verbatim"] == pytest.approx(16 / 27)


def test_mini_pairs(mini):
    p = mini.pairs.set_index("pair")
    assert p.index.tolist() == ["A→B", "B→C"]
    assert p.loc["A→B", ["n_tasks_earlier", "n_tasks_later", "n_continued", "n_new", "n_dropped"]].tolist() == [
        2, 2, 1, 1, 1]
    # B: 13 + 11 + 16 = 40 characters, the 24 of PIRACY found in A
    assert p.loc["A→B", "reuse_share"] == pytest.approx(24 / 40)
    # C: 24 + 16 + 11 = 51, all but PUBLICITY found in B
    assert p.loc["B→C", "reuse_share"] == pytest.approx(40 / 51)


def test_task_history_is_a_lossless_diff(mini):
    h = lineage.task_history(mini, MINI, "C-02")
    assert h[["lineage_id", "lineage_step", "task_id", "next_task_id"]].drop_duplicates().values.tolist() == [
        ["B-02", 1, "B-02", "C-02"]]
    assert h[["op", "earlier_text", "later_text"]].values.tolist() == [
        ["equal", FOREIGN, FOREIGN], ["insert", "", PUBLICITY]]
    full = lineage.task_history(mini, MINI, "A-01")               # asked from its first task: the whole chain
    assert full["lineage_step"].tolist() == [1, 2] and set(full["op"]) == {"equal"}
    assert lineage.task_history(mini, MINI, "A-02").empty         # never continued


def test_lineage_summary(mini):
    s = lineage.lineage_summary(mini).set_index("lineage_id")
    assert s["n_plans"].to_dict() == {"A-01": 3, "A-02": 1, "B-02": 2}
    assert s.at["A-01", "task_nos"] == "1→1→1" and s.at["B-02", "first_year"] == 2011


def test_mini_attribution():
    a = reuse.attribute_reuse(MINI, "L")
    b = a.by_plan.set_index("national")
    # L: 13 (in A, B, C) + 16 (in B, C) + 11 (in C only) + 13 (nowhere) = 53 characters
    assert b["chars"].iloc[0] == 53
    assert b["chars_reused"].tolist() == [13, 29, 40]
    assert b["chars_only"].tolist() == [0, 0, 11]
    assert b["chars_first"].tolist() == [13, 16, 11]             # each character to the earliest plan
    assert b["chars_also_earlier"].tolist() == [0, 13, 29]
    assert b.at["C", "share_of_reused_also_earlier"] == pytest.approx(29 / 40)
    assert b["chars_reused_any"].iloc[0] == 40 and b["is_floor"].tolist() == [True, False, False]
    assert a.passages[["passage", "doc_ids", "earliest_doc_id", "reappears_later"]].values.tolist() == [
        ["严厉打击网络侵权盗版行为。", "A;B;C", "A", True], [FOREIGN, "B;C", "B", True], [PUBLICITY, "C", "C", False]]
    m = a.task_matches
    # L-03 aligns with no task (C-02 goes to L-02, one-to-one), though all its text is in C: an addition by
    # alignment, with its verbatim share still visible beside it
    assert m[m["is_local_addition"]]["local_task_id"].unique().tolist() == ["L-03", "L-04"]
    assert m.set_index(["local_task_id", "national"]).at[("L-03", "C"), "share_reused"] == 1.0
    assert not m["is_later_plan"].any() and m["is_addition_to_earlier"].eq(m["is_local_addition"]).all()
    stacked = reuse.local_against_national(MINI)                 # L is the only local plan
    assert stacked[["local", "national"]].values.tolist() == [["L", "A"], ["L", "B"], ["L", "C"]]
    with pytest.raises(ValueError):
        reuse.attribute_reuse(MINI, "L", [])


# ---- real corpus --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def national(corpus):
    return lineage.national_lineage(corpus)


def test_national_pairs_reproduce_compare_plans(national):
    p = national.pairs.set_index("later_doc_id")
    assert p["earlier_doc_id"].tolist() == ["2012_national", "2017_national", "2020_national"]
    cols = ["n_tasks_earlier", "n_tasks_later", "n_continued", "n_new", "n_dropped"]
    assert p.loc["2017_national", cols].tolist() == [25, 31, 1, 30, 24]
    assert p.loc["2020_national", cols].tolist() == [31, 35, 22, 13, 9]
    assert p.loc["2021_national", cols].tolist() == [35, 28, 21, 7, 14]
    assert p["reuse_share"].round(3).tolist() == [0.034, 0.220, 0.414]


def test_national_lineage_ids(national):
    t = national.tasks
    assert len(t) == 25 + 31 + 35 + 28 and t["task_id"].is_unique
    s = lineage.lineage_summary(national)
    assert s["n_plans"].value_counts().to_dict() == {1: 48, 2: 11, 3: 15, 4: 1}
    # the one task running through all four plans: 2012's 行政执法与刑事司法衔接 task
    four = s[s["n_plans"] == 4].iloc[0]
    assert four["lineage_id"] == "2012_national-03-04" and four["task_nos"] == "4→17→21→11"
    assert t.loc[t["task_id"] == "2021_national-03-11", "lineage_id"].item() == "2012_national-03-04"


def test_qingdao_against_every_national_plan(corpus):
    a = reuse.attribute_reuse(corpus, "2018_qingdao")
    b = a.by_plan.set_index("national")
    assert b["chars"].iloc[0] == 4527
    assert b["share_reused"].round(3).tolist() == [0.028, 0.646, 0.220, 0.112]
    assert b.loc["2012_national", "is_floor"] and b["is_floor"].sum() == 1
    # of the 995 characters shared with 2020, 770 also occur in an earlier plan (77 %)
    assert b.loc["2020_national", ["chars_reused", "chars_also_earlier"]].tolist() == [995, 770]
    assert b.loc["2020_national", "chars_only"] == 116
    # against 2017 and 2020 alone (the framing): 233 of 4,527 characters match 2020 but not 2017 (5.1 %)
    two = reuse.attribute_reuse(corpus, "2018_qingdao", ["2017_national", "2020_national"]).by_plan
    assert two.set_index("national").at["2020_national", "share_only"] == pytest.approx(233 / 4527)
    m = a.task_matches.set_index(["local_title", "national"])
    row = m.loc[("加强外商投资企业知识产权保护", "2020_national")]
    assert row["national_task_no"] == 4 and round(row["score"], 2) == 0.37 and round(row["share_reused"], 2) == 0.43
    assert not row["is_local_addition"] and row["is_addition_to_earlier"]
    # against the plans issued before it (2012, 2017) Qingdao has two additions; against all four none: task 27
    # (日常工作跟踪考核) aligns only with the later 2021 plan, just above min_score, which cannot be its source
    first = a.task_matches.drop_duplicates("local_task_id")
    assert first.loc[first["is_addition_to_earlier"], "local_task_no"].tolist() == [26, 27]
    assert not first["is_local_addition"].any()
    assert round(m.loc[("加大日常工作跟踪考核", "2021_national"), "score"], 3) == 0.197
