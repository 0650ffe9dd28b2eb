"""ipm_analysis.analysis.keywords: rates on one base, numerals, matches, KWIC, dispersion, collocations."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from ipm_analysis.analysis import keywords


def _tokens(rows):
    """Hand-made tokens table: (doc_id, year, token, is_stopword, is_punct, is_in_clause)."""
    frame = pd.DataFrame(rows, columns=["doc_id", "year", "token", "is_stopword", "is_punct", "is_in_clause"])
    return frame.assign(jurisdiction="全国", segment_no=1, task_id="t", is_campaign=False, is_agency=False,
                        position=frame.groupby("doc_id").cumcount(), start=0, end=0)


def test_frequency_base_is_non_punct_tokens_outside_clauses():
    t = _tokens([("a", 2017, "知识产权", False, False, False), ("a", 2017, "知识产权", False, False, False),
                 ("a", 2017, "的", True, False, False), ("a", 2017, "，", False, True, False),
                 ("a", 2017, "负责", False, False, True), ("b", 2020, "互联网", False, False, False)])
    f = keywords.frequency(t).set_index(["doc_id", "token"])
    # a's base: 知识产权 ×2 and 的 (the comma is punctuation, 负责 is clause text): 2 / 3 × 10,000
    assert f.loc[("a", "知识产权"), "n"] == 2 and f.loc[("a", "知识产权"), "n_base"] == 3
    assert f.loc[("a", "知识产权"), "per_10k"] == pytest.approx(20_000 / 3)
    assert ("a", "的") not in f.index and ("a", "负责") not in f.index and ("a", "，") not in f.index
    assert f.loc[("b", "互联网"), "per_10k"] == 10_000 and f["is_low_count"].all()     # n < 5 everywhere
    # with clause text on both sides: base 4, and 负责 is counted (1 / 4)
    g = keywords.frequency(t, include_clauses=True).set_index(["doc_id", "token"])
    assert g.loc[("a", "知识产权"), "per_10k"] == 5000 and g.loc[("a", "负责"), "per_10k"] == 2500


@pytest.mark.parametrize("token, expected", [
    ("十八", True), ("二十一", True), ("2017", True), ("第三", True), ("三项", True), ("二是", True),
    ("１２", True), ("十四五", True), ("12.5%", True),
    ("知识产权", False), ("一批", False), ("统一", False), ("两法衔接", False), ("万元", False),
    ("第三方", False),   # 第三方平台: a word, not an ordinal
])
def test_is_numeral(token, expected):
    assert bool(keywords.is_numeral(pd.Series([token])).iloc[0]) is expected


def test_trajectory_fills_zero():
    freq = pd.DataFrame({"doc_id": ["a", "b"], "year": [2017, 2020], "token": ["x", "y"], "n": [3, 1],
                         "n_base": [1000, 1000], "per_10k": [30.0, 10.0]})
    traj = keywords.trajectory(freq, ["x"])
    assert traj[["year", "n", "n_base", "per_10k", "is_low_count"]].values.tolist() == [
        [2017, 3, 1000, 30.0, True], [2020, 0, 1000, 0.0, True]]


def test_g2_matches_hand_computation():
    # 2x2 table [[10, 20], [30, 940]], N = 1000: G2 = 2 Σ O ln(O/E)
    obs = [10, 20, 30, 940]
    exp = [30 * 40 / 1000, 30 * 960 / 1000, 970 * 40 / 1000, 970 * 960 / 1000]
    expected = 2 * sum(o * math.log(o / e) for o, e in zip(obs, exp))
    g2, p = keywords.g2_2x2([10], 30, [40], 1000)
    assert g2[0] == pytest.approx(expected)
    assert p[0] == pytest.approx(math.erfc(math.sqrt(expected / 2)))      # chi-square with 1 df
    with pytest.raises(ValueError, match="negative"):
        keywords.g2_2x2([11], 10, [40], 1000)                             # a cell above its row total


@pytest.mark.parametrize("min_len, expected", [
    (2, {"知识产权": 2}),
    (1, {"知识产权": 2, "网": 1}),
])
def test_frequency_min_len(min_len, expected):
    t = _tokens([("a", 2017, "知识产权", False, False, False), ("a", 2017, "网", False, False, False),
                 ("a", 2017, "知识产权", False, False, False), ("a", 2017, "2017", False, False, False),
                 ("a", 2017, "二十一", False, False, False)])
    f = keywords.frequency(t, min_len=min_len)
    assert dict(zip(f["token"], f["n"])) == expected                    # numerals are never keywords


def test_frequency_by_year_pools_plans():
    t = _tokens([("a", 2018, "打击", False, False, False), ("a", 2018, "，", False, True, False),
                 ("b", 2018, "打击", False, False, False), ("b", 2018, "监管", False, False, False),
                 ("c", 2020, "监管", False, False, False)])
    f = keywords.frequency_by_year(t)
    # 2018: 3 non-punct words in a and b together (the plans' bases summed)
    assert f[["year", "token", "n", "n_base", "rank"]].values.tolist() == [
        [2018, "打击", 2, 3, 1], [2018, "监管", 1, 3, 2], [2020, "监管", 1, 1, 1]]
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


# ---- matches in the text, KWIC, dispersion ------------------------------------------------------------------

def test_kwic_hand_made():
    documents = pd.DataFrame({"doc_id": ["a"], "text": ["剑网行动\n开展剑网2020。\n"]})
    t = pd.DataFrame({"doc_id": "a", "year": 2020, "jurisdiction": "全国", "segment_no": [1, 1, 2, 2, 2, 2],
                      "task_id": ["t1", "t1", "t2", "t2", "t2", "t2"],
                      "token": ["剑网", "行动", "开展", "剑网", "2020", "。"], "position": range(6),
                      "start": [0, 2, 5, 7, 9, 13], "end": [2, 4, 7, 9, 13, 14], "is_in_clause": False})
    k = keywords.kwic(t, documents, "剑网", window=3)
    assert k.values.tolist() == [["a", 2020, "t1", "", "剑网", "行动 ", 0, 2, "token"],
                                 ["a", 2020, "t2", " 开展", "剑网", "202", 7, 9, "token"]]
    assert keywords.kwic(t, documents, "秋风").empty
    assert keywords.kwic(t, documents, r"剑网\d{4}", match="regex")["term"].tolist() == ["剑网2020"]


def _matching_corpus():
    """One plan: 发展跨境电子商务。（电子商务部门负责） | 电子商务 (two segments; the bracket is a clause)."""
    text = "发展跨境电子商务。（电子商务部门负责）\n电子商务"
    spans = [("发展", 0, 1), ("跨境电子商务", 2, 1), ("。", 8, 1), ("（", 9, 1), ("电子商务", 10, 1), ("部门", 14, 1),
             ("负责", 16, 1), ("）", 18, 1), ("电子商务", 20, 2)]
    t = pd.DataFrame([(w, s, s + len(w), seg) for w, s, seg in spans], columns=["token", "start", "end", "segment_no"])
    t = t.assign(doc_id="a", year=2017, jurisdiction="全国",
                 task_id=t["segment_no"].map({1: "a-01-01", 2: "a-01-02"}), position=range(len(t)),
                 is_punct=t["token"].isin(["。", "（", "）"]), is_stopword=False,
                 is_in_clause=[False] * 3 + [True] * 5 + [False])
    assert all(text[r.start:r.end] == r.token for r in t.itertuples())
    return t, pd.DataFrame({"doc_id": ["a"], "text": [text]})


@pytest.mark.parametrize("term, match, include_clauses, expected", [
    ("电子商务", "token", False, [20]),              # the whole token only, the clause left out
    ("电子商务", "token", True, [10, 20]),
    ("电子商务", "substring", False, [4, 20]),       # inside 跨境电子商务 too
    ("电子商务", "substring", True, [4, 10, 20]),
    ("跨境|电子商务", "regex", False, [2, 4, 20]),    # non-overlapping, left to right
    ("。（电子", "regex", True, []),                 # never across a clause boundary
    ("商务\n电子", "regex", True, []),               # nor across segments
])
def test_find_matches(term, match, include_clauses, expected):
    t, documents = _matching_corpus()
    m = keywords.find_matches(t, documents, term, match=match, include_clauses=include_clauses)
    assert m["start"].tolist() == expected
    assert (m["match"] == match).all() and (m["query"] == term).all()


def test_find_matches_unknown_kind():
    t, documents = _matching_corpus()
    with pytest.raises(ValueError, match="match must be one of"):
        keywords.find_matches(t, documents, "电子商务", match="glob")
    with pytest.raises(ValueError, match="at least one term"):
        keywords.term_frequency(t, documents, [])


def test_term_frequency_same_base_for_every_kind():
    t, documents = _matching_corpus()
    f = keywords.term_frequency(t, documents, ["电子商务", "剑网"], match="substring").set_index("term")
    # base: 发展, 跨境电子商务, 电子商务 (outside the clause, not punctuation) = 3; substring hits 2
    assert f.loc["电子商务", ["n", "n_base"]].tolist() == [2, 3]
    assert f.loc["电子商务", "per_10k"] == pytest.approx(20_000 / 3)
    assert f.loc["剑网", ["n", "per_10k"]].tolist() == [0, 0.0] and f["is_low_count"].all()
    g = keywords.term_frequency(t, documents, ["电子商务"], match="token", include_clauses=True)
    # with the clause: base 6 (发展, 跨境电子商务, 电子商务, 部门, 负责, 电子商务), token hits 2
    assert g[["n", "n_base", "match"]].values.tolist() == [[2, 6, "token"]]


def test_dispersion_relative_positions():
    t, documents = _matching_corpus()
    d = keywords.dispersion(t, documents, ["电子商务"], match="substring")
    # the text is 24 characters long
    assert d["rel_position"].tolist() == pytest.approx([4 / 24, 20 / 24])
    assert d["task_id"].tolist() == ["a-01-01", "a-01-02"]


# ---- collocations -------------------------------------------------------------------------------------------

def _segments(*segments):
    rows = [(i + 1, w) for i, seg in enumerate(segments) for w in seg.split()]
    return pd.DataFrame({"doc_id": "a", "year": 2020, "segment_no": [s for s, _ in rows],
                         "token": [w for _, w in rows], "position": range(len(rows)), "is_punct": False,
                         "is_stopword": False, "is_in_clause": False})


def test_collocations_hand_made():
    t = _segments("打击 侵权 假冒 打击", "盗版 侵权 假冒")
    c = keywords.collocations(t, "打击", window=1, min_count=1).set_index("token")
    # node 打击 ×2; merged span (±1, same segment, nodes excluded) = 侵权, 假冒 → span 2; N = 7 content tokens;
    # 侵权 and 假冒 occur twice each, once in the span: expected 2 × 2 / 7
    assert c["n_cooc"].to_dict() == {"侵权": 1, "假冒": 1}
    assert c.loc["侵权", ["n_token", "n_node", "span", "n_total"]].tolist() == [2, 2, 2, 7]
    assert c.loc["侵权", "expected"] == pytest.approx(4 / 7)
    assert c.loc["侵权", "pmi"] == pytest.approx(math.log2(7 / 4))
    assert c.loc["侵权", "log_dice"] == pytest.approx(14 + math.log2(2 * 1 / (2 + 2)))
    # cells: span & 侵权 1, span & other 1, rest & 侵权 1, rest & other 7 - 2 - 2 + 1 = 4
    obs = [1, 1, 1, 4]
    exp = [2 * 2 / 7, 2 * 5 / 7, 5 * 2 / 7, 5 * 5 / 7]
    g2 = 2 * sum(o * math.log(o / e) for o, e in zip(obs, exp))
    assert c.loc["侵权", "g2"] == pytest.approx(g2)
    assert c.loc["侵权", "p_value"] == pytest.approx(math.erfc(math.sqrt(g2 / 2)))
    # window 5 still stops at the segment boundary: 盗版 is never near 打击
    assert "盗版" not in keywords.collocations(t, "打击", window=5, min_count=1)["token"].tolist()


def test_collocate_counted_once_however_many_nodes_are_near():
    # 乙方 lies within 2 tokens of both 打击: one co-occurrence, never more than its own frequency (1)
    c = keywords.collocations(_segments("甲方 打击 乙方 打击"), "打击", window=2, min_count=1).set_index("token")
    assert c.loc["乙方", "n_cooc"] == 1 == c.loc["乙方", "n_token"]


def test_collocations_only_positive_association():
    # span of the one 打击 (±1): 甲方 and 乙方 (2 tokens), N = 8. 甲方 (6 in all): expected 2 × 6 / 8 = 1.5 > 1 seen,
    # so not a collocate; 乙方 (1 in all): expected 2 × 1 / 8 = 0.25 < 1
    c = keywords.collocations(_segments("甲方 打击 乙方", "甲方 甲方 甲方 甲方 甲方"), "打击", window=1, min_count=1)
    assert c["token"].tolist() == ["乙方"] and c["expected"].tolist() == pytest.approx([0.25])


def test_collocations_per_plan():
    t = pd.concat([_segments("打击 侵权"), _segments("打击 盗版").assign(doc_id="b")], ignore_index=True)
    c = keywords.collocations(t, "打击", window=1, min_count=1, per_plan=True)
    assert c[["doc_id", "token", "n_cooc"]].values.tolist() == [["a", "侵权", 1], ["b", "盗版", 1]]
    assert keywords.collocations(t, "打击", window=1, min_count=1, doc_ids=["b"])["token"].tolist() == ["盗版"]
    assert keywords.collocations(t, "秋风", min_count=1).empty


# ---- real corpus --------------------------------------------------------------------------------------------

def test_top_terms_real(corpus):
    top = keywords.top_terms(keywords.frequency(corpus.tokens), 3)
    assert set(top[top["doc_id"] == "2021_national"]["token"]) == {"知识产权", "侵权假冒", "加强"}
    # 打击 leads neither 2012 nor Qingdao by count alone, but 加强 (a policy verb, no longer a stopword) does
    assert top.groupby("doc_id")["token"].first().to_dict() == {
        "2012_national": "加强", "2017_national": "加强", "2018_qingdao": "加强", "2020_national": "加强",
        "2021_national": "知识产权"}
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


def test_campaign_timeline_matches_campaigns_csv(corpus):
    # campaigns.csv records where each campaign was seen when the list was curated; the tokens must agree
    from ipm_analysis.tokenize import campaigns

    expected = {r.campaign: sorted(int(y) for y in r.seen_in.split()) for r in campaigns().itertuples()}
    found = keywords.campaign_timeline(corpus.tokens).groupby("campaign")["year"].agg(sorted).to_dict()
    assert found == expected


def test_kwic_real(corpus):
    k = keywords.kwic(corpus.tokens, corpus.documents, "剑网", window=6)
    assert len(k) == (corpus.tokens["token"] == "剑网").sum() == 5 and (k["match"] == "token").all()
    row = k[k["year"] == 2020].iloc[0]
    assert row["term"] == "剑网" and row["right"].startswith("2020")
    assert row["task_id"] == "2020_national-01-01"


def test_kwic_rows_equal_token_count_real(corpus):
    for term in ("知识产权", "侵权假冒", "秋风", "软件正版化"):
        assert len(keywords.kwic(corpus.tokens, corpus.documents, term)) == (corpus.tokens["token"] == term).sum()


def test_kwic_substring_real(corpus):
    k = keywords.kwic(corpus.tokens, corpus.documents, "假冒", match="substring", window=4)
    context = set(k["left"].str[-2:] + k["term"] + k["right"].str[:2])
    assert any(c.startswith("侵权假冒") for c in context) and any("假冒伪劣" in c for c in context)
    assert len(k) > (corpus.tokens["token"] == "假冒").sum()


def test_frequency_real_denominator(corpus):
    t = corpus.tokens
    f = keywords.frequency(t)
    words = keywords.words_per_plan(t)
    # non-punctuation tokens outside clauses (with the clauses: 1789, 2648, 2325, 2556, 2651)
    assert words.to_dict() == {"2012_national": 1789, "2017_national": 2272, "2018_qingdao": 2034,
                               "2020_national": 2148, "2021_national": 2181}
    assert words.to_dict() == t[~t["is_punct"] & ~t["is_in_clause"]].groupby("doc_id").size().to_dict()
    row = f[(f["doc_id"] == "2021_national") & (f["token"] == "知识产权")].iloc[0]
    assert row["n"] == 43 and row["per_10k"] == pytest.approx(43 / 2181 * 10_000)
    assert f["per_10k"].to_numpy() == pytest.approx((f["n"] / f["n_base"] * 10_000).to_numpy())
    assert f["n_base"].tolist() == f["doc_id"].map(words).tolist()
    # 侵权假冒 on one base: 134 → 136 → 177 → 160 per 10k across the national plans (not 134 → 117 → 149 → 132)
    rate = f[f["token"] == "侵权假冒"].set_index("doc_id")["per_10k"].round(0)
    assert rate[["2012_national", "2017_national", "2020_national", "2021_national"]].tolist() == [134, 136, 177, 160]


def test_no_numeral_keywords_real(corpus):
    f = keywords.frequency(corpus.tokens)
    assert not keywords.is_numeral(f["token"]).any()
    assert not {"十八", "二十一", "2020"} & set(f["token"])
    # the policy verbs are counted now (stopwords are function words only)
    assert {"加强", "推进", "完善", "严厉"} <= set(f["token"])


def test_substring_counts_real(corpus):
    t, documents = corpus.tokens, corpus.documents
    token = keywords.find_matches(t, documents, "电子商务")
    text = keywords.find_matches(t, documents, "电子商务", match="substring")
    # 跨境电子商务 is one token: only the substring search finds the 2017 task that names it alone
    assert token.query("year == 2017")["task_id"].nunique() == 2
    assert text.query("year == 2017")["task_id"].nunique() == 3
    assert set(text["text"]) == {"电子商务"} and len(text) > len(token)
    rates = keywords.term_frequency(t, documents, ["电子商务"], match="substring")
    base = keywords.words_per_plan(t)
    assert rates["per_10k"].to_numpy() == pytest.approx((rates["n"] / rates["doc_id"].map(base) * 10_000).to_numpy())


def test_collocations_real(corpus):
    coll = keywords.collocations(corpus.tokens, "侵权假冒")
    assert coll["token"].iloc[0] == "打击" and (coll["n_cooc"] >= 2).all()
    # 知识产权 is less often near 侵权假冒 than chance: not a collocate (unsigned G² made it one)
    assert "知识产权" not in coll["token"].tolist()
    for term in ("侵权假冒", "知识产权", "打击", "电子商务"):
        for per_plan in (False, True):
            c = keywords.collocations(corpus.tokens, term, per_plan=per_plan)
            assert (c["n_cooc"] <= c["n_token"]).all() and (c["n_cooc"] <= c["n_node"]).all(), term
            assert (c["n_cooc"] > c["expected"]).all() and not keywords.is_numeral(c["token"]).any()
