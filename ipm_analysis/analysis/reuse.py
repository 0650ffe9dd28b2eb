"""How a local plan adapts a national one: task alignment, verbatim text reuse, agency counterparts.

Method (docs/methods_reuse.md): responsibility clauses are cut out first, so agency lists do not drive the
similarity. Tasks are compared by character n-gram TF-IDF cosine (2–4-grams: robust to jieba's segmentation and
to small edits) and aligned one-to-one with the Hungarian algorithm above a minimum score. Verbatim reuse is
measured by shingling (Broder 1997; as in text-reuse studies of legislation, Wilkerson, Smith & Stramp 2015):
a local character counts as reused when it lies in a run of at least ``shingle`` characters that also occurs
in the national plan. Every local sentence is also paired with its most similar national sentence, so a reader
can see the passages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from .. import config

_SENTENCE_END = re.compile(r"(?<=[。；！？])")


@dataclass
class Comparison:
    """Tidy frames comparing one local plan with one national plan (see docs/data_dictionary.md)."""

    local: str
    national: str
    candidates: pd.DataFrame        # local task × its top-k national tasks with scores
    similarity: pd.DataFrame        # full local × national task score matrix (for heatmaps)
    alignment: pd.DataFrame         # one row per local task: aligned national task or none
    dropped: pd.DataFrame           # national tasks with no local counterpart
    added: pd.DataFrame             # local tasks with no national source
    sentence_reuse: pd.DataFrame    # one row per local sentence: best national sentence, verbatim share
    task_reuse: pd.DataFrame        # verbatim reuse per local task
    passages: pd.DataFrame          # reused verbatim passages (≥ shingle characters)
    agency_comparison: pd.DataFrame  # local agency load beside its national counterpart's on aligned tasks
    summary: pd.DataFrame           # one row of headline numbers


def task_texts(corpus, doc_id: str) -> pd.DataFrame:
    """Tasks of one plan with their text minus marker and responsibility clauses (``clean``)."""
    tasks = corpus.tasks[corpus.tasks["doc_id"] == doc_id]
    clauses = corpus.clauses[corpus.clauses["doc_id"] == doc_id]
    spans = clauses.groupby("task_id")[["start", "end"]].agg(list)
    rows = []
    for t in tasks.itertuples():
        text = t.text
        cut = spans.loc[t.task_id] if t.task_id in spans.index else ([], [])
        for s, e in sorted(zip(*cut), reverse=True):
            text = text[: s - t.start] + text[e - t.start:]
        rows.append((t.task_id, t.task_no, t.title, text[len(t.marker):].replace("\n", "")))
    return pd.DataFrame(rows, columns=["task_id", "task_no", "title", "clean"])


def _vectorise(a: list[str], b: list[str]) -> np.ndarray:
    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 4), sublinear_tf=True)
    matrix = vec.fit_transform(a + b)
    return cosine_similarity(matrix[: len(a)], matrix[len(a):])


def sentences(text: str) -> list[str]:
    """Split a clause-free text into sentences (。；！？ end a sentence)."""
    return [s for s in (p.strip() for p in _SENTENCE_END.split(text)) if len(s) > 1]


def reused_mask(text: str, source_shingles: set[str], shingle: int) -> np.ndarray:
    """Boolean per character of ``text``: inside a ``shingle``-character run found in the source."""
    mask = np.zeros(len(text), dtype=bool)
    for i in range(len(text) - shingle + 1):
        if text[i:i + shingle] in source_shingles:
            mask[i:i + shingle] = True
    return mask


def _shingles(texts, shingle: int) -> set[str]:
    return {t[i:i + shingle] for t in texts for i in range(len(t) - shingle + 1)}


def _runs(text: str, mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(int), [0]])))
    return list(zip(edges[::2], edges[1::2]))


def _counterparts() -> pd.DataFrame:
    return pd.read_csv(config.data_path("agency_counterparts.csv"), comment="#", dtype=str, keep_default_na=False)


def compare_plans(corpus, local: str, national: str, *, min_score: float = 0.18, top_k: int = 3,
                  shingle: int = 8, novel_min_chars: int = 15) -> Comparison:
    """Align the tasks of ``local`` with those of ``national`` and measure verbatim reuse (see module doc).

    ``min_score``: the lowest cosine accepted for a one-to-one pair. The default 0.18 was set by reading the
    Qingdao–2017 pairs: the patent tasks (七 ↔ 八, 0.199) are true counterparts, the next-weakest assignment
    (二十七 ↔ 二十三, 0.156) is not. ``novel_min_chars``: shorter sentences (mostly headings) are never listed
    as local additions.
    """
    lt, nt = task_texts(corpus, local), task_texts(corpus, national)
    sim = _vectorise(lt["clean"].tolist(), nt["clean"].tolist())
    similarity = pd.DataFrame(sim, index=lt["task_id"], columns=nt["task_id"])

    order = np.argsort(-sim, axis=1, kind="stable")[:, :top_k]
    candidates = pd.DataFrame([
        (lt.at[i, "task_id"], r + 1, nt.at[j, "task_id"], nt.at[j, "title"], sim[i, j])
        for i in range(len(lt)) for r, j in enumerate(order[i])],
        columns=["local_task_id", "rank", "national_task_id", "national_title", "score"])

    rows, cols = linear_sum_assignment(-sim)
    pairs = {r: c for r, c in zip(rows, cols) if sim[r, c] >= min_score}
    alignment = pd.DataFrame([
        (lt.at[i, "task_id"], lt.at[i, "task_no"], lt.at[i, "title"],
         nt.at[pairs[i], "task_id"] if i in pairs else None, nt.at[pairs[i], "task_no"] if i in pairs else None,
         nt.at[pairs[i], "title"] if i in pairs else None, sim[i, pairs[i]] if i in pairs else np.nan,
         nt.at[order[i][0], "task_id"], sim[i, order[i][0]])
        for i in range(len(lt))],
        columns=["local_task_id", "local_task_no", "local_title", "national_task_id", "national_task_no",
                 "national_title", "score", "best_national_task_id", "best_score"])
    alignment = alignment.astype({"national_task_no": "Int64"})
    aligned_national = set(alignment["national_task_id"].dropna())
    dropped = nt[~nt["task_id"].isin(aligned_national)][["task_id", "task_no", "title"]].reset_index(drop=True)
    dropped = dropped.assign(best_local_score=[sim[:, j].max() for j in dropped.index.map(
        lambda k: nt.index[nt["task_id"] == dropped.at[k, "task_id"]][0])])

    # sentence-level verbatim reuse
    nat_sentences = [(t.task_id, s) for t in nt.itertuples() for s in sentences(t.clean)]
    source = _shingles([s for _, s in nat_sentences], shingle)
    loc_sentences = [(t.task_id, s) for t in lt.itertuples() for s in sentences(t.clean)]
    sent_sim = _vectorise([s for _, s in loc_sentences], [s for _, s in nat_sentences])
    srows, prows = [], []
    for k, (task_id, s) in enumerate(loc_sentences):
        mask = reused_mask(s, source, shingle)
        best = int(np.argmax(sent_sim[k]))
        srows.append((task_id, k + 1, s, len(s), int(mask.sum()), mask.mean(), nat_sentences[best][0],
                      nat_sentences[best][1], sent_sim[k, best]))
        prows += [(task_id, k + 1, s[a:b], b - a) for a, b in _runs(s, mask)]
    sentence_reuse = pd.DataFrame(srows, columns=[
        "local_task_id", "sentence_no", "sentence", "n_chars", "n_reused", "share_reused",
        "best_national_task_id", "best_national_sentence", "best_score"])
    passages = pd.DataFrame(prows, columns=["local_task_id", "sentence_no", "passage", "n_chars"])
    task_reuse = (sentence_reuse.groupby("local_task_id", sort=False)[["n_chars", "n_reused"]].sum()
                  .assign(share_reused=lambda d: d["n_reused"] / d["n_chars"])
                  .reindex(lt["task_id"]).fillna({"n_chars": 0, "n_reused": 0})
                  .rename_axis("local_task_id").reset_index()
                  .merge(lt[["task_id", "title"]].rename(columns={"task_id": "local_task_id"}),
                         on="local_task_id", validate="1:1"))

    added = (alignment[alignment["national_task_id"].isna()][["local_task_id", "local_title", "best_score"]]
             .merge(task_reuse[["local_task_id", "share_reused"]], on="local_task_id", validate="1:1")
             .assign(kind="task"))
    # a local addition inside an aligned task: a sentence with little verbatim reuse and a weak best match
    novel = sentence_reuse[(sentence_reuse["share_reused"] < 0.2) & (sentence_reuse["best_score"] < 0.3)
                           & (sentence_reuse["n_chars"] >= novel_min_chars)]
    added = pd.concat([added, novel.rename(columns={"sentence": "local_title"})
                       [["local_task_id", "local_title", "best_score", "share_reused"]].assign(kind="sentence")],
                      ignore_index=True)

    agency_comparison = _agency_comparison(corpus, local, national, alignment)
    total = sentence_reuse["n_chars"].sum()
    summary = pd.DataFrame([dict(
        local=local, national=national, local_tasks=len(lt), national_tasks=len(nt),
        aligned=int(alignment["national_task_id"].notna().sum()), added_tasks=int((added["kind"] == "task").sum()),
        novel_sentences=int((added["kind"] == "sentence").sum()), dropped=len(dropped),
        chars=int(total), chars_reused=int(sentence_reuse["n_reused"].sum()),
        reuse_share=float(sentence_reuse["n_reused"].sum() / total) if total else float("nan"),
        shingle=shingle, min_score=min_score)])
    return Comparison(local, national, candidates, similarity, alignment, dropped, added, sentence_reuse,
                      task_reuse, passages, agency_comparison, summary)


def _agency_comparison(corpus, local: str, national: str, alignment: pd.DataFrame) -> pd.DataFrame:
    """Per local agency: tasks it carries in the local plan, its national counterpart, and how many of the
    aligned national tasks name that counterpart."""
    ta = corpus.task_agencies
    named = ta[~ta["is_generic"] & ta["is_known"]]
    loc = named[named["doc_id"] == local]
    nat = named[named["doc_id"] == national]
    cp = _counterparts()
    pairs = alignment.dropna(subset=["national_task_id"])[["local_task_id", "national_task_id"]]
    rows = []
    for agency, part in loc.groupby("agency"):
        match = cp[cp["agency"] == agency]
        counterpart = match["counterpart"].iloc[0] if len(match) and match["counterpart"].iloc[0] else None
        tasks = set(part["task_id"])
        aligned = pairs[pairs["local_task_id"].isin(tasks)]
        nat_tasks = set(nat[nat["agency"] == counterpart]["task_id"]) if counterpart else set()
        rows.append((agency, counterpart, len(tasks), len(aligned),
                     len(set(aligned["national_task_id"]) & nat_tasks), len(nat_tasks)))
    return (pd.DataFrame(rows, columns=["agency", "counterpart", "local_tasks", "local_tasks_aligned",
                                        "shared_aligned_tasks", "counterpart_national_tasks"])
            .sort_values(["local_tasks", "agency"], ascending=[False, True], ignore_index=True))
