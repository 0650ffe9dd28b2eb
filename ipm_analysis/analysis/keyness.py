"""Keyness between any two plans or groups of plans, distinctive terms of each plan, emerging and fading terms.

Method (docs/methods_text.md): for each content token, the 2×2 table (target / reference × the term / other
content tokens) is tested with Dunning's log-likelihood G² divided by Williams' (1976) correction q, or with
Fisher's exact test where an expected count is below 5; p-values are adjusted over the whole table by
Benjamini-Hochberg. The effect size is Hardie's log ratio; the log-odds ratio with an informative Dirichlet prior
(Monroe, Colaresi & Quinn 2008) has the whole corpus as the prior's shape and ``prior_strength`` pseudo-tokens
as its size. Terms whose counts in a Taiwan-localised copy may come from the localisation are flagged.
"""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from scipy import stats

from .. import config
from .keywords import content_tokens, contingency, g2_2x2

ALPHA = 0.05            # threshold of the Benjamini-Hochberg adjusted p-value
PRIOR_STRENGTH = 500.0  # α0 of the informative Dirichlet prior, in pseudo-tokens (docs/methods_text.md)
FISHER_BELOW = 5.0      # Fisher's exact test where an expected cell count is below this
LOCALISED_SCRIPT = "zh-Hant-TW"

COLUMNS = ["token", "n_target", "n_reference", "total_target", "total_reference", "expected_target", "g2",
           "williams_q", "g2_williams", "test", "p_value", "p_adjusted", "alpha", "is_significant", "direction",
           "log_ratio", "delta", "z", "is_localisation_risk"]


@functools.cache
def localisation_terms() -> frozenset[str]:
    """Terms whose counts in a Taiwan-localised copy may come from the localisation (``tw_vocabulary.csv``)."""
    table = pd.read_csv(config.data_path("tw_vocabulary.csv"), comment="#", dtype=str)
    return frozenset(table["term"])


def williams_q(row_totals: tuple[float, float], col_totals: tuple, total: float) -> np.ndarray:
    """Williams' (1976) correction of a 2×2 table's G² (divide G² by it): q = 1 + (N·Σ 1/R − 1)(N·Σ 1/C − 1) / 6N
    for (r − 1)(c − 1) = 1; the column totals may be arrays (one table per term)."""
    (r1, r2), (c1, c2) = row_totals, col_totals
    return 1 + (total * (1 / r1 + 1 / r2) - 1) * (total * (1 / np.asarray(c1, float) + 1 / np.asarray(c2, float))
                                                  - 1) / (6 * total)


@functools.lru_cache(maxsize=65_536)
def _fisher(k11: int, k12: int, k21: int, k22: int) -> float:
    """Two-sided Fisher exact p of one 2×2 table (memoised: low-count tables repeat across terms and pairs)."""
    return float(stats.fisher_exact([[k11, k12], [k21, k22]]).pvalue)


def keyness(tokens: pd.DataFrame, target: list[str], reference: list[str], *, min_count: int = 3,
            prior_strength: float = PRIOR_STRENGTH, alpha: float = ALPHA,
            documents: pd.DataFrame | None = None) -> pd.DataFrame:
    """Keyness of each content token in the ``target`` plans against the ``reference`` plans.

    Terms seen fewer than ``min_count`` times in both together are left out (before the p-value adjustment).
    The prior's shape is the token's share of all content tokens of ``tokens`` (every plan given). With
    ``documents``, a term of ``tw_vocabulary.csv`` is flagged ``is_localisation_risk`` when a compared plan is a
    Taiwan-localised copy. Columns: see ``COLUMNS`` and docs/data_dictionary.md. Sorted by z, highest first.
    """
    content = content_tokens(tokens)
    a = content.loc[content["doc_id"].isin(target), "token"].value_counts()
    b = content.loc[content["doc_id"].isin(reference), "token"].value_counts()
    background = content["token"].value_counts()
    frame = pd.DataFrame({"n_target": a, "n_reference": b}).fillna(0).astype("int64")
    frame = frame[(frame["n_target"] + frame["n_reference"]) >= min_count].rename_axis("token")
    na, nb = int(a.sum()), int(b.sum())
    if not na or not nb:
        raise ValueError(f"no content tokens in the {'target' if not na else 'reference'} plans")
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    ya, yb = frame["n_target"].to_numpy(float), frame["n_reference"].to_numpy(float)
    n = na + nb
    g2, _ = g2_2x2(ya, na, ya + yb, n)
    q = williams_q((na, nb), (ya + yb, n - ya - yb), n)
    g2w = g2 / q
    p = stats.chi2.sf(g2w, 1)
    cells = contingency(ya, na, ya + yb, n)
    rows = np.stack([np.full_like(ya, na)] * 2 + [np.full_like(ya, nb)] * 2)
    cols = np.stack([ya + yb, n - ya - yb] * 2)
    small = (rows * cols / n).min(axis=0) < FISHER_BELOW
    for i in np.flatnonzero(small):
        p[i] = _fisher(*cells[:, i].astype(int).tolist())
    p_adj = stats.false_discovery_control(p, method="bh") if len(p) else p
    # Monroe et al. (2008) eq. 16-22: α_w = α0 · background share of w
    alpha_w = prior_strength * background.reindex(frame.index).to_numpy(float) / background.sum()
    a0 = prior_strength
    delta = (np.log((ya + alpha_w) / (na + a0 - ya - alpha_w))
             - np.log((yb + alpha_w) / (nb + a0 - yb - alpha_w)))
    z = delta / np.sqrt(1 / (ya + alpha_w) + 1 / (yb + alpha_w))
    over = ya / na > yb / nb
    risky = np.zeros(len(frame), dtype=bool)
    if documents is not None:
        compared = documents[documents["doc_id"].isin([*target, *reference])]
        if (compared["script"] == LOCALISED_SCRIPT).any():
            risky = frame.index.isin(list(localisation_terms()))
    out = frame.assign(
        total_target=na, total_reference=nb, expected_target=na * (ya + yb) / n, g2=g2, williams_q=q,
        g2_williams=g2w, test=np.where(small, "fisher", "g2_williams"), p_value=p, p_adjusted=p_adj, alpha=alpha,
        is_significant=p_adj < alpha, direction=np.where(over, "target", np.where(ya / na < yb / nb,
                                                                                   "reference", "none")),
        log_ratio=np.log2(((ya + 0.5) / na) / ((yb + 0.5) / nb)), delta=delta, z=z,
        is_localisation_risk=risky)
    return (out.reset_index()[COLUMNS]
            .sort_values(["z", "token"], ascending=[False, True], ignore_index=True))


def distinctive_terms(tokens: pd.DataFrame, n: int = 15, *, min_count: int = 3, alpha: float = ALPHA,
                      documents: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each plan's ``n`` most distinctive terms: keyness of the plan against all the other plans, terms used
    more in the plan than in the rest, ranked by Williams-corrected G² (ties: z, then token).

    Columns: doc_id, rank, and the ``keyness`` columns. ``is_significant`` says which pass the BH threshold.
    """
    plans = sorted(tokens["doc_id"].dropna().unique())
    parts = []
    for doc in plans:
        k = keyness(tokens, [doc], [p for p in plans if p != doc], min_count=min_count, alpha=alpha,
                    documents=documents)
        top = (k[k["direction"] == "target"]
               .sort_values(["g2_williams", "z", "token"], ascending=[False, False, True]).head(n))
        parts.append(top.assign(doc_id=doc, rank=range(1, len(top) + 1)))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["doc_id", "rank", *COLUMNS])
    return out[["doc_id", "rank", *COLUMNS]].astype({"rank": "int64"})


def emerging_fading(tokens: pd.DataFrame, doc_ids: list[str], *, n: int = 10, min_count: int = 3,
                    prior_strength: float = PRIOR_STRENGTH, alpha: float = ALPHA,
                    documents: pd.DataFrame | None = None) -> pd.DataFrame:
    """For each consecutive pair of plans in ``doc_ids``: the ``n`` terms that rise most (emerging) and fall
    most (fading) by the log-odds z of the later plan against the earlier one, with the pair's keyness
    statistics (p-values adjusted over the pair's whole table, not only the rows shown)."""
    rows = []
    for earlier, later in zip(doc_ids, doc_ids[1:]):
        k = keyness(tokens, [later], [earlier], min_count=min_count, prior_strength=prior_strength,
                    alpha=alpha, documents=documents).assign(earlier=earlier, later=later)
        rows.append(k[k["z"] > 0].head(n).assign(direction="emerging"))
        rows.append(k[k["z"] < 0].sort_values(["z", "token"]).head(n).assign(direction="fading"))
    keep = [c for c in COLUMNS if c not in ("direction",)]
    cols = ["earlier", "later", "direction", *keep]
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=cols)
    return (out[cols].rename(columns={"n_reference": "n_earlier", "n_target": "n_later",
                                      "total_reference": "total_earlier", "total_target": "total_later",
                                      "expected_target": "expected_later"}))
