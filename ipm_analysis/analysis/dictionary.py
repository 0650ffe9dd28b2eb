"""Dictionary analysis of the policy vocabulary (instrument and intensity categories), as quanteda's
``tokens_lookup``: every token of a dictionary term counts for the term's category.

The dictionary is ``data/policy_dictionary.csv`` (sources in ``data/README_text.md``). Counts are of tokens
outside responsibility clauses and rates share the keyword analyses' base (``keywords.words_per_plan``), so a
category's rate and a word's rate can be compared directly.
"""
from __future__ import annotations

import functools

import pandas as pd

from .. import config
from .keywords import LOW_COUNT, base_tokens, words_per_plan

UNITS = ("doc_id", "task_id")
# the caption a chart of these counts carries (the sources are in data/README_text.md)
SOURCE_NOTE = ("词典 / dictionary: ipm_analysis/data/policy_dictionary.csv; instrument categories after Vedung (1998), "
               "intensity after 彭纪生、仲为国、孙文祥 (2008); see data/README_text.md")


@functools.cache
def _policy_dictionary() -> pd.DataFrame:
    return pd.read_csv(config.data_path("policy_dictionary.csv"), comment="#", dtype=str, keep_default_na=False)


@functools.cache
def _labels() -> dict[str, str]:
    frame = pd.read_csv(config.data_path("policy_dictionary_labels.csv"), comment="#", dtype=str,
                        keep_default_na=False)
    return dict(zip(frame["name"], frame["label"]))


def label(name: str) -> str:
    """The chart label of a dimension or category code (``punitive`` → ``惩戒型 / punitive``); the code itself
    when the labels file has none (a category a researcher added)."""
    return _labels().get(name, name)


def policy_dictionary() -> pd.DataFrame:
    """The packaged dictionary: dimension, category, term, note (one row per term and category)."""
    return _policy_dictionary().copy()


def lookup(tokens: pd.DataFrame, dictionary: pd.DataFrame | None = None, *, unit: str = "doc_id",
           by_term: bool = False, include_clauses: bool = False) -> pd.DataFrame:
    """Occurrences of each dictionary category per plan (``unit="doc_id"``) or per task (``"task_id"``).

    Every unit × category is a row (0 where absent): [task_id], doc_id, year, jurisdiction, dimension, category,
    [term with ``by_term``], n, n_base, per_10k (n / n_base × 10,000), is_low_count (n < 5). The base of a task
    is its own non-punctuation tokens outside clauses.
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")
    dictionary = policy_dictionary() if dictionary is None else dictionary
    duplicated = dictionary.duplicated(["dimension", "term"], keep=False)
    if duplicated.any():
        raise ValueError(f"terms in two categories of one dimension: {sorted(dictionary.loc[duplicated, 'term'])}")
    keys = ["dimension", "category", "term"] if by_term else ["dimension", "category"]
    base_tok = base_tokens(tokens, include_clauses=include_clauses)
    if unit == "task_id":
        base_tok = base_tok[base_tok["task_id"].notna()]
    ids = [unit] if unit == "doc_id" else ["task_id", "doc_id"]
    units = base_tok[[*ids, "year", "jurisdiction"]].drop_duplicates(unit)
    hits = base_tok[[*ids, "token"]].merge(dictionary[["dimension", "category", "term"]], left_on="token",
                                          right_on="term", validate="m:m")
    counts = hits.groupby([unit, *keys]).size().rename("n")
    grid = units.merge(dictionary[keys].drop_duplicates(), how="cross")
    base = words_per_plan(base_tok, by=unit, include_clauses=True)   # already filtered to the base
    out = (grid.join(counts, on=[unit, *keys]).fillna({"n": 0}).astype({"n": "int64"})
           .join(base, on=unit, validate="m:1")
           .assign(per_10k=lambda d: d["n"] / d["n_base"] * 10_000, is_low_count=lambda d: d["n"] < LOW_COUNT))
    cols = [*ids, "year", "jurisdiction", *keys, "n", "n_base", "per_10k", "is_low_count"]
    return (out[cols].astype({"year": "int64", "n_base": "int64"})
            .sort_values(["year", "doc_id", *([] if unit == "doc_id" else ["task_id"]), *keys], ignore_index=True))
