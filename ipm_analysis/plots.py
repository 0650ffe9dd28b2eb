"""Charts with Chinese labels that render on any machine, and export of figures and tables.

The CJK font comes from a Python package (mplfonts ships Noto Sans CJK SC), registered with matplotlib at run
time, so no system font is needed and no label turns into empty boxes. Chart functions take tidy frames from
``ipm_analysis.analysis`` and return a matplotlib Figure; ``save_figure`` writes PNG (200 dpi), SVG and PDF with
their source in the metadata (see ``ipm_analysis.provenance``).
"""
from __future__ import annotations

import functools
import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.layout_engine import PlaceHolderLayoutEngine

from . import config, provenance
from .store import atomic_file

FONT_FILE = "NotoSansCJKsc-Regular.otf"
DPI = 200
# Every figure in every format unless IPM_ANALYSIS_FIGURE_FORMATS (e.g. "png") asks for fewer (the tests of the
# whole report ask for PNG only; the formats themselves are tested on small figures).
FIGURE_FORMATS = config.figure_formats()
# The PDF embeds the subset of the CJK font its text uses, cut by fontTools at every save. Cut from the whole
# 16 MB font (65,535 glyphs) that took 0.5-2 s a figure; PDFs are therefore drawn with a copy of the font
# reduced once to PDF_FONT_CHARSET (see reduced_cjk_font), with the whole font as matplotlib's per-glyph
# fallback, so a character outside the reduced set still comes out right (from the whole font, embedded too).
PDF_FONT_CHARSET = "GB2312, ASCII, Latin-1, general and CJK punctuation, arrows, maths, shapes, full-width forms"
PDF_FONT_VERSION = 1   # bump when the reduction below changes
PDF_FONT_SUFFIX = " GB2312"


def _font_path() -> Path:
    from importlib import resources

    return Path(str(resources.files("mplfonts") / "fonts" / FONT_FILE))


def _reduced_codepoints() -> list[int]:
    """PDF_FONT_CHARSET as code points: every character of GB2312 (6,763 hanzi, 682 symbols), printable ASCII,
    Latin-1 and Latin Extended-A, and the punctuation, symbol and full-width blocks."""
    points = set(range(0x20, 0x7F)) | set(range(0xA0, 0x180))
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    for first, last in ((0x2000, 0x206F), (0x2190, 0x22FF), (0x2460, 0x24FF), (0x2500, 0x25FF),
                        (0x3000, 0x303F), (0xFF00, 0xFFEF)):
        points |= set(range(first, last + 1))
    return sorted(points)


def _make_reduced_font(full: Path, target: Path) -> None:
    """Write ``full`` reduced to ``_reduced_codepoints()`` to ``target``: outlines, hinting, metrics and every
    layout table of the kept glyphs unchanged, renamed ``<family> GB2312`` so that matplotlib can tell it from
    the whole font."""
    from fontTools import subset

    opts = subset.Options()
    opts.layout_features = ["*"]
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    opts.name_legacy = True
    opts.notdef_outline = True
    opts.glyph_names = True
    opts.legacy_kern = True
    opts.recalc_timestamp = False       # the same bytes from the same inputs
    opts.drop_tables = []
    font = subset.load_font(str(full), opts)
    subsetter = subset.Subsetter(opts)
    subsetter.populate(unicodes=_reduced_codepoints())
    subsetter.subset(font)
    names = font["name"]
    family = names.getDebugName(1)
    ps_name = names.getDebugName(6)
    for record in names.names:
        if record.nameID in (1, 3, 4, 16):   # family, unique id, full name, typographic family
            record.string = record.toUnicode() + PDF_FONT_SUFFIX
        elif record.nameID == 6:             # PostScript name: no spaces
            record.string = ps_name + PDF_FONT_SUFFIX.strip()
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [ps_name + PDF_FONT_SUFFIX.strip()]
        top = cff.topDictIndex[0]
        for key in ("FullName", "FamilyName"):
            if hasattr(top, key):
                setattr(top, key, getattr(top, key) + PDF_FONT_SUFFIX)
    assert family and ps_name, full
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        font.save(str(tmp))
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def reduced_cjk_font() -> Path | None:
    """The reduced copy of the CJK font used for PDFs, made once (about 10 s) in ``<checkout>/.cache/fonts/``
    (``IPM_ANALYSIS_FONT_CACHE`` overrides), named by the mplfonts and fontTools versions it was made from; None
    if it cannot be made there (PDFs then use the whole font, only slower). Concurrent kernels wait for the
    one making it."""
    import fcntl
    from importlib import metadata

    full = _font_path()
    folder = Path(os.environ.get("IPM_ANALYSIS_FONT_CACHE") or provenance.CHECKOUT / ".cache" / "fonts")
    target = folder / (f"{full.stem}.gb2312.v{PDF_FONT_VERSION}.mplfonts-{metadata.version('mplfonts')}"
                       f".fonttools-{metadata.version('fonttools')}{full.suffix}")
    if target.exists():
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not target.exists():
                _make_reduced_font(full, target)
    except OSError:
        return None
    return target


@functools.cache
def _pdf_font_family() -> str | None:
    """Family name of the reduced font, registered with matplotlib (None if there is none)."""
    path = reduced_cjk_font()
    if path is None:
        return None
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


@functools.cache
def use_cjk_font() -> str:
    """Register the packaged Noto Sans CJK SC font and make it matplotlib's default; returns its family name."""
    path = _font_path()
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


def save_figure(fig: plt.Figure, name: str, *, formats: tuple[str, ...] = FIGURE_FORMATS) -> list[Path]:
    """Save ``fig`` as ``reports/figures/<name>.png`` (200 dpi), ``.svg`` and ``.pdf`` (fonts embedded as
    TrueType, ``pdf.fonttype`` 42, so papers can edit the text); returns the paths.

    Each file carries its source in its metadata (PNG text chunk, SVG ``<metadata>``, PDF info: notebook and
    commit) and no date, so a rerun from the same inputs writes the same bytes. Its layout is fixed at the first
    save (add nothing to it afterwards). In a notebook with the inline backend, the saved PNG is what the notebook
    shows (at the figure's size on screen) and the figure is closed: the backend would draw it a second time.
    Without PNG among the formats, or outside a notebook, the figure is left open."""
    out = config.figures_dir()
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    # constrained layout moves things by ~1e-6 at every pass: settle it once, then fix it (layout engine
    # "none"), so every format and every later save or display of the figure has the same positions
    if not isinstance(fig.get_layout_engine(), PlaceHolderLayoutEngine | type(None)):
        fig.draw_without_rendering()
        fig.draw_without_rendering()
        fig.set_layout_engine("none")
    def _save_pdf(fh, **kwargs) -> None:
        """With the reduced CJK font, unless a glyph of the figure is not in it: then with the whole font (a
        figure's text is fixed when its Text objects are made, so this is the one place to tell)."""
        rc = _pdf_fonts()
        if rc:
            with warnings.catch_warnings(record=True) as caught, plt.rc_context(rc):
                warnings.simplefilter("always")
                fig.savefig(fh, **kwargs)
            if not any(_misses_reduced_glyph(str(w.message)) for w in caught):
                for w in caught:   # the caller's filters decide about the rest
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
                return
            fh.seek(0)
            fh.truncate()
        fig.savefig(fh, **kwargs)

    # the SVG ids are hashed from a salt that is random by default; salt with the name for stable bytes
    with plt.rc_context({"pdf.fonttype": 42, "svg.hashsalt": f"ipm-analysis:{name}"}):
        for fmt in formats:
            path = out / f"{name}.{fmt}"
            with atomic_file(path) as fh:
                (_save_pdf if fmt == "pdf" else fig.savefig)(
                    fh, format=fmt, dpi=DPI, metadata=provenance.figure_metadata(fmt, name))
            provenance.record_output("figure", path)
            paths.append(path)
    if "png" in formats:
        _show_saved(fig, out / f"{name}.png")
    return paths


def _show_saved(fig: plt.Figure, png: Path) -> None:
    """Display the saved PNG in place of the inline backend's own drawing of ``fig`` (about 0.3 s a chart at
    100 dpi, two thirds of the 200 dpi save), then close ``fig`` so the backend skips it."""
    if "inline" not in plt.get_backend():
        return
    from IPython import get_ipython
    from IPython.display import Image, display

    if get_ipython() is None:
        return
    # the inline backend would show the figure at its own dpi (rcParams figure.dpi): same size on screen
    display(Image(data=png.read_bytes(), format="png", width=round(fig.get_figwidth() * fig.dpi)))
    plt.close(fig)


def _misses_reduced_glyph(message: str) -> bool:
    """Whether ``message`` is matplotlib's warning of a glyph missing from the reduced font."""
    return "missing from font(s)" in message and PDF_FONT_SUFFIX.strip() in message


def _pdf_fonts() -> dict:
    """rcParams for drawing a PDF: the reduced CJK font first, then the fonts of the other formats, so a glyph
    it lacks falls back to the whole font. Same outlines and metrics, so the same page as before, with a
    smaller font to subset. Text whose family is named explicitly (not "sans-serif") keeps the whole font."""
    reduced = _pdf_font_family()
    fonts = list(plt.rcParams["font.sans-serif"])
    return {"font.sans-serif": [reduced, *fonts]} if reduced and reduced not in fonts else {}


def save_table(frame: pd.DataFrame, name: str) -> Path:
    """Save ``frame`` as ``reports/tables/<name>.csv`` (UTF-8 with BOM, opens cleanly in Excel). The bytes are
    the table's only: its source is recorded in ``reports/provenance.json``, not in the file."""
    out = config.tables_dir()
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.csv"
    with atomic_file(path) as fh:
        frame.to_csv(fh, index=False, encoding="utf-8-sig")
    provenance.record_output("table", path)
    return path


PRESENT_LABEL = "出现 / present"
ABSENT_LABEL = "未出现 / absent"
MASK_LABEL = "尚未设立 / not yet founded"
BLANK_LABEL = "未列名 / not named"
PUNCTUATION = set("，。、；：！？（）《》“”‘’「」『』【】〔〕,.;:!?()[]<>\"' \u3000\t\n-—/·")


def text_colour(rgba) -> str:
    """Black or white, whichever contrasts more with a cell of colour ``rgba`` (WCAG relative luminance:
    black above 0.179, where the two contrasts are equal)."""
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3])
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.179 else "white"


def _integer_valued(values) -> bool:
    v = pd.to_numeric(pd.Series(np.ravel(values)), errors="coerce").dropna()
    return bool(len(v)) and bool(np.all(np.equal(np.mod(v, 1), 0)))


def _integer_ticks(axis, values) -> None:
    """Counts tick at whole numbers (never at 2.5)."""
    from matplotlib.ticker import MaxNLocator

    if _integer_valued(values):
        axis.set_major_locator(MaxNLocator(integer=True))


@functools.cache
def _token_ends(text: str) -> frozenset[int]:
    from .tokenize import tokenizer

    ends, pos = set(), 0
    for w in tokenizer().lcut(text, HMM=False):
        pos += len(w)
        ends.add(pos)
    return frozenset(ends)


def short_label(text: str, max_chars: int = 16, *, ellipsis: str = "…") -> str:
    """``text`` cut to at most ``max_chars`` characters (ellipsis included) at a word boundary, never inside a
    word: at the last punctuation or space if that keeps at least half, else at the last jieba token end (only
    a first word longer than ``max_chars`` is cut, since there is no boundary before it)."""
    text = str(text).strip()
    if len(text) <= max_chars:
        return text
    room = max(1, max_chars - len(ellipsis))
    cut = max((i for i in range(1, room + 1) if text[i - 1] in PUNCTUATION or text[i:i + 1] in PUNCTUATION),
              default=0)
    if cut < room / 2:
        cut = max((e for e in _token_ends(text) if e <= room), default=0) or cut
    head = text[:cut].rstrip("".join(PUNCTUATION))
    return (head or text[:room]) + ellipsis   # one word longer than the room: cut it rather than show nothing


# --------------------------------------------------------------------------------------------------------------
# chart functions


def _caption(fig: plt.Figure, note: str) -> None:
    """A grey note under the chart (e.g. which plans it shows), laid out with it, never overlapping."""
    if note:
        fig.supxlabel(note, fontsize=7, color="#555555", x=0.01, ha="left")


def heatmap(matrix: pd.DataFrame, *, title: str, cmap: str = "Blues", fmt: str = "{:.0f}",
            colorbar_label: str = "", annotate: bool = True, figsize=None, presence: bool = False,
            mask: pd.DataFrame | None = None, mask_label: str = MASK_LABEL,
            blank_label: str | None = None, note: str = "") -> plt.Figure:
    """A labelled heatmap of a rows × columns frame (NaN cells left blank).

    Annotations are black or white by contrast with each cell's own colour. ``presence=True`` draws cells with
    a value > 0 as present and the others as absent, with a legend and no colour bar (for tables where every
    count is 1). ``mask`` (a boolean frame aligned to ``matrix``) marks cells drawn hatched and labelled
    ``mask_label`` in the legend (e.g. an agency not founded yet), apart from blank cells, which the legend
    calls ``blank_label`` when given (e.g. "not named")."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    use_cjk_font()
    n_rows, n_cols = matrix.shape
    # the row labels take width of their own: without it long agency names squeeze the columns together
    row_chars = max((len(str(i)) for i in matrix.index), default=0)
    col_chars = max((len(str(c)) for c in matrix.columns), default=0)
    # an inch a column, half an inch beyond 12 columns (20 national plans stay one page wide)
    col_width = 1.0 if n_cols <= 12 else 0.5
    figsize = figsize or (max(5, col_width * n_cols + 3 + 0.14 * row_chars), max(3, 0.32 * n_rows + 1.5))
    fig, ax = plt.subplots(figsize=figsize)
    values = matrix.to_numpy(dtype=float)
    hidden = (np.zeros(values.shape, bool) if mask is None
              else mask.reindex(index=matrix.index, columns=matrix.columns, fill_value=False).to_numpy(bool))
    handles = []
    if presence:
        present = np.nan_to_num(values) > 0
        colour = plt.get_cmap(cmap)(0.75)
        im = ax.imshow(np.ma.masked_array(present.astype(float), ~present | hidden),
                       cmap=ListedColormap([colour]), aspect="auto", vmin=0, vmax=1)
        handles += [Patch(fc=colour, ec="#999999", label=PRESENT_LABEL),
                    Patch(fc="white", ec="#999999", label=ABSENT_LABEL)]
        varies = False
    else:
        finite = values[np.isfinite(values) & ~hidden]
        varies = finite.size > 0 and finite.min() < finite.max()
        # one value everywhere (e.g. presence by year): full colour from 0, and no colour bar (it would run 0.9-1.1)
        scale = {} if varies or not finite.size else dict(vmin=min(0.0, finite[0]), vmax=max(0.0, finite[0]))
        im = ax.imshow(np.ma.masked_array(values, ~np.isfinite(values) | hidden), cmap=cmap, aspect="auto",
                       **scale)
        if blank_label:
            handles.append(Patch(fc="white", ec="#999999", label=blank_label))
    if presence or hidden.any():   # cell edges, so neighbouring cells of one colour stay apart
        ax.set_xticks(np.arange(-0.5, n_cols), minor=True)
        ax.set_yticks(np.arange(-0.5, n_rows), minor=True)
        ax.grid(which="minor", color="#dddddd", lw=0.6)
        ax.tick_params(which="minor", length=0)
    for i, j in zip(*np.nonzero(hidden)):
        ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fc="#eeeeee", ec="#aaaaaa", hatch="///", lw=0.5))
    if hidden.any():
        handles.append(Patch(fc="#eeeeee", ec="#aaaaaa", hatch="///", label=mask_label))
    # a column is about one inch wide: labels of more than ~5 CJK characters overlap unless tilted
    tilt = n_cols > 6 or col_chars > 5 or col_chars * n_cols > 40
    ax.set_xticks(range(n_cols), [str(c) for c in matrix.columns], rotation=30 if tilt else 0,
                  ha="right" if tilt else "center")
    ax.set_yticks(range(n_rows), [str(i) for i in matrix.index])
    if annotate and not presence and n_rows * n_cols <= 900:
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v) and v != 0 and not hidden[i, j]:
                ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=7,
                        color=text_colour(im.cmap(im.norm(v))))
    for j in range(n_cols):  # an all-empty column means "not applicable" (e.g. a plan naming no agencies)
        if n_rows and np.isnan(values[:, j]).all() and not hidden[:, j].any():
            ax.text(j, (n_rows - 1) / 2, "无数据 / not applicable", rotation=90, ha="center", va="center",
                    fontsize=9, color="#777777")
    if varies:
        fig.colorbar(im, ax=ax, label=colorbar_label, shrink=0.8)
    if handles:   # below the axes, so it never covers a cell
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.08 if not tilt else -0.2),
                  ncols=len(handles), fontsize=8, frameon=False)
    ax.set_title(title)
    _caption(fig, note)
    return fig


def grouped_barh(frame: pd.DataFrame, *, title: str, xlabel: str, figsize=None, note: str = "") -> plt.Figure:
    """Horizontal grouped bars: index = categories (top to bottom), columns = series, drawn top to bottom in
    each group in column order, as the legend lists them. Whole-number values get whole-number ticks."""
    use_cjk_font()
    frame = frame.to_frame() if isinstance(frame, pd.Series) else frame
    figsize = figsize or (10, max(3, 0.35 * len(frame) + 1.5))
    fig, ax = plt.subplots(figsize=figsize)
    # barh stacks rows and series bottom-up: reverse both so the first category and series come first
    # from the top, keeping each series' colour (C0 for the first column)
    colours = [f"C{i % 10}" for i in range(frame.shape[1])]
    frame.iloc[::-1, ::-1].plot.barh(ax=ax, width=0.8, color=colours[::-1])
    _integer_ticks(ax.xaxis, frame.to_numpy())
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.set_title(title)
    handles, labels = ax.get_legend_handles_labels()
    # outside the axes so it never covers a bar
    ax.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    _caption(fig, note)
    return fig


def small_multiples_barh(frame: pd.DataFrame, *, facet: str, label: str, value: str, title: str,
                         ncols: int = 3, xlabel: str = "", sharex: bool = True,
                         max_label_chars: int | None = None, note: str = "") -> plt.Figure:
    """One horizontal bar chart per facet value (e.g. top terms per plan). ``sharex`` gives every panel the
    same value axis (set False when the panels' values are not comparable); labels longer than
    ``max_label_chars`` are shortened at a word boundary."""
    use_cjk_font()
    facets = list(dict.fromkeys(frame[facet]))
    nrows = int(np.ceil(len(facets) / ncols))
    per = frame.groupby(facet, sort=False).size().max()
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, max(2.5, 0.28 * per + 1) * nrows), squeeze=False,
                             sharex=sharex)
    for ax, key in zip(axes.flat, facets):
        part = frame[frame[facet] == key].iloc[::-1]
        labels = part[label].astype(str)
        if max_label_chars:
            labels = labels.map(lambda t: short_label(t, max_label_chars))
        ax.barh(range(len(part)), part[value], color="#3b6ea8")
        ax.set_yticks(range(len(part)), labels)
        ax.set_title(str(key), fontsize=10)
        ax.tick_params(axis="y", labelsize=8)
        ax.tick_params(axis="x", labelbottom=True)   # shared axes still label every panel
        ax.set_xlabel(xlabel, fontsize=8)
    if sharex:
        _integer_ticks(axes.flat[0].xaxis, frame[value])
    else:
        for ax, key in zip(axes.flat, facets):
            _integer_ticks(ax.xaxis, frame.loc[frame[facet] == key, value])
    for ax in list(axes.flat)[len(facets):]:
        ax.set_visible(False)
    fig.suptitle(title)
    _caption(fig, note)
    return fig


def _segments(xs: np.ndarray, max_gap: float) -> list[slice]:
    """Runs of consecutive points no more than ``max_gap`` apart (sorted ``xs``)."""
    breaks = np.flatnonzero(np.diff(xs) > max_gap) + 1
    bounds = [0, *breaks, len(xs)]
    return [slice(a, b) for a, b in zip(bounds, bounds[1:])]


def lines(frame: pd.DataFrame, *, x: str, y: str, hue: str, title: str, ylabel: str, max_gap: float = 1,
          flag: str | None = None, flag_note: str = "空心：出现少于5次 / hollow: fewer than 5 occurrences",
          facet: str | None = None, joined: str | None = None) -> plt.Figure:
    """``y`` over ``x`` at true spacing, one colour per ``hue`` value, a marker at every observation.

    Points more than ``max_gap`` apart on ``x`` (years without a plan between them) are not joined: a line
    means consecutive years, and a note under the chart says so. ``flag`` names a boolean column whose True
    rows are drawn as hollow markers, explained by ``flag_note``. ``facet`` draws one panel per value of that
    column (e.g. ``level``), sharing the y axis; if ``joined`` is given only that panel's points are joined by
    lines (e.g. ``joined="national"``: local plans of different places stay points)."""
    use_cjk_font()
    panels = list(dict.fromkeys(frame[facet])) if facet else [None]
    widths = [max(1, frame.loc[frame[facet] == p, x].nunique()) if facet else 1 for p in panels]
    fig, axes = plt.subplots(1, len(panels), figsize=(8 + 1.2 * (len(panels) - 1), 4.5), sharey=True,
                             squeeze=False, gridspec_kw={"width_ratios": [w + 1 for w in widths]})
    colours = {key: f"C{i % 10}" for i, key in enumerate(dict.fromkeys(frame[hue]))}
    for ax, panel in zip(axes.flat, panels):
        sub = frame if panel is None else frame[frame[facet] == panel]
        join = joined is None or panel == joined
        for key, part in sub.groupby(hue, sort=False):
            part = part.sort_values(x, kind="stable")
            xs, ys = part[x].to_numpy(dtype=float), part[y].to_numpy(dtype=float)
            hollow = part[flag].eq(True).to_numpy() if flag else np.zeros(len(part), bool)
            if join:
                for s in _segments(xs, max_gap):
                    if s.stop - s.start > 1:
                        ax.plot(xs[s], ys[s], color=colours[key], lw=1.6)
            ax.scatter(xs[~hollow], ys[~hollow], color=colours[key], s=28, zorder=3)
            ax.scatter(xs[hollow], ys[hollow], facecolors="white", edgecolors=colours[key], s=28, zorder=3,
                       linewidths=1.4)
        ticks = sorted(sub[x].unique())
        # every value is a tick; beyond 8 only every k-th is labelled, so 20 years' labels never overlap
        step = -(-len(ticks) // 8)
        ax.set_xticks(ticks, [(str(int(t)) if float(t).is_integer() else str(t)) if i % step == 0 else ""
                              for i, t in enumerate(ticks)])
        if len(ticks) == 1:
            ax.set_xlim(ticks[0] - 1, ticks[0] + 1)
        if panel is not None:
            ax.set_title(str(panel), fontsize=10)
    axes.flat[0].set_ylabel(ylabel)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=c, marker="o", label=str(k)) for k, c in colours.items()]
    axes.flat[-1].legend(handles=handles, fontsize=8, ncols=2 if len(handles) > 6 else 1,
                         loc="upper left", bbox_to_anchor=(1.01, 1))
    notes = ["线段只连接相邻年份 / lines join consecutive years only"]
    if flag and frame[flag].eq(True).any():
        notes.append(flag_note)
    fig.supxlabel("；".join(notes), fontsize=7, color="#555555", x=0.01, ha="left")   # laid out, never overlaps
    fig.suptitle(title)
    return fig


def rates_by_plan(frame: pd.DataFrame, *, labels: pd.Series, hue: str, facet: str | None = None, title: str,
                  ylabel: str = "每万词 (per 10,000 tokens)", note: str = "",
                  joined: list[str] | None = None) -> plt.Figure:
    """Rates (``per_10k``) of several series across the plans (x: plans in ``labels`` order), one panel per
    ``facet`` value; rates from fewer than 5 occurrences (``is_low_count``) hollow. Only the plans in ``joined``
    (e.g. the national series) are joined by lines, the others (local plans) stand as points, so a city's plan is
    never read as a step of the national series. ``note`` goes under the chart (e.g. the dictionary's source)."""
    use_cjk_font()
    facets = list(dict.fromkeys(frame[facet])) if facet else [None]
    fig, axes = plt.subplots(1, len(facets), figsize=(5.5 * len(facets) + 1.5, 4.8), squeeze=False)
    order = [d for d in labels.index if d in set(frame["doc_id"])]
    pos = {d: i for i, d in enumerate(order)}
    joined = set(order if joined is None else joined)
    for ax, key in zip(axes.flat, facets):
        part = frame if key is None else frame[frame[facet] == key]
        for i, (series, rows) in enumerate(part.groupby(hue, sort=False)):
            rows = rows.assign(_x=rows["doc_id"].map(pos)).sort_values("_x")
            colour = f"C{i % 10}"
            line = rows[rows["doc_id"].isin(joined)]
            ax.plot(line["_x"], line["per_10k"], marker="o", color=colour, label=str(series))
            alone = rows[~rows["doc_id"].isin(joined)]
            ax.plot(alone["_x"], alone["per_10k"], linestyle="none", marker="s", color=colour)
            low = rows[rows["is_low_count"]]
            ax.plot(low["_x"], low["per_10k"], linestyle="none", marker="o", markerfacecolor="white",
                    markeredgecolor=colour, zorder=3)
        ax.set_xticks(range(len(order)), [labels[d] for d in order], rotation=30, ha="right")
        ax.set_ylabel(ylabel)
        if key is not None:
            ax.set_title(str(key), fontsize=10)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    notes = [note] if note else []
    if frame["is_low_count"].any():
        notes.insert(0, "空心：出现少于5次 / hollow: fewer than 5 occurrences")
    if joined != set(order):
        notes.insert(0, "方块：地方计划，不与全国计划连线 / squares: local plans, not joined to the national series")
    if notes:
        fig.supxlabel("\n".join(notes), fontsize=7, color="#555555", x=0.01, ha="left")   # laid out, never overlaps
    fig.suptitle(title)
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
        fig.supxlabel("† 台湾本地化版本的用词，计数可能源于转换 / its count may come from a Taiwan-localised copy",
                      fontsize=7, color="#555555", x=0.01, ha="left")   # laid out, never overlaps the axis label
    return fig


def dispersion(frame: pd.DataFrame, *, labels: pd.Series, title: str, terms: list[str] | None = None,
               note: str = "") -> plt.Figure:
    """Lexical dispersion (as quanteda's textplot_xray): one panel per term side by side (in ``terms`` order,
    default as the frame has them), one row per plan, a tick at each occurrence's relative position in the
    plan's text."""
    use_cjk_font()
    terms = list(terms) if terms is not None else list(dict.fromkeys(frame["term"]))
    order = list(labels.index)
    fig, axes = plt.subplots(1, len(terms), figsize=(2.6 * len(terms) + 2, 0.3 * len(order) + 1.6), squeeze=False,
                             sharey=True)
    for ax, term in zip(axes.flat, terms):
        part = frame[frame["term"] == term]
        ypos = part["doc_id"].map({d: i for i, d in enumerate(order)})
        ax.scatter(part["rel_position"], ypos, marker="|", s=200, color="#3b6ea8")
        ax.set_yticks(range(len(order)), [labels[d] for d in order], fontsize=8)
        ax.set_ylim(len(order) - 0.5, -0.5)
        ax.set_xlim(0, 1)
        ax.set_xticks([0, 0.5, 1], ["0", "0.5", "1"])
        ax.set_title(term, fontsize=10)
    fig.supxlabel("在文本中的相对位置 (relative position in the plan)" + (f"\n{note}" if note else ""),
                  fontsize=8)
    fig.suptitle(title)
    return fig


def network(graph, *, title: str, weight: str = "weight", top_n: int = 25, seed: int = 0) -> plt.Figure:
    """Draw a co-responsibility graph with its hubs in the middle: nodes on concentric shells by strength
    (weighted degree; the strongest at the centre, the next five around it, the rest outside), node size =
    strength, edge width = the edges' ``weight`` attribute (1 where absent), arrows if the graph is directed.
    Every label is drawn, on top of the edges. ``seed`` is kept for compatibility (the layout is fixed)."""
    import networkx as nx

    use_cjk_font()
    family = plt.rcParams["font.sans-serif"][0]
    strength = dict(graph.degree(weight=weight))
    keep = sorted(strength, key=lambda n: (-strength[n], str(n)))[:top_n]
    g = graph.subgraph(keep)
    fig, ax = plt.subplots(figsize=(9, 8))
    if g.number_of_nodes():
        shells = [keep[:1], keep[1:6], keep[6:]]
        pos = nx.shell_layout(g, nlist=[s for s in shells if s], rotate=0)
        w = [float(d.get(weight, 1)) for *_, d in g.edges(data=True)]
        top = max(w, default=1) or 1
        widths = [0.3 + 3.0 * v / top for v in w]
        top_strength = max(strength[k] for k in keep) or 1
        sizes = {n: 120 + 1400 * strength[n] / top_strength for n in g.nodes}
        arrows = dict(arrows=True, arrowstyle="-|>", arrowsize=10, node_size=[sizes[n] for n in g.nodes],
                      connectionstyle="arc3,rad=0.08") if g.is_directed() else {}
        nx.draw_networkx_edges(g, pos, ax=ax, width=widths, alpha=0.35, edge_color="#555555", **arrows)
        nx.draw_networkx_nodes(g, pos, ax=ax, node_size=[sizes[n] for n in g.nodes], node_color="#f2a65a",
                               alpha=0.9)
        labels = nx.draw_networkx_labels(g, pos, ax=ax, font_size=8, font_family=family,
                                         bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none",
                                                   alpha=0.8))
        for text in labels.values():
            text.set_zorder(5)   # above edges and nodes
            text.set_clip_on(False)
        note = "点大小 = 加权度，边宽 = 权重 / node size = strength, edge width = weight" + ("；箭头：牵头 → 参与 / arrow: lead → participant"
                                                     if g.is_directed() else "")
        ax.text(0, -0.02, note, transform=ax.transAxes, fontsize=7, color="#555555", va="top")
        ax.set_aspect("equal")   # shells stay circles
        ax.margins(0.12)
    ax.set_title(title)
    ax.axis("off")
    return fig


# --------------------------------------------------------------------------------------------------------------
# lineage and agencies (issue 13)


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
                        color=text_colour(image.cmap(image.norm(v))))
    ax.set_xticks(range(len(frame.columns)), frame.columns, rotation=90, fontsize=8)
    ax.set_yticks(range(len(frame.index)), frame.index, fontsize=8)
    fig.colorbar(image, ax=ax, shrink=0.6, label="权重")
    ax.set_title(title)
    return fig


def placeholder_bars(frame: pd.DataFrame, labels: pd.Series | None = None, *, title: str,
                     note: str = "") -> plt.Figure:
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
    _caption(fig, note)
    return fig
