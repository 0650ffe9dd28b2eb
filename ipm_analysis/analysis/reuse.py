"""How a local plan adapts a national one: task alignment, verbatim text reuse, agency counterparts.

Method (docs/methods_reuse.md): responsibility clauses are cut out first, so agency lists do not drive the
similarity. Tasks are compared by character n-gram TF-IDF cosine (2–4-grams: robust to jieba's segmentation and
to small edits) and aligned one-to-one with the Hungarian algorithm above a minimum score. Verbatim reuse is
measured by shingling (Broder 1997; as in text-reuse studies of legislation, Wilkerson, Smith & Stramp 2015):
a local character counts as reused when it lies in a run of at least ``shingle`` characters that also occurs
in the national plan. Every local sentence is also paired with its most similar national sentence, so a reader
can see the passages and the local additions inside otherwise copied tasks.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from .. import config, selection

# a sentence ends after 。；！？ (full or half width) or at a line break; task_texts puts a line break where a
# responsibility clause was cut out, because clauses often stand in for the full stop (…良好氛围（市网络办负责）推进…)
_SENTENCE_END = re.compile(r"(?<=[。；！？!?])|\n")
_LEADING_PUNCT = "，,、；;：:。 \u3000"


@dataclass
class Comparison:
    """Tidy frames comparing one local plan with one national plan (see docs/data_dictionary.md)."""

    local: str
    national: str
    candidates: pd.DataFrame        # local task × its top-k national tasks with scores
    similarity: pd.DataFrame        # full local × national task score matrix (for heatmaps)
    alignment: pd.DataFrame         # one row per local task: aligned national task or none
    dropped: pd.DataFrame           # national tasks with no local counterpart
    added: pd.DataFrame             # local tasks / sentences with no national source
    sentence_reuse: pd.DataFrame    # one row per local sentence: best national sentence, verbatim share
    task_reuse: pd.DataFrame        # verbatim reuse per local task
    passages: pd.DataFrame          # reused verbatim passages (≥ shingle characters)
    agency_comparison: pd.DataFrame  # local agency load beside its national counterpart's on aligned tasks
    summary: pd.DataFrame           # one row of headline numbers


# --------------------------------------------------------------------------------------------------------------
# text preparation


def task_texts(corpus, doc_id: str) -> pd.DataFrame:
    """Tasks of one plan with their text minus marker and responsibility clauses.

    ``clean`` keeps a line break at every paragraph end and wherever a clause was cut out (sentence boundaries);
    ``flat`` is ``clean`` without line breaks, the text the TF-IDF vectors are built from.
    """
    tasks = corpus.tasks[corpus.tasks["doc_id"] == doc_id]
    clauses = corpus.clauses[corpus.clauses["doc_id"] == doc_id]
    spans = {k: sorted(zip(g["start"], g["end"])) for k, g in clauses.groupby("task_id")}
    rows = []
    for t in tasks.itertuples():
        pieces, pos = [], t.start + len(t.marker)
        for s, e in spans.get(t.task_id, []):
            pieces.append(t.text[pos - t.start:s - t.start])
            pos = max(pos, e)
        pieces.append(t.text[pos - t.start:])
        clean = re.sub(r"\n+", "\n", "\n".join(pieces)).strip("\n")
        rows.append((t.task_id, t.task_no, t.title, clean, clean.replace("\n", "")))
    return pd.DataFrame(rows, columns=["task_id", "task_no", "title", "clean", "flat"])


def sentences(text: str) -> list[str]:
    """Split a clause-free text into sentences: after 。；！？ and at line breaks (where clauses were cut)."""
    parts = (p.strip().lstrip(_LEADING_PUNCT).strip() for p in _SENTENCE_END.split(text))
    return [p for p in parts if len(p) > 1]


def _vectorise(a: list[str], b: list[str]) -> np.ndarray:
    """Cosine of every text of ``a`` with every text of ``b`` (char 2–4-gram TF-IDF fitted on both)."""
    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 4), sublinear_tf=True)
    matrix = vec.fit_transform(a + b)
    return cosine_similarity(matrix[: len(a)], matrix[len(a):])


# --------------------------------------------------------------------------------------------------------------
# verbatim reuse by shingling


def shingle_index(texts, shingle: int) -> set[str]:
    """All ``shingle``-character substrings of ``texts`` (shingles never cross two texts)."""
    return {t[i:i + shingle] for t in texts for i in range(len(t) - shingle + 1)}


def reused_mask(text: str, source_shingles, shingle: int) -> np.ndarray:
    """Boolean per character of ``text``: inside a ``shingle``-character run found in the source."""
    mask = np.zeros(len(text), dtype=bool)
    for i in range(len(text) - shingle + 1):
        if text[i:i + shingle] in source_shingles:
            mask[i:i + shingle] = True
    return mask


def _runs(text: str, mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of every run of True in ``mask``."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], np.asarray(mask, dtype=int), [0]])))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


def _source_task(passage: str, owner: dict[str, str], shingle: int) -> str | None:
    """National task holding most of the passage's shingles (a passage may stitch phrases of two tasks)."""
    votes = Counter(owner[passage[i:i + shingle]] for i in range(len(passage) - shingle + 1)
                    if passage[i:i + shingle] in owner)
    return votes.most_common(1)[0][0] if votes else None


# --------------------------------------------------------------------------------------------------------------
# agencies


def load_counterparts() -> pd.DataFrame:
    """The reviewed local → national agency table ``ipm_analysis/data/agency_counterparts.csv``."""
    return pd.read_csv(config.data_path("agency_counterparts.csv"), comment="#", dtype=str, keep_default_na=False)


def agency_comparison(corpus, local: str, national: str, alignment: pd.DataFrame,
                      counterparts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per local agency: its task load in the local plan beside its national counterpart's in the national plan.

    The counterpart is looked up by the name the national plan uses: the pre-2018 ``counterpart`` if the plan
    names it, else its post-reform ``counterpart_successor`` (so 市工商局 meets 工商总局 in 2017 and 市场监管总局
    in 2020). ``shared_aligned_tasks`` counts aligned task pairs that name both the agency and the counterpart.
    An agency the table does not hold (a plan of any other place) takes the ``counterpart`` and
    ``counterpart_successor`` of its task_agencies rows, which the local-agency rules supply (省文化厅 → 文化部,
    文化和旅游部); the reviewed table wins where it has a row.
    """
    cp = load_counterparts() if counterparts is None else counterparts
    docs = getattr(corpus, "documents", None)
    if docs is not None and "scope" in cp.columns:
        # a counterpart table may hold several cities; keep the local plan's own rows
        scope = docs.loc[docs["doc_id"] == local, "jurisdiction"]
        if len(scope):
            cp = cp[cp["scope"] == scope.iloc[0]]
    cp = cp.drop_duplicates("agency").set_index("agency")
    ta = corpus.task_agencies
    named = ta[~ta["is_generic"].astype(bool) & ta["is_known"].astype(bool) & ta["agency"].notna()]
    loc, nat = named[named["doc_id"] == local], named[named["doc_id"] == national]
    nat_tasks_of = {a: set(g) for a, g in nat.groupby("agency")["task_id"]}
    n_local = corpus.tasks["doc_id"].eq(local).sum()
    n_national = corpus.tasks["doc_id"].eq(national).sum()
    pairs = alignment.dropna(subset=["national_task_id"])[["local_task_id", "national_task_id"]]

    by_rule = {}
    if {"counterpart", "counterpart_successor"} <= set(loc.columns):
        firsts = loc.drop_duplicates("agency").set_index("agency")
        by_rule = {a: (c if isinstance(c, str) else "", cs if isinstance(cs, str) else "")
                   for a, c, cs in zip(firsts.index, firsts["counterpart"], firsts["counterpart_successor"])}

    rows = []
    for agency, part in loc.groupby("agency"):
        if agency in cp.index:
            counterpart, successor = cp.at[agency, "counterpart"], cp.at[agency, "counterpart_successor"]
        else:
            counterpart, successor = by_rule.get(agency, ("", ""))
        in_plan = next((n for n in (counterpart, successor) if n and n in nat_tasks_of), None)
        nat_tasks = nat_tasks_of.get(in_plan, set())
        tasks = set(part["task_id"])
        aligned = pairs[pairs["local_task_id"].isin(tasks)]
        rows.append((agency, counterpart or None, in_plan, len(tasks), len(tasks) / n_local if n_local else np.nan,
                     len(aligned), len(set(aligned["national_task_id"]) & nat_tasks), len(nat_tasks),
                     len(nat_tasks) / n_national if n_national else np.nan))
    columns = ["agency", "counterpart", "national_agency", "local_tasks", "local_share", "local_tasks_aligned",
               "shared_aligned_tasks", "counterpart_national_tasks", "national_share"]
    return (pd.DataFrame(rows, columns=columns)
            .sort_values(["local_tasks", "agency"], ascending=[False, True], ignore_index=True))


# --------------------------------------------------------------------------------------------------------------
# the comparison


def compare_plans(corpus, local: str, national: str, *, min_score: float = 0.18, top_k: int = 3,
                  shingle: int = 8, novel_min_chars: int = 15, novel_max_share: float = 0.2,
                  novel_max_score: float = 0.3, counterparts: pd.DataFrame | None = None) -> Comparison:
    """Align the tasks of plan ``local`` with those of plan ``national`` and measure verbatim reuse.

    ``corpus`` needs ``tasks``, ``clauses`` and ``task_agencies`` (``documents`` optional) as in the data
    dictionary. ``min_score``: the lowest cosine accepted for a one-to-one pair; 0.18 was set by reading the
    Qingdao–2017 pairs: the patent tasks (七 ↔ 八, 0.20) are true counterparts, the next-weakest assignment
    (二十七 ↔ 二十三, 0.16) is not. A sentence of an aligned task is a sentence-level local addition when less than
    ``novel_max_share`` of it is reused, its closest national sentence scores below ``novel_max_score`` and it
    has at least ``novel_min_chars`` characters; task headings are never additions (a retitled task is not new).
    ``counterparts`` overrides ``agency_counterparts.csv`` (tests).
    """
    lt, nt = task_texts(corpus, local), task_texts(corpus, national)
    sim = _vectorise(lt["flat"].tolist(), nt["flat"].tolist())
    similarity = pd.DataFrame(sim, index=pd.Index(lt["task_id"], name="local_task_id"),
                              columns=pd.Index(nt["task_id"], name="national_task_id"))

    order = np.argsort(-sim, axis=1, kind="stable")[:, :top_k]
    candidates = pd.DataFrame([
        (lt.at[i, "task_id"], r + 1, nt.at[j, "task_id"], nt.at[j, "task_no"], nt.at[j, "title"], sim[i, j])
        for i in range(len(lt)) for r, j in enumerate(order[i]) if sim[i, j] > 0],   # no shared n-gram: no candidate
        columns=["local_task_id", "rank", "national_task_id", "national_task_no", "national_title", "score"])

    rows, cols = linear_sum_assignment(-sim)
    pairs = {int(r): int(c) for r, c in zip(rows, cols) if sim[r, c] >= min_score}
    alignment = pd.DataFrame([
        (lt.at[i, "task_id"], lt.at[i, "task_no"], lt.at[i, "title"],
         nt.at[pairs[i], "task_id"] if i in pairs else None, nt.at[pairs[i], "task_no"] if i in pairs else None,
         nt.at[pairs[i], "title"] if i in pairs else None, sim[i, pairs[i]] if i in pairs else np.nan,
         nt.at[order[i][0], "task_id"] if sim[i, order[i][0]] > 0 else None, sim[i, order[i][0]])
        for i in range(len(lt))],
        columns=["local_task_id", "local_task_no", "local_title", "national_task_id", "national_task_no",
                 "national_title", "score", "best_national_task_id", "best_score"])
    alignment = alignment.astype({"national_task_no": "Int64", "score": "float64"})

    # sentence level: verbatim reuse against the whole national plan, and the closest national sentence
    nat_sentences = [(t.task_id, s) for t in nt.itertuples() for s in sentences(t.clean)]
    loc_sentences = [(t.task_id, t.title, s) for t in lt.itertuples() for s in sentences(t.clean)]
    owner: dict[str, str] = {}
    for task_id, s in nat_sentences:          # first national task (document order) holding each shingle
        for i in range(len(s) - shingle + 1):
            owner.setdefault(s[i:i + shingle], task_id)
    sent_sim = (_vectorise([s for *_, s in loc_sentences], [s for _, s in nat_sentences])
                if loc_sentences and nat_sentences else np.zeros((len(loc_sentences), 0)))
    srows, prows = [], []
    for k, (task_id, title, s) in enumerate(loc_sentences):
        mask = reused_mask(s, owner, shingle)
        best = int(np.argmax(sent_sim[k])) if sent_sim.shape[1] and sent_sim[k].max() > 0 else None
        srows.append((task_id, k + 1, s, s.rstrip("。；！？!?") == title, len(s), int(mask.sum()), float(mask.mean()),
                      nat_sentences[best][0] if best is not None else None,
                      nat_sentences[best][1] if best is not None else None,
                      float(sent_sim[k, best]) if best is not None else 0.0))
        prows += [(task_id, k + 1, s[a:b], b - a, _source_task(s[a:b], owner, shingle)) for a, b in _runs(s, mask)]
    sentence_reuse = pd.DataFrame(srows, columns=[
        "local_task_id", "sentence_no", "sentence", "is_heading", "n_chars", "n_reused", "share_reused",
        "best_national_task_id", "best_national_sentence", "best_score"])
    passages = pd.DataFrame(prows, columns=["local_task_id", "sentence_no", "passage", "n_chars",
                                            "national_task_id"])

    task_reuse = (sentence_reuse.groupby("local_task_id", sort=False)[["n_chars", "n_reused"]].sum()
                  .reindex(lt["task_id"], fill_value=0).rename_axis("local_task_id").reset_index()
                  .assign(share_reused=lambda d: d["n_reused"] / d["n_chars"].where(d["n_chars"] > 0))
                  .merge(lt[["task_id", "title"]].rename(columns={"task_id": "local_task_id"}),
                         on="local_task_id", validate="1:1"))

    added_tasks = (alignment[alignment["national_task_id"].isna()][["local_task_id", "local_title", "best_score"]]
                   .merge(task_reuse[["local_task_id", "share_reused"]], on="local_task_id", validate="1:1")
                   .assign(sentence_no=pd.NA, kind="task"))
    aligned_local = set(alignment.dropna(subset=["national_task_id"])["local_task_id"])
    novel = sentence_reuse[sentence_reuse["local_task_id"].isin(aligned_local) & ~sentence_reuse["is_heading"]
                           & (sentence_reuse["share_reused"] < novel_max_share)
                           & (sentence_reuse["best_score"] < novel_max_score)
                           & (sentence_reuse["n_chars"] >= novel_min_chars)]
    added = pd.concat([added_tasks, novel.rename(columns={"sentence": "local_title"})
                       [["local_task_id", "sentence_no", "local_title", "best_score", "share_reused"]]
                       .assign(kind="sentence")], ignore_index=True)
    added = added[["local_task_id", "sentence_no", "local_title", "best_score", "share_reused", "kind"]]
    added = added.astype({"sentence_no": "Int64"})

    dropped = _dropped(lt, nt, sim, alignment, shingle)
    agencies = agency_comparison(corpus, local, national, alignment, counterparts)
    total, reused = int(sentence_reuse["n_chars"].sum()), int(sentence_reuse["n_reused"].sum())
    summary = pd.DataFrame([dict(
        local=local, national=national, local_tasks=len(lt), national_tasks=len(nt),
        aligned=len(pairs), added_tasks=int((added["kind"] == "task").sum()),
        novel_sentences=int((added["kind"] == "sentence").sum()), dropped=len(dropped),
        chars=total, chars_reused=reused, reuse_share=reused / total if total else float("nan"),
        shingle=shingle, min_score=min_score)])
    return Comparison(local, national, candidates, similarity, alignment, dropped, added, sentence_reuse,
                      task_reuse, passages, agencies, summary)


def _dropped(lt: pd.DataFrame, nt: pd.DataFrame, sim: np.ndarray, alignment: pd.DataFrame,
             shingle: int) -> pd.DataFrame:
    """National tasks without a local counterpart, with how much of their text the local plan still reuses
    (a dropped task may live on inside another local task, e.g. 2017's 寄递 task inside Qingdao's task 一)."""
    local_index = {t.task_id: shingle_index(sentences(t.clean), shingle) for t in lt.itertuples()}
    union = set().union(*local_index.values())
    aligned = set(alignment["national_task_id"].dropna())
    rows = []
    for j, t in enumerate(nt.itertuples()):
        if t.task_id in aligned:
            continue
        sents = sentences(t.clean)
        n_chars = sum(map(len, sents))
        # characters of the national task found verbatim in each local task; the plan-wide share uses the union
        per_task = {k: sum(int(reused_mask(s, idx, shingle).sum()) for s in sents) for k, idx in local_index.items()}
        n_reused = sum(int(reused_mask(s, union, shingle).sum()) for s in sents)
        where = max(per_task, key=per_task.get) if per_task and max(per_task.values()) > 0 else None
        best = int(np.argmax(sim[:, j])) if len(lt) and sim[:, j].max() > 0 else None
        rows.append((t.task_id, t.task_no, t.title,
                     lt.at[best, "task_id"] if best is not None else None,
                     float(sim[best, j]) if best is not None else 0.0,
                     n_chars, n_reused, n_reused / n_chars if n_chars else np.nan, where))
    return pd.DataFrame(rows, columns=["task_id", "task_no", "title", "best_local_task_id", "best_local_score",
                                       "n_chars", "n_reused_in_local", "share_reused_in_local",
                                       "reused_in_local_task_id"])


# --------------------------------------------------------------------------------------------------------------
# a local plan against every national plan


@dataclass
class Attribution:
    """A local plan's verbatim reuse from every national plan at once (see docs/data_dictionary.md)."""

    local: str
    nationals: list[str]
    by_plan: pd.DataFrame       # one row per national plan: share reused, only from it, first from it, floor
    passages: pd.DataFrame      # local runs covered by one constant set of national plans, earliest attributed
    task_matches: pd.DataFrame  # local task × national plan: aligned / best national task, score, reuse


def _coverage(sent: str, indexes: list[set[str]], shingle: int) -> np.ndarray:
    """plans × characters boolean matrix: character covered by a verbatim run found in each plan."""
    return np.array([reused_mask(sent, idx, shingle) for idx in indexes]).reshape(len(indexes), len(sent))


def attribute_reuse(corpus, local: str, nationals: list[str] | None = None, *, shingle: int = 8,
                    min_score: float = 0.18) -> Attribution:
    """Compare ``local`` with every national plan (default: all, ``selection.national_plans``) at once.

    A local character is *reused from* a national plan when it lies in a run of ≥ ``shingle`` characters found
    in that plan (as in ``compare_plans``); it is attributed to the *earliest* national plan that has it and is
    *only from* a plan when no other national plan of the corpus has it. The *floor* is the national plan the
    local plan shares least with: national plans copy each other, so a share only means something above it.
    """
    return attribute_all(corpus, [local], nationals, shingle=shingle, min_score=min_score)[local]


def attribute_all(corpus, locals_: list[str] | None = None, nationals: list[str] | None = None, *,
                  shingle: int = 8, min_score: float = 0.18, jobs: int | None = None) -> dict[str, Attribution]:
    """``attribute_reuse`` of many local plans (default: every one, ``selection.local_plans``) in one pass.

    The national plans' shingle indexes are built once, and the task alignments of every local × national pair
    come from one ``reuse_all`` pass (the same alignments and scores as ``compare_plans``, tested there): 50 local
    against 20 national plans took 11 minutes as one ``compare_plans`` per pair.
    """
    from .reuse_all import reuse_all   # reuse_all imports this module

    docs = corpus.documents
    locals_ = list(selection.local_plans(docs) if locals_ is None else locals_)
    nationals = list(selection.national_plans(docs) if nationals is None else nationals)
    if not nationals:
        raise ValueError("attribute_reuse needs at least one national plan")
    year = docs.set_index("doc_id")["year"]
    nationals = sorted(nationals, key=lambda d: (int(year[d]), d))   # earliest first: attribution order
    indexes = [shingle_index([s for t in task_texts(corpus, d).itertuples() for s in sentences(t.clean)], shingle)
               for d in nationals]
    pairs = [(loc, nat) for loc in locals_ for nat in nationals]
    alignment = reuse_all(corpus, pairs, min_score=min_score, shingle=shingle, jobs=jobs).alignment
    by_local = dict(tuple(alignment.groupby("local", sort=False))) if len(alignment) else {}
    return {loc: _attribute(corpus, loc, nationals, indexes, by_local.get(loc, alignment.iloc[:0]), year,
                            shingle)
            for loc in locals_}


def _attribute(corpus, local: str, nationals: list[str], indexes: list[set[str]], alignment: pd.DataFrame,
               year: pd.Series, shingle: int) -> Attribution:
    lt = task_texts(corpus, local)
    n = len(nationals)
    covered, only, first, also_earlier = (np.zeros(n, dtype=int) for _ in range(4))
    total, prows = 0, []
    sentence_no = 0
    for t in lt.itertuples():
        for s in sentences(t.clean):
            sentence_no += 1
            cov = _coverage(s, indexes, shingle)
            total += len(s)
            hits = cov.sum(axis=0)
            covered += cov.sum(axis=1)
            only += (cov & (hits == 1)).sum(axis=1)
            any_hit = hits > 0
            earliest = np.where(any_hit, cov.argmax(axis=0), -1)
            first += np.bincount(earliest[any_hit], minlength=n)
            # covered by this plan and by an earlier one: cumulative OR of the earlier rows
            before = np.vstack([np.zeros(len(s), dtype=bool), np.logical_or.accumulate(cov, axis=0)[:-1]])
            also_earlier += (cov & before).sum(axis=1)
            # split the reused characters into runs over which the set of plans does not change
            keys = [tuple(np.flatnonzero(cov[:, i])) for i in range(len(s))]
            i = 0
            while i < len(s):
                j = i
                while j < len(s) and keys[j] == keys[i]:
                    j += 1
                if keys[i]:
                    plans = [nationals[k] for k in keys[i]]
                    prows.append((t.task_id, sentence_no, s[i:j], j - i, ";".join(plans), plans[0], len(plans),
                                  len(plans) > 1))
                i = j
    passages = pd.DataFrame(prows, columns=["local_task_id", "sentence_no", "passage", "n_chars", "doc_ids",
                                            "earliest_doc_id", "n_plans", "reappears_later"])
    union = int(passages["n_chars"].sum())
    by_plan = pd.DataFrame({
        "local": local, "national": nationals, "national_year": [int(year[d]) for d in nationals],
        "year_gap": [abs(int(year[local]) - int(year[d])) for d in nationals],
        "chars": total, "chars_reused": covered, "chars_only": only, "chars_first": first,
        "chars_also_earlier": also_earlier})
    share = (lambda col: by_plan[col] / total) if total else (lambda col: np.nan)
    by_plan = by_plan.assign(
        share_reused=share("chars_reused"), share_only=share("chars_only"), share_first=share("chars_first"),
        share_of_reused_also_earlier=lambda d: d["chars_also_earlier"] / d["chars_reused"].where(d["chars_reused"] > 0),
        share_of_reused_only=lambda d: d["chars_only"] / d["chars_reused"].where(d["chars_reused"] > 0),
        chars_reused_any=union, share_reused_any=union / total if total else np.nan)
    floor = by_plan["share_reused"].idxmin() if len(by_plan) else None
    by_plan = by_plan.assign(is_floor=by_plan.index == floor)
    return Attribution(local, nationals, by_plan, passages, _task_matches(local, alignment, year))


def _task_matches(local: str, alignment: pd.DataFrame, year: pd.Series) -> pd.DataFrame:
    """Local task × national plan: the one-to-one aligned task and the single best task, with scores
    (``alignment``: the local plan's rows of ``reuse_all``).

    ``is_local_addition``: aligned with no task of any national plan of the corpus. A national plan issued
    after the local one cannot be its source (shared wording then comes from a common source, such as a
    national plan outside the corpus), so ``is_addition_to_earlier`` looks only at plans up to the local
    plan's year."""
    out = alignment.assign(local=local, is_aligned=alignment["national_task_id"].notna(),
                           local_task_no=alignment["local_task_no"].astype("int64"),   # as compare_plans has it
                           is_later_plan=alignment["national"].map(year).astype(int) > int(year[local]))
    aligned = out.groupby("local_task_id")["is_aligned"]
    aligned_earlier = out[~out["is_later_plan"]].groupby("local_task_id")["is_aligned"].any()
    out = out.assign(is_local_addition=~aligned.transform("any").astype(bool),
                     is_addition_to_earlier=~out["local_task_id"].map(aligned_earlier).fillna(False).astype(bool))
    return out[["local", "local_task_id", "local_task_no", "local_title", "national", "is_later_plan",
                "national_task_id", "national_task_no", "national_title", "score", "best_national_task_id",
                "best_score", "is_aligned", "share_reused", "is_local_addition", "is_addition_to_earlier"]
               ].reset_index(drop=True)


def local_against_national(corpus, *, shingle: int = 8, min_score: float = 0.18) -> pd.DataFrame:
    """``attribute_reuse(...).by_plan`` of every local plan (``selection.local_plans``) stacked: one row per
    local plan × national plan."""
    frames = [a.by_plan for a in attribute_all(corpus, shingle=shingle, min_score=min_score).values()]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
