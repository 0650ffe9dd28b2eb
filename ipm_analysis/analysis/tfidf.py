"""TF-IDF: term weights, plan similarity and NMF topics.

Keyness, distinctive terms and emerging/fading terms live in ``analysis/keyness.py``: with a handful of plans,
smoothed idf ranges over 1.0-2.1 only, so TF-IDF weights re-rank frequency and do not find what is distinctive
of a plan. TF-IDF is kept for what it does well with few documents: similarity, and the task vectors of NMF.

All functions take the `tokens` table and work on content tokens (``keywords.content_tokens``), i.e. with the
package's jieba tokenizer, never a second one. Everything is deterministic: sorted vocabularies, fixed seeds.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from .keywords import content_tokens


def _identity(tokens):
    return tokens


def _docs(tokens: pd.DataFrame, unit: str) -> pd.Series:
    """Token lists per unit (``doc_id`` or ``task_id``), in text order."""
    content = content_tokens(tokens)
    if unit == "task_id":
        content = content[content["task_id"].notna()]
    return content.sort_values(["doc_id", "position"]).groupby(unit, sort=True)["token"].agg(list)


def tfidf(tokens: pd.DataFrame, *, unit: str = "doc_id", min_df: int = 1) -> tuple[pd.DataFrame, pd.Index]:
    """TF-IDF matrix (units × terms, l2-normalised rows, smoothed idf) as a dense frame."""
    docs = _docs(tokens, unit)
    vec = TfidfVectorizer(analyzer=_identity, min_df=min_df, sublinear_tf=False)
    matrix = vec.fit_transform(docs.tolist())
    return pd.DataFrame(matrix.toarray(), index=docs.index, columns=vec.get_feature_names_out()), docs.index


def similarity(tokens: pd.DataFrame) -> pd.DataFrame:
    """Plan-by-plan cosine similarity of TF-IDF vectors, tidy: doc_a, doc_b, cosine."""
    matrix, index = tfidf(tokens)
    sim = cosine_similarity(matrix.to_numpy())
    frame = pd.DataFrame(sim, index=index, columns=index)
    return frame.rename_axis(index="doc_a", columns="doc_b").stack().rename("cosine").reset_index()


def similarity_matrix(sim: pd.DataFrame, order: list[str] | None = None) -> pd.DataFrame:
    """The tidy similarity frame as a square matrix."""
    matrix = sim.pivot(index="doc_a", columns="doc_b", values="cosine")
    if order:
        matrix = matrix.loc[order, order]
    return matrix


K_RANGE = range(3, 11)   # numbers of topics tried when none is given


def _fit_nmf(matrix: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=1000)
    # sparse input: same solver and iterations, ~4x faster on the task x term matrix (mostly zeros)
    return model.fit_transform(sparse.csr_matrix(matrix)), model.components_


def _top_sets(h: np.ndarray, n_words: int) -> list[frozenset[int]]:
    return [frozenset(np.argsort(-row, kind="stable")[:n_words].tolist()) for row in h]


def _agreement(a: list[frozenset[int]], b: list[frozenset[int]]) -> float:
    """Mean Jaccard similarity of two topic sets' top words, topics matched one-to-one (Hungarian)."""
    jac = np.array([[len(x & y) / len(x | y) for y in b] for x in a])
    rows, cols = linear_sum_assignment(-jac)
    return float(jac[rows, cols].mean())


def nmf_stability(tokens: pd.DataFrame, *, k_range=K_RANGE, n_runs: int = 5, sample: float = 0.8,
                  n_words: int = 10, seed: int = 0, min_df: int = 2) -> pd.DataFrame:
    """Topic stability for each number of topics k (Greene, O'Callaghan & Cunningham 2014): NMF on all tasks is
    compared with NMF on ``n_runs`` random samples of ``sample`` of the tasks (seeds ``seed``, ``seed + 1`` …);
    agreement is the mean Jaccard similarity of matched topics' top ``n_words`` words.

    Columns: k, stability (mean agreement, 0-1), stability_sd, n_runs.
    """
    matrix = tfidf(tokens, unit="task_id", min_df=min_df)[0].to_numpy()
    rows = []
    for k in k_range:
        if k >= min(matrix.shape):
            continue
        reference = _top_sets(_fit_nmf(matrix, k, seed)[1], n_words)
        scores = []
        for run in range(n_runs):
            rng = np.random.default_rng(seed + run)
            pick = np.sort(rng.choice(len(matrix), size=max(k + 1, round(sample * len(matrix))), replace=False))
            scores.append(_agreement(reference, _top_sets(_fit_nmf(matrix[pick], k, seed)[1], n_words)))
        rows.append((k, float(np.mean(scores)), float(np.std(scores)), n_runs))
    return pd.DataFrame(rows, columns=["k", "stability", "stability_sd", "n_runs"]).astype({"k": "int64"})


def nmf_topics(tokens: pd.DataFrame, *, n_topics: int | None = None, k_range=K_RANGE, n_words: int = 10,
               seed: int = 0, min_df: int = 2) -> dict[str, pd.DataFrame]:
    """NMF topics over tasks (TF-IDF of each task's content tokens), seeds fixed.

    Without ``n_topics``, k is the most stable number of topics over ``k_range`` (``nmf_stability``; ties: the
    smaller k). Returns ``topics`` (topic, rank, token, weight, label), ``task_topics`` (task_id, topic, share,
    doc_id, year, n_tokens), ``plan_shares`` (doc_id, year, topic, share: the plan's task shares weighted by
    the tasks' content tokens, label), ``model`` (one row: k, chosen_by, stability, k_tried) and
    ``stability`` (the ``nmf_stability`` table, empty when k was given).
    """
    stability = pd.DataFrame(columns=["k", "stability", "stability_sd", "n_runs"])
    if n_topics is None:
        stability = nmf_stability(tokens, k_range=k_range, n_words=n_words, seed=seed, min_df=min_df)
        best = stability.sort_values(["stability", "k"], ascending=[False, True]).iloc[0]
        n_topics, chosen_by, score = int(best["k"]), "stability", float(best["stability"])
    else:
        chosen_by, score = "given", float("nan")
    matrix, index = tfidf(tokens, unit="task_id", min_df=min_df)
    w, h = _fit_nmf(matrix.to_numpy(), n_topics, seed)
    terms = matrix.columns.to_numpy()
    topics = []
    for k, row in enumerate(h):
        top = np.argsort(-row, kind="stable")[:n_words]
        topics += [(k, r + 1, terms[i], row[i]) for r, i in enumerate(top)]
    topics = pd.DataFrame(topics, columns=["topic", "rank", "token", "weight"])
    label = topics[topics["rank"] <= 3].groupby("topic")["token"].agg("·".join)
    topics["label"] = topics["topic"].map(label)
    share = w / np.where(w.sum(axis=1, keepdims=True) == 0, 1, w.sum(axis=1, keepdims=True))
    task_doc = tokens.dropna(subset=["task_id"]).drop_duplicates("task_id").set_index("task_id")[["doc_id", "year"]]
    length = _docs(tokens, "task_id").map(len).rename("n_tokens")
    task_topics = (pd.DataFrame(share, index=index, columns=range(n_topics))
                   .rename_axis(index="task_id", columns="topic").stack().rename("share").reset_index()
                   .join(task_doc, on="task_id").join(length, on="task_id"))
    # a plan's share of a topic: its tasks' shares weighted by their length (tasks run from 53 to 536 characters)
    plan_shares = (task_topics.assign(weighted=task_topics["share"] * task_topics["n_tokens"])
                   .groupby(["doc_id", "year", "topic"], as_index=False)[["weighted", "n_tokens"]].sum()
                   .assign(share=lambda d: d["weighted"] / d["n_tokens"], label=lambda d: d["topic"].map(label))
                   [["doc_id", "year", "topic", "share", "label"]])
    model = pd.DataFrame([dict(k=n_topics, chosen_by=chosen_by, stability=score,
                               k_tried=" ".join(map(str, stability["k"])) if len(stability) else "")])
    return {"topics": topics, "task_topics": task_topics, "plan_shares": plan_shares, "model": model,
            "stability": stability}
