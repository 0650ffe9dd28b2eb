"""ipm_analysis.tokenize: dictionary words stay whole; flags, not deletions; offsets trace back; rjieba gives
jieba's exact tokens."""
from __future__ import annotations

import random

import jieba
import pandas as pd
import pytest
import rjieba
from hypothesis import given, settings
from hypothesis import strategies as st

from ipm_analysis import schemas
from ipm_analysis.tokenize import cut, engine, rjieba_like, tokenize_segments, tokenize_text, tokenizer


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
    assert not t.loc[t["token"].isin(["加强", "严厉", "完善"]), "is_stopword"].any()   # policy verbs are counted
    assert t.loc[t["token"] == "，", "is_punct"].all()
    assert t.loc[t["token"] == "市场监管总局", "is_agency"].all()
    # role verbs sit inside clauses
    inside = t[t["token"] == "牵头"]["is_in_clause"].mean()
    assert inside > 0.9


def test_token_counts_per_plan(corpus):
    counts = corpus.tokens.groupby("doc_id").size().to_dict()
    # 2020: 3421 since tw_phrases.csv restores the event name 网络版权保护与发展大会 (one token fewer)
    assert counts == {"2012_national": 2194, "2017_national": 3451, "2018_qingdao": 3055,
                      "2020_national": 3421, "2021_national": 3512}


# ---- tokenize_segments on hand-made frames ---------------------------------------------------------------

_TEXT_A = "打击侵权假冒\n加强知识产权保护（公安部负责）\n开展“剑网2020”专项行动。\n"


@pytest.fixture()
def hand_made():
    documents = pd.DataFrame({"doc_id": ["a", "b"], "year": [2020, 2012], "jurisdiction": ["全国", "青岛市"],
                              "text": [_TEXT_A, "知识产权保护\n"]})
    # b is split inside 知识产权 on purpose: a token must never cross a segment boundary
    segments = pd.DataFrame({
        "doc_id": ["a", "a", "a", "b", "b"], "segment_no": [1, 2, 3, 1, 2],
        "kind": ["title", "task", "task", "preamble", "preamble"],
        "task_id": [pd.NA, "a-01-01", "a-01-02", pd.NA, pd.NA],
        "start": [0, 7, 23, 0, 2], "end": [7, 23, 39, 2, 7]})
    segments = segments.assign(text=[documents.set_index("doc_id")["text"][d][s:e]
                                      for d, s, e in zip(segments["doc_id"], segments["start"], segments["end"])])
    clauses = pd.DataFrame({"doc_id": ["a"], "start": [15], "end": [22]})     # （公安部负责）
    return segments, documents, clauses


def test_tokenize_segments_hand_made(hand_made):
    segments, documents, clauses = hand_made
    before = segments.copy()
    t = tokenize_segments(segments, documents, clauses)
    pd.testing.assert_frame_equal(segments, before)                          # input untouched
    assert list(t.columns) == list(schemas.COLUMNS["tokens"])
    a = t[t["doc_id"] == "a"]
    assert a["token"].tolist() == ["打击", "侵权假冒", "加强", "知识产权", "保护", "（", "公安部", "负责", "）",
                                   "开展", "“", "剑网", "2020", "”", "专项", "行动", "。"]
    assert a["start"].tolist() == [0, 2, 7, 9, 13, 15, 16, 19, 21, 23, 25, 26, 28, 32, 33, 35, 37]
    assert a["position"].tolist() == list(range(17))
    assert a["segment_no"].tolist() == [1] * 2 + [2] * 7 + [3] * 8
    assert a["task_id"].isna().sum() == 2 and (a["task_id"].iloc[2:9] == "a-01-01").all()
    flagged = {c: a.loc[a[c], "token"].tolist()
               for c in ("is_stopword", "is_punct", "is_campaign", "is_agency", "is_in_clause")}
    assert flagged == {"is_stopword": [], "is_punct": ["（", "）", "“", "”", "。"],
                       "is_campaign": ["剑网"], "is_agency": ["公安部"],
                       "is_in_clause": ["（", "公安部", "负责", "）"]}
    assert (a["year"] == 2020).all() and (a["jurisdiction"] == "全国").all()


def test_tokenize_segments_never_crosses_segments(hand_made):
    segments, documents, _ = hand_made
    b = tokenize_segments(segments, documents).query("doc_id == 'b'")
    assert b["token"].tolist() == ["知识", "产权保护"]                      # not 知识产权: the boundary wins
    assert b[["position", "start", "end", "segment_no"]].values.tolist() == [[0, 0, 2, 1], [1, 2, 6, 2]]
    assert not b["is_in_clause"].any()                                       # no clauses given


def test_tokenize_segments_offsets_trace_back(hand_made):
    segments, documents, clauses = hand_made
    t = tokenize_segments(segments, documents, clauses)
    text = documents.set_index("doc_id")["text"]
    assert all(text[r.doc_id][r.start:r.end] == r.token for r in t.itertuples())
    assert not t["token"].str.contains(r"\s").any()                          # whitespace is never a token


def test_tokenize_segments_empty(hand_made):
    segments, documents, _ = hand_made
    t = tokenize_segments(segments.iloc[:0], documents)
    assert t.empty and list(t.columns) == list(schemas.COLUMNS["tokens"])


def test_tokenize_segments_deterministic(hand_made):
    pd.testing.assert_frame_equal(tokenize_segments(*hand_made), tokenize_segments(*hand_made))


# ---- rjieba (the engine) against jieba (the reference) ----------------------------------------------------

def _reference(text):
    return tokenizer().lcut(text, HMM=False)


def test_engine_equals_jieba_on_every_real_segment_and_document(corpus):
    texts = corpus.segments["text"].tolist() + corpus.documents["text"].tolist()
    assert len(texts) > 200
    mismatched = [t[:40] for t in texts if cut(t) != _reference(t)]
    assert mismatched == []


# Pieces that exercise every branch of the cut: dictionary and forced words, digits and Latin (buffered into one
# token with HMM off), jieba's word-run characters +#&._%-, full-width forms, whitespace of every kind (\r\n is
# one token; \x1c is whitespace to Python only, \x85 to both), CJK extension and compatibility characters
# (inside jieba-rs's word runs, outside jieba's), other scripts, emoji, private-use (the filler's characters).
_PIECES = [
    "知识产权", "侵权假冒", "打击", "市场监管总局", "剑网", "剑网行动", "2020年", "一、", "（一）", "，", "。", "；",
    "“", "”", "、", "\n", "\r\n", "\r", " ", "\t", "\u3000", "\xa0", "\x1c", "\x85", "\u200b", "\ufeff",
    "abc", "ABC", "iPhone", "3.5", "10%", "C++", "C#", "a-b", "a_b", "A&B", "x.y", "#", "&", "+", "-", "_", "%",
    ".", "ＡＢＣ", "１２３", "㐀", "䶵", "\u9fd6", "\u9fff", "豈", "𠀀", "𪚥", "😀", "é", "ß", "Ω", "ж", "한국",
    "かな", "カタカナ", "ー", "·", "—", "…", "《", "》", "\ue000", "\ue000\ue000", "γ射线", "γ", "射线", "0", "a",
]


def _generated(n: int, seed: int = 0) -> list[str]:
    """Deterministic strings mixing dictionary words, the pieces above and long runs of either."""
    rng = random.Random(seed)
    words = sorted(w for w, f in tokenizer().FREQ.items() if f)
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 30)):
            r = rng.random()
            piece = rng.choice(words) if r < 0.4 else rng.choice(_PIECES)
            parts.append(piece * rng.randint(2, 60) if r > 0.9 else piece)
        out.append("".join(parts))
    return out


def test_engine_equals_jieba_on_generated_text():
    texts = _generated(3000)
    mismatched = [t for t in texts if cut(t) != _reference(t)]
    assert mismatched == []


def test_engine_equals_jieba_on_long_text(corpus):
    # one long string: the real plans joined, with runs of digits, Latin and whitespace between them
    text = "  12345678901234567890 abcABC\r\n\r\n".join(corpus.documents["text"]) * 4
    assert len(text) > 100_000 and cut(text) == _reference(text)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=8)), max_size=20).map("".join))
def test_engine_equals_jieba_property(text):
    assert cut(text) == _reference(text)


@pytest.mark.parametrize("text", [
    "", " ", "\r\n", "γ射线",          # γ射线 is in jieba's dictionary, but jieba never yields it (γ ends a run)
    "\ue000\ue000", "射线\ue000\ue000射线",  # the filler's characters are never a word
    "a\ud800b知识产权",                 # a lone surrogate: cut by jieba, not Rust
])
def test_engine_edge_cases(text):
    assert cut(text) == _reference(text)
    assert "\ue000\ue000" not in cut(text)


def test_engine_dictionary_matches_jieba():
    """Every word jieba can produce is in rjieba's dictionary, including the forced words."""
    rj = engine()
    for word in ["知识产权", "市场监管总局", "剑网", "两法衔接", "线上净网线下清源"]:
        assert rj.has_word(word)
    assert not rj.has_word("γ射线")


def test_engine_keeps_jiebas_total_frequency(tmp_path):
    # 甲乙 is one word or 甲 + 乙 depending on the total: split iff freq(甲)·freq(乙)/freq(甲乙) = 10^6 > total.
    # Adding 丙 again raises jieba's total by 10 and leaves its old 2·10^6 in it (about 2.002·10^6: whole);
    # jieba-rs would replace it (2,011: split) unless the engine makes up the difference.
    (tmp_path / "dict.txt").write_text("甲 1000\n乙 1000\n甲乙 1\n丙 2000000\n", encoding="utf-8")
    tok = jieba.Tokenizer(str(tmp_path / "dict.txt"))
    tok.tmp_dir = str(tmp_path)
    tok.add_word("丙", freq=10)
    assert tok.lcut("甲乙", HMM=False) == ["甲乙"]
    assert rjieba_like(tok).cut("甲乙", False) == ["甲乙"]
    bare = rjieba.Jieba.empty()
    for word, freq in tok.FREQ.items():
        if freq:
            bare.add_word(word, freq, None)
    assert bare.cut("甲乙", False) == ["甲", "乙"]  # what the filler prevents


def test_engine_cache_holds_jiebas_dictionary(tmp_path, monkeypatch):
    from ipm_analysis import tokenize

    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(tmp_path))
    tokenize.engine.cache_clear()
    try:
        assert tokenize.engine().cut("开展“剑网2020”专项行动", False) == ["开展", "“", "剑网", "2020", "”", "专项", "行动"]
        (path,) = (tmp_path / ".cache" / "jieba").glob("rjieba-*.pickle")
        assert tokenize._read_entries(path) == tokenize._entries_like(tokenizer())
        path.write_bytes(path.read_bytes()[:1000])  # cut short: rebuilt from jieba, not half-loaded
        tokenize.engine.cache_clear()
        assert tokenize.engine().has_word("市场监管总局")
        assert tokenize._read_entries(path) == tokenize._entries_like(tokenizer())
    finally:
        tokenize.engine.cache_clear()
