"""ipm_analysis.plots: the packaged CJK font renders Chinese labels without missing glyphs."""
from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402

from ipm_analysis import plots  # noqa: E402


def test_cjk_font_has_no_missing_glyphs(tmp_path, monkeypatch):
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(tmp_path))
    family = plots.use_cjk_font()
    assert "CJK" in family
    matrix = pd.DataFrame([[1, 2], [3, float("nan")]], index=["市场监管总局", "知识产权局"], columns=["2017年", "2020年"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")       # "Glyph ... missing from font" would raise here
        fig = plots.heatmap(matrix, title="各机构参与的任务数（−测试）", colorbar_label="任务数")
        png, svg = plots.save_figure(fig, "test_heatmap")
    assert png.stat().st_size > 10_000 and svg.read_text(encoding="utf-8").startswith("<?xml")
    assert png.parent == tmp_path / "reports" / "figures"


def test_heatmap_colour_bar_only_when_values_differ():
    """A colour bar over cells that are all 1 (e.g. campaign presence by year) would run from 0.9 to 1.1."""
    same = pd.DataFrame([[1, 1], [1, float("nan")]], index=["剑网", "铁拳"], columns=[2020, 2021])
    fig = plots.heatmap(same, title="t")
    assert len(fig.axes) == 1
    norm = fig.axes[0].images[0].norm          # the cells are drawn in full colour, not the palest shade
    assert (norm.vmin, norm.vmax) == (0, 1)
    assert len(plots.heatmap(same.replace({1: 2}).fillna(1), title="t").axes) == 2


def test_save_table_has_bom(tmp_path, monkeypatch):
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(tmp_path))
    path = plots.save_table(pd.DataFrame({"机构": ["公安部"], "n": [1]}), "t")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")


def _legend_texts(fig):
    return [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]


def test_lines_mark_low_counts():
    traj = pd.DataFrame({"year": [2017, 2020, 2017, 2020], "token": ["甲方", "甲方", "乙方", "乙方"],
                         "per_10k": [10.0, 20.0, 1.0, 0.0], "is_low_count": [False, False, True, True]})
    fig = plots.lines(traj, x="year", y="per_10k", hue="token", title="t", ylabel="每万词")
    assert any("少于5次" in t for t in _legend_texts(fig))
    hollow = [ln for ln in fig.axes[0].lines if ln.get_markerfacecolor() == "white" and len(ln.get_xdata())]
    assert [list(ln.get_xdata()) for ln in hollow] == [[2017, 2020]]            # only 乙方's two points
    fig = plots.lines(traj.assign(is_low_count=False), x="year", y="per_10k", hue="token", title="t", ylabel="")
    assert not any("少于5次" in t for t in _legend_texts(fig))


def test_rates_by_plan_note_and_order():
    frame = pd.DataFrame({"doc_id": ["b", "a", "b", "a"], "dimension": "instrument",
                          "category": ["惩戒", "惩戒", "激励", "激励"], "per_10k": [3.0, 1.0, 0.5, 0.2],
                          "is_low_count": [False, False, True, True]})
    labels = pd.Series({"a": "2017 全国", "b": "2020 全国"})
    fig = plots.rates_by_plan(frame, labels=labels, hue="category", facet="dimension", title="t",
                              note="来源: policy_dictionary.csv")
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["2017 全国", "2020 全国"]
    assert any("policy_dictionary.csv" in t.get_text() for t in fig.texts)


def test_keyness_bars_draw_the_threshold():
    import math
    frame = pd.DataFrame({"token": ["著作权", "保护"], "z": [2.0, -1.0], "p_value": [0.0001, 0.1],
                          "p_adjusted": [0.001, 0.5], "is_significant": [True, False],
                          "is_localisation_risk": [True, False]})
    fig = plots.keyness_bars(frame, title="t")
    dashed = sorted(ln.get_xdata()[0] for ln in fig.axes[0].lines if ln.get_linestyle() == "--")
    assert dashed == [-(-math.log10(0.05)), -math.log10(0.05)]
    widths = sorted(p.get_width() for p in fig.axes[0].patches)
    assert widths == [math.log10(0.5), 3.0]                    # signed −log10 p: reference side negative
    assert "著作权 †" in [t.get_text() for t in fig.axes[0].get_yticklabels()]


def test_dispersion_one_panel_per_term():
    frame = pd.DataFrame({"doc_id": ["a", "b", "a"], "term": ["剑网", "剑网", "铁拳"], "rel_position": [0.1, 0.5, 0.9]})
    fig = plots.dispersion(frame, labels=pd.Series({"a": "2017 全国", "b": "2020 全国"}), title="t")
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["剑网", "铁拳"]
