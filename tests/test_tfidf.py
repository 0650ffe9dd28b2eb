"""ipm_analysis.analysis.tfidf: TF-IDF, similarity, NMF; determinism (keyness: test_keyness.py)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ipm_analysis.analysis import tfidf


def _tokens(docs: dict[str, list[str]]):
    rows = [(d, 2000 + i, w, p) for i, (d, words) in enumerate(docs.items()) for p, w in enumerate(words)]
    frame = pd.DataFrame(rows, columns=["doc_id", "year", "token", "position"])
    return frame.assign(jurisdiction="全国", segment_no=1, task_id=frame["doc_id"] + "-t", is_stopword=False,
                        is_punct=False, is_in_clause=False, is_campaign=False, is_agency=False, start=0, end=0)


def test_similarity_identical_and_disjoint():
    t = _tokens({"a": ["知识", "产权"], "b": ["知识", "产权"], "c": ["互联", "网络"]})
    sim = tfidf.similarity_matrix(tfidf.similarity(t))
    assert sim.loc["a", "b"] == pytest.approx(1.0)
    assert sim.loc["a", "c"] == pytest.approx(0.0)


def test_distinctive_terms_real(corpus):
    d = tfidf.distinctive_terms(corpus.tokens, 10)
    assert "整治" in d[d["doc_id"] == "2012_national"]["token"].tolist()
    assert d.groupby("doc_id").size().eq(10).all()


def test_similarity_real(corpus):
    sim = tfidf.similarity_matrix(tfidf.similarity(corpus.tokens))
    assert np.allclose(np.diag(sim), 1.0)
    # Qingdao adapts the 2017 national plan: that is its nearest neighbour
    others = sim.loc["2018_qingdao"].drop("2018_qingdao")
    assert others.idxmax() == "2017_national"


def test_keyness_still_importable_from_tfidf():
    from ipm_analysis.analysis import keyness
    assert tfidf.emerging_fading is keyness.emerging_fading and tfidf.keyness is keyness.keyness


def test_nmf_deterministic(corpus):
    a = tfidf.nmf_topics(corpus.tokens, n_topics=5, seed=0)
    b = tfidf.nmf_topics(corpus.tokens, n_topics=5, seed=0)
    pd.testing.assert_frame_equal(a["topics"], b["topics"])
    pd.testing.assert_frame_equal(a["plan_shares"], b["plan_shares"])
    shares = a["plan_shares"].groupby("doc_id")["share"].sum()
    assert np.allclose(shares, 1.0)


def test_tfidf_hand_computed():
    # smoothed idf: ln((1 + n) / (1 + df)) + 1; rows l2-normalised
    t = _tokens({"a": ["知识", "知识", "产权"], "b": ["产权"]})
    m, index = tfidf.tfidf(t)
    assert index.tolist() == ["a", "b"] and m.columns.tolist() == ["产权", "知识"]
    wx, wy = 2 * (math.log(3 / 2) + 1), 1.0
    norm = math.hypot(wx, wy)
    assert m.loc["a"].tolist() == pytest.approx([wy / norm, wx / norm])
    assert m.loc["b"].tolist() == pytest.approx([1.0, 0.0])


def test_nmf_hand_made_separates_topics():
    docs = {f"d{i}": (["知识", "产权", "专利"] if i % 2 else ["假冒", "伪劣", "商品"]) * 3 for i in range(6)}
    t = _tokens(docs).assign(year=2020)
    out = tfidf.nmf_topics(t, n_topics=2, n_words=3, min_df=1)
    words = out["topics"].groupby("topic")["token"].agg(frozenset)
    assert set(words) == {frozenset({"知识", "产权", "专利"}), frozenset({"假冒", "伪劣", "商品"})}
    assert np.allclose(out["task_topics"].groupby("task_id")["share"].sum(), 1.0)


def test_tfidf_similarity_keyness_deterministic(corpus):
    for run in (lambda: tfidf.tfidf(corpus.tokens, unit="task_id")[0],
                lambda: tfidf.similarity(corpus.tokens),
                lambda: tfidf.distinctive_terms(corpus.tokens, 10),
                lambda: tfidf.keyness(corpus.tokens, ["2021_national"], ["2020_national"])):
        pd.testing.assert_frame_equal(run(), run())