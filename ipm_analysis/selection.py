"""Which plans an analysis looks at, computed from the ``documents`` table, never named in code.

Notebooks and analyses ask these functions for the national series, the local plans, the focus plan and the
national plans a local plan is compared with, so a plan added with a manifest row takes its place everywhere.
Order is always (year, doc_id): two plans of one year stay apart and keep a stable order.
"""
from __future__ import annotations

import pandas as pd

NATIONAL = "national"


def _ordered(documents: pd.DataFrame) -> pd.DataFrame:
    return documents.sort_values(["year", "doc_id"], kind="stable")


def national_plans(documents: pd.DataFrame) -> list[str]:
    """doc_ids of the national plans in time order."""
    docs = _ordered(documents)
    return docs.loc[docs["level"] == NATIONAL, "doc_id"].tolist()


def local_plans(documents: pd.DataFrame) -> list[str]:
    """doc_ids of the provincial, municipal and other sub-national plans in time order."""
    docs = _ordered(documents)
    return docs.loc[docs["level"] != NATIONAL, "doc_id"].tolist()


def all_plans(documents: pd.DataFrame) -> list[str]:
    """Every doc_id in time order (national and local interleaved by year)."""
    return _ordered(documents)["doc_id"].tolist()


def shown_plans(documents: pd.DataFrame, *, max_local: int | None = 6,
                max_national: int | None = None) -> list[str]:
    """The plans a per-plan chart draws, in time order: every national plan (or the latest ``max_national``)
    and the latest ``max_local`` local plans (None: all). Tables always keep every plan; a chart with one
    panel, row or column per plan stays readable when the corpus holds 20 national and 50 local plans."""
    nat, loc = national_plans(documents), local_plans(documents)
    keep = set(nat if max_national is None else nat[len(nat) - max_national:] if max_national > 0 else [])
    keep |= set(loc if max_local is None else loc[len(loc) - max_local:] if max_local > 0 else [])
    return [d for d in all_plans(documents) if d in keep]


def shown_note(documents: pd.DataFrame, shown: list[str]) -> str:
    """'' when ``shown`` is every plan, else a short note for a chart's caption: how many plans of each level
    the chart leaves out (they are in its table)."""
    nat, loc = national_plans(documents), local_plans(documents)
    n_nat, n_loc = sum(d in set(shown) for d in nat), sum(d in set(shown) for d in loc)
    if n_nat == len(nat) and n_loc == len(loc):
        return ""
    return (f"图中为{n_nat}/{len(nat)}个全国计划和最近的{n_loc}/{len(loc)}个地方计划，全部计划见数据表 / "
            f"showing {n_nat} of {len(nat)} national and the latest {n_loc} of {len(loc)} local plans; "
            "all plans are in the table")


def latest_national(documents: pd.DataFrame) -> str | None:
    """The most recent national plan (the default focus plan), or None if the corpus has none."""
    plans = national_plans(documents)
    return plans[-1] if plans else None


def consecutive_pairs(doc_ids: list[str]) -> list[tuple[str, str]]:
    """(earlier, later) for each consecutive pair of an ordered list of plans."""
    return list(zip(doc_ids, doc_ids[1:]))


def predecessor_national(documents: pd.DataFrame, doc_id: str) -> str | None:
    """The latest national plan issued before ``doc_id``'s year (the plan a local plan of that year adapts:
    annual local plans follow the national plan of the previous year or the same spring); None if there is
    none. A national plan of the same year is preferred when no earlier one exists."""
    docs = _ordered(documents)
    year = int(docs.loc[docs["doc_id"] == doc_id, "year"].iloc[0])
    nat = docs[(docs["level"] == NATIONAL) & (docs["doc_id"] != doc_id)]
    before = nat[nat["year"] < year]
    if len(before):
        return before["doc_id"].iloc[-1]
    same = nat[nat["year"] == year]
    return same["doc_id"].iloc[-1] if len(same) else None


def plan_label(documents: pd.DataFrame) -> pd.Series:
    """A short, unique chart label per doc_id: ``2017 全国``, ``2018 青岛市`` (doc_id appended if two plans
    would share a label)."""
    docs = _ordered(documents)
    label = docs["year"].astype(str) + " " + docs["jurisdiction"].astype(str)
    dup = label.duplicated(keep=False)
    label = label.where(~dup, label + " (" + docs["doc_id"].astype(str) + ")")
    return pd.Series(label.to_numpy(), index=docs["doc_id"].to_numpy(), name="label")
