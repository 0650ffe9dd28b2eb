"""ipm_analysis.analysis.tfidf: TF-IDF, similarity, NMF; determinism (keyness: test_keyness.py)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from inline_tokens import tokens_table
from ipm_analysis.analysis import keyness, tfidf


def test_similarity_identical_and_disjoint():
    t = tokens_table({"a": ["知识", "产权"], "b": ["知识", "产权"], "c": ["互联", "网络"]})
    sim = tfidf.similarity_matrix(tfidf.similarity(t))
    assert sim.loc["a", "b"] == pytest.approx(1.0)
    assert sim.loc["a", "c"] == pytest.approx(0.0)


def test_similarity_real(corpus):
    sim = tfidf.similarity_matrix(tfidf.similarity(corpus.tokens))
    assert np.allclose(np.diag(sim), 1.0)
    # Qingdao adapts the 2017 national plan: that is its nearest neighbour
    others = sim.loc["2018_qingdao"].drop("2018_qingdao")
    assert others.idxmax() == "2017_national"


def test_nmf_deterministic(corpus):
    a = tfidf.nmf_topics(corpus.tokens, n_topics=5, seed=0)
    b = tfidf.nmf_topics(corpus.tokens, n_topics=5, seed=0)
    pd.testing.assert_frame_equal(a["topics"], b["topics"])
    pd.testing.assert_frame_equal(a["plan_shares"], b["plan_shares"])
    shares = a["plan_shares"].groupby("doc_id")["share"].sum()
    assert np.allclose(shares, 1.0)


def test_tfidf_hand_computed():
    # smoothed idf: ln((1 + n) / (1 + df)) + 1; rows l2-normalised
    t = tokens_table({"a": ["知识", "知识", "产权"], "b": ["产权"]})
    m, index = tfidf.tfidf(t)
    assert index.tolist() == ["a", "b"] and m.columns.tolist() == ["产权", "知识"]
    wx, wy = 2 * (math.log(3 / 2) + 1), 1.0
    norm = math.hypot(wx, wy)
    assert m.loc["a"].tolist() == pytest.approx([wy / norm, wx / norm])
    assert m.loc["b"].tolist() == pytest.approx([1.0, 0.0])


@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt")   # nndsvda on exactly rank-2 data
def test_nmf_hand_made_separates_topics():
    docs = {f"d{i}": (["知识", "产权", "专利"] if i % 2 else ["假冒", "伪劣", "商品"]) * 3 for i in range(6)}
    t = tokens_table(docs).assign(year=2020)
    out = tfidf.nmf_topics(t, n_topics=2, n_words=3, min_df=1)
    words = out["topics"].groupby("topic")["token"].agg(frozenset)
    assert set(words) == {frozenset({"知识", "产权", "专利"}), frozenset({"假冒", "伪劣", "商品"})}
    assert np.allclose(out["task_topics"].groupby("task_id")["share"].sum(), 1.0)


def test_tfidf_similarity_keyness_deterministic(corpus):
    for run in (lambda: tfidf.tfidf(corpus.tokens, unit="task_id")[0],
                lambda: tfidf.similarity(corpus.tokens),
                lambda: keyness.distinctive_terms(corpus.tokens, 10),
                lambda: keyness.keyness(corpus.tokens, ["2021_national"], ["2020_national"])):
        pd.testing.assert_frame_equal(run(), run())

def test_topic_agreement_hand_computed():
    a = [frozenset({0, 1}), frozenset({2, 3})]
    assert tfidf._agreement(a, a[::-1]) == 1.0                     # matched one-to-one, order free
    # {0,1} vs {0,2}: 1/3; {2,3} vs {1,3}: 1/3 (the other pairing gives 0 and 0)
    assert tfidf._agreement(a, [frozenset({0, 2}), frozenset({1, 3})]) == pytest.approx(1 / 3)


def _two_topic_tasks():
    """Four plans, two tasks each: a 6-token task of topic A and a 3-token task of topic B."""
    rows = []
    for i in range(4):
        rows += [(f"p{i}", f"p{i}-a", w) for w in ["知识", "产权", "专利"] * 2]
        rows += [(f"p{i}", f"p{i}-b", w) for w in ["假冒", "伪劣", "商品"]]
    frame = pd.DataFrame(rows, columns=["doc_id", "task_id", "token"])
    return frame.assign(year=2020, jurisdiction="全国", segment_no=1, position=frame.groupby("doc_id").cumcount(),
                        is_stopword=False, is_punct=False, is_in_clause=False, is_campaign=False,
                        is_agency=False, start=0, end=0)


@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt")   # nndsvda with k = 3 on rank-2 data
def test_nmf_k_chosen_by_stability_and_shares_weighted():
    out = tfidf.nmf_topics(_two_topic_tasks(), k_range=(2, 3), n_words=3, min_df=1)
    model = out["model"].iloc[0]
    assert (model["k"], model["chosen_by"], model["k_tried"]) == (2, "stability", "2 3")
    assert out["stability"].set_index("k").loc[2, "stability"] == pytest.approx(1.0)   # same topics every run
    # each plan: topic A's task has 6 content tokens, B's 3 → length-weighted share of A = 6 / 9 (the
    # unweighted mean over the two tasks would say 1/2)
    topic_a = out["topics"].query("token == '知识'")["topic"].iloc[0]
    shares = out["plan_shares"].query("topic == @topic_a")["share"]
    assert shares.tolist() == pytest.approx([2 / 3] * 4, abs=1e-3)
    assert out["task_topics"]["n_tokens"].isin([3, 6]).all()


def test_nmf_given_k_and_real_stability(corpus):
    given = tfidf.nmf_topics(corpus.tokens, n_topics=4)
    assert given["model"][["k", "chosen_by"]].values.tolist() == [[4, "given"]] and given["stability"].empty
    s = tfidf.nmf_stability(corpus.tokens, k_range=(3, 4), n_runs=2)
    assert s["k"].tolist() == [3, 4] and s["stability"].between(0, 1).all()
