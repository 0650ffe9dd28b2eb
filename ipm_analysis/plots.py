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
