"""ipm_analysis.analysis.dictionary: policy categories per plan and per task, on the keyword rate base."""
from __future__ import annotations

import pandas as pd
import pytest

from ipm_analysis.analysis import dictionary, keywords
from ipm_analysis.tokenize import tokenize_text

DICT = pd.DataFrame({"dimension": ["intensity", "intensity", "instrument", "instrument"],
                     "category": ["strict", "strengthen", "punitive", "punitive"],
                     "term": ["严厉", "加强", "打击", "严厉"], "note": ""})


def _tokens():
    # plan a, task a-1: 严厉 打击 ， 加强 ; task a-2: 加强 (clause: 负责) ; plan b, task b-1: 打击
    rows = [("a", "a-1", "严厉", False, False), ("a", "a-1", "打击", False, False), ("a", "a-1", "，", True, False),
            ("a", "a-1", "加强", False, False), ("a", "a-2", "加强", False, False), ("a", "a-2", "负责", False, True),
            ("b", "b-1", "打击", False, False)]
    t = pd.DataFrame(rows, columns=["doc_id", "task_id", "token", "is_punct", "is_in_clause"])
    return t.assign(year=t["doc_id"].map({"a": 2017, "b": 2020}), jurisdiction="全国", is_stopword=False,
                    position=t.groupby("doc_id").cumcount())


def test_lookup_per_plan_hand_computed():
    out = dictionary.lookup(_tokens(), DICT).set_index(["doc_id", "dimension", "category"])
    # a's base: 严厉, 打击, 加强, 加强 = 4 (comma is punctuation, 负责 is clause text)
    assert out.loc[("a", "intensity", "strict"), ["n", "n_base"]].tolist() == [1, 4]
    assert out.loc[("a", "intensity", "strengthen"), "per_10k"] == pytest.approx(2 / 4 * 10_000)
    # 严厉 counts in both dimensions: intensity/strict and instrument/punitive (with 打击): 2 of 4
    assert out.loc[("a", "instrument", "punitive"), "n"] == 2
    assert out.loc[("b", "intensity", "strict"), ["n", "n_base", "per_10k"]].tolist() == [0, 1, 0.0]
    assert out.loc[("b", "instrument", "punitive"), "per_10k"] == 10_000
    assert len(out) == 2 * 3 and out["is_low_count"].all()                    # every plan × category


def test_lookup_per_task_and_by_term():
    out = dictionary.lookup(_tokens(), DICT, unit="task_id").set_index(["task_id", "category"])
    # task a-2: base 1 (加强; 负责 is in the clause)
    assert out.loc[("a-2", "strengthen"), ["n", "n_base", "per_10k"]].tolist() == [1, 1, 10_000]
    assert out.loc[("a-1", "strengthen"), ["n", "n_base"]].tolist() == [1, 3]
    terms = dictionary.lookup(_tokens(), DICT, by_term=True).query("doc_id == 'a' and category == 'punitive'")
    assert dict(zip(terms["term"], terms["n"])) == {"打击": 1, "严厉": 1}


def test_lookup_rejects_a_term_in_two_categories_of_one_dimension():
    bad = pd.concat([DICT, DICT.iloc[[0]].assign(category="strengthen")], ignore_index=True)
    with pytest.raises(ValueError, match="two categories"):
        dictionary.lookup(_tokens(), bad)
    with pytest.raises(ValueError, match="unit must be"):
        dictionary.lookup(_tokens(), DICT, unit="segment_no")


def test_packaged_dictionary_terms_are_single_tokens():
    d = dictionary.policy_dictionary()
    assert set(d["dimension"]) == {"intensity", "instrument"}
    assert set(d.loc[d["dimension"] == "instrument", "category"]) == {"regulatory", "punitive", "incentive",
                                                                     "informational"}
    split = [t for t in d["term"] if len(tokenize_text(t)) != 1]
    assert split == []                            # a term jieba splits could never be counted
    assert not d.duplicated(["dimension", "term"]).any()


def test_lookup_real(corpus):
    out = dictionary.lookup(corpus.tokens)
    base = keywords.words_per_plan(corpus.tokens)
    assert out["n_base"].tolist() == out["doc_id"].map(base).tolist()
    assert out["per_10k"].to_numpy() == pytest.approx((out["n"] / out["n_base"] * 10_000).to_numpy())
    plan = out.set_index(["doc_id", "category"])["n"]
    # the incentive vocabulary is nearly absent from these enforcement plans
    assert plan[("2012_national", "punitive")] > plan[("2012_national", "incentive")]
    assert out.loc[out["category"] == "incentive", "n"].sum() == 21           # 引导 13 + 支持 8, all plans
    tasks = dictionary.lookup(corpus.tokens, unit="task_id")
    assert tasks["task_id"].nunique() == corpus.tasks["task_id"].nunique()


def test_dictionary_chart_real(corpus, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    from ipm_analysis import plots, selection

    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(tmp_path))
    out = dictionary.lookup(corpus.tokens)
    fig = plots.rates_by_plan(out, labels=selection.plan_label(corpus.documents), hue="category",
                              facet="dimension", title="政策工具与力度词（每万词）", note=dictionary.SOURCE_NOTE)
    png = plots.save_figure(fig, "policy_dictionary_by_plan")[0]
    assert png.stat().st_size > 10_000
    assert any("Vedung" in t.get_text() and "policy_dictionary.csv" in t.get_text() for t in fig.texts)


def test_every_dimension_and_category_has_a_chart_label():
    d = dictionary.policy_dictionary()
    for name in set(d["dimension"]) | set(d["category"]):
        assert dictionary.label(name) != name and dictionary.label(name).endswith(f" / {name}")
    assert dictionary.label("punitive") == "惩戒型 / punitive"
    assert dictionary.label("a_new_category") == "a_new_category"
