"""ipm_analysis.tokenize: dictionary words stay whole; flags, not deletions; offsets trace back."""
from __future__ import annotations

import pytest

from ipm_analysis.tokenize import tokenize_text


def _words(text):
    return [w for w, _, _ in tokenize_text(text)]


@pytest.mark.parametrize("text, expected", [
    ("打击侵权假冒", ["打击", "侵权假冒"]),
    ("加强知识产权保护", ["加强", "知识产权", "保护"]),
    ("开展“剑网2020”专项行动", ["开展", "“", "剑网", "2020", "”", "专项", "行动"]),
    ("深入开展“剑网行动”", ["深入开展", "“", "剑网", "行动", "”"]),     # 剑网行动 → 剑网 + 行动
    ("市场监管总局牵头", ["市场监管总局", "牵头"]),                        # agency aliases are words
    ("推进软件正版化和两法衔接", ["推进", "软件正版化", "和", "两法衔接"]),
    ("开展化妆品“线上净网线下清源”专项行动", ["开展", "化妆品", "“", "线上净网线下清源", "”", "专项", "行动"]),
])
def test_tokenize_text(text, expected):
    assert _words(text) == expected


def test_offsets_and_whitespace():
    text = "加强 知识产权\n保护"
    toks = tokenize_text(text)
    assert [w for w, _, _ in toks] == ["加强", "知识产权", "保护"]
    assert all(text[s:e] == w for w, s, e in toks)


def test_tokens_table_traces_back(corpus):
    t, docs = corpus.tokens, corpus.documents.set_index("doc_id")["text"]
    sample = t.sample(500, random_state=0)
    assert all(docs[r.doc_id][r.start:r.end] == r.token for r in sample.itertuples())
    assert (t.groupby("doc_id")["position"].agg(lambda p: (p.diff().dropna() == 1).all())).all()


def test_domain_terms_are_single_tokens(corpus):
    tokens = corpus.tokens
    for term in ("知识产权", "侵权假冒", "软件正版化", "无害化销毁"):
        assert (tokens["token"] == term).sum() > 0, term
    text = "".join(corpus.documents["text"])
    # every 侵权假冒 in the text is the token itself or part of an agency name (…打击侵权假冒工作领导小组办公室)
    containing = tokens[tokens["token"].str.contains("侵权假冒")]
    # (one exception: Qingdao's 侵权假冒伪劣种子 reads as 侵权 + 假冒伪劣, a valid segmentation)
    assert containing["token"].str.count("侵权假冒").sum() == text.count("侵权假冒") - 1
    assert containing.loc[containing["token"] != "侵权假冒", "is_agency"].all()


def test_jianwang_in_every_plan_never_split(corpus):
    t = corpus.tokens
    years = sorted(t[t["token"] == "剑网"]["year"].unique().tolist())
    assert years == [2012, 2017, 2018, 2020, 2021]       # 2012 names 剑网行动 too
    text = corpus.documents.set_index("year")["text"]
    assert all(text[y].count("剑网") == ((t["token"] == "剑网") & (t["year"] == y)).sum() for y in years)


def test_flags(corpus):
    t = corpus.tokens
    assert t.loc[t["token"] == "的", "is_stopword"].all()
    assert t.loc[t["token"] == "，", "is_punct"].all()
    assert t.loc[t["token"] == "市场监管总局", "is_agency"].all()
    # role verbs sit inside clauses
    inside = t[t["token"] == "牵头"]["is_in_clause"].mean()
    assert inside > 0.9


def test_token_counts_per_plan(corpus):
    counts = corpus.tokens.groupby("doc_id").size().to_dict()
    assert counts == {"2012_national": 2194, "2017_national": 3451, "2018_qingdao": 3055,
                      "2020_national": 3422, "2021_national": 3512}
