"""The shared look of every figure and report table: style, palette, router colours and labels
(from the router registry), saving, HTML tables, panel grids and the helpers the stages' plot
modules share.

Every ``plot_*`` function of the figure modules takes the Parquet tables of a stage as DataFrames
and returns a :class:`matplotlib.figure.Figure` (built without pyplot, so nothing global is touched);
it never reads or writes files. :func:`save` writes a figure as PNG + PDF atomically,
:func:`write_table` a table as CSV + a standalone HTML page for the Snakemake report.

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
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from ..errors import InputError
from ..routers import BUILTIN
from ..store import COST_UNITS, atomic_path

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
# seaborn's "colorblind" palette (sns.color_palette("colorblind").as_hex()), written out: importing
# seaborn costs about a second per figure job, and only the heatmaps need it (imported there).
PALETTE = ["#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc", "#ca9161", "#fbafe4", "#949494", "#ece133", "#56b4e9"]
GREY = "#a0a0a0"
ORACLE = "oracle"

# The routers figures know, in the study's order, with their labels and colours: the router registry.
METHOD_ORDER = tuple(BUILTIN)
METHOD_LABELS = {name: kind.label for name, kind in BUILTIN.items()}
# Reference curves of the binary trade-off (tradeoff.py): colour, line style, legend label.
TRADEOFF_REFERENCES = {"straight": (GREY, ":", "straight line"), "pair_oracle": ("#000000", "--", "oracle (pair)")}
# The curve metrics (curves.CURVE_METRICS) as table headings.
METRIC_NAMES = {"area": "area", "area_span": "area over cost span", "area_log": "area over log cost",
                "peak": "peak", "curve_mean": "curve mean"}


def need_columns(df: pd.DataFrame, columns: Iterable[str], table: str, allow_empty: bool = False) -> None:
    """InputError naming ``table`` when a column is missing, or (unless ``allow_empty``) when it has no row."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"{table}: missing required column(s) {missing}; found {list(df.columns)}")
    if df.empty and not allow_empty:
        raise InputError(f"{table}: the table is empty; nothing to plot")


def new_figure(width: float, height: float) -> Figure:
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
    """A colour per method: the registry's for the built-in routers, the remaining palette for others."""
    methods = order_methods(methods)
    spare = [PALETTE[i] for i in (5, 9, 6, 7, 8)]  # after the built-in routers' colours
    colours: dict[str, str] = {}
    for method in methods:
        if method in BUILTIN:
            colour = BUILTIN[method].colour
            colours[method] = PALETTE[colour] if isinstance(colour, int) else colour
        else:
            colours[method] = spare.pop(0) if spare else GREY
            spare.append(colours[method])
    return colours


def method_style(method: str, colours: Mapping[str, str]) -> dict[str, Any]:
    """Line colour and style of a method: the registry's for the built-in routers (oracle dashed,
    random dotted), dash-dot for custom routers."""
    method = str(method)
    return {"color": colours[method], "ls": BUILTIN[method].line if method in BUILTIN else "-."}


def plain_log_ticks(axis: Any) -> None:
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


def single_value(df: pd.DataFrame, column: str, default: str = "") -> str:
    if column not in df.columns:
        return default
    values = df[column].dropna().astype(str).unique()
    return values[0] if len(values) == 1 else default


def use_log(values: np.ndarray) -> bool:
    values = values[np.isfinite(values) & (values > 0)]
    return values.size > 1 and values.max() / values.min() > 20


def legend_below(fig: Figure, handles: list, ncols: int) -> None:
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=max(1, ncols), handlelength=2.2,
                   columnspacing=1.0)


def empty_figure(title: str, message: str) -> Figure:
    """A small figure that says why there is nothing to plot (so the report still has an entry)."""
    fig = new_figure(SINGLE_COLUMN_IN, 1.4)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_title(title)
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    return fig


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


def cell_text(value: Any, digits: int) -> str:
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
            "<tr>" + "".join(f"<td>{cell_text(v, digits)}</td>" for v in row) + "</tr>"
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


def sorted_by_split(df: pd.DataFrame, value: str, splits: Sequence[str] | None = None) -> tuple[pd.DataFrame, list]:
    """``df`` sorted by split (in :func:`split_order`), then by ``value`` (largest first), and that split order."""
    order = split_order(df, splits)
    rank = {s: i for i, s in enumerate(order)}
    df = df.assign(_s=df["split"].astype(str).map(rank) if order != [None] else 0)
    return df.sort_values(["_s", value], ascending=[True, False], kind="stable").reset_index(drop=True), order


def title_and_legend(fig: Figure, main: Any, below: Any, title: str | None, handles: list, ncols: int) -> Figure:
    """The suptitle of a panel grid (``main``) and its legend in the strip below it (:func:`with_legend_strip`)."""
    if title:
        main.suptitle(title)
    below.legend(handles=handles, loc="center", ncols=ncols, handlelength=2.2, columnspacing=1.0)
    return fig


def split_order(df: pd.DataFrame, splits: Sequence[str] | None = None) -> list[str | None]:
    """The splits of ``df`` in panel order: those of ``splits`` first (in that order), then any
    other split in order of appearance; ``[None]`` when the table has no ``split`` column."""
    if "split" not in df.columns or df["split"].isna().all():
        return [None]
    present = list(dict.fromkeys(df["split"].dropna().astype(str)))
    first = [s for s in dict.fromkeys(map(str, splits or [])) if s in present]
    return first + [s for s in present if s not in first]


def of_split(df: pd.DataFrame | None, split: str | None) -> pd.DataFrame | None:
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


def with_legend_strip(main_height: float, n_handles: int, ncols: int) -> tuple[Figure, Any, Any]:
    """A double-column figure split into a main subfigure (panels, suptitle, shared axis labels) and
    a strip below it sized for a legend of ``n_handles`` entries in ``ncols`` columns. (A figure-level
    legend outside the axes and a ``supxlabel`` would be placed on top of each other.)"""
    strip = (math.ceil(n_handles / max(ncols, 1)) * STYLE["legend.fontsize"] * 1.45 + 9) / 72
    fig = new_figure(DOUBLE_COLUMN_IN, main_height + strip)
    main, below = fig.subfigures(2, 1, height_ratios=[main_height, strip])
    return fig, main, below


def panel_grid(fig: Any, n: int) -> list:
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


def ci_text(value: float, lo: float, hi: float, digits: int) -> str:
    return f"{value:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def area_by_split(areas: pd.DataFrame, value: str = "area", digits: int = 3,
                  splits: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per method (study order), one column per split: ``value`` with its interval."""
    need_columns(areas, ["method", "split", value], "areas")
    df = areas.assign(method=areas["method"].astype(str), split=areas["split"].astype(str))
    if {f"{value}_lo", f"{value}_hi"} <= set(df.columns):
        df["cell"] = [ci_text(v, a, b, digits) for v, a, b in zip(df[value], df[f"{value}_lo"], df[f"{value}_hi"])]
    else:
        df["cell"] = df[value].map(lambda v: f"{v:.{digits}f}")
    wide = df.pivot_table(index="method", columns="split", values="cell", aggfunc="first")
    wide = wide.reindex(index=order_methods(df["method"]), columns=split_order(df, splits))
    wide = wide.fillna("–").rename(index=method_label).reset_index()
    wide.columns.name = None
    return wide


def pairwise_table(pairwise: pd.DataFrame, digits: int = 3, splits: Sequence[str] | None = None) -> pd.DataFrame:
    """Area differences a − b with their interval and significance, one row per unordered pair
    (a = the method with the larger area), largest difference first (per split, splits in
    ``split_order``; a ``split`` column when there are several)."""
    need_columns(pairwise, ["method_a", "method_b", "area_diff"], "pairwise")
    df, order = sorted_by_split(pairwise[pairwise["area_diff"] > 0], "area_diff", splits)
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


def delta_lollipops(df: pd.DataFrame, panels: Sequence[tuple[np.ndarray, np.ndarray | None, np.ndarray | None, str]],
                     xlabel: str) -> Figure:
    """Per method (and cost type) row: one lollipop per panel (delta, interval lo, hi, title) around
    0, with the interval as a whisker in the method's colour; each panel symmetric around 0."""
    several_costs = "cost_type" in df and df["cost_type"].nunique() > 1
    names = [method_label(m) + (f" · {c}" if several_costs else "") for m, c in
             zip(df["method"], df["cost_type"] if "cost_type" in df else [""] * len(df))]
    colours = method_colours(df["method"])
    dot_colours = [colours[m] for m in df["method"]]
    fig = new_figure(SINGLE_COLUMN_IN if len(panels) <= 2 else DOUBLE_COLUMN_IN * 0.75, 1.3 + 0.2 * len(df))
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


def study_rows(table: pd.DataFrame) -> pd.DataFrame:
    df = table.copy()
    df["method"] = df["method"].astype(str)
    order = {m: i for i, m in enumerate(order_methods(df["method"]))}
    return df.assign(_o=df["method"].map(order)).sort_values(["_o", *(["cost_type"] if "cost_type" in df else [])])
