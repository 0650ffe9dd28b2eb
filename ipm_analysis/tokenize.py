"""Tokens: jieba word segmentation of every segment, one token per row, with flags instead of deletions.

A project-local ``jieba.Tokenizer`` (not the global one) loads the reviewed user dictionary
(``data/jieba_userdict.txt``), every agency alias (``data/agency_aliases.csv``) and every campaign name
(``data/campaigns.csv``) with a high frequency so they are never split. HMM new-word guessing is off: on these
plans it glues ordinary words into false "new words"; the user dictionary is the reviewed way to add words.
Stopwords (``data/stopwords.txt``) and punctuation are flags; no token is dropped except pure whitespace.
"""
from __future__ import annotations

import functools
import logging
import re

import jieba
import numpy as np
import pandas as pd

from . import config, schemas

COLUMNS = schemas.COLUMNS["tokens"]
_PUNCT_RE = re.compile(r"^[\W_]+$")
_FORCE_FREQ = 10**6  # high enough that jieba always keeps a dictionary word whole


def _read_list(name: str) -> list[str]:
    with open(config.data_path(name), encoding="utf-8") as fh:
        return [line.split("#", 1)[0].strip() for line in fh if line.split("#", 1)[0].strip()]


@functools.cache
def stopwords() -> frozenset[str]:
    """The stopword list (``data/stopwords.txt``)."""
    return frozenset(_read_list("stopwords.txt"))


@functools.cache
def campaigns() -> pd.DataFrame:
    """Named enforcement campaigns (``data/campaigns.csv``): campaign, surface forms and notes."""
    return pd.read_csv(config.data_path("campaigns.csv"), comment="#", dtype=str, keep_default_na=False)


@functools.cache
def campaign_forms() -> dict[str, str]:
    """Surface form → campaign, e.g. 剑网 → 剑网, 剑网行动 → 剑网, 红盾护农 → 红盾护农."""
    out = {}
    for row in campaigns().itertuples():
        for form in [row.campaign, *[f for f in row.forms.split("|") if f]]:
            out[form] = row.campaign
    return out


@functools.cache
def agency_names() -> frozenset[str]:
    aliases = pd.read_csv(config.data_path("agency_aliases.csv"), comment="#", dtype=str)
    return frozenset(aliases["alias"])


@functools.cache
def tokenizer() -> jieba.Tokenizer:
    """The project's jieba tokenizer, its dictionary cache kept in the project cache folder."""
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    cache = config.cache_dir() / "jieba"
    cache.mkdir(parents=True, exist_ok=True)
    tok.tmp_dir = str(cache)
    tok.cache_file = "jieba.cache"
    tok.load_userdict(str(config.data_path("jieba_userdict.txt")))
    # Campaign names only: 剑网行动 must give 剑网 + 行动 so that every use of 剑网 is one token.
    for word in sorted(agency_names() | set(campaigns()["campaign"])):
        tok.add_word(word, freq=_FORCE_FREQ)
    return tok


def tokenize_text(text: str) -> list[tuple[str, int, int]]:
    """(token, start, end) of every non-whitespace token of ``text``."""
    return [(w, s, e) for w, s, e in tokenizer().tokenize(text, HMM=False) if w.strip()]


def empty_tokens() -> pd.DataFrame:
    """An empty `tokens` table with its columns and dtypes."""
    return schemas.empty("tokens")


def tokenize_segments(segments: pd.DataFrame, documents: pd.DataFrame,
                      clauses: pd.DataFrame | None = None) -> pd.DataFrame:
    """The `tokens` table: every segment of every document tokenised, offsets into ``documents.text``.

    Tokens inside a responsibility clause are flagged ``is_in_clause`` so keyword analyses can leave out the
    agency lists and role verbs (负责, 牵头, 按职责分工) that would otherwise top every plan.
    """
    if segments.empty:
        return empty_tokens()
    meta = documents.set_index("doc_id")[["year", "jurisdiction"]]
    flags = _word_flags
    cols: dict[str, list] = {c: [] for c in ("doc_id", "segment_no", "task_id", "start", "end", "token")}
    for seg in segments.itertuples(index=False):
        for word, s, e in tokenize_text(seg.text):
            cols["doc_id"].append(seg.doc_id)
            cols["segment_no"].append(seg.segment_no)
            cols["task_id"].append(seg.task_id)
            cols["start"].append(seg.start + s)
            cols["end"].append(seg.start + e)
            cols["token"].append(word)
    if not cols["token"]:
        return empty_tokens()
    doc = pd.array(cols["doc_id"], dtype="string")
    start = np.asarray(cols["start"], dtype="int64")
    position = pd.Series(doc).groupby(doc, sort=False).cumcount().to_numpy()
    f = np.array([flags(w) for w in cols["token"]], dtype=bool).reshape(-1, 4)
    in_clause = np.zeros(len(start), dtype=bool)
    if clauses is not None and len(clauses):
        doc_np = np.asarray(cols["doc_id"], dtype=object)
        for doc_id, cl in clauses.groupby("doc_id", sort=False):
            mine = doc_np == doc_id
            # clauses are sorted and disjoint: a token is inside one if the last clause starting at or before
            # it ends after it
            cl = cl.sort_values("start")
            idx = np.searchsorted(cl["start"].to_numpy(), start[mine], side="right") - 1
            ends = cl["end"].to_numpy()
            in_clause[mine] = (idx >= 0) & (start[mine] < ends[idx.clip(0)])
    year = meta["year"].reindex(cols["doc_id"]).to_numpy()
    jurisdiction = meta["jurisdiction"].reindex(cols["doc_id"]).to_numpy()
    return pd.DataFrame({
        "doc_id": doc,
        "year": pd.array(year, dtype="int64"),
        "jurisdiction": pd.array(jurisdiction, dtype="string"),
        "segment_no": pd.array(cols["segment_no"], dtype="int64"),
        "task_id": pd.array(cols["task_id"], dtype="string"),
        "position": pd.array(position, dtype="int64"),
        "token": pd.array(cols["token"], dtype="string"),
        "start": pd.array(start, dtype="int64"),
        "end": pd.array(cols["end"], dtype="int64"),
        "is_stopword": f[:, 0], "is_punct": f[:, 1], "is_campaign": f[:, 2], "is_agency": f[:, 3],
        "is_in_clause": in_clause,
    })[list(COLUMNS)]


@functools.lru_cache(maxsize=200_000)
def _word_flags(word: str) -> tuple[bool, bool, bool, bool]:
    """(is_stopword, is_punct, is_campaign, is_agency) of a word, cached: the vocabulary is small."""
    return (word in stopwords(), bool(_PUNCT_RE.match(word)), word in campaign_forms(), word in agency_names())
