"""Co-responsibility network: agencies that share tasks, per plan (networkx)."""
from __future__ import annotations

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
