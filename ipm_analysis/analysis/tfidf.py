"""TF-IDF topic shifts: distinctive terms, plan similarity, emerging/fading terms, keyness and NMF topics.

All functions take the `tokens` table and work on content tokens (``keywords.content_tokens``), i.e. with the
package's jieba tokenizer, never a second one. Everything is deterministic: sorted vocabularies, fixed seeds.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
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


def distinctive_terms(tokens: pd.DataFrame, n: int = 15) -> pd.DataFrame:
    """The ``n`` terms with the highest TF-IDF weight in each plan: doc_id, rank, token, tfidf."""
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


def keyness(tokens: pd.DataFrame, target: list[str], reference: list[str], *, min_count: int = 3) -> pd.DataFrame:
    """Keyness of each term in the ``target`` plans against the ``reference`` plans.

    Columns: token, n_target, n_reference, ll (Dunning's log-likelihood G², Rayson & Garside 2000), log_ratio
    (Hardie 2014: log2 of the ratio of relative frequencies, +0.5 smoothing), and the log-odds ratio with an
    informative Dirichlet prior (Monroe, Colaresi & Quinn 2008): delta, z. Positive = more typical of target.
    """
    content = content_tokens(tokens)
    a = content[content["doc_id"].isin(target)]["token"].value_counts()
    b = content[content["doc_id"].isin(reference)]["token"].value_counts()
    prior = content["token"].value_counts()          # the whole corpus is the prior
    frame = pd.DataFrame({"n_target": a, "n_reference": b}).fillna(0).astype("int64")
    frame = frame[(frame["n_target"] + frame["n_reference"]) >= min_count]
    na, nb = a.sum(), b.sum()
    e1 = na * (frame["n_target"] + frame["n_reference"]) / (na + nb)
    e2 = nb * (frame["n_target"] + frame["n_reference"]) / (na + nb)
    with np.errstate(divide="ignore", invalid="ignore"):
        ll = 2 * (np.where(frame["n_target"] > 0, frame["n_target"] * np.log(frame["n_target"] / e1), 0)
                  + np.where(frame["n_reference"] > 0, frame["n_reference"] * np.log(frame["n_reference"] / e2), 0))
    sign = np.sign(frame["n_target"] / na - frame["n_reference"] / nb)
    frame["ll"] = ll * sign
    frame["log_ratio"] = np.log2(((frame["n_target"] + 0.5) / na) / ((frame["n_reference"] + 0.5) / nb))
    alpha = prior.reindex(frame.index).astype(float)
    a0 = prior.sum()
    ya, yb = frame["n_target"].astype(float), frame["n_reference"].astype(float)
    delta = (np.log((ya + alpha) / (na + a0 - ya - alpha)) - np.log((yb + alpha) / (nb + a0 - yb - alpha)))
    var = 1 / (ya + alpha) + 1 / (yb + alpha)
    frame["delta"] = delta
    frame["z"] = delta / np.sqrt(var)
    return frame.rename_axis("token").reset_index().sort_values(["z", "token"], ascending=[False, True],
                                                                  ignore_index=True)


def emerging_fading(tokens: pd.DataFrame, doc_ids: list[str], *, n: int = 10, min_count: int = 3) -> pd.DataFrame:
    """For each consecutive pair of plans in ``doc_ids``: the ``n`` terms that rise most (emerging) and fall
    most (fading) by the log-odds z-score of the later plan against the earlier one."""
    rows = []
    for earlier, later in zip(doc_ids, doc_ids[1:]):
        k = keyness(tokens, [later], [earlier], min_count=min_count)
        k = k.assign(earlier=earlier, later=later)
        rows.append(k.head(n).assign(direction="emerging"))
        rows.append(k.sort_values(["z", "token"], ascending=[True, True]).head(n).assign(direction="fading"))
    cols = ["earlier", "later", "direction", "token", "n_reference", "n_target", "z", "log_ratio", "ll"]
    return (pd.concat(rows, ignore_index=True)[cols]
            .rename(columns={"n_reference": "n_earlier", "n_target": "n_later"}))


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
