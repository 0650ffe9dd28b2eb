"""National task lineage: how the tasks of one national plan carry over into the next.

Every consecutive pair of national plans (``selection.national_plans`` + ``consecutive_pairs``) is aligned
with the one-to-one task alignment of ``reuse.compare_plans`` (the later plan in the role of the adapting plan,
the earlier one as its source). Chained together the pairs give each task a ``lineage_id``: the task_id of the
earliest task of its chain in the corpus. Method and limits: docs/methods_lineage.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher

import pandas as pd

from .. import selection
from . import reuse


@dataclass
class Lineage:
    """Tidy frames of the national lineage (see docs/data_dictionary.md)."""

    doc_ids: list[str]
    tasks: pd.DataFrame        # one row per task of every plan: its link to the next plan, status, lineage_id
    pairs: pd.DataFrame        # one row per consecutive pair: continued / new / dropped, reuse share
    comparisons: dict = field(default_factory=dict)   # (earlier, later) -> reuse.Comparison


def _verbatim_share(later_clean: str, earlier_clean: str, shingle: int) -> float:
    """Share of the later task's characters inside a ``shingle``-character run found in the earlier task."""
    source = reuse.shingle_index(reuse.sentences(earlier_clean), shingle)
    sents = reuse.sentences(later_clean)
    n = sum(map(len, sents))
    hit = sum(int(reuse.reused_mask(s, source, shingle).sum()) for s in sents)
    return hit / n if n else float("nan")


def national_lineage(corpus, doc_ids: list[str] | None = None, *, min_score: float = 0.18,
                     shingle: int = 8) -> Lineage:
    """Align every consecutive pair of ``doc_ids`` (default: the national plans in time order).

    ``status`` says how a task relates to the previous plan (``new`` / ``continued``; missing in the first
    plan, whose predecessors are not in the corpus), ``next_status`` how it relates to the next one
    (``continued`` / ``dropped``; missing in the last plan). ``score`` and ``share_verbatim`` describe the link
    to ``next_task_id``: the cosine of the pair and the share of the later task's characters found verbatim in
    this task.
    """
    doc_ids = list(selection.national_plans(corpus.documents) if doc_ids is None else doc_ids)
    texts = {d: reuse.task_texts(corpus, d) for d in doc_ids}
    year = corpus.documents.set_index("doc_id")["year"]
    comparisons, links, pair_rows = {}, {}, []
    for earlier, later in selection.consecutive_pairs(doc_ids):
        cmp = reuse.compare_plans(corpus, later, earlier, min_score=min_score, shingle=shingle)
        comparisons[(earlier, later)] = cmp
        aligned = cmp.alignment.dropna(subset=["national_task_id"])
        clean = {**texts[earlier].set_index("task_id")["clean"], **texts[later].set_index("task_id")["clean"]}
        for a in aligned.itertuples():
            links[a.national_task_id] = (later, a.local_task_id, a.score,
                                         _verbatim_share(clean[a.local_task_id], clean[a.national_task_id], shingle))
        s = cmp.summary.iloc[0]
        pair_rows.append((f"{earlier}→{later}", earlier, later, int(year[earlier]), int(year[later]),
                          int(s["national_tasks"]), int(s["local_tasks"]), len(aligned),
                          int(s["local_tasks"]) - len(aligned), int(s["national_tasks"]) - len(aligned),
                          int(s["chars"]), int(s["chars_reused"]), float(s["reuse_share"])))
    pairs = pd.DataFrame(pair_rows, columns=[
        "pair", "earlier_doc_id", "later_doc_id", "earlier_year", "later_year", "n_tasks_earlier",
        "n_tasks_later", "n_continued", "n_new", "n_dropped", "chars_later", "chars_reused", "reuse_share"])

    previous = {later_task: task for task, (_, later_task, *_) in links.items()}
    rows = []
    for k, d in enumerate(doc_ids):
        for t in texts[d].itertuples():
            nxt = links.get(t.task_id)
            # chains only run forward, so the start of each task's chain is already known when it is reached
            prev = previous.get(t.task_id)
            rows.append(dict(
                doc_id=d, year=int(year[d]), task_id=t.task_id, task_no=t.task_no, title=t.title,
                prev_task_id=prev,
                next_doc_id=doc_ids[k + 1] if k + 1 < len(doc_ids) else None,
                next_task_id=nxt[1] if nxt else None,
                score=nxt[2] if nxt else float("nan"), share_verbatim=nxt[3] if nxt else float("nan"),
                status=None if k == 0 else ("continued" if prev else "new"),
                next_status=None if k + 1 == len(doc_ids) else ("continued" if nxt else "dropped")))
    # seq (document order) and section_no: 2012 restarts its task numbers in every section
    tasks = pd.DataFrame(rows).merge(corpus.tasks[["task_id", "section_no", "seq"]], on="task_id", how="left",
                                     validate="1:1")
    start = {}
    for r in tasks.itertuples():
        start[r.task_id] = start[r.prev_task_id] if isinstance(r.prev_task_id, str) else r.task_id
    tasks = tasks.assign(lineage_id=tasks["task_id"].map(start))
    tasks = tasks.assign(lineage_step=tasks.groupby("lineage_id").cumcount(),
                         lineage_length=tasks.groupby("lineage_id")["task_id"].transform("size"))
    tasks = tasks.astype({"task_no": "int64", "section_no": "int64", "seq": "int64", "score": "float64",
                          "share_verbatim": "float64"})
    first = ["doc_id", "year", "task_id", "section_no", "task_no", "seq", "title"]
    tasks = tasks[first + [c for c in tasks.columns if c not in first]]
    return Lineage(doc_ids, tasks, pairs, comparisons)


def task_history(lineage: Lineage, corpus, task_id: str) -> pd.DataFrame:
    """The chain ``task_id`` belongs to, as a character diff of each aligned step (difflib opcodes as rows).

    Columns: lineage_id, lineage_step (of the later task), doc_id, task_id, next_doc_id, next_task_id, op
    (``equal`` / ``replace`` / ``delete`` / ``insert``), earlier_text, later_text. The ``equal`` rows are kept,
    so joining earlier_text gives the earlier task's clause-free text and joining later_text the later one's.
    A chain of one task (never continued) gives no rows.
    """
    tasks = lineage.tasks
    lineage_id = tasks.loc[tasks["task_id"] == task_id, "lineage_id"].iloc[0]
    chain = tasks[tasks["lineage_id"] == lineage_id].sort_values("lineage_step")
    flat = {d: reuse.task_texts(corpus, d).set_index("task_id")["flat"] for d in chain["doc_id"].unique()}
    rows = []
    for r in chain[chain["next_task_id"].notna()].itertuples():
        a, b = flat[r.doc_id][r.task_id], flat[r.next_doc_id][r.next_task_id]
        # autojunk off: in a few hundred characters of Chinese, frequent characters (的, 和) are content
        for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            rows.append((lineage_id, r.lineage_step + 1, r.doc_id, r.task_id, r.next_doc_id, r.next_task_id,
                         op, a[i1:i2], b[j1:j2]))
    return pd.DataFrame(rows, columns=["lineage_id", "lineage_step", "doc_id", "task_id", "next_doc_id",
                                       "next_task_id", "op", "earlier_text", "later_text"])


def lineage_summary(lineage: Lineage) -> pd.DataFrame:
    """One row per lineage: first and last plan, number of plans, its tasks' numbers and latest title."""
    t = lineage.tasks
    return (t.groupby("lineage_id", sort=False)
            .agg(first_doc_id=("doc_id", "first"), first_year=("year", "first"), last_doc_id=("doc_id", "last"),
                 last_year=("year", "last"), n_plans=("doc_id", "size"),
                 task_nos=("task_no", lambda s: "→".join(map(str, s))), title=("title", "last"),
                 mean_score=("score", "mean"))
            .reset_index())


def history_html(history: pd.DataFrame, labels: pd.Series | None = None) -> str:
    """``task_history`` as HTML for a notebook: one paragraph per aligned step, removed text struck through in
    red, added text in green, unchanged text plain."""
    from html import escape

    if history.empty:
        return "<p>No aligned step for this task.</p>"
    style = {"del": "background:#fbd5d5", "ins": "background:#d5f5d5"}
    out = []
    for _, step in history.groupby("lineage_step", sort=True):
        first = step.iloc[0]
        name = (lambda d: labels.get(d, d)) if labels is not None else (lambda d: d)
        parts = []
        for r in step.itertuples():
            if r.op == "equal":
                parts.append(escape(r.earlier_text))
                continue
            for tag, text in (("del", r.earlier_text), ("ins", r.later_text)):
                if text:
                    parts.append(f'<{tag} style="{style[tag]}">{escape(text)}</{tag}>')
        out.append(f"<h4>{escape(str(name(first.doc_id)))} → {escape(str(name(first.next_doc_id)))}</h4>"
                   f"<p style=\"line-height:1.8\">{''.join(parts)}</p>")
    return "".join(out)
