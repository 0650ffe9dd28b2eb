"""ipm_analysis.plots: Chinese labels without missing glyphs, reproducible files that name their source, and
charts that read right (label contrast, legend order, integer ticks, no line across years without a plan)."""
from __future__ import annotations

import hashlib
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from ipm_analysis import plots, provenance  # noqa: E402


def test_cjk_font_has_no_missing_glyphs(tmp_path, monkeypatch):
    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(tmp_path))
    family = plots.use_cjk_font()
    assert "CJK" in family
    matrix = pd.DataFrame([[1, 2], [3, float("nan")]], index=["市场监管总局", "知识产权局"], columns=["2017年", "2020年"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")       # "Glyph ... missing from font" would raise here
        fig = plots.heatmap(matrix, title="各机构参与的任务数（−测试）", colorbar_label="任务数")
        png, svg, pdf = plots.save_figure(fig, "test_heatmap")
    assert png.stat().st_size > 10_000 and svg.read_text(encoding="utf-8").startswith("<?xml")
    assert png.parent == tmp_path / "reports" / "figures"
    assert pdf.read_bytes().startswith(b"%PDF") and b"/FontFile2" in pdf.read_bytes()   # TrueType embedded


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


def test_two_saves_are_byte_identical_and_name_their_source(tmp_path, monkeypatch):
    from PIL import Image

    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(tmp_path))
    monkeypatch.setenv(provenance.ENV_NOTEBOOK, "09_tiny")
    monkeypatch.setenv(provenance.ENV_COMMIT, "abc123")
    monkeypatch.setenv(provenance.ENV_DIRTY, "0")
    fig = plots.grouped_barh(pd.DataFrame({"牵头": [2, 1]}, index=["公安部", "海关总署"]), title="t", xlabel="任务数")
    first = {p.suffix: p.read_bytes() for p in plots.save_figure(fig, "tiny")}
    second = {p.suffix: p.read_bytes() for p in plots.save_figure(fig, "tiny")}
    assert set(first) == {".png", ".svg", ".pdf"} and first == second
    source = "ipm-analysis: notebooks/09_tiny.ipynb @ abc123"
    assert Image.open(tmp_path / "reports" / "figures" / "tiny.png").text["Source"] == source
    assert f"<dc:source>{source}</dc:source>" in first[".svg"].decode()
    assert f"/Subject ({source})".encode() in first[".pdf"]
    assert b"CreationDate" not in first[".pdf"] and b"<dc:date>" not in first[".svg"]
    recorded = provenance.read_sidecar("09_tiny")
    assert [r["path"] for r in recorded] == ["figures/tiny.png", "figures/tiny.svg", "figures/tiny.pdf"]
    assert recorded[0]["sha256"] == hashlib.sha256(first[".png"]).hexdigest()


def test_heatmap_label_colour_follows_the_cell_luminance():
    """A similarity matrix whose diagonal is 1.00: the pale 0.05 cell gets black text, the dark one white."""
    sim = pd.DataFrame([[1.0, 0.05], [0.05, 1.0]], index=["2012", "2017"], columns=["2012", "2017"])
    fig = plots.heatmap(sim, title="t", fmt="{:.2f}")
    colours = {(t.get_text(), t.get_position()): t.get_color() for t in fig.axes[0].texts}
    assert colours[("0.05", (1, 0))] == "black" and colours[("1.00", (0, 0))] == "white"
    assert plots.text_colour((1, 1, 1, 1)) == "black" and plots.text_colour((0.03, 0.19, 0.42, 1)) == "white"
    # a mid value on a light colormap stays black although it is above 0.6 of the maximum
    fig = plots.heatmap(pd.DataFrame([[0.0, 7.0, 10.0]]), title="t", cmap="YlOrBr")
    texts = {t.get_text(): t.get_color() for t in fig.axes[0].texts}
    assert texts["7"] == "black"


def test_heatmap_presence_and_not_yet_founded_cells():
    counts = pd.DataFrame({"2017": [1, np.nan], "2020": [1, 1]}, index=["剑网", "铁拳"])
    fig = plots.heatmap(counts, title="t", presence=True)
    ax = fig.axes[0]
    assert len(fig.axes) == 1 and not ax.texts      # no colour bar, no "1" in every cell
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [plots.PRESENT_LABEL, plots.ABSENT_LABEL]
    mask = pd.DataFrame({"2017": [False, True], "2020": [False, False]}, index=counts.index)
    fig = plots.heatmap(counts.replace({1: 3}).fillna(np.nan), title="t", mask=mask, blank_label=plots.BLANK_LABEL)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [plots.BLANK_LABEL, plots.MASK_LABEL]
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert [(p.get_x(), p.get_y()) for p in hatched] == [(-0.5, 0.5)]   # column 2017, row 铁拳


def test_grouped_barh_legend_lists_groups_in_bar_order():
    frame = pd.DataFrame({"牵头": [5, 3], "参与": [10, 7], "合计": [15, 10]}, index=["市场监管总局", "公安部"])
    ax = plots.grouped_barh(frame, title="t", xlabel="任务数").axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["牵头", "参与", "合计"]
    # within the first category (top), the bars run top to bottom in the legend's order
    tops = {c.get_label(): max(b.get_y() for b in c) for c in ax.containers}
    assert sorted(tops, key=lambda k: -tops[k]) == labels
    widths = {c.get_label(): [b.get_width() for b in c] for c in ax.containers}
    assert widths["牵头"] == [3, 5]     # rows reversed onto the axis: 市场监管总局 at the top
    ticks = ax.xaxis.get_major_locator().tick_values(0, 15)
    assert all(float(t).is_integer() for t in ticks)


def test_small_multiples_share_the_value_axis_and_tick_integers():
    frame = pd.DataFrame({"doc_id": ["a", "a", "b"], "token": ["知识产权保护工作", "侵权", "假冒"], "n": [5, 3, 1]})
    fig = plots.small_multiples_barh(frame, facet="doc_id", label="token", value="n", title="t", ncols=2,
                                     max_label_chars=5)
    a, b = fig.axes[:2]
    assert a.get_xlim() == b.get_xlim()
    assert all(float(t).is_integer() for t in a.xaxis.get_major_locator().tick_values(0, 5))
    assert [t.get_text() for t in a.get_yticklabels()] == ["侵权", "知识产权…"]


def test_lines_leave_no_segment_across_years_without_a_plan():
    traj = pd.DataFrame({"year": [2012, 2017, 2020, 2021, 2018], "token": ["知识产权"] * 5,
                         "per_10k": [50.0, 60, 70, 65, 55], "is_low_count": [True, False, False, False, False],
                         "level": ["national"] * 4 + ["local"]})
    fig = plots.lines(traj, x="year", y="per_10k", hue="token", title="t", ylabel="每万词", flag="is_low_count",
                      facet="level", joined="national")
    national, local = fig.axes[:2]
    drawn = [list(line.get_xdata()) for line in national.get_lines()]
    assert drawn == [[2020, 2021]]                       # 2012-2017 and 2017-2020 have no plan between
    assert local.get_lines() == [] and national.get_shared_y_axes().joined(national, local)
    hollow = [c for c in national.collections if len(c.get_offsets()) and
              np.allclose(c.get_facecolor()[0], (1, 1, 1, 1))]
    assert [list(c.get_offsets()[:, 0]) for c in hollow] == [[2012]]
    assert [t for t in national.get_xticks()] == [2012, 2017, 2020, 2021]
    assert "hollow: fewer than 5 occurrences" in fig.get_supxlabel()


@pytest.mark.parametrize("text, n, expected", [
    ("打击侵权假冒，维护市场秩序", 10, "打击侵权假冒…"),            # at the comma
    ("加强外商投资企业知识产权保护工作", 10, "加强外商投资企业…"),      # at a jieba word end
    ("短标签", 10, "短标签"),
    ("知识产权", 3, "知识…"),                                  # one word longer than the room
])
def test_short_label_never_cuts_inside_a_word(text, n, expected):
    assert plots.short_label(text, n) == expected
    assert len(plots.short_label(text, n)) <= n


def test_network_hub_central_weights_and_arrows():
    import networkx as nx

    g = nx.DiGraph()
    for other, w in [("公安部", 3.0), ("海关总署", 1.0), ("版权局", 0.5)]:
        g.add_edge("市场监管总局", other, weight=w)
    g.add_edge("公安部", "海关总署", weight=0.25)
    ax = plots.network(g, title="t").axes[0]
    labels = {t.get_text(): t.get_position() for t in ax.texts if t.get_text() in g}
    assert set(labels) == set(g) and np.allclose(labels["市场监管总局"], (0, 0))
    arrows = [p for p in ax.patches if type(p).__name__ == "FancyArrowPatch"]
    assert len(arrows) == 4
    assert max(a.get_linewidth() for a in arrows) > 3 * min(a.get_linewidth() for a in arrows)


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
    assert [ax.get_title() for ax in fig.axes] == ["剑网", "铁拳"]
    # side by side, in the order asked for (not the frame's), one row per plan on a shared axis
    fig = plots.dispersion(frame, labels=pd.Series({"a": "2017 全国", "b": "2020 全国"}), title="t",
                           terms=["铁拳", "剑网"])
    assert [ax.get_title() for ax in fig.axes] == ["铁拳", "剑网"]
    assert len({round(ax.get_position().y0, 3) for ax in fig.axes}) == 1
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["2017 全国", "2020 全国"]


def test_pdf_text_is_embedded_copyable_and_falls_back_to_the_whole_font(tmp_path, monkeypatch):
    """PDFs are drawn with the CJK font reduced to GB2312 (fast to subset); a character outside it comes from
    the whole font, never from a missing-glyph box; either way the text can be copied back out of the PDF."""
    import pdfplumber

    monkeypatch.setenv("IPM_ANALYSIS_ROOT", str(tmp_path))
    assert plots.reduced_cjk_font() is not None
    common, rare = "国家知识产权局 牵头任务", "體育總局喆"     # 體總喆: not in GB2312
    fonts, texts = {}, {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")       # "Glyph ... missing from font" would raise here
        for name, label in (("common", common), ("rare", rare)):
            fig = plots.grouped_barh(pd.DataFrame({"牵头": [2, 1]}, index=[label, "公安部"]), title=label,
                                     xlabel="任务数")
            pdf = plots.save_figure(fig, name, formats=("pdf",))[0]
            with pdfplumber.open(pdf) as doc:
                chars = doc.pages[0].chars
            fonts[name] = {c["fontname"].split("+")[-1] for c in chars}
            texts[name] = "".join(c["text"] for c in chars)
    assert common in texts["common"] and rare in texts["rare"] and "公安部" in texts["rare"]
    assert fonts["common"] == {"NotoSansCJKsc-RegularGB2312"}
    assert fonts["rare"] == {"NotoSansCJKsc-Regular"}
    pdf = (tmp_path / "reports" / "figures" / "common.pdf").read_bytes()
    assert b"/FontFile2" in pdf and b"/ToUnicode" in pdf


def test_reduced_font_draws_the_same_glyphs():
    """The reduced font keeps the whole font's outlines and metrics, so a PDF drawn with it is the same page."""
    from matplotlib.ft2font import FT2Font, LoadFlags

    whole, reduced = FT2Font(str(plots._font_path())), FT2Font(str(plots.reduced_cjk_font()))
    assert (whole.units_per_EM, whole.ascender, whole.descender) == (
        reduced.units_per_EM, reduced.ascender, reduced.descender)
    for ch in "国家知识产权局（）《》，。A1%":
        a, b = (f.load_char(ord(ch), flags=LoadFlags.NO_SCALE) for f in (whole, reduced))
        assert (a.horiAdvance, a.bbox) == (b.horiAdvance, b.bbox), ch
        assert whole.get_path()[0].tolist() == reduced.get_path()[0].tolist(), ch
    assert len(reduced.get_charmap()) < len(whole.get_charmap()) / 3
