"""Charts with Chinese labels that render on any machine, and export of figures and tables.

The CJK font comes from a Python package (mplfonts ships Noto Sans CJK SC), registered with matplotlib at run
time, so no system font is needed and no label turns into empty boxes. Chart functions take tidy frames from
``ipm_analysis.analysis`` and return a matplotlib Figure; ``save_figure`` writes PNG (200 dpi) and SVG.
"""
from __future__ import annotations

import functools
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import font_manager

from . import config

FONT_FILE = "NotoSansCJKsc-Regular.otf"
DPI = 200


@functools.cache
def use_cjk_font() -> str:
    """Register the packaged Noto Sans CJK SC font and make it matplotlib's default; returns its family name."""
    from importlib import resources

    path = Path(str(resources.files("mplfonts") / "fonts" / FONT_FILE))
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    plt.rcParams.update({
        "font.family": "sans-serif",
        "font.sans-serif": [family, "DejaVu Sans"],
        "axes.unicode_minus": False,   # the CJK font lacks U+2212
        "svg.fonttype": "path",        # SVG looks the same without the font installed
        "figure.constrained_layout.use": True,
    })
    return family


def save_figure(fig: plt.Figure, name: str) -> list[Path]:
    """Save ``fig`` as ``reports/figures/<name>.png`` (200 dpi) and ``.svg``; returns the paths."""
    out = config.figures_dir()
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.png", out / f"{name}.svg"]
    fig.savefig(paths[0], dpi=DPI)
    # SVG metadata carries a date by default; drop it so reruns give identical files
    fig.savefig(paths[1], metadata={"Date": None})
    return paths


def save_table(frame: pd.DataFrame, name: str) -> Path:
    """Save ``frame`` as ``reports/tables/<name>.csv`` (UTF-8 with BOM, opens cleanly in Excel)."""
    out = config.tables_dir()
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.csv"
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path


# --------------------------------------------------------------------------------------------------------------
# chart functions


def heatmap(matrix: pd.DataFrame, *, title: str, cmap: str = "Blues", fmt: str = "{:.0f}",
            colorbar_label: str = "", annotate: bool = True, figsize=None) -> plt.Figure:
    """A labelled heatmap of a rows × columns frame (NaN cells left blank)."""
    use_cjk_font()
    n_rows, n_cols = matrix.shape
    figsize = figsize or (max(5, 1.0 * n_cols + 3), max(3, 0.32 * n_rows + 1.5))
    fig, ax = plt.subplots(figsize=figsize)
    values = matrix.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    varies = finite.size > 0 and finite.min() < finite.max()
    # one value everywhere (e.g. presence by year): full colour from 0, and no colour bar (it would run 0.9-1.1)
    scale = {} if varies or not finite.size else dict(vmin=min(0.0, finite[0]), vmax=max(0.0, finite[0]))
    im = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, aspect="auto", **scale)
    tilt = n_cols > 6 or max((len(str(c)) for c in matrix.columns), default=0) * n_cols > 40
    ax.set_xticks(range(n_cols), [str(c) for c in matrix.columns], rotation=30 if tilt else 0,
                  ha="right" if tilt else "center")
    ax.set_yticks(range(n_rows), [str(i) for i in matrix.index])
    if annotate and n_rows * n_cols <= 900:
        vmax = np.nanmax(values) if np.isfinite(values).any() else 0
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v) and v != 0:
                ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=7,
                        color="white" if v > 0.6 * vmax else "black")
    for j in range(n_cols):  # an all-empty column means "not applicable" (e.g. a plan naming no agencies)
        if n_rows and np.isnan(values[:, j]).all():
            ax.text(j, (n_rows - 1) / 2, "无数据 / not applicable", rotation=90, ha="center", va="center",
                    fontsize=9, color="#777777")
    if varies:
        fig.colorbar(im, ax=ax, label=colorbar_label, shrink=0.8)
    ax.set_title(title)
    return fig


def grouped_barh(frame: pd.DataFrame, *, title: str, xlabel: str, figsize=None) -> plt.Figure:
    """Horizontal grouped bars: index = categories (top to bottom), columns = series."""
    use_cjk_font()
    figsize = figsize or (10, max(3, 0.35 * len(frame) + 1.5))
    fig, ax = plt.subplots(figsize=figsize)
    frame.iloc[::-1].plot.barh(ax=ax, width=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.set_title(title)
    # outside the axes so it never covers a bar
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    return fig


def small_multiples_barh(frame: pd.DataFrame, *, facet: str, label: str, value: str, title: str,
                         ncols: int = 3, xlabel: str = "") -> plt.Figure:
    """One horizontal bar chart per facet value (e.g. top terms per plan)."""
    use_cjk_font()
    facets = list(dict.fromkeys(frame[facet]))
    nrows = int(np.ceil(len(facets) / ncols))
    per = frame.groupby(facet, sort=False).size().max()
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, max(2.5, 0.28 * per + 1) * nrows), squeeze=False)
    for ax, key in zip(axes.flat, facets):
        part = frame[frame[facet] == key].iloc[::-1]
        ax.barh(part[label].astype(str), part[value], color="#3b6ea8")
        ax.set_title(str(key), fontsize=10)
        ax.tick_params(axis="y", labelsize=8)
        ax.set_xlabel(xlabel, fontsize=8)
    for ax in list(axes.flat)[len(facets):]:
        ax.set_visible(False)
    fig.suptitle(title)
    return fig


def lines(frame: pd.DataFrame, *, x: str, y: str, hue: str, title: str, ylabel: str) -> plt.Figure:
    """Lines of ``y`` over ``x``, one per ``hue`` value (e.g. a term's trajectory across years)."""
    use_cjk_font()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for key, part in frame.groupby(hue, sort=False):
        ax.plot(part[x], part[y], marker="o", label=str(key))
    ax.set_xticks(sorted(frame[x].unique()))
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8, ncols=2)
    return fig


def network(graph, *, title: str, weight: str = "weight", top_n: int = 25, seed: int = 0) -> plt.Figure:
    """Draw a weighted co-responsibility graph: node size = weighted degree, edge width = weight."""
    import networkx as nx

    use_cjk_font()
    family = plt.rcParams["font.sans-serif"][0]
    strength = dict(graph.degree(weight=weight))
    keep = sorted(strength, key=lambda n: (-strength[n], n))[:top_n]
    g = graph.subgraph(keep)
    fig, ax = plt.subplots(figsize=(9, 8))
    if g.number_of_nodes():
        # Kamada-Kawai on unweighted distances spreads the dense core more evenly than a spring layout;
        # seeded spring layout places disconnected parts deterministically
        pos = (nx.kamada_kawai_layout(g) if nx.is_connected(g)
               else nx.spring_layout(g, seed=seed, k=1.5 / np.sqrt(g.number_of_nodes())))
        widths = [0.3 + 2.5 * d[weight] / max(1, max(dd[weight] for *_, dd in g.edges(data=True)))
                  for *_, d in g.edges(data=True)]
        nx.draw_networkx_edges(g, pos, ax=ax, width=widths, alpha=0.35, edge_color="#555555")
        sizes = [60 + 900 * strength[n] / max(strength[k] for k in keep) for n in g.nodes]
        nx.draw_networkx_nodes(g, pos, ax=ax, node_size=sizes, node_color="#f2a65a", alpha=0.9)
        nx.draw_networkx_labels(g, pos, ax=ax, font_size=8, font_family=family,
                                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.75))
    ax.set_title(title)
    ax.axis("off")
    return fig


# --------------------------------------------------------------------------------------------------------------
# lineage and agencies (issue 13)


def _text_colour(rgba) -> str:
    """Black or white, whichever contrasts more with a cell colour (WCAG relative luminance)."""
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3]]
    luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "black" if luminance > 0.179 else "white"


def lineage_chart(tasks: pd.DataFrame, labels: pd.Series | None = None, *, title: str,
                  cmap: str = "viridis_r", titles: bool = True) -> plt.Figure:
    """Aligned task matrix of a national lineage (``lineage.national_lineage(...).tasks``).

    One column per plan in time order, one marker per task in document order (``seq``, first at the top) with
    its printed number (section.number where numbers restart per section, as in 2012); a line joins each
    task to its counterpart in the next plan, coloured by the alignment score. Filled markers continue a task
    of the previous plan, hollow ones are new, grey ones are in the first plan (its predecessors are not in the
    corpus). The years between two columns are written above the gap; with ``titles`` the last plan's task
    titles stand on the right, whole.
    """
    from matplotlib import cm, colors
    from matplotlib.collections import LineCollection

    use_cjk_font()
    doc_ids = list(dict.fromkeys(tasks["doc_id"]))
    col = {d: i for i, d in enumerate(doc_ids)}
    years = tasks.drop_duplicates("doc_id").set_index("doc_id")["year"]
    n_rows = int(tasks["seq"].max()) if len(tasks) else 1
    last = tasks[tasks["doc_id"] == doc_ids[-1]] if doc_ids else tasks
    title_width = int(last["title"].str.len().max()) if titles and len(last) else 0
    fig, ax = plt.subplots(figsize=(max(6.0, 1.25 * len(doc_ids) + 1.5 + 0.13 * title_width),
                                    max(4.0, 0.2 * n_rows + 1.6)))
    norm = colors.Normalize(vmin=0, vmax=1)
    cmap_ = plt.get_cmap(cmap)
    row = tasks.set_index("task_id")["seq"]
    links = tasks.dropna(subset=["next_task_id"])
    segments = [[(col[r.doc_id], r.seq), (col[r.next_doc_id], row[r.next_task_id])] for r in links.itertuples()]
    ax.add_collection(LineCollection(segments, colors=cmap_(norm(links["score"].to_numpy())), linewidths=1.6,
                                     zorder=1))
    x = tasks["doc_id"].map(col)
    first = tasks["status"].isna()
    new = tasks["status"].eq("new")
    cont = tasks["status"].eq("continued")
    ax.scatter(x[first], tasks.loc[first, "seq"], s=80, color="#9a9a9a", zorder=2, label="语料库中第一份计划")
    ax.scatter(x[cont], tasks.loc[cont, "seq"], s=80, color="#1f4e79", zorder=2, label="延续上一计划的任务")
    ax.scatter(x[new], tasks.loc[new, "seq"], s=80, facecolor="white", edgecolor="#1f4e79", linewidth=1.2,
               zorder=2, label="新增任务")
    restarts = tasks.groupby("doc_id")["task_no"].transform(lambda s: not s.is_unique).astype(bool)
    for r, restart in zip(tasks.itertuples(), restarts):
        text = f"{r.section_no}.{r.task_no}" if restart else str(r.task_no)
        ax.text(col[r.doc_id], r.seq, text, ha="center", va="center", fontsize=5.5 if len(text) < 3 else 4.2,
                zorder=3, color="white" if r.status == "continued" or pd.isna(r.status) else "#1f4e79")
    if title_width:
        for r in last.itertuples():
            ax.text(col[r.doc_id] + 0.12, r.seq, r.title, ha="left", va="center", fontsize=7)
    for a, b in zip(doc_ids, doc_ids[1:]):
        gap = int(years[b]) - int(years[a])
        ax.text((col[a] + col[b]) / 2, 0.1, f"{gap} 年", ha="center", va="bottom", fontsize=7, color="#555555")
    label = labels.reindex(doc_ids).fillna(pd.Series(doc_ids, index=doc_ids)) if labels is not None else years
    ax.set_xticks(range(len(doc_ids)), [str(label[d]) for d in doc_ids])
    ax.xaxis.tick_top()
    ax.set_xlim(-0.5, len(doc_ids) - 0.5 + (0.11 * title_width if title_width else 0))
    ax.set_ylim(n_rows + 0.8, -0.3)
    ax.set_yticks([])
    ax.set_ylabel("任务（文中顺序）")
    for side in ("right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    fig.colorbar(cm.ScalarMappable(norm=norm, cmap=cmap_), ax=ax, shrink=0.5, pad=0.01,
                 label="对齐相似度（字符 n-gram 余弦）")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.01), ncols=3, fontsize=8, frameon=False)
    ax.set_title(title, pad=22)
    return fig


def adjacency_heatmap(frame: pd.DataFrame, *, title: str, cmap: str = "Blues", fmt: str = "{:.1f}",
                      label_size: float = 7) -> plt.Figure:
    """Agency × agency weighted adjacency (``network.adjacency_frame``): the diagonal left blank, values written
    in the cell in black or white by contrast, zeros left empty."""
    use_cjk_font()
    values = frame.to_numpy(dtype=float).copy()
    if values.shape[0] == values.shape[1]:
        np.fill_diagonal(values, np.nan)
    n = max(len(frame.index), len(frame.columns))
    fig, ax = plt.subplots(figsize=(max(5.0, 0.42 * n + 2.5), max(4.0, 0.38 * n + 1.8)))
    vmax = np.nanmax(values) if np.isfinite(values).any() and np.nanmax(values) > 0 else 1
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0, vmax=vmax, aspect="auto")
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j]
            if np.isfinite(v) and v > 0:
                ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=label_size,
                        color=_text_colour(image.cmap(image.norm(v))))
    ax.set_xticks(range(len(frame.columns)), frame.columns, rotation=90, fontsize=8)
    ax.set_yticks(range(len(frame.index)), frame.index, fontsize=8)
    fig.colorbar(image, ax=ax, shrink=0.6, label="权重")
    ax.set_title(title)
    return fig


def placeholder_bars(frame: pd.DataFrame, labels: pd.Series | None = None, *, title: str) -> plt.Figure:
    """Per plan, its tasks split into: naming agencies only, naming a placeholder beside agencies, naming only
    placeholders, without any clause (``agency_load.placeholder_tasks``). Stacked in the legend's order."""
    use_cjk_font()
    from matplotlib.ticker import MaxNLocator

    f = frame.reset_index(drop=True)
    parts = [("仅具体单位", f["n_tasks_with_clauses"] - f["n_tasks_with_placeholder"]
              - f["n_tasks_placeholder_only"], "#1f4e79"),
             ("具体单位 + 泛称", f["n_tasks_with_placeholder"], "#f2a65a"),
             ("仅泛称", f["n_tasks_placeholder_only"], "#c0392b"),
             ("无责任分工条款", f["n_tasks"] - f["n_tasks_with_clauses"], "#d9d9d9")]
    names = [str(labels.get(d, d)) if labels is not None else str(d) for d in f["doc_id"]]
    fig, ax = plt.subplots(figsize=(7.5, 0.5 * len(f) + 1.8))
    left = np.zeros(len(f))
    for name, values, colour in parts:
        ax.barh(names, values, left=left, color=colour, label=name)
        left += values.to_numpy()
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, max(1, left.max()) * 1.04)          # bars stop short of the frame
    ax.set_xlabel("任务数（泛称：领导小组有关成员单位、有关部门等）")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=len(parts), fontsize=8, frameon=False)
    ax.set_title(title)
    return fig
