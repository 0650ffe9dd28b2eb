"""Keyword frequency, trajectories, campaigns, keyword-in-context and collocations over the `tokens` table.

Frequencies are given raw and per 10,000 words, where "words" are all tokens of the plan that are not
punctuation (stopwords included, clause text included), so the rate does not depend on the stopword list.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..tokenize import campaign_forms

_NUMERIC = r"^[0-9０-９.%％]+$"


def content_tokens(tokens: pd.DataFrame, *, drop_stopwords: bool = True, drop_clauses: bool = True,
                   min_len: int = 2) -> pd.DataFrame:
    """Tokens worth counting as keywords: no punctuation, no numbers, optionally no stopwords, no clause text
    (agency lists and role verbs) and no single characters."""
    keep = ~tokens["is_punct"] & ~tokens["token"].str.match(_NUMERIC) & (tokens["token"].str.len() >= min_len)
    if drop_stopwords:
        keep &= ~tokens["is_stopword"]
    if drop_clauses:
        keep &= ~tokens["is_in_clause"]
    return tokens[keep]


def words_per_plan(tokens: pd.DataFrame) -> pd.Series:
    """Denominator of the per-10,000 rates: non-punctuation tokens per plan."""
    return tokens[~tokens["is_punct"]].groupby("doc_id").size().rename("n_words")


def frequency(tokens: pd.DataFrame, **content_options) -> pd.DataFrame:
    """Term frequency per plan: doc_id, year, jurisdiction, token, n, per_10k, rank (1 = most frequent)."""
    words = words_per_plan(tokens)
    counts = (content_tokens(tokens, **content_options)
              .groupby(["doc_id", "year", "jurisdiction", "token"], as_index=False, observed=True).size()
              .rename(columns={"size": "n"}))
    return (counts.join(words, on="doc_id", validate="m:1")
            .assign(per_10k=lambda d: d["n"] / d["n_words"] * 10_000,
                    rank=lambda d: d.groupby("doc_id")["n"].rank(method="min", ascending=False).astype("int64"))
            .drop(columns="n_words")
            .sort_values(["year", "doc_id", "rank", "token"], ignore_index=True))


def frequency_by_year(tokens: pd.DataFrame, **content_options) -> pd.DataFrame:
    """Term frequency pooled by year (plans of the same year together): year, token, n, per_10k, rank.

    Same denominator as ``frequency``: the non-punctuation tokens of all plans of that year.
    """
    words = tokens[~tokens["is_punct"]].groupby("year").size().rename("n_words")
    return (content_tokens(tokens, **content_options)
            .groupby(["year", "token"], as_index=False, observed=True).size().rename(columns={"size": "n"})
            .join(words, on="year", validate="m:1")
            .assign(per_10k=lambda d: d["n"] / d["n_words"] * 10_000,
                    rank=lambda d: d.groupby("year")["n"].rank(method="min", ascending=False).astype("int64"))
            .drop(columns="n_words")
            .sort_values(["year", "rank", "token"], ignore_index=True))


def top_terms(freq: pd.DataFrame, n: int = 15) -> pd.DataFrame:
    """The ``n`` most frequent terms of each plan (ties broken alphabetically)."""
    return (freq.sort_values(["year", "doc_id", "n", "token"], ascending=[True, True, False, True])
            .groupby("doc_id", sort=False).head(n).reset_index(drop=True))


def trajectory(freq: pd.DataFrame, terms: list[str], *, doc_ids: list[str] | None = None) -> pd.DataFrame:
    """Each term's rate per 10,000 words in each plan (0 where absent): doc_id, year, token, n, per_10k."""
    plans = freq[["doc_id", "year"]].drop_duplicates()
    if doc_ids is not None:
        plans = plans[plans["doc_id"].isin(doc_ids)]
    grid = plans.merge(pd.DataFrame({"token": terms}), how="cross")
    return (grid.merge(freq[["doc_id", "token", "n", "per_10k"]], on=["doc_id", "token"], how="left",
                       validate="1:1")
            .fillna({"n": 0, "per_10k": 0.0}).astype({"n": "int64"})
            .sort_values(["token", "year"], ignore_index=True))


def campaign_timeline(tokens: pd.DataFrame) -> pd.DataFrame:
    """Which named campaign appears in which plan: campaign, doc_id, year, n, forms (e.g. 剑网2020)."""
    forms = campaign_forms()
    # the year suffix is the next token of the document, so rows must be in text order
    t = tokens.sort_values(["doc_id", "position"], ignore_index=True)
    hits = t[t["is_campaign"]]
    nxt = t["token"].shift(-1).reindex(hits.index)
    same_doc = t["doc_id"].shift(-1).reindex(hits.index) == hits["doc_id"]
    suffix = nxt.where(same_doc & nxt.str.fullmatch(r"\d{4}").fillna(False).astype(bool), "")
    out = hits.assign(campaign=hits["token"].map(forms), form=hits["token"] + suffix.fillna(""))
    return (out.groupby(["campaign", "doc_id", "year"], as_index=False)
            .agg(n=("token", "size"), forms=("form", lambda f: " ".join(sorted(set(f)))))
            .sort_values(["campaign", "year"], ignore_index=True))


def kwic(tokens: pd.DataFrame, documents: pd.DataFrame, term: str, *, window: int = 20) -> pd.DataFrame:
    """Every use of ``term`` (a token) with ``window`` characters of context on each side."""
    text = documents.set_index("doc_id")["text"]
    hits = tokens[tokens["token"] == term].sort_values(["year", "doc_id", "position"])
    rows = []
    for h in hits.itertuples():
        body = text[h.doc_id]
        left = body[max(0, h.start - window):h.start].replace("\n", " ")
        right = body[h.end:h.end + window].replace("\n", " ")
        rows.append((h.doc_id, h.year, h.task_id, left, body[h.start:h.end], right, h.start, h.end))
    return pd.DataFrame(rows, columns=["doc_id", "year", "task_id", "left", "term", "right", "start", "end"])


def collocations(tokens: pd.DataFrame, term: str, *, window: int = 5, min_count: int = 2) -> pd.DataFrame:
    """Words within ``window`` content tokens of ``term``: co-occurrence count, PMI and Dunning's G².

    Computed over content tokens (no stopwords, punctuation or clause text) within each segment.
    """
    content = content_tokens(tokens).sort_values(["doc_id", "position"], ignore_index=True)
    total = len(content)
    freq = content["token"].value_counts()
    co: dict[str, int] = {}
    for _, seg in content.groupby(["doc_id", "segment_no"], sort=False):
        words = seg["token"].tolist()
        for i, w in enumerate(words):
            if w != term:
                continue
            for other in words[max(0, i - window):i] + words[i + 1:i + 1 + window]:
                if other != term:
                    co[other] = co.get(other, 0) + 1
    if not co or term not in freq:
        return pd.DataFrame(columns=["token", "n_cooc", "n_token", "pmi", "g2"])
    frame = pd.DataFrame({"token": list(co), "n_cooc": list(co.values())})
    frame["n_token"] = frame["token"].map(freq).astype("int64")
    n_term = int(freq[term])
    span = 2 * window
    expected = n_term * span * frame["n_token"] / total
    frame["pmi"] = np.log2(frame["n_cooc"] / expected)
    frame["g2"] = _g2(frame["n_cooc"], n_term * span, frame["n_token"], total)
    return (frame[frame["n_cooc"] >= min_count]
            .sort_values(["g2", "token"], ascending=[False, True], ignore_index=True))


def _g2(k11, row1, col1, total):
    """Dunning's log-likelihood G² for a 2×2 table given the cell, a row total, a column total and N."""
    k11 = np.asarray(k11, dtype=float)
    k12 = row1 - k11
    k21 = np.asarray(col1, dtype=float) - k11
    k22 = total - k11 - k12 - k21
    obs = np.stack([k11, k12, k21, k22])
    rows = np.stack([k11 + k12, k11 + k12, k21 + k22, k21 + k22])
    cols = np.stack([k11 + k21, k12 + k22, k11 + k21, k12 + k22])
    exp = rows * cols / total
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(obs > 0, obs * np.log(obs / exp), 0.0)
    return 2 * terms.sum(axis=0)
