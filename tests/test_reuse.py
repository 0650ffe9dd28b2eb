"""ipm_analysis.analysis.reuse: alignment of a local plan with a national plan, verbatim reuse."""
from __future__ import annotations

import numpy as np
import pytest

from ipm_analysis.analysis import reuse


@pytest.mark.parametrize("text, expected", [
    ("加强监管。严厉打击；依法查处！", ["加强监管。", "严厉打击；", "依法查处！"]),
    ("没有句号的一段", ["没有句号的一段"]),
])
def test_sentences(text, expected):
    assert reuse.sentences(text) == expected


def test_reused_mask_counts_only_long_runs():
    source = reuse._shingles(["依法严厉打击侵权假冒违法犯罪行为"], 4)
    mask = reuse.reused_mask("我们依法严厉打击的事", source, 4)
    # 依法严厉打击 (6 chars) is found; 我们, 的事 are not
    assert mask.tolist() == [False, False, True, True, True, True, True, True, False, False]
    assert reuse._runs("我们依法严厉打击的事", mask) == [(2, 8)]


@pytest.fixture(scope="module")
def qd2017(corpus):
    return reuse.compare_plans(corpus, "2018_qingdao", "2017_national")


def _pairs(result):
    a = result.alignment.dropna(subset=["national_task_no"])
    return dict(zip(a["local_task_no"], a["national_task_no"]))


def test_alignment_with_2017(qd2017):
    """Checked by reading both texts: Qingdao follows the 2017 plan almost task by task."""
    expected = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 7, 7: 8, 8: 9, 9: 10, 10: 11, 11: 12, 12: 13, 13: 14, 14: 15,
                15: 16, 16: 17, 17: 18, 18: 21, 19: 22, 20: 19, 21: 24, 22: 25, 23: 26, 24: 27, 25: 31}
    assert _pairs(qd2017) == expected


def test_local_additions_and_dropped(qd2017):
    added = qd2017.added
    assert set(added[added["kind"] == "task"]["local_title"]) == {"加强外商投资企业知识产权保护", "加大日常工作跟踪考核"}
    novel = " ".join(added[added["kind"] == "sentence"]["local_title"])
    assert "卷烟打假" in novel and "绿剑护农" in novel
    assert set(qd2017.dropped["task_no"]) == {6, 20, 23, 28, 29, 30}


def test_reuse_share(qd2017, corpus):
    s = qd2017.summary.iloc[0]
    assert s["aligned"] == 25 and s["local_tasks"] == 27
    assert 0.60 < s["reuse_share"] < 0.70            # measured: 64.6 % reused verbatim (8-char runs)
    later = reuse.compare_plans(corpus, "2018_qingdao", "2020_national").summary.iloc[0]
    assert later["reuse_share"] < s["reuse_share"] / 2   # the 2020 plan is a much weaker source
    tr = qd2017.task_reuse.set_index("local_task_id")
    assert tr.loc["2018_qingdao-04-13", "share_reused"] > 0.9     # 充分履行检察职能: copied whole
    assert np.isclose(tr["n_reused"].sum() / tr["n_chars"].sum(), s["reuse_share"])


def test_passages_are_made_of_national_shingles(qd2017, corpus):
    """A passage is a run of characters covered by 8-character shingles that occur in the national plan (the
    run as a whole need not occur: 完善内部管理制度，严格内容审核 stitches two national phrases). Shingles come from the
    national sentences with responsibility clauses cut out."""
    national = "|".join(s for t in reuse.task_texts(corpus, "2017_national")["clean"] for s in reuse.sentences(t))
    passages = qd2017.passages["passage"]
    assert len(passages) > 50 and (passages.str.len() >= 8).all()
    # a run's first and last 8 characters are each one matching shingle (nothing before/after is covered)
    assert all(p[:8] in national and p[-8:] in national for p in passages)


def test_agency_counterparts(qd2017):
    ac = qd2017.agency_comparison.set_index("agency")
    assert ac.loc["市工商局", "counterpart"] == "工商总局"
    assert ac.loc["市工商局", "local_tasks"] == 15
    assert ac.loc["市烟草专卖局", "shared_aligned_tasks"] == 0
