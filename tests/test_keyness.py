"""ipm_analysis.analysis.keyness: G² with Williams' correction, Fisher, BH, log-odds with a scaled prior."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from inline_tokens import tokens_table
from ipm_analysis.analysis import keyness, keywords


def test_keyness_hand_computed():
    # target: xx×8, yy×2 (10 words); reference: xx×2, yy×8 (10 words); N = 20
    t = tokens_table({"a": ["xx"] * 8 + ["yy"] * 2, "b": ["xx"] * 2 + ["yy"] * 8})
    k = keyness.keyness(t, ["a"], ["b"], min_count=1, prior_strength=20).set_index("token")
    # every expected cell is 10 × 10 / 20 = 5 (not below 5): G² with Williams' correction, no Fisher
    g2 = 2 * 2 * (8 * math.log(8 / 5) + 2 * math.log(2 / 5))
    q = 1 + (20 * (1 / 10 + 1 / 10) - 1) * (20 * (1 / 10 + 1 / 10) - 1) / (6 * 20)       # = 1.075
    assert k.loc["xx", "g2"] == pytest.approx(g2) and k.loc["xx", "williams_q"] == pytest.approx(1.075)
    assert q == pytest.approx(1.075) and k.loc["xx", "g2_williams"] == pytest.approx(g2 / q)
    p = math.erfc(math.sqrt(g2 / q / 2))                                                   # chi-square, 1 df
    assert k.loc["xx", "p_value"] == pytest.approx(p) and k.loc["xx", "test"] == "g2_williams"
    assert k.loc["xx", "p_adjusted"] == pytest.approx(p)           # BH of two equal p-values leaves them
    assert k.loc["xx", "is_significant"] == (p < 0.05) and (k["alpha"] == 0.05).all()
    loose = keyness.keyness(t, ["a"], ["b"], min_count=1, prior_strength=20, alpha=0.5)
    assert loose["is_significant"].all() == (p < 0.5) and (loose["alpha"] == 0.5).all()
    assert k.loc["xx", "expected_target"] == 5 and k.loc["xx", "direction"] == "target"
    assert k.loc["yy", "direction"] == "reference" and k.loc["yy", "g2"] == pytest.approx(g2)
    assert k.loc["xx", "log_ratio"] == pytest.approx(math.log2(8.5 / 2.5))
    # Monroe et al.: background shares 10/20 each, α0 = 20 → α = 10 for both words
    delta = math.log((8 + 10) / (10 + 20 - 8 - 10)) - math.log((2 + 10) / (10 + 20 - 2 - 10))
    z = delta / math.sqrt(1 / 18 + 1 / 12)
    assert k.loc["xx", "delta"] == pytest.approx(delta) and k.loc["xx", "z"] == pytest.approx(z)
    assert k.index[0] == "xx" and not k["is_localisation_risk"].any()


def test_prior_strength_shrinks_z():
    t = tokens_table({"a": ["xx"] * 8 + ["yy"] * 2, "b": ["xx"] * 2 + ["yy"] * 8})
    z = [keyness.keyness(t, ["a"], ["b"], min_count=1, prior_strength=s).set_index("token").loc["xx", "z"]
         for s in (2, 20, 2000)]
    assert z[0] > z[1] > z[2] > 0                                  # a stronger prior pulls towards 0


@pytest.mark.parametrize("term, n_t, n_r, fisher_p, log_ratio, delta, var", [
    # target: xx×3, yy×1; reference: yy×4 → na = nb = 4, N = 8; expected xx in target 4 × 3 / 8 = 1.5 < 5.
    # Fisher: hypergeometric over the tables with these margins, P(k) = C(3,k) C(5,4-k) / C(8,4) = 5, 30, 30, 5
    # (/70) for k = 0..3; observed k = 3, two-sided p = P(0) + P(3) = 10/70. yy: margins 5, P(k=1..4) = 5, 30,
    # 30, 5 (/70), observed k = 1 → 10/70. Prior: background xx 3/8, yy 5/8 with α0 = 8 → α = 3 and 5.
    ("xx", 3, 0, 1 / 7, math.log2(3.5 / 0.5), math.log(6 / 6) - math.log(3 / 9), 1 / 6 + 1 / 3),
    ("yy", 1, 4, 1 / 7, math.log2(1.5 / 4.5), math.log(6 / 6) - math.log(9 / 3), 1 / 6 + 1 / 9),
])
def test_keyness_fisher_for_small_counts(term, n_t, n_r, fisher_p, log_ratio, delta, var):
    t = tokens_table({"a": ["xx"] * 3 + ["yy"], "b": ["yy"] * 4})
    row = keyness.keyness(t, ["a"], ["b"], min_count=1, prior_strength=8).set_index("token").loc[term]
    assert (row["n_target"], row["n_reference"]) == (n_t, n_r)
    assert row["test"] == "fisher" and row["p_value"] == pytest.approx(fisher_p)
    assert row["p_adjusted"] == pytest.approx(fisher_p)
    assert row["log_ratio"] == pytest.approx(log_ratio)
    assert row["delta"] == pytest.approx(delta) and row["z"] == pytest.approx(delta / math.sqrt(var))


def test_keyness_bh_adjustment():
    # three words with different p-values: BH multiplies the i-th smallest by m / i and keeps the order
    t = tokens_table({"a": ["aa"] * 40 + ["bb"] * 25 + ["cc"] * 20, "b": ["aa"] * 10 + ["bb"] * 25 + ["cc"] * 30})
    k = keyness.keyness(t, ["a"], ["b"], min_count=1).sort_values("p_value")
    p = k["p_value"].tolist()
    expected = [min(p[0] * 3, p[1] * 3 / 2, p[2]), min(p[1] * 3 / 2, p[2]), p[2]]
    assert k["p_adjusted"].tolist() == pytest.approx(expected)
    assert k["is_significant"].tolist() == [x < keyness.ALPHA for x in expected]


def test_keyness_min_count():
    t = tokens_table({"a": ["xx"] * 3 + ["yy"], "b": ["yy"] * 4 + ["zz"]})
    assert sorted(keyness.keyness(t, ["a"], ["b"], min_count=2)["token"]) == ["xx", "yy"]


def test_keyness_needs_both_sides():
    t = tokens_table({"a": ["xx"] * 3, "b": ["yy"] * 3})
    with pytest.raises(ValueError, match="reference"):
        keyness.keyness(t, ["a"], ["zz"])


def test_keyness_numerals_never_terms():
    t = tokens_table({"a": ["十八"] * 5 + ["xx"] * 3, "b": ["yy"] * 5})
    assert "十八" not in keyness.keyness(t, ["a"], ["b"], min_count=1)["token"].tolist()


def test_localisation_flag_only_with_a_localised_copy():
    t = tokens_table({"a": ["著作权"] * 5 + ["xx"] * 3, "b": ["版权"] * 5 + ["xx"] * 3})
    docs = pd.DataFrame({"doc_id": ["a", "b"], "script": ["zh-Hant-TW", "zh-Hans"]})
    k = keyness.keyness(t, ["a"], ["b"], min_count=1, documents=docs).set_index("token")
    assert k["is_localisation_risk"].to_dict() == {"著作权": True, "版权": True, "xx": False}
    plain = keyness.keyness(t, ["a"], ["b"], min_count=1, documents=docs.assign(script="zh-Hans"))
    assert not plain["is_localisation_risk"].any()


def test_distinctive_terms_hand_made():
    # each plan has its own word (×6) and one word shared with another plan
    t = tokens_table({"p1": ["甲方"] * 6 + ["共同"] * 2, "p2": ["乙方"] * 6 + ["共同"] * 2, "p3": ["丙方"] * 6})
    d = keyness.distinctive_terms(t, 1, min_count=1)
    assert d[["doc_id", "rank", "token"]].values.tolist() == [["p1", 1, "甲方"], ["p2", 1, "乙方"], ["p3", 1, "丙方"]]
    assert (d["direction"] == "target").all()


def test_emerging_fading_hand_made():
    t = tokens_table({"p1": ["旧词"] * 5 + ["共同"] * 5, "p2": ["新词"] * 5 + ["共同"] * 5})
    s = keyness.emerging_fading(t, ["p1", "p2"], n=1, min_count=1)
    assert s[["earlier", "later", "direction", "token", "n_earlier", "n_later"]].values.tolist() == [
        ["p1", "p2", "emerging", "新词", 0, 5], ["p1", "p2", "fading", "旧词", 5, 0]]
    assert s["p_value"].notna().all()


# ---- real corpus --------------------------------------------------------------------------------------------

def test_distinctive_terms_differ_from_frequency_real(corpus):
    d = keyness.distinctive_terms(corpus.tokens, 10, documents=corpus.documents)
    top = keywords.top_terms(keywords.frequency(corpus.tokens), 10)
    for doc, part in d.groupby("doc_id"):
        assert len(part) == 10
        shared = set(part["token"]) & set(top.loc[top["doc_id"] == doc, "token"])
        assert len(shared) <= 5, (doc, shared)
    first = d[d["doc_id"] == "2012_national"]["token"].tolist()
    assert {"认证标志", "取缔", "整治"} <= set(first)
    assert not keywords.is_numeral(d["token"]).any() and d["p_value"].notna().all()


def test_keyness_real_signs(corpus):
    k = keyness.keyness(corpus.tokens, ["2012_national"], ["2021_national"]).set_index("token")
    # 2012 is the campaign-style plan (整治), 2021 the protection-and-governance plan (保护, 治理)
    assert k.loc["整治", "z"] > 0 and k.loc["整治", "direction"] == "target"
    assert k.loc["保护", "z"] < 0 and k.loc["保护", "log_ratio"] < 0
    # two plans of ~1,500 content tokens: after BH only 治理 (0 vs 20) and 推进 (1 vs 17) pass; 整治 (22 vs 10,
    # p = 0.006) does not
    assert set(k.index[k["is_significant"]]) == {"治理", "推进"}
    assert k["p_value"].between(0, 1).all() and k["p_adjusted"].ge(k["p_value"]).all()


def test_emerging_fading_real_flags_the_localised_copy(corpus):
    national = ["2017_national", "2020_national", "2021_national"]
    shifts = keyness.emerging_fading(corpus.tokens, national, n=5, documents=corpus.documents)
    flagged = shifts[shifts["is_localisation_risk"]]
    # 著作权 is the 2020 copy's word for 版权: flagged wherever it shows up as a shift
    assert set(flagged["token"]) == {"著作权"}
    assert flagged[["earlier", "later", "direction"]].values.tolist() == [["2020_national", "2021_national",
                                                                          "fading"]]
    assert (shifts.loc[shifts["direction"] == "emerging", "z"] > 0).all()
    assert shifts["p_value"].notna().all() and shifts["p_adjusted"].notna().all()
