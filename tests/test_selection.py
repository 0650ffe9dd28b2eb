"""Plan selection from the documents table: national series, local plans, focus and predecessor plans."""
from __future__ import annotations

import pandas as pd

from ipm_analysis import selection

DOCS = pd.DataFrame({
    "doc_id": ["2021_national", "2018_qingdao", "2012_national", "2017_national", "2022_national",
               "2022_jiangsu", "2022_national_b"],
    "year": [2021, 2018, 2012, 2017, 2022, 2022, 2022],
    "jurisdiction": ["全国", "青岛市", "全国", "全国", "全国", "江苏省", "全国"],
    "level": ["national", "municipal", "national", "national", "national", "provincial", "national"],
})


def test_national_series_in_time_order_two_plans_of_a_year_apart():
    assert selection.national_plans(DOCS) == ["2012_national", "2017_national", "2021_national", "2022_national",
                                              "2022_national_b"]
    assert selection.latest_national(DOCS) == "2022_national_b"


def test_local_plans_and_predecessors():
    assert selection.local_plans(DOCS) == ["2018_qingdao", "2022_jiangsu"]
    assert selection.predecessor_national(DOCS, "2018_qingdao") == "2017_national"
    assert selection.predecessor_national(DOCS, "2022_jiangsu") == "2021_national"
    assert selection.predecessor_national(DOCS, "2012_national") is None


def test_consecutive_pairs_and_labels():
    assert selection.consecutive_pairs(["a", "b", "c"]) == [("a", "b"), ("b", "c")]
    labels = selection.plan_label(DOCS)
    assert labels["2018_qingdao"] == "2018 青岛市"
    assert labels["2022_national"] == "2022 全国 (2022_national)"
    assert labels["2022_national_b"] == "2022 全国 (2022_national_b)"


def test_real_corpus(corpus):
    assert selection.national_plans(corpus.documents) == ["2012_national", "2017_national", "2020_national",
                                                          "2021_national"]
    assert selection.local_plans(corpus.documents) == ["2018_qingdao"]


def test_shown_plans_keep_every_national_plan_and_the_latest_local_ones():
    # 2018_qingdao is the older local plan: with max_local=1 only 2022_jiangsu is drawn
    assert selection.shown_plans(DOCS, max_local=1) == ["2012_national", "2017_national", "2021_national",
                                                        "2022_jiangsu", "2022_national", "2022_national_b"]
    assert selection.shown_plans(DOCS, max_local=0, max_national=2) == ["2022_national", "2022_national_b"]
    assert selection.shown_plans(DOCS, max_local=None) == selection.all_plans(DOCS)
    assert selection.shown_note(DOCS, selection.all_plans(DOCS)) == ""
    note = selection.shown_note(DOCS, selection.shown_plans(DOCS, max_local=1))
    assert "5 of 5 national" in note and "latest 1 of 2 local" in note
