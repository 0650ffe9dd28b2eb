"""ipm_analysis.analysis.tfidf: TF-IDF, similarity, keyness, NMF; determinism."""
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


def test_keyness_hand_computed():
    # target: x×8, y×2 (10 words); reference: x×2, y×8 (10 words)
    t = _tokens({"a": ["xx"] * 8 + ["yy"] * 2, "b": ["xx"] * 2 + ["yy"] * 8})
    k = tfidf.keyness(t, ["a"], ["b"], min_count=1).set_index("token")
    e = 5.0  # expected count of xx in each part
    ll = 2 * (8 * math.log(8 / e) + 2 * math.log(2 / e))
    assert k.loc["xx", "ll"] == pytest.approx(ll) and k.loc["yy", "ll"] == pytest.approx(-ll)
    assert k.loc["xx", "log_ratio"] == pytest.approx(math.log2(8.5 / 2.5))
    # Monroe et al. with the pooled counts (10, 10) as prior, a0 = 20
    delta = math.log((8 + 10) / (10 + 20 - 8 - 10)) - math.log((2 + 10) / (10 + 20 - 2 - 10))
    z = delta / math.sqrt(1 / 18 + 1 / 12)
    assert k.loc["xx", "delta"] == pytest.approx(delta) and k.loc["xx", "z"] == pytest.approx(z)
    assert k.index[0] == "xx"


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


def test_emerging_fading_real(corpus):
    shifts = tfidf.emerging_fading(corpus.tokens, ["2017_national", "2020_national"], n=5)
    up = shifts[shifts["direction"] == "emerging"]
    assert "著作权" in up["token"].tolist()
    assert (up["z"] > 0).all() and (shifts[shifts["direction"] == "fading"]["z"] < 0).all()


def test_nmf_deterministic(corpus):
    a = tfidf.nmf_topics(corpus.tokens, n_topics=5, seed=0)
    b = tfidf.nmf_topics(corpus.tokens, n_topics=5, seed=0)
    pd.testing.assert_frame_equal(a["topics"], b["topics"])
    pd.testing.assert_frame_equal(a["plan_shares"], b["plan_shares"])
    shares = a["plan_shares"].groupby("doc_id")["share"].sum()
    assert np.allclose(shares, 1.0)
