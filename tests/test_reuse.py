"""ipm_analysis.analysis.reuse: alignment of a local plan with a national plan, verbatim reuse, agencies.

Hand-made plans pin exact values; the real-corpus tests (the session ``corpus`` fixture) pin what was checked
by reading data/raw/2018_qingdao.txt against data/raw/2017_national.txt.
"""
from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ipm_analysis.analysis import reuse

# --------------------------------------------------------------------------------------------------------------
# hand-made plans

_CLAUSE = re.compile(r"（[^（）]*负责）")


def _corpus(*plans) -> SimpleNamespace:
    """A corpus with the dictionary's columns that compare_plans reads, from
    ``(doc_id, jurisdiction, [(task_no, title, body)], {task_no: [agency, ...]})``; clauses are the
    ``（…负责）`` spans of each body, offsets are real offsets into the plan's text."""
    docs, tasks, clauses, agencies = [], [], [], []
    for doc_id, jurisdiction, items, named in plans:
        text = "标题\n"
        for no, title, body in items:
            marker, start = f"（{'一二三四五'[no - 1]}）", len(text)
            text += marker + body + "\n"
            task_id = f"{doc_id}-01-{no:02d}"
            tasks.append(dict(doc_id=doc_id, task_no=no, task_id=task_id, marker=marker, title=title,
                              text=text[start:], start=start, end=len(text)))
            for k, m in enumerate(_CLAUSE.finditer(body), 1):
                s = start + len(marker) + m.start()
                clauses.append(dict(doc_id=doc_id, task_id=task_id, clause_no=k, raw=m.group(), start=s,
                                    end=s + len(m.group())))
            agencies += [dict(doc_id=doc_id, task_id=task_id, agency=a, is_generic=False, is_known=True)
                         for a in named.get(no, [])]
        docs.append(dict(doc_id=doc_id, jurisdiction=jurisdiction, text=text))
    return SimpleNamespace(
        documents=pd.DataFrame(docs), tasks=pd.DataFrame(tasks),
        clauses=pd.DataFrame(clauses, columns=["doc_id", "task_id", "clause_no", "raw", "start", "end"]),
        task_agencies=pd.DataFrame(agencies, columns=["doc_id", "task_id", "agency", "is_generic", "is_known"]))


LOCAL = ("L", "青岛市", [
    (1, "严厉打击网络侵权盗版行为",
     "严厉打击网络侵权盗版行为。深入开展剑网专项行动。（市版权局负责）联合公安部门开展卷烟打假专项整治行动。（市烟草专卖局负责）"),
    (2, "着力解决外商投资企业关心的问题", "着力解决外商投资企业关心的问题。（市商务局负责）"),
], {1: ["市版权局", "市烟草专卖局"], 2: ["市商务局"]})


def _national(press_agency: str = "新闻出版广电总局"):
    return ("N", "全国", [
        (1, "严厉打击网络侵权盗版行为", f"严厉打击网络侵权盗版行为。深入开展剑网专项行动。（{press_agency}负责）"),
        (2, "健全海外维权援助机制", "健全海外维权援助机制。（商务部负责）"),
    ], {1: [press_agency], 2: ["商务部"]})


COUNTERPARTS = pd.DataFrame({
    "scope": ["青岛市"] * 3 + ["济南市"],
    "agency": ["市版权局", "市商务局", "市烟草专卖局", "市版权局"],
    "counterpart": ["新闻出版广电总局", "商务部", "", "文化部"],
    "counterpart_successor": ["中央宣传部", "商务部", "", "文化和旅游部"],
})


@pytest.fixture(scope="module")
def mini():
    return reuse.compare_plans(_corpus(LOCAL, _national()), "L", "N", counterparts=COUNTERPARTS)


@pytest.mark.parametrize("text, expected", [
    ("加强监管。严厉打击；依法查处！", ["加强监管。", "严厉打击；", "依法查处！"]),
    ("没有句号的一段", ["没有句号的一段"]),
    ("营造良好氛围\n推进诚信体系建设。", ["营造良好氛围", "推进诚信体系建设。"]),   # a cut clause ends a sentence
    ("单位名录\n，罚没部门要确保销毁。", ["单位名录", "罚没部门要确保销毁。"]),     # no sentence starts with a comma
    ("。\n\n乙", []),                                                                  # one-character pieces dropped
])
def test_sentences(text, expected):
    assert reuse.sentences(text) == expected


def test_task_texts_cut_clauses_and_keep_their_boundary():
    corpus = _corpus(("X", "青岛市", [(1, "加强诚信体系建设", "加强诚信体系建设。营造良好氛围（市网络办负责）推进诚信体系建设。（市农委负责）")], {}))
    row = reuse.task_texts(corpus, "X").iloc[0]
    assert row["clean"] == "加强诚信体系建设。营造良好氛围\n推进诚信体系建设。"
    assert row["flat"] == "加强诚信体系建设。营造良好氛围推进诚信体系建设。"
    assert reuse.sentences(row["clean"]) == ["加强诚信体系建设。", "营造良好氛围", "推进诚信体系建设。"]


def test_task_texts_never_mutate_the_corpus():
    corpus = _corpus(LOCAL, _national())
    before = {k: v.copy() for k, v in vars(corpus).items()}
    reuse.compare_plans(corpus, "L", "N", counterparts=COUNTERPARTS)
    for k, frame in vars(corpus).items():
        pd.testing.assert_frame_equal(frame, before[k])


def test_reused_mask_counts_only_long_runs():
    source = reuse.shingle_index(["依法严厉打击侵权假冒违法犯罪行为"], 4)
    mask = reuse.reused_mask("我们依法严厉打击的事", source, 4)
    # 依法严厉打击 (6 chars) is found; 我们, 的事 are not
    assert mask.tolist() == [False, False, True, True, True, True, True, True, False, False]
    assert reuse._runs("我们依法严厉打击的事", mask) == [(2, 8)]


def test_shingles_never_cross_two_texts():
    assert "甲乙" not in reuse.shingle_index(["一甲", "乙二"], 2)


def test_mini_alignment(mini):
    a = mini.alignment.set_index("local_task_id")
    assert a.at["L-01-01", "national_task_id"] == "N-01-01" and a.at["L-01-01", "score"] > 0.5
    # no character bigram in common with any national task: unaligned, no best match, no candidate
    assert pd.isna(a.at["L-01-02", "national_task_id"]) and pd.isna(a.at["L-01-02", "best_national_task_id"])
    assert a.at["L-01-02", "best_score"] == 0
    assert mini.candidates[["local_task_id", "national_task_id"]].values.tolist() == [["L-01-01", "N-01-01"]]
    assert mini.similarity.shape == (2, 2) and mini.similarity.at["L-01-02", "N-01-02"] == 0


def test_mini_reuse_exact(mini):
    sr = mini.sentence_reuse
    assert sr["sentence"].tolist() == ["严厉打击网络侵权盗版行为。", "深入开展剑网专项行动。", "联合公安部门开展卷烟打假专项整治行动。",
                                       "着力解决外商投资企业关心的问题。"]
    assert sr["n_chars"].tolist() == [13, 11, 19, 16]
    assert sr["n_reused"].tolist() == [13, 11, 0, 0]        # 专项…行动 shares 4 characters only (< 8)
    assert sr["is_heading"].tolist() == [True, False, False, True]
    tr = mini.task_reuse.set_index("local_task_id")
    assert tr["n_chars"].tolist() == [43, 16] and tr["n_reused"].tolist() == [24, 0]
    s = mini.summary.iloc[0]
    assert (s["chars"], s["chars_reused"]) == (59, 24) and s["reuse_share"] == pytest.approx(24 / 59)
    assert mini.passages[["passage", "national_task_id"]].values.tolist() == [
        ["严厉打击网络侵权盗版行为。", "N-01-01"], ["深入开展剑网专项行动。", "N-01-01"]]


def test_mini_added_and_dropped(mini):
    added = mini.added
    assert added[["local_task_id", "kind", "local_title"]].values.tolist() == [
        ["L-01-02", "task", "着力解决外商投资企业关心的问题"],
        ["L-01-01", "sentence", "联合公安部门开展卷烟打假专项整治行动。"]]
    # headings and sentences of whole added tasks are not listed again as sentence-level additions
    assert added.loc[added["kind"] == "sentence", "sentence_no"].tolist() == [3]
    d = mini.dropped.iloc[0]
    assert (d["task_id"], d["n_chars"], d["n_reused_in_local"], d["best_local_score"]) == ("N-01-02", 11, 0, 0)
    assert pd.isna(d["best_local_task_id"]) and pd.isna(d["reused_in_local_task_id"])
    s = mini.summary.iloc[0]
    assert (s["aligned"], s["added_tasks"], s["novel_sentences"], s["dropped"]) == (1, 1, 1, 1)


@pytest.mark.parametrize("press, expected", [
    ("新闻出版广电总局", "新闻出版广电总局"),   # the plan names the pre-2018 counterpart
    ("中央宣传部", "中央宣传部"),               # a post-reform plan names its successor
    ("文化部", None),                           # 济南's row must not leak into Qingdao's plan
])
def test_mini_agency_counterparts(press, expected):
    result = reuse.compare_plans(_corpus(LOCAL, _national(press)), "L", "N", counterparts=COUNTERPARTS)
    ac = result.agency_comparison.set_index("agency")
    assert ac.at["市版权局", "counterpart"] == "新闻出版广电总局"
    found = ac.at["市版权局", "national_agency"]
    assert found == expected if expected else pd.isna(found)
    assert ac.loc["市版权局", ["local_tasks", "local_tasks_aligned"]].tolist() == [1, 1]
    assert ac.at["市版权局", "shared_aligned_tasks"] == (1 if expected else 0)
    assert ac.at["市版权局", "counterpart_national_tasks"] == (1 if expected else 0)
    assert ac.loc["市商务局", ["local_tasks_aligned", "shared_aligned_tasks", "counterpart_national_tasks"]].tolist() \
        == [0, 0, 1]
    assert ac.at["市商务局", "local_share"] == 0.5 and ac.at["市商务局", "national_share"] == 0.5
    assert pd.isna(ac.at["市烟草专卖局", "counterpart"])


# --------------------------------------------------------------------------------------------------------------
# the real plans (the session fixture builds them into a scratch root)


@pytest.fixture(scope="module")
def qd2017(corpus):
    return reuse.compare_plans(corpus, "2018_qingdao", "2017_national")


@pytest.fixture(scope="module")
def qd2020(corpus):
    return reuse.compare_plans(corpus, "2018_qingdao", "2020_national")


def _pairs(result):
    a = result.alignment.dropna(subset=["national_task_no"])
    return dict(zip(a["local_task_no"], a["national_task_no"]))


def test_alignment_with_2017(qd2017):
    """Checked by reading both texts: Qingdao follows the 2017 plan almost task by task; it moves 监管信息化
    (2017 十九) after 督查考评 and skips 寄递 (六), 法律法规制修订 (二十), 信息公开 (二十三) and 28–30."""
    expected = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 7, 7: 8, 8: 9, 9: 10, 10: 11, 11: 12, 12: 13, 13: 14, 14: 15,
                15: 16, 16: 17, 17: 18, 18: 21, 19: 22, 20: 19, 21: 24, 22: 25, 23: 26, 24: 27, 25: 31}
    assert _pairs(qd2017) == expected


@pytest.mark.parametrize("local_no, national_no, title", [
    (10, 11, "深入推进软件正版化工作"),
    (12, 13, "加大刑事打击力度"),
])
def test_named_pairs(qd2017, local_no, national_no, title):
    row = qd2017.alignment.set_index("local_task_no").loc[local_no]
    assert (row["national_task_no"], row["local_title"], row["national_title"]) == (national_no, title, title)
    assert row["national_task_id"] == row["best_national_task_id"] and row["score"] > 0.7


def test_every_one_to_one_pair_is_also_the_best_match(qd2017):
    a = qd2017.alignment.dropna(subset=["national_task_id"])
    assert (a["national_task_id"] == a["best_national_task_id"]).all()
    assert a["national_task_id"].is_unique and (a["score"] >= 0.18).all()


def test_local_additions_and_dropped(qd2017):
    added = qd2017.added
    assert set(added[added["kind"] == "task"]["local_title"]) == {"加强外商投资企业知识产权保护", "加大日常工作跟踪考核"}
    sentences = added[added["kind"] == "sentence"]
    novel = " ".join(sentences["local_title"])
    assert "卷烟打假" in novel and "绿剑护农" in novel and "龙腾" in novel
    # the cigarette work sits inside Qingdao task 五 (aligned with 2017 五): both of its sentences are additions
    assert sentences["local_title"].str.contains("卷烟").sum() == 2
    assert set(sentences.loc[sentences["local_title"].str.contains("卷烟"), "local_task_id"]) == {"2018_qingdao-02-05"}
    assert not sentences["local_task_id"].isin(added.loc[added["kind"] == "task", "local_task_id"]).any()
    assert set(qd2017.dropped["task_no"]) == {6, 20, 23, 28, 29, 30}


def test_dropped_tasks_living_on_inside_other_tasks(qd2017):
    """2017 task 六 (寄递: 收寄验视、实名收寄、过机安检三项制度) is folded into Qingdao task 一, part of 二十八
    (多双边工商合作机制, 金砖国家) into Qingdao 二十五; the national legislation task 二十 leaves no trace."""
    d = qd2017.dropped.set_index("task_no")
    assert d.at[6, "reused_in_local_task_id"] == "2018_qingdao-01-01" and d.at[6, "share_reused_in_local"] > 0.2
    assert d.at[28, "reused_in_local_task_id"] == "2018_qingdao-09-25" and d.at[28, "share_reused_in_local"] > 0.2
    assert d.at[20, "n_reused_in_local"] == 0 and d.at[29, "n_reused_in_local"] == 0


def test_reuse_share(qd2017, qd2020):
    s = qd2017.summary.iloc[0]
    assert s["aligned"] == 25 and s["local_tasks"] == 27
    assert 0.60 < s["reuse_share"] < 0.70            # measured: 64.6 % reused verbatim (8-character runs)
    later = qd2020.summary.iloc[0]
    assert later["reuse_share"] < s["reuse_share"] / 2   # the 2020 plan is a much weaker source (22 %)
    tr = qd2017.task_reuse.set_index("local_task_id")
    assert tr.loc["2018_qingdao-04-13", "share_reused"] == 1.0     # 充分履行检察职能: copied whole
    assert tr.loc["2018_qingdao-09-26", "share_reused"] == 0.0     # 外商投资企业: new
    assert np.isclose(tr["n_reused"].sum() / tr["n_chars"].sum(), s["reuse_share"])
    assert (qd2017.sentence_reuse["n_reused"] <= qd2017.sentence_reuse["n_chars"]).all()


def test_passages_are_made_of_national_shingles(qd2017, corpus):
    """A passage is a run of characters covered by 8-character shingles that occur in the national plan (the
    run as a whole need not occur: 完善内部管理制度，严格内容审核 stitches two national phrases). Shingles come from the
    national sentences with responsibility clauses cut out."""
    national = "|".join(s for t in reuse.task_texts(corpus, "2017_national")["clean"] for s in reuse.sentences(t))
    passages = qd2017.passages
    assert len(passages) > 50 and (passages["passage"].str.len() >= 8).all()
    # a run's first and last 8 characters are each one matching shingle (nothing before/after is covered)
    assert all(p[:8] in national and p[-8:] in national for p in passages["passage"])
    assert passages["n_chars"].sum() == qd2017.summary.iloc[0]["chars_reused"]
    mail = passages[passages["passage"].str.contains("实名收寄")]
    assert set(mail["national_task_id"]) == {"2017_national-02-06"}


def test_no_clause_text_is_compared(qd2017):
    assert not qd2017.sentence_reuse["sentence"].str.contains("按职责分工|牵头负责|市工商局").any()


def test_agency_counterparts(qd2017, qd2020):
    ac = qd2017.agency_comparison.set_index("agency")
    assert ac.loc["市工商局", "counterpart"] == "工商总局" and ac.loc["市工商局", "national_agency"] == "工商总局"
    assert ac.loc["市工商局", "local_tasks"] == 15
    assert ac.loc["市烟草专卖局", "shared_aligned_tasks"] == 0
    assert ac.loc["市烟草专卖局", "counterpart_national_tasks"] == 0
    # after the 2018 reform the national plan names the successor
    ac20 = qd2020.agency_comparison.set_index("agency")
    assert ac20.loc["市工商局", "national_agency"] == "市场监管总局"
    assert ac20.loc["市工商局", "counterpart_national_tasks"] == 23
    assert ac20.loc["市文广新局", "national_agency"] == "中央宣传部"
