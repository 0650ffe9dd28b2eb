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


def lines(frame: pd.DataFrame, *, x: str, y: str, hue: str, title: str, ylabel: str,
          low_count: str | None = "is_low_count") -> plt.Figure:
    """Lines of ``y`` over ``x``, one per ``hue`` value (e.g. a term's trajectory across years). Points whose
    ``low_count`` column is true (a rate from fewer than 5 occurrences) are drawn hollow, and the chart says so."""
    use_cjk_font()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    flag = low_count if low_count in frame.columns else None
    for key, part in frame.groupby(hue, sort=False):
        (line,) = ax.plot(part[x], part[y], marker="o", label=str(key))
        if flag is not None:
            low = part[part[flag].astype(bool)]
            ax.plot(low[x], low[y], linestyle="none", marker="o", markerfacecolor="white",
                    markeredgecolor=line.get_color(), zorder=line.get_zorder() + 1)
    ax.set_xticks(sorted(frame[x].unique()))
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if flag is not None and frame[flag].any():
        ax.plot([], [], linestyle="none", marker="o", markerfacecolor="white", markeredgecolor="#555555",
                label="空心点：出现少于5次 (fewer than 5 occurrences)")
    ax.legend(fontsize=8, ncols=2)
    return fig


def rates_by_plan(frame: pd.DataFrame, *, labels: pd.Series, hue: str, facet: str | None = None, title: str,
                  ylabel: str = "每万词 (per 10,000 tokens)", note: str = "") -> plt.Figure:
    """Rates (``per_10k``) of several series across the plans (x: plans in ``labels`` order), one panel per
    ``facet`` value; rates from fewer than 5 occurrences (``is_low_count``) hollow. ``note`` goes under the chart
    (e.g. the dictionary's source)."""
    use_cjk_font()
    facets = list(dict.fromkeys(frame[facet])) if facet else [None]
    fig, axes = plt.subplots(1, len(facets), figsize=(5.5 * len(facets), 4.5), squeeze=False)
    order = [d for d in labels.index if d in set(frame["doc_id"])]
    pos = {d: i for i, d in enumerate(order)}
    for ax, key in zip(axes.flat, facets):
        part = frame if key is None else frame[frame[facet] == key]
        for series, rows in part.groupby(hue, sort=False):
            rows = rows.assign(_x=rows["doc_id"].map(pos)).sort_values("_x")
            (line,) = ax.plot(rows["_x"], rows["per_10k"], marker="o", label=str(series))
            low = rows[rows["is_low_count"]]
            ax.plot(low["_x"], low["per_10k"], linestyle="none", marker="o", markerfacecolor="white",
                    markeredgecolor=line.get_color(), zorder=line.get_zorder() + 1)
        ax.set_xticks(range(len(order)), [labels[d] for d in order], rotation=30, ha="right")
        ax.set_ylabel(ylabel)
        if key is not None:
            ax.set_title(str(key), fontsize=10)
        if part["is_low_count"].any():
            ax.plot([], [], linestyle="none", marker="o", markerfacecolor="white", markeredgecolor="#555555",
                    label="空心点：出现少于5次")
        ax.legend(fontsize=8)
    fig.suptitle(title)
    if note:
        fig.text(0.01, 0.0, note, fontsize=7, color="#555555", ha="left", va="bottom")
    return fig


def keyness_bars(frame: pd.DataFrame, *, title: str, label: str = "token", alpha: float = 0.05,
                 figsize=None) -> plt.Figure:
    """Keyness as signed −log10(BH-adjusted p) (right: typical of the target / later plan, by the sign of z;
    left: of the reference), bars dark where significant, the threshold drawn at ±−log10(alpha); open circles
    show the unadjusted p. Terms flagged ``is_localisation_risk`` are marked †."""
    use_cjk_font()
    rows = frame.iloc[::-1]
    sign = np.where(rows["z"] < 0, -1.0, 1.0)
    value = sign * -np.log10(rows["p_adjusted"].clip(lower=1e-300).to_numpy(dtype=float))
    raw = sign * -np.log10(rows["p_value"].clip(lower=1e-300).to_numpy(dtype=float))
    risky = rows["is_localisation_risk"].to_numpy(dtype=bool) if "is_localisation_risk" in rows else \
        np.zeros(len(rows), dtype=bool)
    names = [f"{n} †" if r else str(n) for n, r in zip(rows[label], risky)]
    figsize = figsize or (7, max(3, 0.3 * len(rows) + 1.5))
    fig, ax = plt.subplots(figsize=figsize)
    y = np.arange(len(rows))
    ax.barh(y, value, color=np.where(rows["is_significant"], "#3b6ea8", "#b8c7da"))
    ax.scatter(raw, y, facecolors="none", edgecolors="#555555", s=18, zorder=3, label="未校正 p (unadjusted)")
    ax.set_yticks(y, names)
    cut = -np.log10(alpha)
    for x in (cut, -cut):
        ax.axvline(x, color="#aa3333", linestyle="--", linewidth=1)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlabel(f"±−log10(BH-adjusted p); dashed: adjusted p = {alpha}; dark bars pass it")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(title)
    if risky.any():
        fig.text(0.01, 0.0, "† 2020年台湾本地化版本的用词，计数可能源于转换 (Taiwan-localised copy)", fontsize=7,
                 color="#555555")
    return fig


def dispersion(frame: pd.DataFrame, *, labels: pd.Series, title: str) -> plt.Figure:
    """Lexical dispersion (as quanteda's textplot_xray): one panel per term, one row per plan, a tick at each
    occurrence's relative position in the plan's text."""
    use_cjk_font()
    terms = list(dict.fromkeys(frame["term"]))
    order = list(labels.index)
    fig, axes = plt.subplots(len(terms), 1, figsize=(9, 0.35 * len(order) * len(terms) + 1.2), squeeze=False,
                             sharex=True)
    for ax, term in zip(axes.flat, terms):
        part = frame[frame["term"] == term]
        ypos = part["doc_id"].map({d: i for i, d in enumerate(order)})
        ax.scatter(part["rel_position"], ypos, marker="|", s=200, color="#3b6ea8")
        ax.set_yticks(range(len(order)), [labels[d] for d in order], fontsize=8)
        ax.set_ylim(len(order) - 0.5, -0.5)
        ax.set_xlim(0, 1)
        ax.set_title(term, fontsize=10, loc="left")
    axes.flat[-1].set_xlabel("在文本中的相对位置 (relative position in the plan)")
    fig.suptitle(title)
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
