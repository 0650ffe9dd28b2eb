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


def test_tfidf_hand_computed():
    # smoothed idf: ln((1 + n) / (1 + df)) + 1; rows l2-normalised
    t = _tokens({"a": ["知识", "知识", "产权"], "b": ["产权"]})
    m, index = tfidf.tfidf(t)
    assert index.tolist() == ["a", "b"] and m.columns.tolist() == ["产权", "知识"]
    wx, wy = 2 * (math.log(3 / 2) + 1), 1.0
    norm = math.hypot(wx, wy)
    assert m.loc["a"].tolist() == pytest.approx([wy / norm, wx / norm])
    assert m.loc["b"].tolist() == pytest.approx([1.0, 0.0])


@pytest.mark.parametrize("term, n_t, n_r, ll, log_ratio, delta, var", [
    # target: xx×3, yy×1; reference: yy×4 → na = nb = 4, prior xx 3, yy 5, a0 = 8
    ("xx", 3, 0, 6 * math.log(2), math.log2(3.5 / 0.5), math.log(6 / 6) - math.log(3 / 9), 1 / 6 + 1 / 3),
    ("yy", 1, 4, -2 * (math.log(1 / 2.5) + 4 * math.log(4 / 2.5)), math.log2(1.5 / 4.5),
     math.log(6 / 6) - math.log(9 / 3), 1 / 6 + 1 / 9),
])
def test_keyness_zero_counts(term, n_t, n_r, ll, log_ratio, delta, var):
    t = _tokens({"a": ["xx"] * 3 + ["yy"], "b": ["yy"] * 4})
    row = tfidf.keyness(t, ["a"], ["b"], min_count=1).set_index("token").loc[term]
    assert (row["n_target"], row["n_reference"]) == (n_t, n_r)
    assert row["ll"] == pytest.approx(ll) and row["log_ratio"] == pytest.approx(log_ratio)
    assert row["delta"] == pytest.approx(delta) and row["z"] == pytest.approx(delta / math.sqrt(var))


def test_keyness_min_count():
    t = _tokens({"a": ["xx"] * 3 + ["yy"], "b": ["yy"] * 4 + ["zz"]})
    assert tfidf.keyness(t, ["a"], ["b"], min_count=2)["token"].tolist() == ["xx", "yy"]


def test_emerging_fading_hand_made():
    t = _tokens({"p1": ["旧词"] * 5 + ["共同"] * 5, "p2": ["新词"] * 5 + ["共同"] * 5})
    s = tfidf.emerging_fading(t, ["p1", "p2"], n=1, min_count=1)
    assert s[["earlier", "later", "direction", "token", "n_earlier", "n_later"]].values.tolist() == [
        ["p1", "p2", "emerging", "新词", 0, 5], ["p1", "p2", "fading", "旧词", 5, 0]]


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


def test_keyness_real_signs(corpus):
    k = tfidf.keyness(corpus.tokens, ["2012_national"], ["2021_national"]).set_index("token")
    # 2012 is the campaign-style plan (整治), 2021 the protection-and-governance plan (保护, 治理)
    assert k.loc["整治", "z"] > 0 and k.loc["整治", "ll"] > 0
    assert k.loc["保护", "z"] < 0 and k.loc["保护", "log_ratio"] < 0
