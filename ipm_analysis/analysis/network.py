"""Co-responsibility network: agencies that share tasks, per plan (networkx)."""
from __future__ import annotations

from fractions import Fraction
from itertools import combinations

import networkx as nx
import pandas as pd


def co_responsibility_graph(task_agencies: pd.DataFrame, doc_id: str, *, by: str = "agency") -> nx.Graph:
    """Undirected graph of one plan: nodes are named agencies, an edge's ``weight`` is the number of tasks the
    two share (any role). Generic placeholders and unknown names are left out."""
    named = task_agencies[(task_agencies["doc_id"] == doc_id) & ~task_agencies["is_generic"]
                          & task_agencies["is_known"]]
    graph = nx.Graph(doc_id=doc_id)
    graph.add_nodes_from(sorted(named[by].unique()))
    for _, members in named.groupby("task_id")[by]:
        for a, b in combinations(sorted(set(members)), 2):
            w = graph.get_edge_data(a, b, {"weight": 0})["weight"]
            graph.add_edge(a, b, weight=w + 1)
    return graph


def degree_table(task_agencies: pd.DataFrame, documents: pd.DataFrame, *, by: str = "agency") -> pd.DataFrame:
    """Each agency's degree (distinct partners) and weighted degree (shared task-partner pairs) per plan."""
    rows = []
    for doc in documents.sort_values("year").itertuples():
        graph = co_responsibility_graph(task_agencies, doc.doc_id, by=by)
        weighted = dict(graph.degree(weight="weight"))
        for node, degree in graph.degree():
            rows.append((doc.doc_id, doc.year, node, degree, weighted[node]))
    frame = pd.DataFrame(rows, columns=["doc_id", "year", by, "degree", "weighted_degree"])
    return frame.sort_values(["year", "weighted_degree", by], ascending=[True, False, True], ignore_index=True)


def edge_table(graph: nx.Graph) -> pd.DataFrame:
    """The graph's edges as a tidy frame (source, target, weight), heaviest first."""
    edges = [(a, b, d["weight"]) for a, b, d in graph.edges(data=True)]
    return (pd.DataFrame(edges, columns=["source", "target", "weight"])
            .sort_values(["weight", "source", "target"], ascending=[False, True, True], ignore_index=True))


# --------------------------------------------------------------------------------------------------------------
# readable views: collaboration weights, lead → participant direction, adjacency frame


def _named(task_agencies: pd.DataFrame, doc_id: str) -> pd.DataFrame:
    ta = task_agencies
    return ta[(ta["doc_id"] == doc_id) & ~ta["is_generic"] & ta["is_known"]]


def collaboration_graph(task_agencies: pd.DataFrame, doc_id: str, *, by: str = "agency") -> nx.Graph:
    """Co-responsibility weighted by 1/(n−1) per task of n named agencies (Newman 2001; the weights of
    networkx's ``collaboration_weighted_projected_graph``): each agency spreads one unit of weight over its
    partners in a task, so one 16-agency task adds 1/15 to each of its 120 edges instead of 1. Single-agency
    tasks add no edge; every named agency is a node.

    Each edge's weight is summed exactly (fractions) and rounded once, so it is the nearest float to the true
    weight and does not depend on the order of its terms: networkx adds them in the order of a set of tasks,
    which follows Python's per-process string hashing, and its weights differed in the last digit from one run
    to the next."""
    named = _named(task_agencies, doc_id)
    terms: dict[tuple[str, str], list[Fraction]] = {}
    for _, members in named.groupby("task_id")[by]:
        members = sorted(set(members))
        for a, b in combinations(members, 2):
            terms.setdefault((a, b), []).append(Fraction(1, len(members) - 1))
    graph = nx.Graph(doc_id=doc_id)
    graph.add_nodes_from(sorted(named[by].unique()))
    graph.add_weighted_edges_from((a, b, float(sum(w))) for (a, b), w in sorted(terms.items()))
    return graph


def lead_participant_graph(task_agencies: pd.DataFrame, doc_id: str, *, by: str = "agency") -> nx.DiGraph:
    """Directed graph lead → participant: an edge when, in one clause, the source leads (牵头) and the target
    takes part in another role; ``weight`` counts the tasks with such a clause. Clauses without a lead add
    nothing (a task's clauses cover different sentences, so a lead is only linked to its own clause)."""
    named = _named(task_agencies, doc_id)
    pairs = set()
    for (task_id, _), part in named.groupby(["task_id", "clause_no"]):
        leads = set(part.loc[part["role"] == "lead", by])
        pairs |= {(task_id, a, b) for a in leads for b in set(part[by]) - leads}
    graph = nx.DiGraph(doc_id=doc_id)
    graph.add_nodes_from(sorted(named[by].unique()))
    for _, a, b in sorted(pairs):
        graph.add_edge(a, b, weight=graph.get_edge_data(a, b, {"weight": 0})["weight"] + 1)
    return graph


def adjacency_frame(graph: nx.Graph, *, weight: str = "weight", top_n: int | None = None) -> pd.DataFrame:
    """Agency × agency weighted adjacency (rows = source for a directed graph), ordered by weighted degree
    (heaviest first, then name); ``top_n`` keeps the heaviest agencies. Zero where no edge."""
    strength = dict(graph.degree(weight=weight))
    order = sorted(graph.nodes, key=lambda n: (-strength[n], n))
    order = order[:top_n] if top_n else order
    frame = nx.to_pandas_adjacency(graph, nodelist=order, weight=weight, dtype=float)
    return frame.rename_axis(index="agency", columns="partner")
