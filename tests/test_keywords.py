"""ipm_analysis.analysis.keywords: frequencies, trajectories, campaigns, KWIC, collocations."""
from __future__ import annotations

import pandas as pd
import pytest

from ipm_analysis.analysis import keywords


def _tokens(rows):
    """Hand-made tokens table: (doc_id, year, token, is_stopword, is_punct, is_in_clause)."""
    frame = pd.DataFrame(rows, columns=["doc_id", "year", "token", "is_stopword", "is_punct", "is_in_clause"])
    return frame.assign(jurisdiction="全国", segment_no=1, task_id="t", is_campaign=False, is_agency=False,
                        position=frame.groupby("doc_id").cumcount(), start=0, end=0)


def test_frequency_per_10k_uses_non_punct_words():
    t = _tokens([("a", 2017, "知识产权", False, False, False), ("a", 2017, "知识产权", False, False, False),
                 ("a", 2017, "的", True, False, False), ("a", 2017, "，", False, True, False),
                 ("a", 2017, "负责", False, False, True), ("b", 2020, "互联网", False, False, False)])
    f = keywords.frequency(t).set_index(["doc_id", "token"])
    # a has 4 non-punct words (知识产权 ×2, 的, 负责): 2/4 × 10,000
    assert f.loc[("a", "知识产权"), "n"] == 2 and f.loc[("a", "知识产权"), "per_10k"] == 5000
    assert ("a", "的") not in f.index and ("a", "负责") not in f.index and ("a", "，") not in f.index
    assert f.loc[("b", "互联网"), "per_10k"] == 10_000


def test_trajectory_fills_zero():
    freq = pd.DataFrame({"doc_id": ["a", "b"], "year": [2017, 2020], "token": ["x", "y"], "n": [3, 1],
                         "per_10k": [30.0, 10.0]})
    traj = keywords.trajectory(freq, ["x"])
    assert traj[["year", "n", "per_10k"]].values.tolist() == [[2017, 3, 30.0], [2020, 0, 0.0]]


def test_g2_matches_hand_computation():
    # 2x2 table [[10, 20], [30, 940]], N = 1000: G2 = 2 Σ O ln(O/E)
    import math
    obs = [10, 20, 30, 940]
    exp = [30 * 40 / 1000, 30 * 960 / 1000, 970 * 40 / 1000, 970 * 960 / 1000]
    expected = 2 * sum(o * math.log(o / e) for o, e in zip(obs, exp))
    assert keywords._g2([10], 30, [40], 1000)[0] == pytest.approx(expected)


# ---- real corpus --------------------------------------------------------------------------------------------

def test_top_terms_real(corpus):
    top = keywords.top_terms(keywords.frequency(corpus.tokens), 3)
    assert set(top[top["doc_id"] == "2021_national"]["token"]) == {"知识产权", "侵权假冒", "保护"}
    assert top.groupby("doc_id").size().eq(3).all()


def test_campaign_timeline_real(corpus):
    tl = keywords.campaign_timeline(corpus.tokens)
    years = tl.groupby("campaign")["year"].agg(sorted)
    assert years["剑网"] == [2012, 2017, 2018, 2020, 2021]
    assert years["铁拳"] == [2020, 2021]
    assert years["国门之盾"] == [2012]
    forms = tl.set_index(["campaign", "year"])["forms"]
    assert forms[("剑网", 2020)] == "剑网2020" and forms[("剑网", 2017)] == "剑网"
    assert forms[("秋风", 2017)] == "秋风2017"


def test_kwic_real(corpus):
    k = keywords.kwic(corpus.tokens, corpus.documents, "剑网", window=6)
    assert len(k) == (corpus.tokens["token"] == "剑网").sum() == 5
    row = k[k["year"] == 2020].iloc[0]
    assert row["term"] == "剑网" and row["right"].startswith("2020")
    assert row["task_id"] == "2020_national-01-01"


def test_collocations_real(corpus):
    coll = keywords.collocations(corpus.tokens, "侵权假冒")
    assert "打击" in coll.head(5)["token"].tolist()
    assert (coll["n_cooc"] >= 2).all()
