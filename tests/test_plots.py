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
