"""ipm_analysis.analysis.reuse_all: the one-pass comparison equals compare_plans pair by pair.

Checked on the real pairs (Qingdao 2018 against every national plan), on hand-made plans and on pairs of a small
synthetic corpus whose local plans copy national ones (benchmarks/synthetic.py --copies).
"""
from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from ipm_analysis.analysis import reuse, reuse_all

ROOT = Path(__file__).resolve().parents[1]


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns with None for missing values, so str / object and NaN / None compare as equal."""
    return frame.reset_index(drop=True).astype(object).where(frame.reset_index(drop=True).notna(), None)


def _as_multiset(frame: pd.DataFrame, corpus, local: str, national: str) -> list[tuple]:
    """Aligned pairs named by the tasks' texts, as a sorted list: identical tasks are interchangeable."""
    ltext = reuse.task_texts(corpus, local).set_index("task_id")["clean"]
    ntext = reuse.task_texts(corpus, national).set_index("task_id")["clean"]
    return sorted((ltext[a], ntext.get(b, ""), round(float(s), 9) if pd.notna(s) else -1.0)
                  for a, b, s in zip(frame["local_task_id"], frame["national_task_id"], frame["score"]))


def assert_same_as_compare_plans(corpus, result, local, national, *, interchangeable=False):
    """Alignment, per-task reuse, passages and headline numbers of one pair equal compare_plans'.

    ``interchangeable``: a plan holding the same task twice (the synthetic plans draw tasks with replacement)
    has several optimal one-to-one alignments, and which one the Hungarian algorithm returns depends on the
    last bits of other scores; those tasks are then compared by their text."""
    cmp = reuse.compare_plans(corpus, local, national)
    got = result.alignment[(result.alignment["local"] == local) & (result.alignment["national"] == national)]
    expected = cmp.alignment.merge(cmp.task_reuse[["local_task_id", "n_chars", "n_reused", "share_reused"]],
                                   on="local_task_id", validate="1:1")
    if interchangeable:
        assert _as_multiset(got, corpus, local, national) == _as_multiset(expected, corpus, local, national)
        alignment_columns = ["local_task_id", "national_task_id", "national_task_no", "national_title", "score",
                             "best_national_task_id"]
        got, expected = got.drop(columns=alignment_columns), expected.drop(columns=alignment_columns)
    scores = [c for c in ("score", "best_score") if c in got.columns]
    pd.testing.assert_frame_equal(_plain(got.drop(columns=["local", "national"] + scores)),
                                  _plain(expected.drop(columns=scores)))
    # the same TF-IDF, terms added in another order: equal to the last bits
    np.testing.assert_allclose(got[scores].to_numpy(dtype=float), expected[scores].to_numpy(dtype=float),
                               rtol=0, atol=1e-12)
    got_p = result.passages[(result.passages["local"] == local) & (result.passages["national"] == national)]
    pd.testing.assert_frame_equal(_plain(got_p.drop(columns=["local", "national"])), _plain(cmp.passages))
    row = result.pairs.set_index(["local", "national"]).loc[(local, national)]
    for col in ("local_tasks", "national_tasks", "aligned", "added_tasks", "dropped", "chars", "chars_reused"):
        assert row[col] == cmp.summary[col].iloc[0], col
    assert row["reuse_share"] == pytest.approx(cmp.summary["reuse_share"].iloc[0], abs=1e-15)


@pytest.mark.parametrize("texts", [
    ["加强监管  ABC abc。", "", "a", "加强监管"],                      # empty and one-character texts: no n-gram
    ["Ｉ am İstanbul 依法严厉打击", "𠀀𠀁x \u3000 y"],                  # lower() that lengthens, astral characters
    ["打击侵权假冒" * 30, "侵权假冒"],                                  # repeated n-grams counted
])
def test_ngram_counts_equal_scikit_learn(texts):
    counts, _ = reuse_all.ngram_counts(texts)
    expected = CountVectorizer(analyzer="char", ngram_range=(2, 4)).fit_transform(texts)
    assert counts.shape == expected.shape
    assert abs(counts - expected).max() == 0


def test_all_task_texts_equal_task_texts(corpus):
    docs = corpus.documents["doc_id"].tolist()
    every = reuse_all.all_task_texts(corpus, docs)
    for d in docs:
        pd.testing.assert_frame_equal(every[every["doc_id"] == d].drop(columns="doc_id").reset_index(drop=True),
                                      reuse.task_texts(corpus, d))


@pytest.fixture(scope="module")
def qingdao_all(corpus):
    return reuse_all.reuse_all(corpus, "all", jobs=1)


def test_real_pairs_equal_compare_plans(corpus, qingdao_all):
    """Qingdao 2018 against each of the four national plans: same alignments, shares and passages."""
    pairs = list(zip(qingdao_all.pairs["local"], qingdao_all.pairs["national"]))
    assert pairs == [("2018_qingdao", n) for n in
                     ("2012_national", "2017_national", "2020_national", "2021_national")]
    assert qingdao_all.pairs["is_candidate"].all() and qingdao_all.pairs["candidate_score"].isna().all()
    for local, national in pairs:
        assert_same_as_compare_plans(corpus, qingdao_all, local, national)


def test_real_headline_numbers(qingdao_all):
    """The numbers docs/methods_reuse.md reports, from the one-pass comparison."""
    p = qingdao_all.pairs.set_index("national")
    assert p.at["2017_national", "aligned"] == 25 and p.at["2017_national", "chars_reused"] == 2926
    assert p.at["2017_national", "reuse_share"] == pytest.approx(0.646, abs=5e-4)
    assert p.at["2020_national", "reuse_share"] == pytest.approx(0.22, abs=5e-3)


def test_year_pairs(corpus):
    """Qingdao 2018 meets the national plans of 2017 and 2018 (the corpus has no 2018 national plan)."""
    assert reuse_all.year_pairs(corpus.documents) == [("2018_qingdao", "2017_national")]
    assert reuse_all.reuse_all(corpus).pairs[["local", "national"]].values.tolist() == [
        ["2018_qingdao", "2017_national"]]


def test_pair_without_shared_text_is_not_compared(corpus):
    """A pair below candidate_min is listed, not aligned; a pair may be given in either role."""
    result = reuse_all.reuse_all(corpus, [("2018_qingdao", "2012_national")], candidate_min=0.99, jobs=1)
    row = result.pairs.iloc[0]
    assert not row["is_candidate"] and pd.isna(row["aligned"]) and len(result.alignment) == 0
    assert len(result.passages) == 0


def _synthetic():
    module = sys.modules.get("synthetic")
    if module is None:
        spec = importlib.util.spec_from_file_location("synthetic", ROOT / "benchmarks" / "synthetic.py")
        module = sys.modules["synthetic"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def synthetic_corpus(tmp_path_factory):
    """60 synthetic plans whose local plans copy national plans of their year or the year before."""
    root = tmp_path_factory.mktemp("synthetic_reuse")
    _synthetic().generate(root, 60, copies=True)
    mp = pytest.MonkeyPatch()
    mp.setenv("IPM_ANALYSIS_ROOT", str(root))
    from ipm_analysis.builder import build

    corpus = build(quiet=True, csv=False).corpus
    yield corpus
    mp.undo()


def test_synthetic_pairs_equal_compare_plans(synthetic_corpus):
    result = reuse_all.reuse_all(synthetic_corpus, "year", jobs=1, candidate_min=0.0)
    pairs = list(zip(result.pairs["local"], result.pairs["national"]))
    assert len(pairs) >= 20
    assert result.pairs["reuse_share"].max() > 0.5          # some local plans copy their national plan
    for local, national in random.Random(0).sample(pairs, 12):
        assert_same_as_compare_plans(synthetic_corpus, result, local, national, interchangeable=True)


def test_workers_give_the_same_tables(synthetic_corpus):
    one = reuse_all.reuse_all(synthetic_corpus, "year", jobs=1)
    two = reuse_all.reuse_all(synthetic_corpus, "year", jobs=2, min_pairs_per_job=1)
    for name in ("pairs", "alignment", "passages"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name))


def test_command_writes_the_tables(corpus, project_copy, tmp_path, capsys, monkeypatch):
    """``python -m ipm_analysis reuse --pairs all --out DIR``: pairs, alignment and passages as Parquet."""
    from ipm_analysis.__main__ import main

    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(project_copy))   # the real plans, whatever fixture ran before

    assert main(["reuse", "--pairs", "all", "--out", str(tmp_path)]) == 0
    assert "reuse: 4 pairs (4 compared)" in capsys.readouterr().out
    pairs = pd.read_parquet(tmp_path / "pairs.parquet")
    assert pairs.set_index("national").at["2017_national", "aligned"] == 25
    assert len(pd.read_parquet(tmp_path / "alignment.parquet")) == 4 * 27
    assert (tmp_path / "pairs.csv").exists() and not (tmp_path / "passages.csv").exists()
    assert main(["reuse", "--pair", "2018_qingdao", "no_such_plan", "--out", str(tmp_path)]) == 2
