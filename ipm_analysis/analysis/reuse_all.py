"""Reuse across all plans: every local plan against the national plans of its year and the year before, in one pass.

Method (docs/methods_reuse.md, "Across all plans"): the text of every task of every plan is cut into character
2–4-grams and 8-character shingles once, with integer ids shared by the whole corpus. Each pair's task alignment is
then computed as ``reuse.compare_plans`` computes it: TF-IDF with the idf of the two plans only (all pairs of one
local plan in one sparse product), the Hungarian one-to-one alignment above ``min_score``, verbatim shares and
passages by shingling on integer ids. Scores equal ``compare_plans``'s to 1e-12 (terms are added in another
order), alignments are the same (the tests check both). Optionally (``candidate_min`` > 0) a corpus-wide TF-IDF
and one sparse product per group of local plans first drop pairs whose best task cosine is below it.

What ``compare_plans`` has and this pass leaves out: sentence-level best matches and local-addition sentences,
dropped tasks living on elsewhere, agency counterparts. Run ``compare_plans`` on a pair for those.
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from sklearn.preprocessing import normalize

from .. import selection
from .reuse import sentences

_WHITE_SPACES = re.compile(r"\s\s+")   # scikit-learn's char analyzer squeezes runs of white space like this
NGRAM = (2, 4)


@dataclass
class ReuseAll:
    """Stacked results of many local × national comparisons (see docs/data_dictionary.md)."""

    pairs: pd.DataFrame       # one row per pair considered: candidate or not, headline numbers
    alignment: pd.DataFrame   # one row per local task × compared national plan (compare_plans.alignment + reuse)
    passages: pd.DataFrame    # verbatim passages of every compared pair (compare_plans.passages)
    seconds: dict = field(default_factory=dict)   # wall time of each step (prepare, candidates, compare, frames)


# --------------------------------------------------------------------------------------------------------------
# pairs of plans


def year_pairs(documents: pd.DataFrame) -> list[tuple[str, str]]:
    """(local, national) for every local plan and every national plan of its year or the year before."""
    docs = documents.sort_values(["year", "doc_id"], kind="stable")
    nat = docs[docs["level"] == selection.NATIONAL]
    by_year = nat.groupby("year")["doc_id"].apply(list).to_dict()
    local = set(selection.local_plans(docs))
    return [(d, n) for d, y in zip(docs["doc_id"], docs["year"]) if d in local
            for n in by_year.get(int(y) - 1, []) + by_year.get(int(y), [])]


def all_pairs(documents: pd.DataFrame) -> list[tuple[str, str]]:
    """(local, national) for every local plan and every national plan."""
    nationals = selection.national_plans(documents)
    return [(d, n) for d in selection.local_plans(documents) for n in nationals]


# --------------------------------------------------------------------------------------------------------------
# the corpus once: task texts, n-gram counts, shingle ids


def all_task_texts(corpus, doc_ids) -> pd.DataFrame:
    """``reuse.task_texts`` of every plan in ``doc_ids`` at once (same rows, same order per plan), plus doc_id."""
    keep = set(doc_ids)
    tasks = corpus.tasks[corpus.tasks["doc_id"].isin(keep)]
    clauses = corpus.clauses[corpus.clauses["doc_id"].isin(keep)]
    spans: dict = {}
    for task_id, s, e in zip(clauses["task_id"].tolist(), clauses["start"].tolist(), clauses["end"].tolist()):
        spans.setdefault(task_id, []).append((s, e))
    rows = []
    cols = (tasks[c].tolist() for c in ("doc_id", "task_id", "task_no", "title", "text", "start", "marker"))
    for doc_id, task_id, task_no, title, text, start, marker in zip(*cols):
        pieces, pos = [], start + len(marker)
        for s, e in sorted(spans.get(task_id, [])):
            pieces.append(text[pos - start:s - start])
            pos = max(pos, e)
        pieces.append(text[pos - start:])
        clean = re.sub(r"\n+", "\n", "\n".join(pieces)).strip("\n")
        rows.append((doc_id, task_id, task_no, title, clean, clean.replace("\n", "")))
    out = pd.DataFrame(rows, columns=["doc_id", "task_id", "task_no", "title", "clean", "flat"])
    order = {d: k for k, d in enumerate(dict.fromkeys(doc_ids))}
    return out.sort_values("doc_id", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def _ranks(cps: np.ndarray) -> tuple[np.ndarray, int]:
    """Rank + 1 of each code point among the distinct ones (order kept), and the bits a rank needs."""
    present = np.bincount(cps, minlength=1) > 0
    table = np.cumsum(present)            # rank + 1 of every present code point
    return table[cps].astype(np.int64), max(1, int(table[-1] + 1).bit_length())


def _sorted_factorize(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ids in sorted order of the distinct codes, the sorted distinct codes): np.unique's inverse, by hashing."""
    labels, uniques = pd.factorize(codes)
    order = np.argsort(uniques, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[labels], uniques[order]


def ngram_counts(texts: list[str]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Counts of character 2–4-grams per text as scikit-learn's ``CountVectorizer(analyzer="char",
    ngram_range=(2, 4))`` makes them (lower case, runs of white space squeezed, vocabulary in string order),
    computed with numpy: each n-gram is an integer of its characters' ranks, left-aligned so that integer order
    is string order. Returns the float64 CSR counts (a row's entries in order of first appearance) and the
    vocabulary codes (sorted)."""
    texts = [_WHITE_SPACES.sub(" ", t.lower()) for t in texts]
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    cps = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    ranks, bits = _ranks(cps)
    if 4 * bits > 63:
        raise ValueError("too many distinct characters to pack a 4-gram into 63 bits")
    n_min, n_max = NGRAM
    end_of = np.repeat(np.cumsum(lengths), lengths)
    pos = np.arange(len(cps))
    padded = np.concatenate([ranks, np.zeros(n_max, dtype=np.int64)])
    # position-major: the n-grams of a text stay together, so its row's entries need no sorting later
    code = np.zeros((len(cps), n_max - n_min + 1), dtype=np.int64)
    acc = np.zeros(len(cps), dtype=np.int64)
    for k in range(n_max):
        acc |= padded[pos + k] << (bits * (n_max - 1 - k))
        if k + 1 >= n_min:
            code[:, k + 1 - n_min] = acc
    valid = (pos[:, None] + np.arange(n_min, n_max + 1)[None, :]) <= end_of[:, None]
    row_of = np.repeat(np.arange(len(texts)), lengths)
    rows = np.broadcast_to(row_of[:, None], code.shape)[valid]
    cols, vocab = _sorted_factorize(code[valid])
    labels, keys = pd.factorize(rows * max(len(vocab), 1) + cols)   # keys in first-appearance (row-major) order
    data = np.bincount(labels, minlength=len(keys)).astype(np.float64)
    key_rows = keys // max(len(vocab), 1)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(key_rows, minlength=len(texts)))])
    counts = sp.csr_matrix((data, keys % max(len(vocab), 1), indptr), shape=(len(texts), len(vocab)))
    return counts, vocab


def shingle_ids(texts: list[str], shingle: int) -> tuple[np.ndarray, np.ndarray]:
    """An integer id per ``shingle``-character substring (equal ids: equal substrings), for every start position
    of every text; returns (ids, offset of each text's first start). Shingles never cross two texts."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    n_starts = np.maximum(lengths - shingle + 1, 0)
    first = np.concatenate([[0], np.cumsum(n_starts)[:-1]]).astype(np.int64)
    cps = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    ranks, bits = _ranks(cps)
    text_start = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    starts = np.repeat(text_start, n_starts) + (np.arange(int(n_starts.sum())) - np.repeat(first, n_starts))
    per_word = max(1, 63 // bits)
    key = None
    for w in range(0, shingle, per_word):   # pack the shingle into words of per_word characters, then number them
        code = np.zeros(len(starts), dtype=np.int64)
        for k in range(w, min(w + per_word, shingle)):
            code = (code << bits) | ranks[starts + k]
        part, _ = pd.factorize(code)
        key = part.astype(np.int64) if key is None else pd.factorize(key * (int(part.max(initial=0)) + 1) + part)[0]
    return np.asarray(key, dtype=np.int64), first


@dataclass
class _Plans:
    """The corpus cut once: task rows per plan, n-gram tf per entry, sentence layout and shingle ids."""

    tasks: pd.DataFrame            # all_task_texts
    span: dict                     # doc_id -> (first task row, end task row)
    counts: sp.csr_matrix          # task × n-gram counts (string order)
    tf: np.ndarray                 # 1 + log(count) per stored entry of counts (scikit-learn's sublinear tf)
    sentences: list[str]           # every sentence of every task, in order
    sent_task: np.ndarray          # task row of each sentence
    layout_start: np.ndarray       # position of each sentence in the flat layout (one gap after each)
    shingle_ids: np.ndarray        # shingle id at each layout position (-1: none starts there)
    shingle: int


def _prepare(corpus, doc_ids, shingle: int) -> _Plans:
    tasks = all_task_texts(corpus, doc_ids)
    bounds = tasks.groupby("doc_id", sort=False).indices
    span = {d: (int(ix[0]), int(ix[-1]) + 1) for d, ix in bounds.items()}
    span.update({d: (0, 0) for d in doc_ids if d not in span})   # a plan without tasks
    counts, _ = ngram_counts(tasks["flat"].tolist())
    sents, sent_task = [], []
    for row, clean in enumerate(tasks["clean"].tolist()):
        ss = sentences(clean)
        sents += ss
        sent_task += [row] * len(ss)
    sent_task = np.asarray(sent_task, dtype=np.int64)
    lengths = np.fromiter(map(len, sents), dtype=np.int64, count=len(sents))
    layout_start = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]).astype(np.int64)
    ids = np.full(int(lengths.sum() + len(sents)), -1, dtype=np.int64)
    if sents:
        codes, first = shingle_ids(sents, shingle)
        n_starts = np.maximum(lengths - shingle + 1, 0)
        ids[np.repeat(layout_start, n_starts) + np.arange(len(codes)) - np.repeat(first, n_starts)] = codes
    tf = np.log(counts.data) + 1.0
    return _Plans(tasks, span, counts, tf, sents, sent_task, layout_start, ids, shingle)


def _sentence_range(plans: _Plans, doc_id: str) -> tuple[int, int]:
    a, b = plans.span[doc_id]
    return int(np.searchsorted(plans.sent_task, a)), int(np.searchsorted(plans.sent_task, b))


@dataclass
class _Side:
    """One plan's share of a pair: entries of its n-gram rows, document frequencies, shingles."""

    n_tasks: int
    rows: np.ndarray        # task (0..n_tasks-1) of each entry
    cols: np.ndarray        # n-gram of each entry
    tf: np.ndarray          # sublinear tf of each entry
    df: np.ndarray          # document frequency of every n-gram in this plan (dense, vocabulary-wide)
    own_df: np.ndarray      # df of each entry's n-gram in this plan
    indptr: np.ndarray      # CSR row pointers of the entries
    shingles: tuple         # national side: sorted distinct shingle ids, first task row holding each


def _side(plans: _Plans, doc_id: str, with_shingles: bool) -> _Side:
    a, b = plans.span[doc_id]
    lo, hi = plans.counts.indptr[a], plans.counts.indptr[b]
    rows = np.repeat(np.arange(b - a), np.diff(plans.counts.indptr[a:b + 1]))
    cols = plans.counts.indices[lo:hi]
    df = np.bincount(cols, minlength=plans.counts.shape[1]).astype(np.int32)
    return _Side(b - a, rows, cols, plans.tf[lo:hi], df, df[cols], plans.counts.indptr[a:b + 1] - lo,
                 _national_index(plans, doc_id) if with_shingles else None)


def _national_index(plans: _Plans, doc_id: str) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct shingle ids of a plan and the first task (row, document order) holding each."""
    s0, s1 = _sentence_range(plans, doc_id)
    if s0 == s1:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lo, hi = plans.layout_start[s0], plans.layout_start[s1 - 1] + len(plans.sentences[s1 - 1]) + 1
    ids = plans.shingle_ids[lo:hi]
    pos = np.flatnonzero(ids >= 0)
    sent = np.searchsorted(plans.layout_start[s0:s1], lo + pos, side="right") - 1 + s0
    uniq, first = np.unique(ids[pos], return_index=True)   # first occurrence in document order
    return uniq, plans.sent_task[sent[first]]


def block_similarity(local: _Side, nationals: list[_Side]) -> list[np.ndarray]:
    """Cosine of every local task with every task of each national plan, TF-IDF fitted on the two plans of each
    pair only (smoothed idf, sublinear tf), as ``reuse._vectorise`` computes it pair by pair: here one sparse
    product for all pairs of a local plan, both idf factors on the national side. Equal to scikit-learn's up to
    the last bits (it adds a row's terms in another order): the tests check equal alignments and scores within
    1e-12."""
    if not nationals:
        return []
    nl = local.n_tasks
    sizes = np.array([n.n_tasks for n in nationals])
    offset = np.concatenate([[0], np.cumsum(sizes)])
    n_samples = nl + sizes
    # national entries: the idf of their own pair
    cols = np.concatenate([n.cols for n in nationals])
    rows = np.concatenate([n.rows + o for n, o in zip(nationals, offset)])
    nnz = np.array([len(n.cols) for n in nationals])
    plan = np.repeat(np.arange(len(nationals)), nnz)
    own_df = np.concatenate([n.own_df for n in nationals])
    idf = np.log((n_samples[plan] + 1) / (local.df[cols] + own_df + 1.0)) + 1.0
    wn = np.concatenate([n.tf for n in nationals]) * idf
    n_norm = np.sqrt(np.bincount(rows, weights=wn * wn, minlength=offset[-1]))
    v = len(local.df)
    starts = np.concatenate([[0], np.cumsum(nnz)[:-1]])
    indptr = np.concatenate([[0]] + [n.indptr[1:] + s for n, s in zip(nationals, starts)])
    big = sp.csr_matrix((wn * idf, cols, indptr), shape=(offset[-1], v))
    small = sp.csr_matrix((local.tf, local.cols, local.indptr), shape=(nl, v))
    num = (big @ small.T).toarray().T
    # local norms under each pair's idf: distinct local n-grams × national plans
    uniq, inv = np.unique(local.cols, return_inverse=True)
    df_pairs = local.df[uniq][None, :] + np.vstack([n.df[uniq] for n in nationals])
    idf_l = np.log((n_samples[:, None] + 1) / (df_pairs + 1.0)) + 1.0
    tf2 = np.zeros((nl, len(uniq)))
    tf2[local.rows, inv] = local.tf ** 2
    l_norm = np.sqrt(tf2 @ (idf_l ** 2).T)                       # nl × national plans
    out = []
    for k in range(len(nationals)):
        norm = np.outer(l_norm[:, k], n_norm[offset[k]:offset[k + 1]])
        part = num[:, offset[k]:offset[k + 1]]
        out.append(np.divide(part, norm, out=np.zeros_like(norm), where=norm > 0))
    return out


def side_similarity(local: _Side, national: _Side) -> np.ndarray:
    """``block_similarity`` of one pair."""
    return block_similarity(local, [national])[0]


# --------------------------------------------------------------------------------------------------------------
# one pair, exactly as compare_plans


def _compare(plans: _Plans, local: str, national: str, sim: np.ndarray, nside: _Side, min_score: float):
    """Alignment rows, per-task reuse, passages of one pair (integer rows, no frames)."""
    l0, _ = plans.span[local]
    n0, n1 = plans.span[national]
    nl, nn = sim.shape
    best = np.argmax(sim, axis=1) if nn else np.zeros(nl, dtype=np.int64)
    best_score = sim[np.arange(nl), best] if nn else np.zeros(nl)
    aligned = np.full(nl, -1, dtype=np.int64)
    score = np.full(nl, np.nan)
    if nl and nn:
        r, c = linear_sum_assignment(-sim)
        ok = sim[r, c] >= min_score
        aligned[r[ok]] = c[ok]
        score[r[ok]] = sim[r[ok], c[ok]]

    # verbatim reuse: local shingle ids found in the national plan
    s0, s1 = _sentence_range(plans, local)
    chars_per_task = np.zeros(nl, dtype=np.int64)
    reused_per_task = np.zeros(nl, dtype=np.int64)
    passages = None
    if s1 > s0:
        lo = plans.layout_start[s0]
        hi = plans.layout_start[s1 - 1] + len(plans.sentences[s1 - 1]) + 1
        ids = plans.shingle_ids[lo:hi]
        uniq, owner = nside.shingles
        hp = np.zeros(0, dtype=np.int64)
        where = np.zeros(0, dtype=np.int64)
        if len(uniq):
            w = np.minimum(np.searchsorted(uniq, ids), len(uniq) - 1)
            hp = np.flatnonzero((ids >= 0) & (uniq[w] == ids))
            where = w[hp]
        k = plans.shingle
        diff = np.bincount(hp, minlength=len(ids) + k) - np.bincount(hp + k, minlength=len(ids) + k)
        mask = np.cumsum(diff[:len(ids)]) > 0
        starts = plans.layout_start[s0:s1] - lo
        lengths = np.diff(np.concatenate([starts, [len(ids)]])) - 1
        reused = np.add.reduceat(mask.astype(np.int64), starts)     # the gap after each sentence is never set
        task_rows = plans.sent_task[s0:s1] - l0
        chars_per_task = np.bincount(task_rows, weights=lengths, minlength=nl).astype(np.int64)
        reused_per_task = np.bincount(task_rows, weights=reused, minlength=nl).astype(np.int64)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
        ra, rb = edges[::2], edges[1::2]
        if len(ra):
            sent = np.searchsorted(starts, ra, side="right") - 1
            # source task: most of the passage's shingles, ties to the one met first (Counter.most_common)
            width = n1 - n0 + 1
            key = (np.searchsorted(ra, hp, side="right") - 1) * width + (owner[where] - n0)
            ukey, first, cnt = np.unique(key, return_index=True, return_counts=True)
            run = ukey // width
            pick = np.lexsort((first, -cnt, run))
            run_s = run[pick]
            keep = np.concatenate([[True], run_s[1:] != run_s[:-1]])
            src = np.full(len(ra), -1, dtype=np.int64)
            src[run_s[keep]] = ukey[pick][keep] % width + n0
            passages = (s0 + sent, ra - starts[sent], rb - starts[sent], src)
    return best, best_score, aligned, score, chars_per_task, reused_per_task, passages


def _run_chunk(bounds):
    """Compare pairs[lo:hi] (grouped by local plan: one similarity block per local plan)."""
    plans, pairs, min_score = _STATE["plans"], _STATE["pairs"], _STATE["min_score"]
    nationals: dict = {}
    out = []
    chunk = pd.DataFrame(pairs[bounds[0]:bounds[1]], columns=["local", "national"])
    for local, nats in chunk.groupby("local", sort=False)["national"]:
        lside = _side(plans, local, False)
        for d in nats:
            if d not in nationals:
                nationals[d] = _side(plans, d, True)
        sims = block_similarity(lside, [nationals[d] for d in nats])
        out += [((local, d), _compare(plans, local, d, sim, nationals[d], min_score)) for d, sim in zip(nats, sims)]
    return out


_STATE: dict = {}


# --------------------------------------------------------------------------------------------------------------
# candidates: a corpus-wide TF-IDF, one sparse product per group of local plans


def candidate_scores(plans: _Plans, pairs: list[tuple[str, str]], *, max_df: float = 1.0) -> pd.Series:
    """Best corpus-wide cosine between a task of ``local`` and a task of ``national``, for every pair.

    TF-IDF over all tasks (sublinear tf, smoothed idf of the whole corpus). ``max_df`` < 1 leaves out n-grams in
    more than that share of tasks, which makes the product cheaper but loses copies: in a corpus that copies,
    the copied n-grams are the common ones (on the synthetic corpus, 0.01 dropped 1,863 year pairs of which
    1,772 had aligned tasks)."""
    counts = plans.counts
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((counts.shape[0] + 1) / (df + 1.0)) + 1.0
    g = counts.copy()
    g.data = plans.tf * idf[g.indices]
    g = normalize(g)
    if max_df < 1.0:
        g = g @ sp.diags((df <= max_df * counts.shape[0]).astype(np.float64))
    g = g.tocsr()
    frame = pd.DataFrame(pairs, columns=["local", "national"])
    best = pd.Series(0.0, index=pd.MultiIndex.from_frame(frame))
    groups: dict = {}
    for local, nats in frame.groupby("local", sort=False)["national"].apply(tuple).items():
        groups.setdefault(nats, []).append(local)
    for nats, locals_ in groups.items():
        lspans = [plans.span[d] for d in locals_]
        nspans = [plans.span[d] for d in nats]
        lrows = np.concatenate([np.arange(a, b) for a, b in lspans])
        nrows = np.concatenate([np.arange(a, b) for a, b in nspans])
        if not len(lrows) or not len(nrows):
            continue
        s = (g[lrows] @ g[nrows].T).toarray()
        lcut = np.cumsum([0] + [b - a for a, b in lspans])
        ncut = np.cumsum([0] + [b - a for a, b in nspans])
        lkeep, nkeep = np.diff(lcut) > 0, np.diff(ncut) > 0
        blk = np.maximum.reduceat(s, lcut[:-1][lkeep], axis=0)
        blk = np.maximum.reduceat(blk, ncut[:-1][nkeep], axis=1)
        li = np.flatnonzero(lkeep)
        ni = np.flatnonzero(nkeep)
        idx = pd.MultiIndex.from_arrays([np.repeat(np.asarray(locals_, dtype=object)[li], len(ni)),
                                         np.tile(np.asarray(nats, dtype=object)[ni], len(li))])
        best.loc[idx] = blk.ravel()
    return best


# --------------------------------------------------------------------------------------------------------------
# the pass


def reuse_all(corpus, pairs: list[tuple[str, str]] | str = "year", *, min_score: float = 0.18, shingle: int = 8,
              candidate_min: float = 0.0, jobs: int | None = None,
              min_pairs_per_job: int = 200) -> ReuseAll:
    """Compare many (local, national) pairs in one pass: ``"year"`` (default: every local plan against every
    national plan of its year and the year before), ``"all"`` (every national plan) or a list of pairs.

    Every pair is aligned exactly as ``compare_plans`` aligns it. With ``candidate_min`` > 0 a corpus-wide TF-IDF
    pass first scores each pair by its best task cosine (``candidate_score``); pairs below it are listed in
    ``pairs`` with ``is_candidate`` false and not aligned (worth it for ``"all"`` pairs of a large corpus, where
    plans years apart share little; a year pair of plans that copy each other almost always aligns tasks).
    ``jobs`` worker processes (default: all cores; 1 runs in this process; at least ``min_pairs_per_job`` pairs
    each). Deterministic: the tables do not depend on ``jobs``.
    """
    docs = corpus.documents
    if isinstance(pairs, str):
        pairs = {"year": year_pairs, "all": all_pairs}[pairs](docs)
    pairs = list(dict.fromkeys((str(a), str(b)) for a, b in pairs))
    doc_ids = list(dict.fromkeys([d for p in pairs for d in p]))
    t0 = time.perf_counter()
    plans = _prepare(corpus, doc_ids, shingle)
    t1 = time.perf_counter()
    if candidate_min > 0 and pairs:
        cand = candidate_scores(plans, pairs)
    else:   # no filter: every pair is compared
        cand = pd.Series(np.nan, index=pd.MultiIndex.from_tuples(pairs) if pairs else None, dtype=float)
    t2 = time.perf_counter()
    keep = (cand.reindex(pd.MultiIndex.from_tuples(pairs)).to_numpy(dtype=float) >= candidate_min
            if pairs and candidate_min > 0 else [True] * len(pairs))
    todo = [p for p, k in zip(pairs, keep) if k]
    first_seen: dict = {}
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) // min_pairs_per_job or 1))
    _STATE.update(plans=plans, pairs=todo, min_score=min_score)
    todo.sort(key=lambda p: first_seen.setdefault(p[0], len(first_seen)))   # a local plan's pairs together
    # chunks end at a local plan's last pair: a local plan's similarity block, hence its rounding, never depends
    # on how many workers there are
    ends = [k + 1 for k in range(len(todo)) if k + 1 == len(todo) or todo[k + 1][0] != todo[k][0]]
    cuts = sorted({0, len(todo)} | {min(ends, key=lambda e: abs(e - k * len(todo) // (jobs * 4)))
                                    for k in range(1, jobs * 4)} if ends else {0})
    chunks = list(zip(cuts[:-1], cuts[1:]))
    from threadpoolctl import threadpool_limits

    try:
        if jobs == 1:
            with threadpool_limits(1):   # small matrix products: BLAS threads only fight over the cores
                results = _run_chunk((0, len(todo)))
        else:
            import multiprocessing as mp

            with threadpool_limits(1), mp.get_context("fork").Pool(jobs) as pool:
                results = [r for part in pool.map(_run_chunk, chunks) for r in part]
    finally:
        _STATE.clear()
    t3 = time.perf_counter()
    out = _frames(plans, docs, pairs, cand, todo, results, min_score, shingle, candidate_min)
    out.seconds.update(prepare=t1 - t0, candidates=t2 - t1, compare=t3 - t2, frames=time.perf_counter() - t3,
                       pairs=len(pairs), compared=len(todo), jobs=jobs)
    return out


def _frames(plans, docs, pairs, cand, todo, results, min_score, shingle, candidate_min) -> ReuseAll:
    tasks = plans.tasks
    year = docs.set_index("doc_id")["year"].astype(int)
    cols = {k: [] for k in ("pair", "local_row", "national_row", "score", "best_row", "best_score", "n_chars",
                            "n_reused")}
    pcols = {k: [] for k in ("pair", "sentence", "a", "b", "national_row")}
    srow, names = [], []
    for k, ((local, national), (best, best_score, aligned, score, chars, reused, passages)) in enumerate(results):
        l0, l1 = plans.span[local]
        n0, n1 = plans.span[national]
        nl = l1 - l0
        names.append((local, national))
        for key, value in (("pair", np.full(nl, k)), ("local_row", np.arange(l0, l1)),
                           ("national_row", np.where(aligned >= 0, aligned + n0, -1)), ("score", score),
                           ("best_row", np.where(best_score > 0, best + n0, -1)), ("best_score", best_score),
                           ("n_chars", chars), ("n_reused", reused)):
            cols[key].append(value)
        if passages is not None:
            for key, value in zip(("sentence", "a", "b", "national_row"), passages):
                pcols[key].append(value)
            pcols["pair"].append(np.full(len(passages[0]), k))
        total, n_reused = int(chars.sum()), int(reused.sum())
        n_aligned = int((aligned >= 0).sum())
        srow.append((local, national, nl, n1 - n0, n_aligned, nl - n_aligned, n1 - n0 - n_aligned, total, n_reused,
                     n_reused / total if total else np.nan))

    def col(rows, name, field):   # object columns with None where missing, as compare_plans has them
        values = tasks[field].to_numpy(dtype=object)
        return pd.array(np.where(rows >= 0, values[np.maximum(rows, 0)] if len(values) else None, None),
                        dtype=object)

    def stack(d):
        return {k: np.concatenate(v) if v else np.zeros(0, dtype=np.int64) for k, v in d.items()}

    a, p = stack(cols), stack(pcols)
    local_of = np.asarray([n[0] for n in names] or [""], dtype=object)
    national_of = np.asarray([n[1] for n in names] or [""], dtype=object)
    lr, nr, br = (a[c].astype(np.int64) for c in ("local_row", "national_row", "best_row"))
    alignment = pd.DataFrame({
        "local": local_of[a["pair"].astype(np.int64)], "national": national_of[a["pair"].astype(np.int64)],
        "local_task_id": col(lr, "", "task_id"), "local_task_no": col(lr, "", "task_no"),
        "local_title": col(lr, "", "title"),
        "national_task_id": col(nr, "", "task_id"), "national_task_no": col(nr, "", "task_no"),
        "national_title": col(nr, "", "title"), "score": a["score"].astype(float),
        "best_national_task_id": col(br, "", "task_id"), "best_score": a["best_score"].astype(float),
        "n_chars": a["n_chars"].astype(np.int64), "n_reused": a["n_reused"].astype(np.int64)})
    alignment = alignment.assign(
        local_task_no=lambda d: d["local_task_no"].astype("Int64"),
        national_task_no=lambda d: d["national_task_no"].astype("Int64"),
        share_reused=lambda d: d["n_reused"] / d["n_chars"].where(d["n_chars"] > 0))

    pair = p["pair"].astype(np.int64)
    sent = p["sentence"].astype(np.int64)
    first_sent = np.asarray([_sentence_range(plans, n[0])[0] for n in names] or [0], dtype=np.int64)
    text = [plans.sentences[s][x:y] for s, x, y in zip(sent.tolist(), p["a"].tolist(), p["b"].tolist())]
    passages = pd.DataFrame({
        "local": local_of[pair], "national": national_of[pair],
        "local_task_id": col(plans.sent_task[sent], "", "task_id"),
        "sentence_no": sent - first_sent[pair] + 1,
        "passage": pd.array(text, dtype=object), "n_chars": (p["b"] - p["a"]).astype(np.int64),
        "national_task_id": col(p["national_row"].astype(np.int64), "", "task_id")})

    summary = pd.DataFrame(srow, columns=["local", "national", "local_tasks", "national_tasks", "aligned",
                                          "added_tasks", "dropped", "chars", "chars_reused", "reuse_share"])
    frame = pd.DataFrame(pairs, columns=["local", "national"])
    frame = frame.assign(local_year=frame["local"].map(year), national_year=frame["national"].map(year),
                         candidate_score=cand.reindex(pd.MultiIndex.from_frame(frame)).to_numpy(dtype=float),
                         is_candidate=lambda d: d["candidate_score"].ge(candidate_min) | (candidate_min <= 0))
    out = frame.merge(summary, on=["local", "national"], how="left", validate="1:1")
    out = out.astype({c: "Int64" for c in ("local_tasks", "national_tasks", "aligned", "added_tasks", "dropped",
                                            "chars", "chars_reused")})
    out = out.assign(shingle=shingle, min_score=min_score, candidate_min=candidate_min)
    return ReuseAll(out, alignment, passages)
