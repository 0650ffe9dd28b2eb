"""TF-IDF: term weights, plan similarity and NMF topics.

Keyness, distinctive terms and emerging/fading terms live in ``analysis/keyness.py``: with a handful of plans,
smoothed idf ranges over 1.0-2.1 only, so TF-IDF weights re-rank frequency and do not find what is distinctive
of a plan (``distinctive_terms`` here is kept for TF-IDF's own sake and for notebook 03 until it moves to
``keyness.distinctive_terms``). ``keyness`` and ``emerging_fading`` are importable from here as before.

All functions take the `tokens` table and work on content tokens (``keywords.content_tokens``), i.e. with the
package's jieba tokenizer, never a second one. Everything is deterministic: sorted vocabularies, fixed seeds.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from .keyness import emerging_fading, keyness  # noqa: F401  (their former home; notebook 03 imports them here)
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


def distinctive_terms(tokens: pd.DataFrame, n: int = 15) -> pd.DataFrame:
    """The ``n`` terms with the highest TF-IDF weight in each plan: doc_id, rank, token, tfidf. On a few plans
    this is close to the frequency ranking; ``keyness.distinctive_terms`` is the distinctive-terms analysis."""
    matrix, _ = tfidf(tokens)
    long = (matrix.rename_axis(index="doc_id", columns="token").stack().rename("tfidf").reset_index())
    long = long[long["tfidf"] > 0].sort_values(["doc_id", "tfidf", "token"], ascending=[True, False, True])
    return long.groupby("doc_id").head(n).assign(rank=lambda d: d.groupby("doc_id").cumcount() + 1
                                                 ).reset_index(drop=True)[["doc_id", "rank", "token", "tfidf"]]


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


def nmf_topics(tokens: pd.DataFrame, *, n_topics: int = 8, n_words: int = 10, seed: int = 0, min_df: int = 2
               ) -> dict[str, pd.DataFrame]:
    """NMF topics over tasks (TF-IDF of each task's content tokens).

    Returns ``topics`` (topic, rank, token, weight), ``task_topics`` (task_id, doc_id, topic, weight, share) and
    ``plan_shares`` (doc_id, year, topic, share: mean of the plan's task shares).
    """
    matrix, index = tfidf(tokens, unit="task_id", min_df=min_df)
    model = NMF(n_components=n_topics, init="nndsvda", random_state=seed, max_iter=1000)
    w = model.fit_transform(matrix.to_numpy())
    h = model.components_
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
    task_topics = (pd.DataFrame(share, index=index, columns=range(n_topics))
                   .rename_axis(index="task_id", columns="topic").stack().rename("share").reset_index()
                   .join(task_doc, on="task_id"))
    plan_shares = (task_topics.groupby(["doc_id", "year", "topic"], as_index=False)["share"].mean()
                   .assign(label=lambda d: d["topic"].map(label)))
    return {"topics": topics, "task_topics": task_topics, "plan_shares": plan_shares}
