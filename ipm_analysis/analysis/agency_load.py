"""Agency load: how many of a plan's tasks each agency leads, carries alone or takes part in.

Counts are of distinct tasks: an agency named in two clauses of one task counts once per role (and once in
``n_tasks``). Generic placeholders (有关部门 …) and unknown names are left out here and counted apart by
``generic_load``; plans without any responsibility clause (2012) are marked ``has_clauses = False`` so a chart
can show "names no agencies" instead of a misleading zero.
"""
from __future__ import annotations

import pandas as pd

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

    Columns: doc_id, year, jurisdiction, <by>, n_lead, n_responsible, n_participating, n_unspecified, n_tasks,
    n_mentions, share (n_tasks / tasks of the plan).
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
           .assign(share=lambda d: d["n_tasks"] / d["plan_tasks"])
           .drop(columns="plan_tasks"))
    cols = ["doc_id", "year", "jurisdiction", by, *[f"n_{r}" for r in ROLES], "n_tasks", "n_mentions", "share"]
    return (out[cols].astype({f"n_{r}": "int64" for r in ROLES})
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
