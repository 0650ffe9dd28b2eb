"""Chart functions of issue 13 (plots.lineage_chart, adjacency_heatmap, placeholder_bars): they draw what the
frames hold. Values are checked in test_lineage / test_agency_load; here the marks are counted."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

from ipm_analysis import plots, selection  # noqa: E402
from ipm_analysis.analysis import agency_load, lineage, network  # noqa: E402


@pytest.fixture(scope="module")
def national(corpus):
    return lineage.national_lineage(corpus)


def test_lineage_chart_draws_one_line_per_link(national, corpus):
    fig = plots.lineage_chart(national.tasks, selection.plan_label(corpus.documents), title="t")
    ax = fig.axes[0]
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(lines) == 1 and len(lines[0].get_segments()) == national.tasks["next_task_id"].notna().sum() == 44
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2012 全国", "2017 全国", "2020 全国", "2021 全国"]
    texts = {t.get_text() for t in ax.texts}
    assert {"5 年", "3 年", "1 年"} <= texts                           # the years between the columns
    assert "3.4" in texts                                              # 2012 numbers restart per section
    assert set(national.tasks.loc[national.tasks["doc_id"] == "2021_national", "title"]) <= texts  # whole titles
    plt.close(fig)


def test_adjacency_heatmap_labels_by_contrast():
    frame = pd.DataFrame([[0, 4.0, 0.5], [4.0, 0, 0], [0.5, 0, 0]], index=list("甲乙丙"), columns=list("甲乙丙"))
    fig = plots.adjacency_heatmap(frame, title="t")
    labels = {t.get_text(): t.get_color() for t in fig.axes[0].texts}
    # diagonal and zeros unlabelled; the darkest cell in white, the palest in black
    assert labels == {"4.0": "white", "0.5": "black"}
    plt.close(fig)


def test_placeholder_bars_stack_to_the_plans_tasks(corpus):
    frame = agency_load.placeholder_tasks(corpus.documents, corpus.tasks, corpus.clauses, corpus.task_agencies)
    fig = plots.placeholder_bars(frame, selection.plan_label(corpus.documents), title="t")
    ax = fig.axes[0]
    widths = pd.DataFrame([[p.get_width() for p in c] for c in ax.containers]).sum()
    assert widths.tolist() == frame["n_tasks"].tolist()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["仅具体单位", "具体单位 + 泛称", "仅泛称",
                                                                   "无责任分工条款"]
    plt.close(fig)


def test_collaboration_heatmap_on_the_corpus(corpus):
    frame = network.adjacency_frame(network.collaboration_graph(corpus.task_agencies, "2020_national"), top_n=18)
    assert frame.index.tolist()[:2] == ["市场监管总局", "知识产权局"]
    assert round(frame.at["市场监管总局", "知识产权局"], 2) == 5.19
    fig = plots.adjacency_heatmap(frame, title="t")
    assert len(fig.axes[0].get_yticklabels()) == 18
    plt.close(fig)
