"""Agency load: how many of a plan's tasks each agency leads, carries alone or takes part in.

Counts are of distinct tasks: an agency named in two clauses of one task counts once per role (and once in
``n_tasks``); ``share`` divides by the plan's tasks, so plans of 25 and 35 tasks compare. Generic placeholders
(有关部门 …) and unknown names are left out here and counted apart by ``generic_load`` and
``placeholder_tasks``; plans without any responsibility clause (2012) are marked ``has_clauses = False`` so a
chart can show "names no agencies" instead of a misleading zero; ``load_status`` also marks agencies not yet
founded or already abolished (agencies.csv) and the many-to-many reform lineage is ``agency_reform.csv``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import config

ROLES = ["lead", "responsible", "participating", "unspecified"]


def plan_coverage(documents: pd.DataFrame, tasks: pd.DataFrame, task_agencies: pd.DataFrame) -> pd.DataFrame:
    """Per plan: tasks, tasks with at least one named agency, and whether the plan has clauses at all."""
    named = (task_agencies[~task_agencies["is_generic"] & task_agencies["is_known"]]
             .groupby("doc_id")["task_id"].nunique())
    return (documents[["doc_id", "year", "jurisdiction", "level", "n_tasks", "n_clauses"]]
            .assign(has_clauses=lambda d: d["n_clauses"] > 0,
                    n_tasks_with_agency=lambda d: d["doc_id"].map(named).fillna(0).astype("int64"))
            .reset_index(drop=True))


def agency_load(task_agencies: pd.DataFrame, documents: pd.DataFrame, *, by: str = "agency") -> pd.DataFrame:
    """One row per plan and agency (or successor, ``by="successor"``) with task counts by role and share.

    ``by="counterpart"`` (or ``"counterpart_successor"``) counts every agency under its national counterpart, so
    the plans of any place line up with the national ones (福建省文化厅 and 文化部 both count as 文化部; a national
    agency is its own counterpart); agencies without a counterpart (Qingdao's 市电政办) are left out there.

    Columns: doc_id, year, jurisdiction, <by>, n_lead, n_responsible, n_participating, n_unspecified, n_tasks,
    n_mentions, plan_tasks (tasks of the plan), share (n_tasks / plan_tasks).
    """
    named = task_agencies[~task_agencies["is_generic"] & task_agencies["is_known"]]
    by_role = (named.drop_duplicates(["doc_id", by, "task_id", "role"])
               .pivot_table(index=["doc_id", by], columns="role", values="task_id", aggfunc="count",
                            fill_value=0)
               .reindex(columns=ROLES, fill_value=0)
               .rename(columns=lambda r: f"n_{r}"))
    totals = named.groupby(["doc_id", by]).agg(n_tasks=("task_id", "nunique"), n_mentions=("task_id", "size"))
    plan = documents.set_index("doc_id")[["year", "jurisdiction", "n_tasks"]].rename(
        columns={"n_tasks": "plan_tasks"})
    out = (by_role.join(totals).reset_index()
           .join(plan, on="doc_id", validate="m:1")
           .assign(share=lambda d: d["n_tasks"] / d["plan_tasks"]))
    cols = ["doc_id", "year", "jurisdiction", by, *[f"n_{r}" for r in ROLES], "n_tasks", "n_mentions",
            "plan_tasks", "share"]
    return (out[cols].astype({**{f"n_{r}": "int64" for r in ROLES}, "plan_tasks": "int64"})
            .sort_values(["year", "n_tasks", by], ascending=[True, False, True], ignore_index=True))


def load_matrix(load: pd.DataFrame, coverage: pd.DataFrame, *, by: str = "agency", value: str = "n_tasks",
                top_n: int | None = 25, doc_ids: list[str] | None = None) -> pd.DataFrame:
    """Agency × plan matrix of ``value``: 0 where a plan with clauses does not name the agency, NaN for plans
    without any clause (they name no agencies at all). Rows: the ``top_n`` agencies by total ``value``."""
    doc_ids = doc_ids or coverage.sort_values("year")["doc_id"].tolist()
    matrix = load.pivot_table(index=by, columns="doc_id", values=value, aggfunc="sum", fill_value=0)
    matrix = matrix.reindex(columns=doc_ids, fill_value=0).astype(float)
    no_clauses = coverage.loc[~coverage["has_clauses"], "doc_id"]
    matrix.loc[:, matrix.columns.isin(no_clauses)] = float("nan")
    order = matrix.sum(axis=1).sort_values(ascending=False, kind="stable")
    matrix = matrix.loc[order.index]
    return matrix.head(top_n) if top_n else matrix


def generic_load(task_agencies: pd.DataFrame) -> pd.DataFrame:
    """Placeholder groups per plan and role (counted apart, never as agencies)."""
    generic = task_agencies[task_agencies["is_generic"]]
    return (generic.groupby(["doc_id", "year", "agency", "role"], as_index=False)
            .agg(n_tasks=("task_id", "nunique"), n_mentions=("task_id", "size")))


def unknown_names(task_agencies: pd.DataFrame) -> pd.DataFrame:
    """Names not found in the alias table (should be empty; the build reports each as a diagnostic)."""
    unknown = task_agencies[~task_agencies["is_known"]]
    return unknown.groupby(["doc_id", "agency_raw"], as_index=False).size()


# --------------------------------------------------------------------------------------------------------------
# placeholders, founding dates and the many-to-many reform lineage

STATUSES = ["named", "not_named", "not_yet_founded", "abolished", "other_scope", "no_clauses"]


def placeholder_tasks(documents: pd.DataFrame, tasks: pd.DataFrame, clauses: pd.DataFrame,
                      task_agencies: pd.DataFrame) -> pd.DataFrame:
    """Per plan: how many tasks name agencies, and how many lean on a placeholder (领导小组有关成员单位 …).

    A task is *placeholder-only* when its clauses name no agency but placeholders, *with placeholder* when a
    placeholder stands among named agencies (in 2021 it replaces the participant list: 市场监管总局牵头，领导
    小组有关成员单位按职责分工负责). ``named_per_task*`` average the distinct named agencies over tasks with
    clauses, with and without a placeholder.
    """
    ta = task_agencies
    named = ta[~ta["is_generic"] & ta["is_known"]].groupby("task_id")["agency"].nunique()
    generic = set(ta.loc[ta["is_generic"], "task_id"])
    with_clauses = set(clauses["task_id"])
    t = (tasks[["doc_id", "task_id"]]
         .assign(has_clauses=lambda d: d["task_id"].isin(with_clauses),
                 n_named=lambda d: d["task_id"].map(named).fillna(0).astype("int64"),
                 has_placeholder=lambda d: d["task_id"].isin(generic)))
    t = t.assign(placeholder_only=t["has_clauses"] & t["has_placeholder"] & (t["n_named"] == 0),
                 with_placeholder=t["has_placeholder"] & (t["n_named"] > 0))
    c = t[t["has_clauses"]]

    def _mean(mask):
        return c[mask].groupby("doc_id")["n_named"].mean()

    per = t.groupby("doc_id").agg(n_tasks=("task_id", "size"), n_tasks_with_clauses=("has_clauses", "sum"),
                                  n_tasks_placeholder_only=("placeholder_only", "sum"),
                                  n_tasks_with_placeholder=("with_placeholder", "sum"))
    per = per.assign(named_per_task=_mean(c["n_named"] >= 0),
                     named_per_task_with_placeholder=_mean(c["has_placeholder"]),
                     named_per_task_without_placeholder=_mean(~c["has_placeholder"]))
    out = (documents[["doc_id", "year", "jurisdiction", "level"]]
           .merge(per.reset_index(), on="doc_id", how="left", validate="1:1"))
    counts = ["n_tasks", "n_tasks_with_clauses", "n_tasks_placeholder_only", "n_tasks_with_placeholder"]
    out[counts] = out[counts].fillna(0).astype("int64")
    return (out.assign(share_placeholder_only=lambda d: d["n_tasks_placeholder_only"] / d["n_tasks"],
                       share_with_placeholder=lambda d: d["n_tasks_with_placeholder"] / d["n_tasks"])
            .sort_values(["year", "doc_id"], ignore_index=True))


def load_agencies() -> pd.DataFrame:
    """``ipm_analysis/data/agencies.csv`` with ``established`` and ``abolished`` as nullable integer years."""
    frame = pd.read_csv(config.data_path("agencies.csv"), comment="#", dtype=str, keep_default_na=False)
    return frame.assign(**{c: pd.to_numeric(frame[c].replace("", None)).astype("Int64")
                           for c in ("established", "abolished")})


def load_reform() -> pd.DataFrame:
    """The many-to-many reform lineage ``ipm_analysis/data/agency_reform.csv`` (one row per moved function)."""
    frame = pd.read_csv(config.data_path("agency_reform.csv"), comment="#", dtype=str, keep_default_na=False)
    return frame.astype({"year": "int64"})


def successor_functions(reform: pd.DataFrame | None = None) -> pd.DataFrame:
    """The successor view: per successor and reform year, which predecessors' functions it merges.

    Columns: successor, year, n_predecessors, predecessors (、-joined), functions (``predecessor：function``
    joined by ；). A successor that is also its own predecessor (知识产权局 re-formed) lists itself.
    """
    r = load_reform() if reform is None else reform
    return (r.assign(item=r["predecessor"] + "：" + r["function"])
            .groupby(["successor", "year"], as_index=False)
            .agg(n_predecessors=("predecessor", "nunique"),
                 predecessors=("predecessor", lambda s: "、".join(dict.fromkeys(s))),
                 functions=("item", "；".join))
            .sort_values(["year", "n_predecessors", "successor"], ascending=[True, False, True], ignore_index=True))


# the counterpart views of task_agencies and the agencies.csv column their names are dated by
COUNTERPART_VIEWS = {"counterpart": "agency", "counterpart_successor": "successor"}


def _lifespans(agencies: pd.DataFrame, by: str) -> pd.DataFrame:
    """established / abolished per ``by`` value; for successors, the span of the agencies grouped under them
    (市场监管总局 in 2017 stands for 工商总局 and others that existed then)."""
    a = agencies.drop_duplicates("agency")
    if by in COUNTERPART_VIEWS:
        # national names, met in plans of every scope: the national agency's dates, no scope mark
        a = a[a["scope"] == "national"].assign(scope=None)
        by = COUNTERPART_VIEWS[by]
    if by == "agency":
        return a.set_index("agency")[["scope", "established", "abolished"]]
    # a missing date means "before the corpus" (established) or "still exists" (abolished): it wins
    return a.groupby("successor").agg(
        scope=("scope", "first"),
        established=("established", lambda s: s.min() if s.notna().all() else pd.NA),
        abolished=("abolished", lambda s: s.max() if s.notna().all() else pd.NA))


def load_status(load: pd.DataFrame, coverage: pd.DataFrame, *, by: str = "agency", value: str = "n_tasks",
                top_n: int | None = 25, doc_ids: list[str] | None = None,
                agencies: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``load_matrix`` and, aligned to it (same index and columns), the status of every cell.

    Status: ``named``; ``no_clauses`` (the plan names no agency at all); ``not_yet_founded`` (plan year before the
    agency's ``established`` year in agencies.csv); ``abolished`` (plan year after its ``abolished`` year);
    ``other_scope`` (a national agency in a local plan or a city's agency in another plan: it cannot be named
    there); ``not_named`` otherwise. A plan of the reform year itself may use either name, so it is never
    marked. Agencies missing from agencies.csv get no date and no scope mark.
    """
    matrix = load_matrix(load, coverage, by=by, value=value, top_n=top_n, doc_ids=doc_ids)
    life = _lifespans(load_agencies() if agencies is None else agencies, by).reindex(matrix.index)
    year = coverage.set_index("doc_id")["year"].reindex(matrix.columns).to_numpy()
    est = life["established"].astype("float64").to_numpy()[:, None]
    abol = life["abolished"].astype("float64").to_numpy()[:, None]
    status = np.full(matrix.shape, "not_named", dtype=object)
    status[year[None, :] < est] = "not_yet_founded"        # comparisons with NaN are False: no date, no mark
    status[year[None, :] > abol] = "abolished"
    cov = coverage.set_index("doc_id").reindex(matrix.columns)
    plan_scope = np.where(cov["level"].eq("national"), "national", cov["jurisdiction"]).astype(object)
    scope = life["scope"].to_numpy(dtype=object)[:, None]
    status[pd.notna(scope) & (scope != plan_scope[None, :])] = "other_scope"
    status[matrix.to_numpy() > 0] = "named"
    no_clauses = coverage.set_index("doc_id")["has_clauses"].reindex(matrix.columns).eq(False).to_numpy()
    status[:, no_clauses] = "no_clauses"
    return matrix, pd.DataFrame(status, index=matrix.index, columns=matrix.columns)
