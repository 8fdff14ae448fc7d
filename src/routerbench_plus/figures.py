"""Figures and report tables of the study: one pure function per figure.

Every ``plot_*`` function takes the Parquet tables of a stage as DataFrames and returns a
:class:`matplotlib.figure.Figure` (built without pyplot, so nothing global is touched); it never
reads or writes files. ``save`` writes a figure as PNG + PDF atomically, ``write_table`` a table as
CSV + a standalone HTML page for the Snakemake report.

Conventions: a colour-blind-safe palette (seaborn ``colorblind``) with a fixed colour per router,
the oracle black and dashed, individual models grey; fonts >= 7 pt at single-column width
(3.5 in) or double-column width (7.2 in); constrained layout; long names truncated.
"""

from __future__ import annotations

import functools
import html
import logging
import math
import os
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.colors import TwoSlopeNorm
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from .errors import InputError
from .io import COST_UNITS, atomic_path

log = logging.getLogger(__name__)
# PDF font subsetting logs every table at INFO; rule logs run at INFO, so keep fontTools quiet.
logging.getLogger("fontTools").setLevel(logging.WARNING)

SINGLE_COLUMN_IN = 3.5
DOUBLE_COLUMN_IN = 7.2
DPI = 200
MIN_FONT_PT = 7.0

STYLE: dict[str, Any] = {
    "font.size": 7.5,
    "axes.titlesize": 8,
    "axes.labelsize": 7.5,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.title_fontsize": 7,
    "figure.titlesize": 8.5,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.3,
    "lines.markersize": 4,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.linewidth": 0.4,
    "grid.alpha": 0.5,
    "legend.frameon": False,
    "pdf.fonttype": 42,
    "svg.hashsalt": "routerbench_plus",
}

PALETTE = sns.color_palette("colorblind").as_hex()
GREY = "#a0a0a0"
ORACLE = "oracle"
# Fixed colour per known router so a method looks the same in every figure.
METHOD_ORDER = ("knn", "kmeans", "mlp", "mf", "heuristic", "random", ORACLE)
METHOD_LABELS = {
    "knn": "K-NN",
    "kmeans": "K-Means",
    "mlp": "MLP",
    "mf": "MF",
    "heuristic": "Heuristic",
    "random": "Random",
    ORACLE: "Oracle",
}
# Reference curves of the binary trade-off (tradeoff.py): colour, line style, legend label.
MAX_TOP_BANDS = 3  # trade-off figure: quality bands only for this many routers or fewer
TRADEOFF_REFERENCES = {"straight": (GREY, ":", "straight line"), "pair_oracle": ("#000000", "--", "oracle (pair)")}
OTHER_TASKS = "other tasks (mean)"
# The area columns of the evaluation tables (curves.AREA_AXES) as axis labels and table headings.
AREA_AXIS_LABELS = {
    "area": "Area under deferral curve\n(x = budget / max cost)",
    "area_span": "Area over the cost span\n(x = (b − min) / (max − min))",
    "area_log": "Area over log cost\n(x = log(b / min) / log(max / min))",
}
AREA_PANEL_TITLES = {"area": "Area\n(x = budget / max cost)", "area_span": "Area over\nthe cost span",
                     "area_log": "Area over\nlog cost"}
METRIC_NAMES = {"area": "area", "area_span": "area over cost span", "area_log": "area over log cost",
                "peak": "peak", "curve_mean": "curve mean"}
_KNOWN_COLOURS = {"knn": 0, "kmeans": 1, "mlp": 2, "mf": 4, "heuristic": 3}
RANDOM_COLOUR = "#555555"


# --------------------------------------------------------------------------- helpers


def _need(df: pd.DataFrame, columns: Iterable[str], table: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"{table}: missing required column(s) {missing}; found {list(df.columns)}")
    if df.empty:
        raise InputError(f"{table}: the table is empty; nothing to plot")


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)  # a real canvas, so layout checks can measure text
    return fig


def _drawn_ticklabels(axis: Any) -> tuple[list[tuple[float, Text]], list[Text]]:
    """((tick location, label) inside the view interval, every tick label) of one axis."""
    lo, hi = sorted(axis.get_view_interval())
    eps = (hi - lo) * 1e-9
    drawn, every = [], []
    for which in ("major", "minor"):
        locs = axis.get_majorticklocs() if which == "major" else axis.get_minorticklocs()
        labels = axis.get_ticklabels(which=which)
        every += labels
        drawn += [(loc, t) for loc, t in zip(locs, labels) if lo - eps <= loc <= hi + eps]
    return drawn, every


def _ticklabels_overlap(ax: Any, name: str, labels: list[tuple[float, Text]], renderer: Any, tol: float) -> bool:
    """Whether two drawn tick labels of one axis collide. Slanted x labels are parallel strips:
    they collide when their spacing across the strip is below the text height."""
    if len(labels) < 2:
        return False
    angle = labels[0][1].get_rotation() % 180
    if name == "x" and angle % 90:
        pixels = np.sort(ax.transData.transform(np.column_stack([[loc for loc, _ in labels], np.zeros(len(labels))]))[:, 0])
        height = max(t.get_fontsize() for _, t in labels) * ax.figure.dpi / 72
        return bool((np.diff(pixels) * abs(math.sin(math.radians(angle))) < height - tol).any())
    # horizontal labels need a visible gap (a quarter of the font size) to read as separate numbers
    gap = 0.25 * max(t.get_fontsize() for _, t in labels) * ax.figure.dpi / 72 if name == "x" and angle == 0 else 0.0
    extents = sorted((t.get_window_extent(renderer) for _, t in labels), key=lambda e: (e.x0, e.y0))
    return any(
        min(a.x1, b.x1) - max(a.x0, b.x0) > tol - gap and min(a.y1, b.y1) - max(a.y0, b.y0) > tol
        for i, a in enumerate(extents) for b in extents[i + 1:]
    )


def layout_problems(fig: Figure, tolerance_px: float = 1.0) -> list[str]:
    """Layout defects a reader would see: text cut off at the figure edge, overlapping tick labels
    on one axis, and fonts smaller than ``MIN_FONT_PT``. Empty when the figure is clean."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    box = fig.bbox
    tick_labels: set[int] = set()
    drawn: list[Text] = []
    per_axis: list[tuple[Any, str, list[tuple[float, Text]]]] = []
    for ax in fig.axes:
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            shown, every = _drawn_ticklabels(axis)
            tick_labels.update(id(t) for t in every)
            visible = ax.get_visible() and ax.axison and axis.get_visible()
            shown = [(loc, t) for loc, t in shown if t.get_visible() and t.get_text().strip()] if visible else []
            drawn += [t for _, t in shown]
            per_axis.append((ax, name, shown))
    others = [t for t in fig.findobj(Text) if id(t) not in tick_labels and t.get_visible() and t.get_text().strip()
              and not (t.axes is not None and not t.axes.get_visible())]
    problems = []
    for text in others + drawn:
        ext = text.get_window_extent(renderer)
        if (ext.x0 < box.x0 - tolerance_px or ext.y0 < box.y0 - tolerance_px
                or ext.x1 > box.x1 + tolerance_px or ext.y1 > box.y1 + tolerance_px):
            problems.append(f"text {text.get_text()[:40]!r} extends beyond the figure")
        if text.get_fontsize() < MIN_FONT_PT - 1e-9:
            problems.append(f"text {text.get_text()[:40]!r} is {text.get_fontsize():g} pt (< {MIN_FONT_PT:g})")
    for ax, name, labels in per_axis:
        if _ticklabels_overlap(ax, name, labels, renderer, tolerance_px):
            problems.append(f"{name} tick labels overlap on axes '{ax.get_title() or ax.get_label()}'")
    # any two other texts (titles, axis labels, legends, annotations), or one of them and a tick label
    boxes = [(t, t.get_window_extent(renderer)) for t in others]
    ticks = [(t, t.get_window_extent(renderer)) for t in drawn]
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1:] + ticks:
            if (min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0) > tolerance_px
                    and min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0) > tolerance_px):
                problems.append(f"texts {a.get_text()[:30]!r} and {b.get_text()[:30]!r} overlap")
    return problems


def styled(function: Callable[..., Figure]) -> Callable[..., Figure]:
    """Run a plot function under the figure style (rcParams are read when artists are made)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with mpl.rc_context(STYLE):
            return function(*args, **kwargs)

    return wrapper


def short(name: Any, width: int = 24) -> str:
    """``name`` as a string of at most ``width`` characters (middle elided with '…')."""
    text = str(name)
    if len(text) <= width:
        return text
    keep = width - 1
    return text[: (keep + 1) // 2] + "…" + text[len(text) - keep // 2 :]


def method_label(method: str) -> str:
    return METHOD_LABELS.get(str(method), short(method, 18))


def order_methods(methods: Iterable[str]) -> list[str]:
    """Known routers in the study's order, then any other method alphabetically."""
    unique = list(dict.fromkeys(str(m) for m in methods))
    known = [m for m in METHOD_ORDER if m in unique]
    return known + sorted(m for m in unique if m not in METHOD_ORDER)


def method_colours(methods: Iterable[str]) -> dict[str, str]:
    """A colour per method: fixed for the built-in routers, the remaining palette for others."""
    methods = order_methods(methods)
    spare = [PALETTE[i] for i in (5, 9, 6, 7, 8)]  # after the built-in routers' colours
    colours: dict[str, str] = {}
    for method in methods:
        if method == ORACLE:
            colours[method] = "#000000"
        elif method == "random":
            colours[method] = RANDOM_COLOUR
        elif method in _KNOWN_COLOURS:
            colours[method] = PALETTE[_KNOWN_COLOURS[method]]
        else:
            colours[method] = spare.pop(0) if spare else GREY
            spare.append(colours[method])
    return colours


def method_style(method: str, colours: Mapping[str, str]) -> dict[str, Any]:
    """Line colour and style of a method: oracle dashed, random dotted, custom routers dash-dot."""
    method = str(method)
    if method == ORACLE:
        ls = "--"
    elif method == "random":
        ls = ":"
    elif method in METHOD_ORDER:
        ls = "-"
    else:
        ls = "-."
    return {"color": colours[method], "ls": ls}


def _plain_log_ticks(axis: Any) -> None:
    """Log axis ticks at 1-2-5 steps written as plain numbers (0.5, 1, 2, 5, 10, ...)."""
    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def cost_axis_label(cost_type: str) -> str:
    """'Cost budget per query, <units> (<cost type>)' for the x axis of a deferral curve."""
    units = COST_UNITS.get(str(cost_type))
    if units is None:
        raise InputError(f"cost type '{cost_type}': expected one of {list(COST_UNITS)}")
    return f"Cost budget, {units}"


def _single_value(df: pd.DataFrame, column: str, default: str = "") -> str:
    if column not in df.columns:
        return default
    values = df[column].dropna().astype(str).unique()
    return values[0] if len(values) == 1 else default


def _use_log(values: np.ndarray) -> bool:
    values = values[np.isfinite(values) & (values > 0)]
    return values.size > 1 and values.max() / values.min() > 20


def _legend_below(fig: Figure, handles: list, ncols: int) -> None:
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=max(1, ncols), handlelength=2.2,
                   columnspacing=1.0)


# --------------------------------------------------------------------------- saving


def save(fig: Figure, png_path: str | os.PathLike, pdf_path: str | os.PathLike) -> None:
    """Write ``fig`` as PNG (``DPI``) and PDF, each atomically (temp file + rename).

    Layout defects found by ``layout_problems`` are logged as warnings (the figure is still saved).
    """
    for problem in layout_problems(fig):
        log.warning("%s: %s", Path(png_path).name, problem)
    with mpl.rc_context(STYLE):
        with atomic_path(png_path) as tmp:
            fig.savefig(tmp, format="png", dpi=DPI, metadata={"Software": None})
        with atomic_path(pdf_path) as tmp:
            fig.savefig(tmp, format="pdf", metadata={"CreationDate": None, "Producer": None, "Creator": None})


_HTML_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;margin:1em;color:#222}
h2{font-size:16px;margin:0.6em 0 0.3em}
p.note{color:#555;max-width:60em}
table{border-collapse:collapse;margin:0.4em 0 1.2em}
th,td{border-bottom:1px solid #ddd;padding:3px 10px;text-align:right;white-space:nowrap}
th{background:#f4f4f4;border-bottom:2px solid #999}
td:first-child,th:first-child{text-align:left}
tr:hover td{background:#f9f9f9}
"""


def _cell(value: Any, digits: int) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return "–"
        return f"{value:.{digits}f}"
    if value is None or value is pd.NA:
        return "–"
    return html.escape(str(value))


def table_html(sections: Sequence[tuple[str, pd.DataFrame]], title: str, note: str = "", digits: int = 3) -> str:
    """A standalone HTML page with one titled table per (heading, DataFrame) section."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_HTML_STYLE}</style></head><body>",
        f"<h2>{html.escape(title)}</h2>",
    ]
    if note:
        parts.append(f'<p class="note">{html.escape(note)}</p>')
    for heading, df in sections:
        if heading:
            parts.append(f"<h2>{html.escape(heading)}</h2>")
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
        rows = [
            "<tr>" + "".join(f"<td>{_cell(v, digits)}</td>" for v in row) + "</tr>"
            for row in df.itertuples(index=False, name=None)
        ]
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_table(
    df: pd.DataFrame,
    csv_path: str | os.PathLike,
    html_path: str | os.PathLike,
    title: str,
    note: str = "",
    extra: Sequence[tuple[str, pd.DataFrame]] = (),
    digits: int = 3,
    show_raw: bool = True,
) -> None:
    """Write ``df`` as CSV (full precision) and, with any ``extra`` tables, as one HTML page
    (``show_raw=False``: the page shows only the ``extra`` tables, e.g. readable summaries of ``df``)."""
    with atomic_path(csv_path) as tmp:
        df.to_csv(tmp, index=False, lineterminator="\n")
    sections = [("", df), *extra] if show_raw or not extra else list(extra)
    page = table_html(sections, title=title, note=note, digits=digits)
    with atomic_path(html_path) as tmp:
        Path(tmp).write_text(page, encoding="utf-8")


# --------------------------------------------------------------------------- panels per split


def split_order(df: pd.DataFrame, splits: Sequence[str] | None = None) -> list[str | None]:
    """The splits of ``df`` in panel order: those of ``splits`` first (in that order), then any
    other split in order of appearance; ``[None]`` when the table has no ``split`` column."""
    if "split" not in df.columns or df["split"].isna().all():
        return [None]
    present = list(dict.fromkeys(df["split"].dropna().astype(str)))
    first = [s for s in dict.fromkeys(map(str, splits or [])) if s in present]
    return first + [s for s in present if s not in first]


def _of_split(df: pd.DataFrame | None, split: str | None) -> pd.DataFrame | None:
    if df is None or split is None or "split" not in df.columns:
        return df
    return df[df["split"].astype(str) == split]


def grid_shape(n: int) -> tuple[int, int]:
    """(rows, columns) of a panel grid at double-column width: 2 columns for 2 or 4 panels, else 3."""
    if n <= 1:
        return 1, 1
    ncols = 2 if n in (2, 4) else 3
    return math.ceil(n / ncols), ncols


def _last_in_column(i: int, n: int, ncols: int) -> bool:
    """Whether panel i has no panel below it (then it shows its x tick labels)."""
    return i + ncols >= n


def _with_legend_strip(main_height: float, n_handles: int, ncols: int) -> tuple[Figure, Any, Any]:
    """A double-column figure split into a main subfigure (panels, suptitle, shared axis labels) and
    a strip below it sized for a legend of ``n_handles`` entries in ``ncols`` columns. (A figure-level
    legend outside the axes and a ``supxlabel`` would be placed on top of each other.)"""
    strip = (math.ceil(n_handles / max(ncols, 1)) * STYLE["legend.fontsize"] * 1.45 + 9) / 72
    fig = _figure(DOUBLE_COLUMN_IN, main_height + strip)
    main, below = fig.subfigures(2, 1, height_ratios=[main_height, strip])
    return fig, main, below


def _grid(fig: Any, n: int) -> list:
    """n panels sharing both axes in a ``grid_shape`` grid of ``fig`` (a figure or subfigure);
    unused cells removed; x tick labels on every panel without a panel below it."""
    nrows, ncols = grid_shape(n)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.remove()
    for i, ax in enumerate(axes[:n]):
        if _last_in_column(i, n, ncols):
            ax.xaxis.set_tick_params(labelbottom=True)
    return list(axes[:n])


# --------------------------------------------------------------------------- deferral curves


def _deferral_panel(ax: Any, curves: pd.DataFrame, models: pd.DataFrame | None, methods: list[str],
                    colours: Mapping[str, str]) -> None:
    """Draw one split's curves (step lines, optional band) and model points on ``ax``."""
    has_band = {"quality_lo", "quality_hi"} <= set(curves.columns)
    for method in methods:
        part = curves[curves["method"].astype(str) == method].sort_values("budget")
        if part.empty:
            continue
        x = part["budget"].to_numpy(dtype=float)
        ax.plot(x, part["quality"].to_numpy(dtype=float), drawstyle="steps-post", zorder=4 if method == ORACLE else 3,
                label=method_label(method), **method_style(method, colours))
        if has_band and part[["quality_lo", "quality_hi"]].notna().all().all():
            ax.fill_between(x, part["quality_lo"].to_numpy(dtype=float), part["quality_hi"].to_numpy(dtype=float),
                            step="post", color=colours[method], alpha=0.18, linewidth=0, zorder=2)
    if models is None or not len(models):
        return
    pseudo = models["is_pseudo"].fillna(False).astype(bool) if "is_pseudo" in models else pd.Series(False, index=models.index)
    real, fake = models[~pseudo], models[pseudo]
    ax.scatter(real["cost"], real["quality"], s=9, color=GREY, alpha=0.8, linewidths=0, zorder=1)
    if len(fake):
        ax.scatter(fake["cost"], fake["quality"], s=16, marker="^", facecolors="none", edgecolors="#333333",
                   linewidths=0.7, zorder=1)


@styled
def plot_deferral_curves(
    curves: pd.DataFrame,
    models: pd.DataFrame | None = None,
    cost_type: str | None = None,
    title: str | None = None,
    splits: Sequence[str] | None = None,
) -> Figure:
    """Deferral curves: mean test quality against the per-query cost budget, one panel per split.

    ``curves``: method, budget, quality (+ split; + quality_lo / quality_hi for a bootstrap band).
    ``models``: model, cost, quality (+ split, is_pseudo): individual models as grey points
    (pseudo-specialists as open triangles). Routers are solid step lines, the oracle dashed.
    Panels (in ``splits`` order, then order of appearance) share both axes and one legend; one
    split gives a single-column figure, several a grid at double-column width.
    """
    _need(curves, ["method", "budget", "quality"], "curves")
    if models is not None and len(models):
        _need(models, ["model", "cost", "quality"], "models")
    cost_type = cost_type or _single_value(curves, "cost_type")
    panels = split_order(curves, splits)
    n = len(panels)
    methods = order_methods(curves["method"])
    colours = method_colours(methods)
    any_models = models is not None and len(models) > 0
    any_pseudo = any_models and "is_pseudo" in models and bool(models["is_pseudo"].fillna(False).astype(bool).any())
    handles: list = [Line2D([], [], label=method_label(m), **method_style(m, colours)) for m in methods]
    if any_models:
        handles.append(Line2D([], [], ls="", marker="o", ms=3.5, color=GREY, label="single model"))
    if any_pseudo:
        handles.append(Line2D([], [], ls="", marker="^", ms=4, mfc="none", mec="#333333", label="pseudo-specialist"))
    if n == 1:
        fig = main = _figure(SINGLE_COLUMN_IN, 3.2)
        axes = [fig.add_subplot()]
    else:
        ncols = min(len(handles), 5)
        fig, main, below = _with_legend_strip(1.0 + 1.75 * grid_shape(n)[0], len(handles), ncols)
        axes = _grid(main, n)
    for ax, split in zip(axes, panels):
        _deferral_panel(ax, _of_split(curves, split), _of_split(models, split), methods, colours)
        if n > 1:
            ax.set_title(str(split))
    xs = curves["budget"].to_numpy(dtype=float)
    if models is not None and len(models):
        xs = np.concatenate([xs, models["cost"].to_numpy(dtype=float)])
    if _use_log(xs):
        for ax in axes:
            ax.set_xscale("log")
            _plain_log_ticks(ax.xaxis)
    xlabel = cost_axis_label(cost_type) + ("; log scale" if axes[0].get_xscale() == "log" else "")
    benchmark = _single_value(curves, "benchmark")
    if n == 1:
        axes[0].set_xlabel(xlabel)
        axes[0].set_ylabel("Mean test quality")
        if title is None:
            bits = [benchmark, _single_value(curves, "split")]
            title = " · ".join(b if i == 0 else f"split {b}" for i, b in enumerate(bits) if b)
        if title:
            axes[0].set_title(title)
        _legend_below(fig, handles, ncols=3)
        return fig
    main.supxlabel(xlabel, fontsize=STYLE["axes.labelsize"])
    main.supylabel("Mean test quality", fontsize=STYLE["axes.labelsize"])
    if title is None:
        title = (f"{benchmark}: " if benchmark else "") + "deferral curves per training split"
    if title:
        main.suptitle(title)
    below.legend(handles=handles, loc="center", ncols=ncols, handlelength=2.2, columnspacing=1.0)
    return fig


def _ci_text(value: float, lo: float, hi: float, digits: int) -> str:
    return f"{value:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def area_table(areas: pd.DataFrame, digits: int = 3, splits: Sequence[str] | None = None) -> pd.DataFrame:
    """Areas and peaks with their confidence intervals as readable strings, best area first
    (per split, splits in ``split_order``; a ``split`` column when there are several)."""
    _need(areas, ["method", "area", "peak"], "areas")
    order = split_order(areas, splits)
    rank = {s: i for i, s in enumerate(order)}
    df = areas.assign(_s=areas["split"].astype(str).map(rank) if order != [None] else 0)
    df = df.sort_values(["_s", "area"], ascending=[True, False], kind="stable").reset_index(drop=True)

    def ci(value: str) -> pd.Series:
        lo, hi = f"{value}_lo", f"{value}_hi"
        if lo not in df or hi not in df:
            return df[value].map(lambda v: f"{v:.{digits}f}")
        return pd.Series([_ci_text(v, a, b, digits) for v, a, b in zip(df[value], df[lo], df[hi])])

    level = _single_value(df, "confidence")
    suffix = f" ({float(level):.0%} CI)" if level else " (CI)"
    out = pd.DataFrame({"method": df["method"].map(method_label), "area" + suffix: ci("area"),
                        "peak" + suffix: ci("peak")})
    for column, name in METRIC_NAMES.items():  # the other area axes and the curve mean, where present
        if column in df and column not in ("area", "peak"):
            out[name + suffix] = ci(column)
    if len(order) > 1:
        out.insert(0, "split", df["split"].astype(str))
    if "aiq" in df:
        out["AIQ"] = df["aiq"].map(lambda v: f"{v:.{digits}f}")
    if "n_resamples" in df:
        out["resamples"] = df["n_resamples"].astype("Int64").astype(str)
    return out


def area_by_split(areas: pd.DataFrame, value: str = "area", digits: int = 3,
                  splits: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per method (study order), one column per split: ``value`` with its interval."""
    _need(areas, ["method", "split", value], "areas")
    df = areas.assign(method=areas["method"].astype(str), split=areas["split"].astype(str))
    if {f"{value}_lo", f"{value}_hi"} <= set(df.columns):
        df["cell"] = [_ci_text(v, a, b, digits) for v, a, b in zip(df[value], df[f"{value}_lo"], df[f"{value}_hi"])]
    else:
        df["cell"] = df[value].map(lambda v: f"{v:.{digits}f}")
    wide = df.pivot_table(index="method", columns="split", values="cell", aggfunc="first")
    wide = wide.reindex(index=order_methods(df["method"]), columns=split_order(df, splits))
    wide = wide.fillna("–").rename(index=method_label).reset_index()
    wide.columns.name = None
    return wide


@styled
def plot_area_peak(areas: pd.DataFrame, cost_type: str | None = None, title: str | None = None,
                   splits: Sequence[str] | None = None, area: str = "area") -> Figure:
    """Area and peak per method with their CI whiskers (dot and whisker), for one or several splits.

    ``area`` names the area column to plot (``area``, the study's x = budget / max cost;
    ``area_span`` or ``area_log``, docs/metrics.md); its axis label says which one it is.

    One split: one row per method, best area on top. Several: one band of rows per split (splits
    top to bottom in ``split_order``), within it one row per method in the study order, coloured
    by method (shared legend below).
    """
    if area not in AREA_AXIS_LABELS:
        raise InputError(f"evaluation.figure_area: '{area}' is not an area column; expected one of {list(AREA_AXIS_LABELS)}")
    _need(areas, ["method", area, "peak"], "areas")
    cost_type = cost_type or _single_value(areas, "cost_type")
    panels = split_order(areas, splits)
    colours = method_colours(areas["method"].astype(str))
    if len(panels) == 1:
        df = areas.sort_values(area, ascending=True, kind="stable").reset_index(drop=True)
        y = np.arange(len(df), dtype=float)
        fig = _figure(SINGLE_COLUMN_IN, 0.9 + 0.2 * len(df))
    else:
        methods = order_methods(areas["method"].astype(str))
        offsets = np.linspace(0.36, -0.36, len(methods)) if len(methods) > 1 else np.zeros(1)
        offset = dict(zip(methods, offsets))
        centre = {s: len(panels) - 1 - i for i, s in enumerate(panels)}
        df = areas.assign(method=areas["method"].astype(str)).reset_index(drop=True)
        y = np.array([centre[str(s)] + offset[m] for s, m in zip(df["split"], df["method"])])
        fig = _figure(DOUBLE_COLUMN_IN, 1.3 + 0.5 * len(panels))
    axes = fig.subplots(1, 2, sharey=True)
    for ax, value, label in zip(axes, (area, "peak"), (AREA_AXIS_LABELS[area], "Peak quality")):
        middle = df[value].to_numpy(dtype=float)
        dot_colours = [colours[str(m)] for m in df["method"]]
        if {f"{value}_lo", f"{value}_hi"} <= set(df.columns):
            err = np.vstack([middle - df[f"{value}_lo"].to_numpy(dtype=float),
                             df[f"{value}_hi"].to_numpy(dtype=float) - middle])
            if len(panels) == 1:
                ax.errorbar(middle, y, xerr=np.clip(err, 0, None), fmt="none", ecolor="#444444", elinewidth=0.8,
                            capsize=2, zorder=2)
            else:  # whiskers in the method's colour: rows are close together
                ax.hlines(y, middle - np.clip(err[0], 0, None), middle + np.clip(err[1], 0, None),
                          colors=dot_colours, lw=0.9, zorder=2)
        ax.scatter(middle, y, c=dot_colours, s=18 if len(panels) == 1 else 9, zorder=3, linewidths=0)
        ax.set_xlabel(label)
        ax.grid(axis="y", visible=False)
    if len(panels) == 1:
        axes[0].set_yticks(y, [method_label(m) for m in df["method"]])
        axes[0].set_ylim(-0.6, len(df) - 0.4)
    else:
        for ax in axes:
            for i in range(0, len(panels), 2):  # a light band behind every other split
                ax.axhspan(i - 0.5, i + 0.5, color="#f0f0f0", zorder=0, lw=0)
        axes[0].set_yticks([centre[s] for s in panels], [short(s, 20) for s in panels])
        axes[0].set_ylim(-0.5, len(panels) - 0.5)
        axes[0].set_ylabel("Training split")
        _legend_below(fig, [Line2D([], [], ls="", marker="o", ms=4, color=colours[m], label=method_label(m))
                            for m in methods], ncols=min(len(methods), 7))
    if title is None:
        bits = [_single_value(areas, "benchmark"), _single_value(areas, "split")]
        title = " · ".join(b for b in bits if b)
        if len(panels) > 1:
            title = (f"{title}: " if title else "") + "area and peak per training split"
        units = COST_UNITS.get(cost_type)
        if units:
            title = f"{title} (cost: {units})" if title else f"cost: {units}"
    if title:
        fig.suptitle(title)
    return fig


# --------------------------------------------------------------------------- binary trade-off


def _tradeoff_panels(fig: Any, n: int) -> list[tuple[Any, Any]]:
    """(top, bottom) axes per split: a quality panel over a smaller 'minus straight line' panel.
    Tops share y, bottoms share y, all share x; tick labels only on the left column and last row."""
    nrows, ncols = grid_shape(n)
    outer = fig.add_gridspec(nrows, ncols)
    pairs: list[tuple[Any, Any]] = []
    for i in range(n):
        inner = outer[i // ncols, i % ncols].subgridspec(2, 1, height_ratios=[2.2, 1])
        first = pairs[0] if pairs else (None, None)
        top = fig.add_subplot(inner[0], sharex=first[0], sharey=first[0])
        bottom = fig.add_subplot(inner[1], sharex=top, sharey=first[1])
        top.tick_params(labelbottom=False)
        bottom.tick_params(labelbottom=i // ncols == nrows - 1)  # last row only: cells stay aligned
        if i % ncols:
            top.tick_params(labelleft=False)
            bottom.tick_params(labelleft=False)
        pairs.append((top, bottom))
    return pairs


@styled
def plot_tradeoff(
    curves: pd.DataFrame,
    areas: pd.DataFrame | None = None,
    x: str = "share_large",
    title: str | None = None,
    splits: Sequence[str] | None = None,
) -> Figure:
    """Binary trade-off curves: quality against the share of test queries sent to the large model.

    ``curves``: method, ``x`` (0..1), quality (+ split, pair_small, pair_large). The references of
    ``tradeoff.py`` are drawn grey dotted ('straight': the line between the two models) and black
    dashed ('pair_oracle'; the oracle router is then not drawn again, it orders queries the same
    way). Under each quality panel a smaller panel shows each router minus the straight line
    (points), where routers that hug the line differ visibly. With ``quality_lo``/``quality_hi``
    (the bootstrap band at each share) each router's curve gets a shaded band (up to
    ``MAX_TOP_BANDS`` routers; more would hide each other), and with ``vs_straight_lo``/``_hi``
    its difference from the line in the lower panel (paired: where it clears 0 the router beats
    random routing). One panel pair per
    split (grid at double-column width for several). With ``areas`` (method, area) and one split,
    the legend gives each area (with several splits the areas are in the table).
    """
    _need(curves, ["method", x, "quality"], "trade-off curves")
    present = set(curves["method"].astype(str))
    skip = {ORACLE} if "pair_oracle" in present else set()
    routers = [m for m in order_methods(present) if m not in TRADEOFF_REFERENCES and m not in skip]
    references = [m for m in TRADEOFF_REFERENCES if m in present]
    colours = method_colours(routers)
    panels = split_order(curves, splits)
    n = len(panels)
    area_of: dict[str, float] = {}
    if areas is not None and len(areas):
        _need(areas, ["method", "area"], "trade-off areas")
        if n == 1:
            area_of = dict(zip(areas["method"].astype(str), areas["area"].astype(float)))
    n_handles = len(routers) + len(references)
    if n == 1:
        fig = main = _figure(SINGLE_COLUMN_IN, 4.4)
    else:
        ncols = min(n_handles, 5)
        fig, main, below = _with_legend_strip(1.0 + 2.0 * grid_shape(n)[0], n_handles, ncols)
    pairs = _tradeoff_panels(main, n)
    styles: dict[str, tuple[dict[str, Any], str]] = {}
    for method in routers + references:
        if method in TRADEOFF_REFERENCES:
            colour, ls, label = TRADEOFF_REFERENCES[method]
            styles[method] = ({"color": colour, "ls": ls}, label)
        else:
            styles[method] = (method_style(method, colours), method_label(method))
    any_straight = False
    has_band = {"quality_lo", "quality_hi"} <= set(curves.columns)
    for (top, bottom), split in zip(pairs, panels):
        part = _of_split(curves, split)
        wide = part.pivot_table(index=x, columns="method", values="quality", aggfunc="mean")
        straight = wide["straight"] if "straight" in wide else None
        any_straight = any_straight or straight is not None
        for method in routers + references:
            if method not in wide:
                continue
            style, label = styles[method]
            series = wide[method].dropna()
            top.plot(series.index.to_numpy(dtype=float), series.to_numpy(dtype=float), label=label,
                     zorder=2 if method in TRADEOFF_REFERENCES else 3, **style)
            band = part[part["method"].astype(str) == method] if has_band and method not in TRADEOFF_REFERENCES else None
            if band is not None and len(band):
                band = band.sort_values(x)
            if band is not None and len(band) and len(routers) <= MAX_TOP_BANDS:
                top.fill_between(band[x].to_numpy(dtype=float), band["quality_lo"].to_numpy(dtype=float),
                                 band["quality_hi"].to_numpy(dtype=float), color=style["color"], alpha=0.15,
                                 lw=0, zorder=1)
            if straight is not None and method != "pair_oracle":
                diff = (series - straight.reindex(series.index)) * 100
                bottom.plot(diff.index.to_numpy(dtype=float), diff.to_numpy(dtype=float), **style)
                if band is not None and len(band) and {"vs_straight_lo", "vs_straight_hi"} <= set(band.columns):
                    bottom.fill_between(band[x].to_numpy(dtype=float), 100 * band["vs_straight_lo"].to_numpy(dtype=float),
                                        100 * band["vs_straight_hi"].to_numpy(dtype=float), color=style["color"],
                                        alpha=0.15, lw=0, zorder=1)
        if straight is None:
            bottom.set_visible(False)
        if n > 1:
            top.set_title(str(split))
    handles = []
    for method in routers + references:
        style, label = styles[method]
        if method in area_of:
            label = f"{label} ({area_of[method]:.3f})"
        handles.append(Line2D([], [], label=label, **style))
    small, large = _single_value(curves, "pair_small"), _single_value(curves, "pair_large")
    pair_text = f"{short(small, 22)} (small) vs {short(large, 22)} (large)" if small and large else ""
    xlabel = "Share of test queries routed to the large model"
    for i, (top, bottom) in enumerate(pairs):
        if i % grid_shape(n)[1] == 0:
            top.set_ylabel("Mean test quality")
            bottom.set_ylabel("Minus straight\nline (points)")
    pairs[0][1].set_xlim(0, 1)
    pairs[0][1].set_xticks([0, 0.25, 0.5, 0.75, 1], ["0", "0.25", "0.5", "0.75", "1"])
    if n == 1:
        top, bottom = pairs[0]
        bottom.set_xlabel(xlabel)
        if title is None and pair_text:
            split = _single_value(curves, "split")
            title = (f"split {split}\n" if split else "") + pair_text
        if title:
            top.set_title(title)
        fig.legend(handles=handles, loc="outside lower center", ncols=2,
                   title="method (area under the curve)" if area_of else None)
        return fig
    main.supxlabel(xlabel, fontsize=STYLE["axes.labelsize"])
    if title is None:
        benchmark = _single_value(curves, "benchmark")
        title = ": ".join(b for b in [benchmark, pair_text] if b) + " · per training split"
    if title:
        main.suptitle(title)
    below.legend(handles=handles, loc="center", ncols=ncols, handlelength=2.2, columnspacing=1.0)
    return fig


def tradeoff_table(areas: pd.DataFrame, digits: int = 3, splits: Sequence[str] | None = None) -> pd.DataFrame:
    """Per method of a binary pair: area with CI, APGR, CPT(50 %) and CPT(80 %), best area first
    (per split, splits in ``split_order``; a ``split`` column when there are several)."""
    _need(areas, ["method", "area"], "trade-off areas")
    order = split_order(areas, splits)
    rank = {s: i for i, s in enumerate(order)}
    df = areas.assign(_s=areas["split"].astype(str).map(rank) if order != [None] else 0)
    df = df.sort_values(["_s", "area"], ascending=[True, False], kind="stable").reset_index(drop=True)
    label = df["method"].astype(str).map(lambda m: TRADEOFF_REFERENCES[m][2] if m in TRADEOFF_REFERENCES else method_label(m))
    out = pd.DataFrame({"method": label})
    if len(order) > 1:
        out.insert(0, "split", df["split"].astype(str))
    if {"area_lo", "area_hi"} <= set(df.columns):
        out["area (CI)"] = [_ci_text(v, a, b, digits) for v, a, b in zip(df["area"], df["area_lo"], df["area_hi"])]
    else:
        out["area"] = df["area"].map(lambda v: f"{v:.{digits}f}")
    if {"apgr", "apgr_lo", "apgr_hi"} <= set(df.columns):
        out["APGR (CI)"] = [_ci_text(v, a, b, digits) if np.isfinite(v) else "–"
                            for v, a, b in zip(df["apgr"], df["apgr_lo"], df["apgr_hi"])]
    elif "apgr" in df:
        out["APGR"] = df["apgr"].astype(float)
    for column, name in (("cpt50", "CPT(50%)"), ("cpt80", "CPT(80%)")):
        if column in df:
            out[name] = df[column].astype(float)
    return out


# --------------------------------------------------------------------------- OOD


@styled
def plot_ood_heatmap(
    ood: pd.DataFrame, value: str = "curve_mean_delta_pts", title: str | None = None
) -> Figure:
    """Heatmap method x held-out category of the OOD change in quality points (OOD − ID training).

    ``ood``: method, category, ``value`` (points, x100); a 'pooled' flag puts the pooled column last.
    With the delta's interval columns (``<name>_delta_lo_pts``/``_hi_pts``, ``<name>_significant``)
    a cell is marked * when its interval excludes 0, and small maps print the interval under it.
    """
    missing = [c for c in ("method", "category", value) if c not in ood.columns]
    if missing:
        raise InputError(f"ood: missing required column(s) {missing}; found {list(ood.columns)}")
    if title is None:
        split = _single_value(ood, "split_ood") or _single_value(ood, "group")
        title = f"OOD hold-out: {split}" if split else ""
    if ood.empty:
        return _empty_figure(title or "OOD hold-out", "no held-out category (empty table)")
    df = ood.assign(method=ood["method"].astype(str))
    several_costs = "cost_type" in df and df["cost_type"].nunique() > 1
    methods = order_methods(df["method"])
    if several_costs:  # one row per (method, cost type)
        df["row"] = df["method"].map(method_label) + " · " + df["cost_type"].astype(str)
        rows = [f"{method_label(m)} · {c}" for m in methods for c in sorted(df["cost_type"].astype(str).unique())]
    else:
        df["row"] = df["method"].map(method_label)
        rows = [method_label(m) for m in methods]
    matrix = df.pivot_table(index="row", columns="category", values=value, aggfunc="mean", dropna=False)
    pooled = set(df.loc[df["pooled"].astype(bool), "category"].astype(str)) if "pooled" in df else set()
    columns = sorted((c for c in matrix.columns if str(c) not in pooled), key=str)
    if len(columns) != 1:  # with one held-out category the pooled column would repeat it
        columns += [c for c in matrix.columns if str(c) in pooled]
    matrix = matrix.reindex(index=[r for r in rows if r in matrix.index], columns=columns)
    n_rows, n_cols = matrix.shape
    stem = value[: -len("_delta_pts")] if value.endswith("_delta_pts") else None
    ci_columns = [f"{stem}_delta_lo_pts", f"{stem}_delta_hi_pts", f"{stem}_significant"] if stem else []
    has_ci = bool(ci_columns) and set(ci_columns) <= set(df.columns)
    show_ci = has_ci and n_cols * n_rows <= 24
    annot: Any = n_cols * n_rows <= 120
    if has_ci and annot:
        def cells(column: str) -> pd.DataFrame:
            return df.pivot_table(index="row", columns="category", values=column, aggfunc="mean",
                                  dropna=False).reindex_like(matrix)

        lo, hi = cells(ci_columns[0]).to_numpy(), cells(ci_columns[1]).to_numpy()
        sig = cells(ci_columns[2]).to_numpy(dtype=float) > 0.5
        annot = np.vectorize(
            lambda d, a, b, s: "–" if np.isnan(d) else f"{d:.1f}{'*' if s else ''}"
            + (f"\n[{a:.0f}, {b:.0f}]" if show_ci and np.isfinite(a) else "")
        )(matrix.to_numpy(), lo, hi, sig)
    width = min(DOUBLE_COLUMN_IN, max(SINGLE_COLUMN_IN, 1.7 + (0.62 if show_ci else 0.5) * n_cols))
    height = 1.2 + (0.36 if show_ci else 0.26) * n_rows + 0.05 * max(len(short(c, 20)) for c in matrix.columns)
    fig = _figure(width, max(2.3, height))
    ax = fig.add_subplot()
    finite = matrix.to_numpy()[np.isfinite(matrix.to_numpy())]
    bound = max(1.0, float(np.abs(finite).max())) if finite.size else 1.0
    sns.heatmap(matrix, ax=ax, cmap="RdBu", norm=TwoSlopeNorm(0.0, -bound, bound), annot=annot,
                fmt=".1f" if annot is True else "", annot_kws={"fontsize": 7}, linewidths=0.4, linecolor="white",
                cbar_kws={"label": "Δ quality, points\n(OOD − in-distribution)", "shrink": 0.9})
    ax.set_yticks(np.arange(n_rows) + 0.5, list(matrix.index), rotation=0)
    rotate = n_cols > 3 or max(len(short(c, 20)) for c in matrix.columns) > 10
    ax.set_xticks(np.arange(n_cols) + 0.5, [short(c, 20) for c in matrix.columns], rotation=35 if rotate else 0,
                  ha="right" if rotate else "center", rotation_mode="anchor")
    ax.set_xlabel("Held-out category" + ("\n(* interval excludes 0)" if has_ci else ""))
    ax.set_ylabel("")
    ax.grid(False)
    if title:
        ax.set_title(title)
    return fig


def _empty_figure(title: str, message: str) -> Figure:
    """A small figure that says why there is nothing to plot (so the report still has an entry)."""
    fig = _figure(SINGLE_COLUMN_IN, 1.4)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_title(title)
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    return fig


@styled
def plot_train_fraction(table: pd.DataFrame) -> Figure:
    """Routers retrained on a share f of each category's training queries: mean and peak quality
    (points) against f, one line per method (``categories.train_fraction_table`` columns)."""
    _need(table, ["method", "train_fraction", "curve_mean_pts", "peak_pts"], "train fraction")
    df = table.assign(method=table["method"].astype(str))
    costs = sorted(df["cost_type"].astype(str).unique()) if "cost_type" in df else [""]
    methods = order_methods(df["method"])
    colours = method_colours(methods)
    fig = _figure(SINGLE_COLUMN_IN, 4.2)
    axes = fig.subplots(2, 1, sharex=True)
    handles: list = []
    for cost_index, cost in enumerate(costs):
        part_cost = df if cost == "" else df[df["cost_type"].astype(str) == cost]
        for method in methods:
            part = part_cost[part_cost["method"] == method].sort_values("train_fraction")
            if part.empty:
                continue
            style = method_style(method, colours)
            label = method_label(method) + (f" · {cost}" if len(costs) > 1 else "")
            for ax, column in zip(axes, ("curve_mean_pts", "peak_pts")):
                (line,) = ax.plot(part["train_fraction"].to_numpy(dtype=float), part[column].to_numpy(dtype=float),
                                  marker="os^D"[cost_index % 4], ms=3, label=label, **style)
            handles.append(line)
    axes[0].set_ylabel("Mean quality over\nthe curve (points)")
    axes[1].set_ylabel("Peak quality (points)")
    axes[1].set_xlabel("Share of each category's training queries kept")
    fractions = np.unique(df["train_fraction"].to_numpy(dtype=float))
    if fractions.size <= 8:
        axes[1].set_xticks(fractions, [f"{f:g}" for f in fractions])
    axes[0].set_title("Within-category redundancy")
    _legend_below(fig, handles, 3)
    return fig


# --------------------------------------------------------------------------- audit figures


@styled
def plot_specialist_scores(scores: pd.DataFrame, thresholds: Sequence[float] = (0.0, 0.05),
                           max_labels: int = 40) -> Figure:
    """Specialist score per task, sorted, coloured by threshold bin; thresholds as dashed lines."""
    _need(scores, ["task", "specialist_score"], "specialist scores")
    df = scores.dropna(subset=["specialist_score"]).sort_values("specialist_score", ascending=False, kind="stable")
    n_undefined = len(scores) - len(df)
    cuts = sorted(float(t) for t in thresholds)
    values = df["specialist_score"].to_numpy(dtype=float)
    bins = np.searchsorted(np.asarray(cuts), values, side="right")
    bin_colours = [PALETTE[7], PALETTE[0], PALETTE[3], PALETTE[2], PALETTE[4]]
    names = [f"< {cuts[0]:g}"] + [f"[{a:g}, {b:g})" for a, b in zip(cuts[:-1], cuts[1:])] + [f"≥ {cuts[-1]:g}"]
    labels_shown = len(df) <= max_labels
    height = 2.6 + (0.05 * max((len(short(t, 22)) for t in df["task"]), default=0) if labels_shown else 0)
    fig = _figure(SINGLE_COLUMN_IN if len(df) <= 30 else DOUBLE_COLUMN_IN, height)
    ax = fig.add_subplot()
    x = np.arange(len(df))
    ax.bar(x, values, width=0.8, color=[bin_colours[b % len(bin_colours)] for b in bins], linewidth=0)
    for cut in cuts:
        ax.axhline(cut, color="#333333", ls="--", lw=0.8, zorder=4)
        ax.annotate(f"{cut:g}", xy=(1.0, cut), xycoords=("axes fraction", "data"), xytext=(2, 0),
                    textcoords="offset points", va="center", fontsize=7, color="#333333")
    if labels_shown:
        ax.set_xticks(x, [short(t, 22) for t in df["task"]], rotation=90)
        ax.set_xlabel("Task (sorted by specialist score)")
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"{len(df)} tasks, sorted by specialist score (names in the table)")
    ax.set_xlim(-0.7, len(df) - 0.3)
    ax.grid(axis="x", visible=False)
    cost = _single_value(scores, "cost_type")
    unit = f"\nbudgets: {COST_UNITS[cost]}" if cost in COST_UNITS else ""
    ax.set_ylabel("Specialist score\n(best specialist − generalist)")
    counts = np.bincount(bins, minlength=len(names))
    handles = [Patch(color=bin_colours[i % len(bin_colours)], label=f"{names[i]}: {counts[i]}") for i in range(len(names))]
    note = f"; {n_undefined} task(s) undefined" if n_undefined else ""
    ax.set_title(f"Specialist score per task{unit}{note}")
    _legend_below(fig, handles, ncols=len(handles))
    return fig


@styled
def plot_average_rank(avg_rank: pd.DataFrame, top_k: int = 10) -> Figure:
    """Horizontal bars of the ``top_k`` models with the lowest average rank (best on top)."""
    _need(avg_rank, ["model", "avg_rank"], "average rank")
    df = avg_rank.sort_values(["avg_rank", "model"], kind="stable").head(top_k).iloc[::-1]
    pseudo = df["is_pseudo"].fillna(False).astype(bool).to_numpy() if "is_pseudo" in df else np.zeros(len(df), bool)
    fig = _figure(SINGLE_COLUMN_IN, 0.8 + 0.19 * len(df))
    ax = fig.add_subplot()
    y = np.arange(len(df))
    values = df["avg_rank"].to_numpy(dtype=float)
    bars = ax.barh(y, values, color=[PALETTE[4] if p else PALETTE[0] for p in pseudo], height=0.7)
    ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], padding=2, fontsize=7)
    ax.set_yticks(y, [short(m, 26) for m in df["model"]])
    ax.set_xlim(0, values.max() * 1.18 if values.size else 1)
    ax.set_xlabel("Average rank over tasks (1 = best)")
    ax.grid(axis="y", visible=False)
    n_tasks = int(avg_rank["n_tasks"].max()) if "n_tasks" in avg_rank else None
    ax.set_title(f"Top {len(df)} by average rank" + (f", {n_tasks} tasks" if n_tasks else ""))
    if pseudo.any():
        _legend_below(fig, [Patch(color=PALETTE[0], label="model"), Patch(color=PALETTE[4], label="pseudo-specialist")], 2)
    return fig


def similarity_order(matrix: pd.DataFrame) -> list:
    """Leaf order of an average-linkage clustering on 1 - cosine (optimal leaf ordering)."""
    from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering
    from scipy.spatial.distance import squareform

    if len(matrix) < 3:
        return list(matrix.index)
    dist = np.clip(1.0 - matrix.to_numpy(dtype=float), 0.0, 2.0)
    dist = (dist + dist.T) / 2.0
    np.fill_diagonal(dist, 0.0)
    condensed = squareform(np.nan_to_num(dist, nan=1.0), checks=False)
    tree = optimal_leaf_ordering(linkage(condensed, method="average"), condensed)
    return list(matrix.index[leaves_list(tree)])


def similarity_matrix(similarity: pd.DataFrame) -> pd.DataFrame:
    """Square category x category cosine matrix from the long table (symmetrised, diagonal 1)."""
    _need(similarity, ["category_a", "category_b", "cosine"], "category similarity")
    long = pd.concat([
        similarity[["category_a", "category_b", "cosine"]],
        similarity.rename(columns={"category_a": "category_b", "category_b": "category_a"})[["category_a", "category_b", "cosine"]],
    ])
    matrix = long.pivot_table(index="category_a", columns="category_b", values="cosine", aggfunc="mean")
    names = sorted(set(matrix.index) | set(matrix.columns), key=str)
    matrix = matrix.reindex(index=names, columns=names)
    values = matrix.to_numpy(copy=True)
    np.fill_diagonal(values, np.where(np.isnan(np.diag(values)), 1.0, np.diag(values)))
    return pd.DataFrame(values, index=names, columns=names)


@styled
def plot_category_similarity(similarity: pd.DataFrame, max_labels: int = 45) -> Figure:
    """Clustered heatmap of the cosine similarity between per-category mean embeddings.

    ``similarity``: category_a, category_b, cosine (+ order_a: clustered position of category_a;
    computed here by average linkage on 1 - cosine when absent)."""
    matrix = similarity_matrix(similarity)
    if "order_a" in similarity.columns:  # the clustered order computed upstream (categories.leaf_order)
        positions = similarity.drop_duplicates("category_a").set_index("category_a")["order_a"]
        order = sorted(matrix.index, key=lambda c: (positions.get(c, len(positions)), str(c)))
    else:
        order = similarity_order(matrix)
    matrix = matrix.loc[order, order]
    n = len(matrix)
    side = SINGLE_COLUMN_IN if n <= 20 else DOUBLE_COLUMN_IN
    fig = _figure(side, side * 0.88)
    ax = fig.add_subplot()
    step = max(1, math.ceil(n / max_labels))
    sns.heatmap(matrix, ax=ax, cmap="viridis", square=True, xticklabels=False, yticklabels=False,
                cbar_kws={"label": "Cosine similarity of category mean embeddings", "shrink": 0.8})
    ticks = np.arange(0, n, step)
    labels = [short(matrix.index[i], 20) for i in ticks]
    ax.set_xticks(ticks + 0.5, labels, rotation=90)
    ax.set_yticks(ticks + 0.5, labels, rotation=0)
    ax.set_xlabel("Category (clustered order" + (f", one label in {step}" if step > 1 else "") + ")")
    ax.set_ylabel("")
    ax.grid(False)
    ax.set_title(f"Category similarity ({n} categories)")
    return fig


@styled
def plot_duplicate_groups(groups: pd.DataFrame, delta: float | None = None) -> Figure:
    """Histogram of near-duplicate group sizes (groups of >= 2 queries; one count per group).

    With a ``scope`` column (dedup.stack_groups), the training pool's groups are drawn (the study's
    row) and the whole benchmark's count is noted beside them.
    """
    _need(groups, ["group_id", "group_size"], "duplicate groups")
    scope_note = ""
    if "scope" in groups.columns and groups["scope"].nunique() > 1:
        whole = groups[groups["scope"] == "all"].drop_duplicates("group_id")
        scope_note = f"\nall splits: {len(whole)} groups, {int(whole['group_size'].sum())} queries"
        groups = groups[groups["scope"] == "training"]
    elif "scope" in groups.columns and len(groups):
        scope_note = f"\nscope: {groups['scope'].iloc[0]}"
    per_group = groups.drop_duplicates("group_id")
    sizes = per_group.loc[per_group["group_size"] >= 2, "group_size"].to_numpy(dtype=int)
    fig = _figure(SINGLE_COLUMN_IN, 2.5)
    ax = fig.add_subplot()
    if sizes.size:
        values, counts = np.unique(sizes, return_counts=True)
        ax.bar(values, counts, width=0.8, color=PALETTE[0])
        ax.set_xticks(values if len(values) <= 15 else np.unique(np.linspace(values.min(), values.max(), 10).round().astype(int)))
        if counts.max() / max(counts.min(), 1) > 50:
            ax.set_yscale("log")
            ax.set_ylim(top=counts.max() * 8)
        else:
            ax.set_ylim(0, counts.max() * (1.8 if scope_note else 1.45))
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        covered = int(sizes.sum())
        ax.text(0.98, 0.95, f"{sizes.size} groups\nmean size {sizes.mean():.2f}\n{covered} queries covered{scope_note}",
                transform=ax.transAxes, ha="right", va="top", fontsize=7)
    else:
        ax.text(0.5, 0.5, "no duplicate groups at this threshold", transform=ax.transAxes, ha="center", va="center")
    ax.set_xlabel("Group size (queries per near-duplicate group)")
    ax.set_ylabel("Number of groups")
    ax.grid(axis="x", visible=False)
    if delta is None and "delta" in groups:
        delta = float(groups["delta"].iloc[0])
    where = ", training pool" if scope_note.startswith("\nall splits") else ""
    threshold = f" (cosine ≥ {delta:g})" if delta is not None else ""
    ax.set_title(f"Near-duplicate groups{where}" + ("\n" if where and threshold else "") + threshold.strip())
    return fig


CONTAMINATION_MAX_CATEGORIES = 30  # categories drawn in the contamination figure (most contaminated first)


@styled
def plot_contamination(summary: pd.DataFrame, delta: float | None = None,
                       max_categories: int = CONTAMINATION_MAX_CATEGORIES) -> Figure:
    """Cross-split contamination (``contamination.audit`` summary): per category, the share of test
    queries with a train/val near-duplicate (bars; overall dashed) and the label agreement of those
    pairs (dots) against the same-category baseline (grey bars)."""
    _need(summary, ["level", "category", "share_contaminated", "n_contaminated", "label_agreement",
                    "baseline_agreement"], "contamination summary")
    if delta is None and "delta" in summary and len(summary):
        delta = float(summary["delta"].iloc[0])
    title = "Test queries with a train/val near-duplicate" + (f" (cosine ≥ {delta:g})" if delta is not None else "")
    overall = summary[summary["level"] == "overall"]
    cats = summary[summary["level"] == "category"]
    if overall.empty or int(overall["n_contaminated"].iloc[0]) == 0:
        return _empty_figure(title, "no test query has a train/val near-duplicate")
    cats = cats[cats["n_contaminated"] > 0].sort_values(["share_contaminated", "category"], ascending=[False, True],
                                                         kind="stable")
    hidden = max(0, len(cats) - max_categories)
    cats = cats.head(max_categories)
    n = len(cats)
    fig = _figure(DOUBLE_COLUMN_IN, 1.3 + 0.17 * n)
    left, right = fig.subplots(1, 2, sharey=True)
    y = np.arange(n)
    names = [short(c, 22) for c in cats["category"]]
    share = 100 * cats["share_contaminated"].to_numpy(dtype=float)
    left.barh(y, share, height=0.7, color=PALETTE[0], linewidth=0)
    total = 100 * float(overall["share_contaminated"].iloc[0])
    left.axvline(total, color="#333333", ls="--", lw=0.8)
    left.set_yticks(y, names)
    left.invert_yaxis()
    left.set_xlabel("Test queries with a train/val near-duplicate (%)")
    left.set_title(f"overall {total:.1f} % ({int(overall['n_contaminated'].iloc[0])} of "
                   f"{int(overall['n_test'].iloc[0])})" if "n_test" in overall else f"overall {total:.1f} %")
    left.grid(axis="y", visible=False)
    base = cats["baseline_agreement"].to_numpy(dtype=float)
    agree = cats["label_agreement"].to_numpy(dtype=float)
    right.barh(y, base, height=0.7, color=GREY, alpha=0.6, linewidth=0, label="same-category baseline")
    right.plot(agree, y, "o", color=PALETTE[3], ms=3.5, label="near-duplicate pairs")
    right.set_xlim(0, 1.02)
    right.set_xlabel("Label agreement (same model, both observed)")
    rule = _single_value(summary, "label_rule")
    o_agree, o_base = float(overall["label_agreement"].iloc[0]), float(overall["baseline_agreement"].iloc[0])
    right.set_title(f"overall {o_agree:.2f} vs baseline {o_base:.2f}" + (f" ({rule})" if rule else ""))
    right.grid(axis="y", visible=False)
    right.tick_params(axis="y", length=0)
    handles, _ = right.get_legend_handles_labels()
    _legend_below(fig, handles, ncols=2)
    more = f"; {hidden} more categories in the table" if hidden else ""
    fig.suptitle(f"{title}{more}")
    return fig


def contamination_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The contamination summary as the report shows it: overall first, then categories by share."""
    _need(summary, ["level", "category", "n_test", "n_contaminated", "share_contaminated", "n_pairs",
                    "n_training_duplicates", "label_agreement", "baseline_agreement"], "contamination summary")
    order = summary.assign(_o=(summary["level"] != "overall").astype(int))
    order = order.sort_values(["_o", "share_contaminated", "category"], ascending=[True, False, True], kind="stable")
    out = pd.DataFrame({
        "category": order["category"].astype(str),
        "test queries": order["n_test"].to_numpy(),
        "contaminated": order["n_contaminated"].to_numpy(),
        "share contaminated (%)": 100 * order["share_contaminated"].to_numpy(dtype=float),
        "pairs": order["n_pairs"].to_numpy(),
        "train/val duplicates": order["n_training_duplicates"].to_numpy(),
        "label agreement": order["label_agreement"].to_numpy(dtype=float),
        "baseline agreement": order["baseline_agreement"].to_numpy(dtype=float),
    })
    if "label_rule" in order:
        out["label rule"] = order["label_rule"].astype(str).to_numpy()
    return out.reset_index(drop=True)


# Lines of the pruning curve (prune.pool_curve columns): colour, line style, legend label.
POOL_CURVE_SERIES = (
    ("oracle_area", "#000000", "--", "oracle: area under deferral curve"),
    ("heuristic_area", PALETTE[_KNOWN_COLOURS["heuristic"]], "-", "heuristic: area under deferral curve"),
    ("best_single_acc", GREY, ":", "best single model: test accuracy"),
)


@styled
def plot_pruning(steps: pd.DataFrame, curve: pd.DataFrame | None = None, max_names: int = 40) -> Figure:
    """Greedy pruning. With ``curve`` (``prune.pool_curve``): pool size against the oracle's and the
    heuristic's deferral-curve area on the test queries (and the best single model's accuracy) on
    top, the removed model's accuracy / avg similarity / score below; the removal order on the
    right (first removed at the top). Pool size decreases to the right."""
    _need(steps, ["step", "removed_model", "score", "pool_size_after"], "pruning steps")
    df = steps.sort_values("step", kind="stable").reset_index(drop=True)
    n = len(df)
    names_shown = n <= max_names
    fig = _figure(DOUBLE_COLUMN_IN, (max(2.6, 0.9 + 0.12 * n) if names_shown else 2.8) + (1.2 if curve is not None else 0))
    handles: list = []
    if curve is not None:
        _need(curve, ["pool_size", "oracle_area", "heuristic_area"], "pruning curve")
        grid = fig.add_gridspec(2, 2, width_ratios=[1.2, 1], height_ratios=[1.15, 1])
        top = fig.add_subplot(grid[0, 0])
        left = fig.add_subplot(grid[1, 0], sharex=top)
        right = fig.add_subplot(grid[:, 1])
        pools = curve.sort_values("pool_size", ascending=False, kind="stable")
        for column, colour, ls, label in POOL_CURVE_SERIES:
            if column in pools:
                handles += top.plot(pools["pool_size"].to_numpy(dtype=float), pools[column].to_numpy(dtype=float),
                                    marker="o", ms=2.5, color=colour, ls=ls, label=label)
        top.set_ylabel("Test quality of\nthe remaining pool")
        top.tick_params(labelbottom=False)
        head = top
    else:
        left, right = fig.subplots(1, 2, width_ratios=[1.2, 1])
        head = left
    pool = df["pool_size_after"].to_numpy(dtype=float) + 1  # pool size when the model was removed
    series = [("acc", "removed model: accuracy", PALETTE[0], "-"),
              ("avg_sim", "removed model: mean Jaccard similarity", PALETTE[1], "-"),
              ("score", "removed model: score λ·Acc − (1−λ)·AvgSim", PALETTE[2], "--")]
    for column, label, colour, ls in series:
        if column in df:
            handles += left.plot(pool, df[column].to_numpy(dtype=float), marker="o", ms=2.5, color=colour, ls=ls,
                                 label=label if curve is not None else label.removeprefix("removed model: "))
    left.invert_xaxis()
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    if curve is not None:
        left.set_xlabel("Pool size (models)")
        left.set_ylabel("Value for the model\nremoved at this size")
    else:
        left.set_xlabel("Pool size before the removal (models)")
        left.set_ylabel("Value for the removed model")
    _legend_below(fig, handles, 2 if curve is not None else 3)
    lam = _single_value(df, "lambda")
    head.set_title("Greedy pruning" + (f" (λ = {lam})" if lam else "")
                   + (": routing quality as models are removed" if curve is not None else ""))
    y = np.arange(n)
    right.barh(y, df["score"].to_numpy(dtype=float), color=PALETTE[2], height=0.7)
    if names_shown:
        right.set_yticks(y, [f"{s + 1}. {short(m, 24)}" for s, m in zip(range(n), df["removed_model"])])
    else:
        right.set_yticks([])
        right.set_ylabel(f"{n} removals (names in steps.parquet)")
    right.invert_yaxis()
    right.axvline(0, color="#333333", lw=0.6)
    right.set_xlabel("Score at removal")
    right.grid(axis="y", visible=False)
    right.set_title("Removal order")
    return fig


@styled
def plot_agreement(
    agreement: pd.DataFrame,
    targets: Sequence[str] = (),
    value: str = "change_pts",
) -> Figure:
    """Agreement with the heuristic router before -> after pseudo-specialist injection (points).

    ``agreement``: method, task ('overall' or a task), agreement_before_pts, agreement_after_pts,
    ``value``. Columns of the heatmap: overall, each target task, and the mean over the other tasks;
    cells show the change, annotated 'before → after' underneath.
    """
    _need(agreement, ["method", "task", value], "agreement")
    df = agreement.copy()
    df["task"] = df["task"].astype(str)
    targets = [t for t in dict.fromkeys(map(str, targets)) if t in set(df["task"])]
    other = ~df["task"].isin(["overall", *targets])
    if other.any():
        df.loc[other, "task"] = OTHER_TASKS
    cols = ["overall", *targets] + ([OTHER_TASKS] if other.any() else [])
    change = df.pivot_table(index="method", columns="task", values=value, aggfunc="mean", dropna=False)
    change = change.reindex(index=order_methods(change.index), columns=[c for c in cols if c in change.columns])
    has_levels = {"agreement_before_pts", "agreement_after_pts"} <= set(df.columns)
    # * = the change's interval excludes 0 (a single task's cell; the pooled other tasks get none)
    has_sig = value == "change_pts" and "change_significant" in df.columns
    sig = np.zeros(change.shape, dtype=bool)
    if has_sig:
        single = df[df["task"] != OTHER_TASKS]
        sig = single.assign(s=single["change_significant"].astype(float)).pivot_table(
            index="method", columns="task", values="s", aggfunc="mean", dropna=False).reindex_like(change)
        sig = sig.to_numpy(dtype=float) > 0.5
    mark = np.where(sig, "*", "")
    if has_levels:
        before = df.pivot_table(index="method", columns="task", values="agreement_before_pts", aggfunc="mean",
                                dropna=False).reindex_like(change)
        after = df.pivot_table(index="method", columns="task", values="agreement_after_pts", aggfunc="mean",
                               dropna=False).reindex_like(change)
        annot = np.vectorize(lambda d, s, a, b: "–" if np.isnan(d) else f"{d:+.1f}{s}\n{a:.0f}→{b:.0f}")(
            change.to_numpy(), mark, before.to_numpy(), after.to_numpy())
    else:
        annot = np.vectorize(lambda d, s: "–" if np.isnan(d) else f"{d:+.1f}{s}")(change.to_numpy(), mark)
    n_rows, n_cols = change.shape
    fig = _figure(min(DOUBLE_COLUMN_IN, max(SINGLE_COLUMN_IN, 1.8 + 0.62 * n_cols)),
                  max(2.4, 1.4 + (0.36 if has_levels else 0.25) * n_rows))
    ax = fig.add_subplot()
    finite = change.to_numpy()[np.isfinite(change.to_numpy())]
    bound = max(1.0, float(np.abs(finite).max())) if finite.size else 1.0
    sns.heatmap(change, ax=ax, cmap="RdBu", norm=TwoSlopeNorm(0.0, -bound, bound), annot=annot, fmt="",
                annot_kws={"fontsize": 7}, linewidths=0.4, linecolor="white",
                cbar_kws={"label": "Δ agreement, points\n(after − before)", "shrink": 0.9})
    ax.set_yticks(np.arange(n_rows) + 0.5, [method_label(m) for m in change.index], rotation=0)
    labels = [short(c, 18) + (" *" if c in targets else "") for c in change.columns]
    ax.set_xticks(np.arange(n_cols) + 0.5, labels, rotation=30, ha="right", rotation_mode="anchor")
    ax.set_xlabel("Test queries (* = pseudo-specialist target task)"
                  + ("\nΔ* = interval of the change excludes 0" if has_sig else ""))
    ax.set_ylabel("")
    ax.grid(False)
    ax.set_title("Agreement with the heuristic router")
    return fig


def _delta_lollipops(df: pd.DataFrame, panels: Sequence[tuple[np.ndarray, np.ndarray | None, np.ndarray | None, str]],
                     xlabel: str) -> Figure:
    """Per method (and cost type) row: one lollipop per panel (delta, interval lo, hi, title) around
    0, with the interval as a whisker in the method's colour; each panel symmetric around 0."""
    several_costs = "cost_type" in df and df["cost_type"].nunique() > 1
    names = [method_label(m) + (f" · {c}" if several_costs else "") for m, c in
             zip(df["method"], df["cost_type"] if "cost_type" in df else [""] * len(df))]
    colours = method_colours(df["method"])
    dot_colours = [colours[m] for m in df["method"]]
    fig = _figure(SINGLE_COLUMN_IN if len(panels) <= 2 else DOUBLE_COLUMN_IN * 0.75, 1.3 + 0.2 * len(df))
    axes = np.atleast_1d(fig.subplots(1, len(panels), sharey=True))
    y = np.arange(len(df))[::-1]
    for ax, (delta, lo, hi, title) in zip(axes, panels):
        reach = [np.abs(delta)] + ([np.abs(lo), np.abs(hi)] if lo is not None else [])
        finite = np.concatenate(reach)[np.isfinite(np.concatenate(reach))] if len(df) else np.zeros(0)
        bound = max(float(finite.max()) if finite.size else 0.0, 1e-12) * 1.15
        ax.hlines(y, 0, delta, color="#cccccc", lw=1.0)
        if lo is not None and hi is not None:
            ax.hlines(y, lo, hi, colors=dot_colours, lw=1.4, zorder=2)
        ax.scatter(delta, y, c=dot_colours, s=18, zorder=3)
        ax.axvline(0, color="#333333", lw=0.7)
        ax.set_xlim(-bound, bound)
        ax.set_title(title)
        ax.grid(axis="y", visible=False)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=3, symmetric=True, steps=[1, 2, 2.5, 5, 10]))
    axes[0].set_yticks(y, names)
    axes[0].set_ylim(-0.6, len(df) - 0.4)
    fig.supxlabel(xlabel, fontsize=STYLE["axes.labelsize"])
    return fig


def _study_rows(table: pd.DataFrame) -> pd.DataFrame:
    df = table.copy()
    df["method"] = df["method"].astype(str)
    order = {m: i for i, m in enumerate(order_methods(df["method"]))}
    return df.assign(_o=df["method"].map(order)).sort_values(["_o", *(["cost_type"] if "cost_type" in df else [])])


@styled
def plot_original_vs_reduced(
    table: pd.DataFrame,
    metrics: Sequence[tuple[str, str, str]] = (
        ("avg_original_pts", "avg_reduced_pts", "Mean over the curve"),
        ("peak_original_pts", "peak_reduced_pts", "Peak"),
    ),
) -> Figure:
    """Per method (and cost type): change of a metric when routers train on the deduplicated
    instead of the original data (reduced − original, points), as lollipops around 0, with the
    change's paired-bootstrap interval as a whisker when the table has it
    (``<metric>_delta_lo_pts``/``_hi_pts``).

    ``table``: ``bootstrap.original_vs_reduced`` columns; each metric is (original column, reduced
    column, panel title). Absolute values belong in the table; the differences are what matter.
    """
    needed = ["method"] + [c for pair in metrics for c in pair[:2]]
    _need(table, needed, "original vs reduced")
    df = _study_rows(table)
    panels = []
    for original, reduced, title in metrics:
        delta = df[reduced].to_numpy(dtype=float) - df[original].to_numpy(dtype=float)
        stem = original[: -len("_original_pts")] if original.endswith("_original_pts") else original
        lo, hi = f"{stem}_delta_lo_pts", f"{stem}_delta_hi_pts"
        has = {lo, hi} <= set(df.columns)
        panels.append((delta, df[lo].to_numpy(dtype=float) if has else None,
                       df[hi].to_numpy(dtype=float) if has else None, title))
    return _delta_lollipops(df, panels, "Deduplicated − original training data (points)")


@styled
def plot_split_comparison(compare: pd.DataFrame, area: str = "area") -> Figure:
    """A ``bootstrap.compare_splits`` table: per method (and cost type), the change of the curve
    mean and the peak (points) and of one area (``area``: area | area_span | area_log) when
    routers train on split ``split`` instead of ``split_base``, with the paired intervals."""
    _need(compare, ["method", "curve_mean_delta", "peak_delta", f"{area}_delta"], "split comparison")
    df = _study_rows(compare)
    panels = []
    for column, title, scale in (("curve_mean", "Mean over the curve\n(points)", 100.0),
                                 ("peak", "Peak (points)", 100.0),
                                 (area, AREA_PANEL_TITLES.get(area, area), 1.0)):
        lo, hi = f"{column}_delta_lo", f"{column}_delta_hi"
        has = {lo, hi} <= set(df.columns)
        panels.append((scale * df[f"{column}_delta"].to_numpy(dtype=float),
                       scale * df[lo].to_numpy(dtype=float) if has else None,
                       scale * df[hi].to_numpy(dtype=float) if has else None, title))
    base, split = _single_value(compare, "split_base"), _single_value(compare, "split")
    fig = _delta_lollipops(df, panels, f"Split {split or '?'} − split {base or '?'} (same test queries)")
    benchmark = _single_value(compare, "benchmark")
    fig.suptitle((f"{benchmark}: " if benchmark else "") + f"training split {split} vs {base}")
    return fig


def comparison_table(compare: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """A ``bootstrap.compare_splits`` table made readable: per method (and cost type) and metric, the
    value on each split and the change with its interval (* when the interval excludes 0); curve
    mean and peak in points."""
    _need(compare, ["method", "split_base", "split"], "split comparison")
    df = _study_rows(compare)
    base, split = _single_value(compare, "split_base"), _single_value(compare, "split")
    out = pd.DataFrame({"method": df["method"].map(method_label).to_numpy()})
    if "cost_type" in df and df["cost_type"].nunique() > 1:
        out.insert(0, "cost type", df["cost_type"].astype(str).to_numpy())
    for column in ("curve_mean", "peak", "area", "area_span", "area_log"):
        if f"{column}_delta" not in df:
            continue
        scale, places, name = (100.0, 2, f"{METRIC_NAMES[column]} (points)") if column in ("curve_mean", "peak") \
            else (1.0, digits, METRIC_NAMES[column])
        out[f"{name}, {base}"] = [f"{scale * v:.{places}f}" for v in df[f"{column}_base"]]
        out[f"{name}, {split}"] = [f"{scale * v:.{places}f}" for v in df[column]]
        if {f"{column}_delta_lo", f"{column}_delta_hi"} <= set(df.columns):
            out[f"Δ {name} (CI)"] = [
                f"{scale * v:+.{places}f} [{scale * a:+.{places}f}, {scale * b:+.{places}f}]{'*' if a > 0 or b < 0 else ''}"
                for v, a, b in zip(df[f"{column}_delta"], df[f"{column}_delta_lo"], df[f"{column}_delta_hi"])
            ]
    return out


# --------------------------------------------------------------------------- sweeps


@styled
def plot_sweep(
    table: pd.DataFrame,
    param: str,
    metrics: Mapping[str, str],
    hue: str | None = None,
    param_label: str | None = None,
) -> Figure:
    """One small panel per metric against the swept parameter (one line per ``hue`` value)."""
    _need(table, [param, *metrics], "sweep")
    n = len(metrics)
    ncols = 2 if n == 4 else min(n, 3)
    nrows = math.ceil(n / ncols)
    fig = _figure(SINGLE_COLUMN_IN if ncols == 1 else DOUBLE_COLUMN_IN, 0.6 + 1.9 * nrows)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    groups = [(None, table)] if hue is None else list(table.groupby(hue, sort=True))
    for ax, (column, label) in zip(axes, metrics.items()):
        for i, (key, part) in enumerate(groups):
            part = part.sort_values(param)
            ax.plot(part[param].to_numpy(dtype=float), part[column].to_numpy(dtype=float), marker="o", ms=3.5,
                    color=PALETTE[i % len(PALETTE)], label=None if key is None else f"{hue} = {key}")
        ax.set_xlabel(param_label or param)
        ax.set_ylabel(label)
        if pd.api.types.is_integer_dtype(table[column]):
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        values = table[param].to_numpy(dtype=float)
        if np.unique(values).size <= 8:
            ax.set_xticks(np.unique(values))
            ax.tick_params(axis="x", labelrotation=30 if np.unique(values).size > 4 else 0)
    for ax in axes[n:]:
        ax.set_visible(False)
    if hue is not None:
        handles, _ = axes[0].get_legend_handles_labels()
        _legend_below(fig, handles, min(len(handles), 5))
    if table[param].nunique() < 2:
        key = SWEEP_CONFIG_KEYS.get(param, param)
        fig.suptitle(f"Only one value of {key} is configured: list more values in the config to sweep")
    return fig


# Preferred metrics per sweep (column -> axis label); the figure plots those present.
SWEEP_METRICS: dict[str, dict[str, str]] = {
    "delta": {
        "n_groups": "Duplicate groups",
        "mean_group_size": "Mean group size",
        "share_covered": "Share of queries in a group",
        "share_groups_within_model_disagreement": "Share of groups where a\nmodel's labels disagree",
    },
    "prune": {
        "mean_acc_kept": "Mean accuracy of kept models",
        "mean_avg_sim_kept": "Mean Jaccard similarity\namong kept models",
        "mean_acc_removed": "Mean accuracy of removed models",
    },
    "boost": {
        "mean_pseudo_acc": "Intended pseudo accuracy\non targets",
        "mean_realised_acc": "Realised pseudo accuracy\non targets",
        "mean_best_acc": "Best real model on targets",
    },
}
SWEEP_CONFIG_KEYS = {"delta": "dedup.delta", "lambda": "prune.lambda", "target": "prune.target", "boost": "pseudo.boost"}
SWEEP_LABELS = {"delta": "Cosine threshold δ", "lambda": "λ (weight of accuracy)", "target": "Target pool size",
                "boost": "Boost over the best model"}


def sweep_metrics(table: pd.DataFrame, param: str, max_metrics: int = 6) -> dict[str, str]:
    """Metrics of a sweep table to plot: the preferred ones present, else its numeric columns."""
    preferred = SWEEP_METRICS.get(param, {})
    chosen: dict[str, str] = {}
    for column, label in preferred.items():
        if column in table.columns and label not in chosen.values() and table[column].notna().any():
            chosen[column] = label
    if not chosen:
        keys = {"delta", "lambda", "target", "boost"}
        numeric = [c for c in table.select_dtypes("number").columns if c not in keys and table[c].notna().any()]
        chosen = {c: c.replace("_", " ") for c in numeric[:max_metrics]}
    if not chosen:
        raise InputError(f"sweep '{param}': no numeric metric column to plot; found {list(table.columns)}")
    return chosen


def plot_sweep_summary(table: pd.DataFrame, param: str) -> Figure:
    """The sweep figure of ``sweeps.summarise``: metrics against the swept value."""
    metrics = sweep_metrics(table, param)
    if param == "prune":
        _need(table, ["lambda", "target"], "prune sweep")
        x, hue = ("lambda", "target") if table["lambda"].nunique() >= table["target"].nunique() else ("target", "lambda")
        return plot_sweep(table, x, metrics, hue=hue, param_label=SWEEP_LABELS[x])
    hue = "scope" if param == "delta" and "scope" in table.columns and table["scope"].nunique() > 1 else None
    return plot_sweep(table, param, metrics, hue=hue, param_label=SWEEP_LABELS.get(param, param))


PSEUDO_COST_PANELS = {
    "area": "Deferral-curve area",
    "agreement_change_pts": "Δ agreement with the\nheuristic, overall (points)",
    "agreement_targets_change_pts": "Δ agreement with the\nheuristic, target tasks (points)",
}


@styled
def plot_pseudo_cost_sweep(table: pd.DataFrame) -> Figure:
    """The pseudo-cost sweep (``sweeps.pseudo_cost_sweep``): per cost type (a row of panels), the
    sweep routers' area (split standard dashed) and agreement changes against the pseudo models' cost.

    Points are labelled by their setting (average, median, a number); the configured pseudo.cost is
    marked with a vertical line.
    """
    _need(table, ["cost_setting", "cost_type", "pseudo_cost", "method", *PSEUDO_COST_PANELS, "area_standard"],
          "pseudo cost sweep")
    cost_types = list(dict.fromkeys(table["cost_type"].astype(str)))
    methods = order_methods(table["method"].astype(str))
    colours = method_colours(methods)
    fig = _figure(DOUBLE_COLUMN_IN, 0.9 + 2.3 * len(cost_types))
    axes = np.atleast_2d(fig.subplots(len(cost_types), len(PSEUDO_COST_PANELS), squeeze=False))
    handles: dict[str, Any] = {}
    for row, cost_type in zip(axes, cost_types):
        part = table[table["cost_type"].astype(str) == cost_type]
        points = part.drop_duplicates("cost_setting").sort_values("pseudo_cost")
        x_all = points["pseudo_cost"].to_numpy(dtype=float)
        for ax, (column, label) in zip(row, PSEUDO_COST_PANELS.items()):
            for method in methods:
                line = part[part["method"].astype(str) == method].sort_values("pseudo_cost")
                y = line[column].to_numpy(dtype=float)
                if not np.isfinite(y).any():
                    continue
                style = method_style(method, colours)
                (h,) = ax.plot(line["pseudo_cost"].to_numpy(dtype=float), y, marker="o", ms=3.5,
                               label=method_label(method), **style)
                handles.setdefault(method, h)
                if column == "area":
                    ax.axhline(float(line["area_standard"].iloc[0]), color=style["color"], lw=0.8, ls=(0, (2, 2)),
                               alpha=0.7)
            if column != "area":
                ax.axhline(0.0, color="#333333", lw=0.6)
            default = part.loc[part["is_default"].astype(bool), "pseudo_cost"] if "is_default" in part else []
            for value in pd.unique(np.asarray(default, dtype=float)):
                ax.axvline(value, color=GREY, lw=0.8, ls=":")
            if _use_log(x_all):
                ax.set_xscale("log")
                _plain_log_ticks(ax.xaxis)
            ax.set_ylabel(label)
        row[len(row) // 2].set_xlabel(f"Pseudo-specialists' cost, {COST_UNITS.get(cost_type, cost_type)}")
        named = [f"{s} = {v:g}" for s, v in zip(points["cost_setting"].astype(str), x_all) if s in ("average", "median")]
        row[0].set_title(f"{cost_type}" + (f" ({', '.join(named)})" if named else ""), loc="left", fontsize=8)
    fig.suptitle("Dashed: the router without pseudo-specialists (split standard); dotted: the configured pseudo.cost",
                 fontsize=8)
    _legend_below(fig, [handles[m] for m in methods if m in handles], min(len(handles), 6))
    return fig


PSEUDO_COST_NOTE = ("One row per (pseudo.cost value, cost type, router): the routers retrained on the standard split "
                    "plus pseudo-specialists of that cost. area / peak: deferral curve on the test queries (budget axis "
                    "normalised by the split's dearest model); area_standard: the same router without pseudo-"
                    "specialists; agreement: share of test picks equal to the heuristic's (points), change = with - "
                    "without pseudo-specialists, overall and mean over the target tasks.")


def pairwise_table(pairwise: pd.DataFrame, digits: int = 3, splits: Sequence[str] | None = None) -> pd.DataFrame:
    """Area differences a − b with their interval and significance, one row per unordered pair
    (a = the method with the larger area), largest difference first (per split, splits in
    ``split_order``; a ``split`` column when there are several)."""
    _need(pairwise, ["method_a", "method_b", "area_diff"], "pairwise")
    order = split_order(pairwise, splits)
    rank = {s: i for i, s in enumerate(order)}
    df = pairwise[pairwise["area_diff"] > 0]
    df = df.assign(_s=df["split"].astype(str).map(rank) if order != [None] else 0)
    df = df.sort_values(["_s", "area_diff"], ascending=[True, False], kind="stable")
    label = lambda m: TRADEOFF_REFERENCES[m][2] if m in TRADEOFF_REFERENCES else method_label(m)  # noqa: E731
    out = pd.DataFrame({"method a": df["method_a"].astype(str).map(label), "method b": df["method_b"].astype(str).map(label)})
    if len(order) > 1:
        out.insert(0, "split", df["split"].astype(str))
    for column, name in METRIC_NAMES.items():
        if f"{column}_diff" not in df:
            continue
        if {f"{column}_diff_lo", f"{column}_diff_hi"} <= set(df.columns):
            out[f"{name} a − b (CI)"] = [f"{v:+.{digits}f} [{lo:+.{digits}f}, {hi:+.{digits}f}]" for v, lo, hi in
                                         zip(df[f"{column}_diff"], df[f"{column}_diff_lo"], df[f"{column}_diff_hi"])]
        else:
            out[f"{name} a − b"] = df[f"{column}_diff"].map(lambda v: f"{v:+.{digits}f}")
        if f"{column}_significant" in df:
            out[f"{name} significant"] = df[f"{column}_significant"].astype(bool).to_numpy()
    return out.reset_index(drop=True)


def transpose_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """A one-row summary as a two-column (statistic, value) table, easier to read in a report; a
    summary with one row per ``scope`` as (statistic, one column per scope)."""
    if len(summary) > 1 and "scope" in summary.columns and summary["scope"].is_unique:
        rest = summary.drop(columns=["scope"])
        return pd.DataFrame({"statistic": [str(c) for c in rest.columns],
                             **{str(scope): [_cell(v, 4) if not isinstance(v, str) else v for v in row.to_list()]
                                for scope, (_, row) in zip(summary["scope"], rest.iterrows())}})
    if len(summary) != 1:
        return summary
    row = summary.iloc[0]
    return pd.DataFrame({"statistic": [str(c) for c in summary.columns],
                         "value": [_cell(v, 4) if not isinstance(v, str) else v for v in row.to_list()]})


AREA_NOTE = ("Area: mean test quality integrated over the normalised budget axis [0, 1] (curve held flat "
             "after its last point); three axes: x = budget / max cost (the study's, 'area'), over the pool's cost "
             "span (budget - min cost) / (max - min cost) and over log cost (docs/metrics.md says when each is "
             "meaningful). Peak: the curve's highest point; curve mean: its mean over the budget points; AIQ: "
             "RouterBench's area under the non-decreasing convex hull of (cost, quality). Intervals: paired "
             "bootstrap over test queries (percentile).")
TRADEOFF_NOTE = ("Binary routing: the least confident share f of test queries goes to the large model. "
                 "APGR: area under the performance-gap-recovered curve; CPT(x%): smallest share routed to the "
                 "large model that recovers x % of the gap. 'straight line' interpolates the two models; "
                 "'oracle (pair)' routes to the small model exactly where it is at least as good. Tied confidences "
                 "are routed in expectation (independent of query ids). Intervals: paired bootstrap over test queries; "
                 "pairwise: area a - b with its interval.")
TRAIN_FRACTION_NOTE = ("Routers retrained on a seeded share f of each category's training queries (f = 1: the "
                       "standard split), tested on the same test queries: mean over the budget points and peak "
                       "quality in points, and the area.")
CATDROP_NOTE = ("Categories more similar than categories.drop_similarity to a kept category are removed from "
                "training (split catdrop) and tested as OOD: quality in points with and without them in training; "
                "kept_partner is the similar category that stays.")
OOD_NOTE = ("Quality in points (x100) on the held-out categories' test queries, for routers trained with the "
            "categories (in-distribution, split standard) and without them (OOD split); delta = OOD - ID, with a "
            "paired bootstrap interval over the category's test queries (significant: it excludes 0).")
AGREEMENT_NOTE = ("Share of test queries (points) on which a router picks the same model as the heuristic "
                  "router, averaged over budgets; before = split standard, after = split pseudo; change = after - "
                  "before with a paired bootstrap interval over the scope's test queries (significant: it excludes 0).")
COMPARE_NOTE = ("Routers trained on two splits and scored on the same test queries. Curve mean (the study's "
                "average accuracy over the deferral curve) and peak in points; areas over the three axes (x = budget / "
                "max cost, the study's; over the pool's cost span; over log cost). Δ = split - base; intervals: one set of "
                "paired bootstrap resamples of the test queries for both splits and every method; * = the interval "
                "excludes 0.")
REDUCED_NOTE = ("Average (unweighted over budget points) and peak quality in points of routers trained on the "
                "original vs the deduplicated training data (test data identical); delta = reduced - original, with "
                "a paired bootstrap interval (the same resamples for both trainings); areas over the three axes.")
SPECIALIST_NOTE = ("Specialist score of a task: mean over budgets of (best affordable non-generalist accuracy - "
                   "generalist accuracy). <= 0: a generalist suffices; clearly positive: specialists matter.")
RANK_NOTE = "Per task, models ranked by accuracy (1 = best, ties averaged); average over tasks."
DEDUP_NOTE = ("Near-duplicate groups: connected components of cosine(e_i, e_j) >= delta over L2-normalised embeddings; "
              "training = among train + val queries (the study's statistics; the reduced data keeps one training member "
              "per group, test untouched), all = the whole benchmark. label_rule: when two labels count as different.")
CONTAMINATION_NOTE = ("Test queries with a direct near-duplicate (cosine >= delta) among the train + val queries, overall "
                      "and per category; label agreement: share of (pair, model) with both labels observed that agree "
                      "under the label rule; baseline: the same over every (test, train/val) pair of one category.")
SWEEP_NOTES = {
    "delta": "One row per dedup.delta value: the duplicate-group summary at that threshold.",
    "prune": "One row per (prune.lambda, prune.target): the kept pool's size, mean accuracy and mean Jaccard similarity.",
    "boost": "One row per pseudo.boost: number of target tasks and the pseudo-specialists' accuracy on them.",
}
