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


@pytest.mark.parametrize("min_len, expected", [
    (2, {"知识产权": 2}),
    (1, {"知识产权": 2, "网": 1}),
])
def test_frequency_min_len(min_len, expected):
    t = _tokens([("a", 2017, "知识产权", False, False, False), ("a", 2017, "网", False, False, False),
                 ("a", 2017, "知识产权", False, False, False), ("a", 2017, "2017", False, False, False)])
    f = keywords.frequency(t, min_len=min_len)
    assert dict(zip(f["token"], f["n"])) == expected                    # numbers are never keywords


def test_frequency_by_year_pools_plans():
    t = _tokens([("a", 2018, "打击", False, False, False), ("a", 2018, "，", False, True, False),
                 ("b", 2018, "打击", False, False, False), ("b", 2018, "监管", False, False, False),
                 ("c", 2020, "监管", False, False, False)])
    f = keywords.frequency_by_year(t)
    # 2018: 3 non-punct words in a and b together
    assert f[["year", "token", "n", "rank"]].values.tolist() == [[2018, "打击", 2, 1], [2018, "监管", 1, 2],
                                                                [2020, "监管", 1, 1]]
    assert f["per_10k"].tolist() == pytest.approx([20_000 / 3, 10_000 / 3, 10_000])


def test_top_terms_ties_alphabetical():
    freq = pd.DataFrame({"doc_id": ["a"] * 3, "year": [2017] * 3, "token": ["丙", "乙", "甲"], "n": [1, 2, 2]})
    assert keywords.top_terms(freq, 2)["token"].tolist() == sorted(["乙", "甲"])


def _ordered(rows):
    """(doc_id, year, token, is_campaign) in text order."""
    frame = pd.DataFrame(rows, columns=["doc_id", "year", "token", "is_campaign"])
    return frame.assign(position=frame.groupby("doc_id").cumcount())


def test_campaign_timeline_hand_made():
    t = _ordered([("a", 2020, "开展", False), ("a", 2020, "剑网", True), ("a", 2020, "2020", False),
                  ("b", 2017, "秋风", True), ("b", 2017, "2017", False), ("b", 2017, "剑网", True),
                  ("b", 2017, "行动", False), ("b", 2017, "秋风", True)])
    tl = keywords.campaign_timeline(t.iloc[::-1])                       # row order must not matter
    assert tl[["campaign", "doc_id", "year", "n", "forms"]].values.tolist() == [
        ["剑网", "b", 2017, 1, "剑网"], ["剑网", "a", 2020, 1, "剑网2020"], ["秋风", "b", 2017, 2, "秋风 秋风2017"]]


def test_kwic_hand_made():
    documents = pd.DataFrame({"doc_id": ["a"], "text": ["剑网行动\n开展剑网2020。\n"]})
    t = pd.DataFrame({"doc_id": "a", "year": 2020, "task_id": ["t1", "t1", "t2", "t2", "t2", "t2"],
                      "token": ["剑网", "行动", "开展", "剑网", "2020", "。"], "position": range(6),
                      "start": [0, 2, 5, 7, 9, 13], "end": [2, 4, 7, 9, 13, 14]})
    k = keywords.kwic(t, documents, "剑网", window=3)
    assert k.values.tolist() == [["a", 2020, "t1", "", "剑网", "行动 ", 0, 2],
                                 ["a", 2020, "t2", " 开展", "剑网", "202", 7, 9]]
    assert keywords.kwic(t, documents, "秋风").empty


def test_collocations_hand_made():
    import math
    words = [(1, "打击"), (1, "侵权"), (1, "假冒"), (1, "打击"), (2, "盗版"), (2, "侵权"), (2, "假冒")]
    t = pd.DataFrame({"doc_id": "a", "year": 2020, "segment_no": [s for s, _ in words],
                      "token": [w for _, w in words], "position": range(7), "is_punct": False,
                      "is_stopword": False, "is_in_clause": False})
    c = keywords.collocations(t, "打击", window=1, min_count=1).set_index("token")
    # 打击 ×2 with 2 slots each (4 slots), N = 7; 侵权 and 假冒 (2 each) fill one slot each
    assert c["n_cooc"].to_dict() == {"假冒": 1, "侵权": 1}
    assert c.loc["侵权", "pmi"] == pytest.approx(math.log2(1 / (4 * 2 / 7)))
    obs, exp = [1, 3, 1, 2], [4 * 2 / 7, 4 * 5 / 7, 3 * 2 / 7, 3 * 5 / 7]
    assert c.loc["侵权", "g2"] == pytest.approx(2 * sum(o * math.log(o / e) for o, e in zip(obs, exp)))
    # window 5 still stops at the segment boundary: 盗版 is never near 打击
    assert "盗版" not in keywords.collocations(t, "打击", window=5, min_count=1)["token"].tolist()


def test_kwic_rows_equal_token_count_real(corpus):
    for term in ("知识产权", "侵权假冒", "秋风", "软件正版化"):
        assert len(keywords.kwic(corpus.tokens, corpus.documents, term)) == (corpus.tokens["token"] == term).sum()


def test_frequency_real_denominator(corpus):
    f = keywords.frequency(corpus.tokens)
    words = keywords.words_per_plan(corpus.tokens)
    assert words.to_dict() == {"2012_national": 1789, "2017_national": 2648, "2018_qingdao": 2325,
                               "2020_national": 2557, "2021_national": 2651}
    row = f[(f["doc_id"] == "2021_national") & (f["token"] == "知识产权")].iloc[0]
    assert row["n"] == 43 and row["per_10k"] == pytest.approx(43 / 2651 * 10_000)


def test_campaign_timeline_matches_campaigns_csv(corpus):
    # campaigns.csv records where each campaign was seen when the list was curated; the tokens must agree
    from ipm_analysis.tokenize import campaigns

    expected = {r.campaign: sorted(int(y) for y in r.seen_in.split()) for r in campaigns().itertuples()}
    found = keywords.campaign_timeline(corpus.tokens).groupby("campaign")["year"].agg(sorted).to_dict()
    assert found == expected
