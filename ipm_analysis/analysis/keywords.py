"""Keyword frequency, trajectories, campaigns, matches in the text, keyword-in-context, dispersion and
collocations over the `tokens` table.

One base for every rate (docs/methods_text.md): occurrences outside responsibility clauses per 10,000
non-punctuation tokens outside clauses, so the numerator and the denominator come from the same tokens. Plans
differ in how much of their text is clauses (0 % in 2012, 12-18 % later), so a base that kept clause tokens
would deflate the later plans' rates. ``include_clauses=True`` counts clause text on both sides instead.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy import stats

from ..grammar import CN_DIGITS
from ..tokenize import campaign_forms

# Arabic and Chinese numerals, ordinals (第三) and counted items (三项, 二是): task markers such as （十八） and
# 二十一 are tokens of their own and must never become keywords. The marker numerals are the plan grammar's;
# amounts in the text add 千, 万 and 亿.
NUMERAL_RE = re.compile(rf"^第?[0-9０-９.%％{CN_DIGITS}千万亿]+[是项条个]?$")
LOW_COUNT = 5          # a rate from fewer occurrences is flagged (is_low_count) and marked in charts
MATCH_KINDS = ("token", "substring", "regex")


def is_numeral(token: pd.Series) -> pd.Series:
    """Whether each token is a numeral (Arabic or Chinese, with an optional 第 and one counter)."""
    return token.astype("string").str.fullmatch(NUMERAL_RE).fillna(False).astype(bool)


def content_tokens(tokens: pd.DataFrame, *, drop_stopwords: bool = True, drop_clauses: bool = True,
                   min_len: int = 2) -> pd.DataFrame:
    """Tokens worth counting as keywords: no punctuation, no numerals, optionally no stopwords, no clause text
    (agency lists and role verbs) and no single characters."""
    keep = ~tokens["is_punct"] & ~is_numeral(tokens["token"]) & (tokens["token"].str.len() >= min_len)
    if drop_stopwords:
        keep &= ~tokens["is_stopword"]
    if drop_clauses:
        keep &= ~tokens["is_in_clause"]
    return tokens[keep]


def base_tokens(tokens: pd.DataFrame, *, include_clauses: bool = False) -> pd.DataFrame:
    """The tokens every rate is a share of: not punctuation and, unless ``include_clauses``, outside clauses."""
    keep = ~tokens["is_punct"]
    if not include_clauses:
        keep &= ~tokens["is_in_clause"]
    return tokens[keep]


def words_per_plan(tokens: pd.DataFrame, *, by: str = "doc_id", include_clauses: bool = False) -> pd.Series:
    """Denominator of the per-10,000 rates (``n_base``) per plan (or per ``by``, e.g. year or task_id)."""
    return base_tokens(tokens, include_clauses=include_clauses).groupby(by).size().rename("n_base")


def _rates(counts: pd.DataFrame, base: pd.Series, by: str) -> pd.DataFrame:
    return (counts.join(base, on=by, validate="m:1")
            .assign(per_10k=lambda d: d["n"] / d["n_base"] * 10_000,
                    rank=lambda d: d.groupby(by)["n"].rank(method="min", ascending=False).astype("int64"),
                    is_low_count=lambda d: d["n"] < LOW_COUNT))


def frequency(tokens: pd.DataFrame, *, drop_stopwords: bool = True, include_clauses: bool = False,
              min_len: int = 2) -> pd.DataFrame:
    """Term frequency per plan: doc_id, year, jurisdiction, token, n, n_base, per_10k (= n / n_base × 10,000),
    rank (1 = most frequent), is_low_count (n < 5)."""
    counts = (content_tokens(tokens, drop_stopwords=drop_stopwords, drop_clauses=not include_clauses,
                             min_len=min_len)
              .groupby(["doc_id", "year", "jurisdiction", "token"], as_index=False, observed=True).size()
              .rename(columns={"size": "n"}))
    return (_rates(counts, words_per_plan(tokens, include_clauses=include_clauses), "doc_id")
            .sort_values(["year", "doc_id", "rank", "token"], ignore_index=True))


def frequency_by_year(tokens: pd.DataFrame, *, drop_stopwords: bool = True, include_clauses: bool = False,
                      min_len: int = 2) -> pd.DataFrame:
    """Term frequency pooled by year (plans of the same year together): year, token, n, n_base, per_10k, rank,
    is_low_count; the base is that of ``frequency`` summed over the year's plans."""
    counts = (content_tokens(tokens, drop_stopwords=drop_stopwords, drop_clauses=not include_clauses,
                             min_len=min_len)
              .groupby(["year", "token"], as_index=False, observed=True).size().rename(columns={"size": "n"}))
    return (_rates(counts, words_per_plan(tokens, by="year", include_clauses=include_clauses), "year")
            .sort_values(["year", "rank", "token"], ignore_index=True))


def top_terms(freq: pd.DataFrame, n: int = 15) -> pd.DataFrame:
    """The ``n`` most frequent terms of each plan (ties broken alphabetically)."""
    return (freq.sort_values(["year", "doc_id", "n", "token"], ascending=[True, True, False, True])
            .groupby("doc_id", sort=False).head(n).reset_index(drop=True))


def trajectory(freq: pd.DataFrame, terms: list[str], *, doc_ids: list[str] | None = None) -> pd.DataFrame:
    """Each term's rate in each plan of a ``frequency`` frame (0 where absent): doc_id, year, token, n, n_base,
    per_10k, is_low_count."""
    plans = freq[["doc_id", "year", "n_base"]].drop_duplicates()
    if doc_ids is not None:
        plans = plans[plans["doc_id"].isin(doc_ids)]
    grid = plans.merge(pd.DataFrame({"token": terms}), how="cross")
    return (grid.merge(freq[["doc_id", "token", "n", "per_10k"]], on=["doc_id", "token"], how="left",
                       validate="1:1")
            .fillna({"n": 0, "per_10k": 0.0}).astype({"n": "int64"})
            .assign(is_low_count=lambda d: d["n"] < LOW_COUNT)
            [["doc_id", "year", "token", "n", "n_base", "per_10k", "is_low_count"]]
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


def _spans(tokens: pd.DataFrame, mask: pd.Series, keys: list[str]) -> pd.DataFrame:
    """[start, end) of each run of consecutive tokens sharing ``keys`` among those selected by ``mask``."""
    t = tokens[mask].sort_values(["doc_id", "position"])
    new_run = (t["position"].diff() != 1).to_numpy(dtype=bool, copy=True)
    for key in keys:
        new_run |= (t[key] != t[key].shift()).fillna(True).to_numpy(dtype=bool)
    return (t.assign(run=np.cumsum(new_run))
            .groupby("run").agg(doc_id=("doc_id", "first"), **{k: (k, "first") for k in keys if k != "doc_id"},
                                start=("start", "min"), end=("end", "max")).reset_index(drop=True))


def find_matches(tokens: pd.DataFrame, documents: pd.DataFrame, term: str, *, match: str = "token",
                 include_clauses: bool = False) -> pd.DataFrame:
    """Every occurrence of ``term`` in the plans, as a token (``match="token"``: the whole token equals the
    term), a substring of the text (``"substring"``: 电子商务 also finds 跨境电子商务) or a regular expression
    (``"regex"``). Text matches never cross a segment or a responsibility clause; clause text is searched only
    with ``include_clauses``.

    Columns: doc_id, year, jurisdiction, segment_no, task_id, query, match, text (what matched), start, end.
    """
    if match not in MATCH_KINDS:
        raise ValueError(f"match must be one of {MATCH_KINDS}, not {match!r}")
    cols = ["doc_id", "year", "jurisdiction", "segment_no", "task_id", "query", "match", "text", "start", "end"]
    keep = pd.Series(True, index=tokens.index) if include_clauses else ~tokens["is_in_clause"]
    if match == "token":
        hits = tokens[keep & (tokens["token"] == term)]
        out = hits.assign(query=term, match=match, text=hits["token"])
    else:
        pattern = re.compile(term if match == "regex" else re.escape(term))
        text = documents.set_index("doc_id")["text"]
        meta = tokens.drop_duplicates(["doc_id", "segment_no"]).set_index(["doc_id", "segment_no"])
        # the searchable stretches: runs of tokens of one segment, inside or outside clauses but not mixed
        runs = _spans(tokens, keep, ["doc_id", "segment_no", "is_in_clause"])
        rows = []
        for r in runs.itertuples():
            body = text[r.doc_id]
            for m in pattern.finditer(body, r.start, r.end):
                if m.end() > m.start():
                    seg = meta.loc[(r.doc_id, r.segment_no)]
                    rows.append((r.doc_id, seg["year"], seg["jurisdiction"], r.segment_no, seg["task_id"], term,
                                 match, m.group(), m.start(), m.end()))
        out = pd.DataFrame(rows, columns=cols)
    out = out.astype({"start": "int64", "end": "int64", "segment_no": "int64", "year": "int64"})
    return out[cols].sort_values(["year", "doc_id", "start"], ignore_index=True)


def term_frequency(tokens: pd.DataFrame, documents: pd.DataFrame, terms: list[str], *, match: str = "token",
                   include_clauses: bool = False) -> pd.DataFrame:
    """Counts and rates of chosen terms in every plan (0 where absent), matched as ``find_matches`` does, on
    the base of ``frequency``: doc_id, year, jurisdiction, term, match, n, n_base, per_10k, is_low_count."""
    if not terms:
        raise ValueError("term_frequency needs at least one term")
    base = words_per_plan(tokens, include_clauses=include_clauses)
    plans = tokens[["doc_id", "year", "jurisdiction"]].drop_duplicates("doc_id")
    found = pd.concat([find_matches(tokens, documents, t, match=match, include_clauses=include_clauses)
                       for t in terms], ignore_index=True)
    counts = found.groupby(["doc_id", "query"]).size().rename("n")
    return (plans.merge(pd.DataFrame({"term": terms}), how="cross")
            .join(counts, on=["doc_id", "term"]).fillna({"n": 0}).astype({"n": "int64"})
            .join(base, on="doc_id", validate="m:1")
            .assign(match=match, per_10k=lambda d: d["n"] / d["n_base"] * 10_000,
                    is_low_count=lambda d: d["n"] < LOW_COUNT)
            [["doc_id", "year", "jurisdiction", "term", "match", "n", "n_base", "per_10k", "is_low_count"]]
            .astype({"year": "int64"})
            .sort_values(["term", "year", "doc_id"], ignore_index=True))


def kwic(tokens: pd.DataFrame, documents: pd.DataFrame, term: str, *, window: int = 20, match: str = "token",
         include_clauses: bool = True) -> pd.DataFrame:
    """Every occurrence of ``term`` (as ``find_matches``) with ``window`` characters of context on each side
    and the task it sits in: doc_id, year, task_id, left, term, right, start, end, match. Clause text is shown
    by default (agency names are often what one looks for); pass ``include_clauses=False`` to see exactly the
    occurrences that ``term_frequency`` counts."""
    text = documents.set_index("doc_id")["text"]
    hits = find_matches(tokens, documents, term, match=match, include_clauses=include_clauses)
    rows = []
    for h in hits.itertuples():
        body = text[h.doc_id]
        rows.append((h.doc_id, h.year, h.task_id, body[max(0, h.start - window):h.start].replace("\n", " "),
                     h.text, body[h.end:h.end + window].replace("\n", " "), h.start, h.end, h.match))
    return pd.DataFrame(rows, columns=["doc_id", "year", "task_id", "left", "term", "right", "start", "end",
                                       "match"])


def dispersion(tokens: pd.DataFrame, documents: pd.DataFrame, terms: list[str], *, match: str = "token",
               include_clauses: bool = False) -> pd.DataFrame:
    """Where in each plan each term occurs (a lexical dispersion plot's data, as quanteda's textplot_xray):
    doc_id, year, term, task_id, start, rel_position (start / length of the plan's text, 0-1)."""
    if not terms:
        raise ValueError("dispersion needs at least one term")
    length = documents.set_index("doc_id")["text"].str.len().rename("n_chars")
    found = pd.concat([find_matches(tokens, documents, t, match=match, include_clauses=include_clauses)
                       for t in terms], ignore_index=True)
    return (found.rename(columns={"query": "term"}).join(length, on="doc_id", validate="m:1")
            .assign(rel_position=lambda d: d["start"] / d["n_chars"])
            [["doc_id", "year", "term", "task_id", "start", "rel_position"]]
            .sort_values(["term", "year", "doc_id", "start"], ignore_index=True))


def collocations(tokens: pd.DataFrame, term: str, *, window: int = 5, min_count: int = 2,
                 per_plan: bool = False, doc_ids: list[str] | None = None) -> pd.DataFrame:
    """Words positively associated with ``term`` within ``window`` content tokens of it (same segment), pooled
    over the plans (or ``doc_ids``) or ``per_plan``.

    Counting follows Evert (2008) for surface co-occurrence: the windows around the node's occurrences are
    merged into one span, and each collocate token inside it counts once, however many node occurrences it is
    near. So ``n_cooc`` never exceeds the collocate's frequency, and the 2×2 table (span / rest × collocate /
    other, over ``n_total`` content tokens) has no negative cell. Only collocates seen more often than expected
    (``n_cooc > expected``) and at least ``min_count`` times are returned.

    Columns: [doc_id], token, n_cooc, n_token, n_node, span (content tokens in the merged span), n_total,
    expected, pmi (log2 n_cooc / expected), log_dice (14 + log2 2·n_cooc / (n_node + n_token)), g2, p_value.
    """
    content = content_tokens(tokens)
    if doc_ids is not None:
        content = content[content["doc_id"].isin(doc_ids)]
    content = content.sort_values(["doc_id", "position"], ignore_index=True)
    groups = [(d, part) for d, part in content.groupby("doc_id", sort=True)] if per_plan else [(None, content)]
    frames = [_collocates(part, term, window).assign(doc_id=d) for d, part in groups]
    cols = ["token", "n_cooc", "n_token", "n_node", "span", "n_total", "expected", "pmi", "log_dice", "g2",
            "p_value"]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols + ["doc_id"])
    out = out[(out["n_cooc"] >= min_count) & (out["n_cooc"] > out["expected"])]
    cols = (["doc_id"] if per_plan else []) + cols
    order = (["doc_id"] if per_plan else []) + ["g2", "token"]
    return out[cols].sort_values(order, ascending=[True] * per_plan + [False, True], ignore_index=True)


def _collocates(content: pd.DataFrame, term: str, window: int) -> pd.DataFrame:
    """Merged-span co-occurrence counts and association measures of every word with ``term``."""
    words = content["token"].to_numpy(dtype=object)
    is_node = words == term
    # a window never crosses a segment: positions are numbered within (doc_id, segment_no)
    seg = (content["doc_id"].astype(str) + "\x00" + content["segment_no"].astype(str)).to_numpy()
    in_span = np.zeros(len(words), dtype=bool)
    for offset in range(1, window + 1):
        for shift in (offset, -offset):
            src = np.roll(is_node, shift) & (np.roll(seg, shift) == seg)
            if shift > 0:
                src[:shift] = False
            else:
                src[shift:] = False
            in_span |= src
    in_span &= ~is_node
    n_node, n_total, span = int(is_node.sum()), len(words), int(in_span.sum())
    freq = pd.Series(words[~is_node]).value_counts()
    cooc = pd.Series(words[in_span]).value_counts()
    frame = pd.DataFrame({"n_cooc": cooc}).rename_axis("token").reset_index()
    if frame.empty:
        return frame.assign(**{c: pd.Series(dtype="float64") for c in
                               ["n_token", "n_node", "span", "n_total", "expected", "pmi", "log_dice", "g2",
                                "p_value"]})
    frame["n_token"] = frame["token"].map(freq).astype("int64")
    frame = frame.assign(n_node=n_node, span=span, n_total=n_total,
                         expected=lambda d: span * d["n_token"] / n_total)
    g2, p = g2_2x2(frame["n_cooc"], span, frame["n_token"], n_total)
    return frame.assign(pmi=np.log2(frame["n_cooc"] / frame["expected"]),
                        log_dice=14 + np.log2(2 * frame["n_cooc"] / (n_node + frame["n_token"])),
                        g2=g2, p_value=p)


def contingency(k11, row1, col1, total) -> np.ndarray:
    """Observed 2×2 cells (4 × n: k11, k12, k21, k22) from a cell, its row total, its column total and N."""
    k11 = np.asarray(k11, dtype=float)
    row1 = np.broadcast_to(np.asarray(row1, dtype=float), k11.shape)
    col1 = np.broadcast_to(np.asarray(col1, dtype=float), k11.shape)
    cells = np.stack([k11, row1 - k11, col1 - k11, total - row1 - col1 + k11])
    if (cells < 0).any():
        raise ValueError("inconsistent 2x2 margins: a cell would be negative")
    return cells


def g2_2x2(k11, row1, col1, total) -> tuple[np.ndarray, np.ndarray]:
    """Dunning's log-likelihood G² of 2×2 tables (scipy's power_divergence, 1 degree of freedom) and its
    p-value, without continuity correction."""
    obs = contingency(k11, row1, col1, total)
    rows = np.stack([obs[0] + obs[1]] * 2 + [obs[2] + obs[3]] * 2)
    cols = np.stack([obs[0] + obs[2], obs[1] + obs[3]] * 2)
    res = stats.power_divergence(obs, rows * cols / total, lambda_="log-likelihood", ddof=2, axis=0)
    return res.statistic, res.pvalue
