"""Binary trade-off curves of a (small, large) pair, one panel pair per split, and their table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from . import style

MAX_TOP_BANDS = 3  # quality bands only for this many routers or fewer (more would hide each other)


def _tradeoff_panels(fig: Any, n: int) -> list[tuple[Any, Any]]:
    """(top, bottom) axes per split: a quality panel over a smaller 'minus straight line' panel.
    Tops share y, bottoms share y, all share x; tick labels only on the left column and last row."""
    nrows, ncols = style.grid_shape(n)
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


@style.styled
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
    style.need_columns(curves, ["method", x, "quality"], "trade-off curves")
    present = set(curves["method"].astype(str))
    skip = {style.ORACLE} if "pair_oracle" in present else set()
    routers = [m for m in style.order_methods(present) if m not in style.TRADEOFF_REFERENCES and m not in skip]
    references = [m for m in style.TRADEOFF_REFERENCES if m in present]
    colours = style.method_colours(routers)
    panels = style.split_order(curves, splits)
    n = len(panels)
    area_of: dict[str, float] = {}
    if areas is not None and len(areas):
        style.need_columns(areas, ["method", "area"], "trade-off areas")
        if n == 1:
            area_of = dict(zip(areas["method"].astype(str), areas["area"].astype(float)))
    n_handles = len(routers) + len(references)
    if n == 1:
        fig = main = style.new_figure(style.SINGLE_COLUMN_IN, 4.4)
    else:
        ncols = min(n_handles, 5)
        fig, main, below = style.with_legend_strip(1.0 + 2.0 * style.grid_shape(n)[0], n_handles, ncols)
    pairs = _tradeoff_panels(main, n)
    styles: dict[str, tuple[dict[str, Any], str]] = {}
    for method in routers + references:
        if method in style.TRADEOFF_REFERENCES:
            colour, ls, label = style.TRADEOFF_REFERENCES[method]
            styles[method] = ({"color": colour, "ls": ls}, label)
        else:
            styles[method] = (style.method_style(method, colours), style.method_label(method))
    any_straight = False
    has_band = {"quality_lo", "quality_hi"} <= set(curves.columns)
    for (top, bottom), split in zip(pairs, panels):
        part = style.of_split(curves, split)
        wide = part.pivot_table(index=x, columns="method", values="quality", aggfunc="mean")
        straight = wide["straight"] if "straight" in wide else None
        any_straight = any_straight or straight is not None
        for method in routers + references:
            if method not in wide:
                continue
            line_style, label = styles[method]
            series = wide[method].dropna()
            top.plot(series.index.to_numpy(dtype=float), series.to_numpy(dtype=float), label=label,
                     zorder=2 if method in style.TRADEOFF_REFERENCES else 3, **line_style)
            band = part[part["method"].astype(str) == method] if has_band and method not in style.TRADEOFF_REFERENCES else None
            if band is not None and len(band):
                band = band.sort_values(x)
            if band is not None and len(band) and len(routers) <= MAX_TOP_BANDS:
                top.fill_between(band[x].to_numpy(dtype=float), band["quality_lo"].to_numpy(dtype=float),
                                 band["quality_hi"].to_numpy(dtype=float), color=line_style["color"], alpha=0.15,
                                 lw=0, zorder=1)
            if straight is not None and method != "pair_oracle":
                diff = (series - straight.reindex(series.index)) * 100
                bottom.plot(diff.index.to_numpy(dtype=float), diff.to_numpy(dtype=float), **line_style)
                if band is not None and len(band) and {"vs_straight_lo", "vs_straight_hi"} <= set(band.columns):
                    bottom.fill_between(band[x].to_numpy(dtype=float), 100 * band["vs_straight_lo"].to_numpy(dtype=float),
                                        100 * band["vs_straight_hi"].to_numpy(dtype=float), color=line_style["color"],
                                        alpha=0.15, lw=0, zorder=1)
        if straight is None:
            bottom.set_visible(False)
        if n > 1:
            top.set_title(str(split))
    handles = []
    for method in routers + references:
        line_style, label = styles[method]
        if method in area_of:
            label = f"{label} ({area_of[method]:.3f})"
        handles.append(Line2D([], [], label=label, **line_style))
    small, large = style.single_value(curves, "pair_small"), style.single_value(curves, "pair_large")
    pair_text = f"{style.short(small, 22)} (small) vs {style.short(large, 22)} (large)" if small and large else ""
    xlabel = "Share of test queries routed to the large model"
    for i, (top, bottom) in enumerate(pairs):
        if i % style.grid_shape(n)[1] == 0:
            top.set_ylabel("Mean test quality")
            bottom.set_ylabel("Minus straight\nline (points)")
    pairs[0][1].set_xlim(0, 1)
    pairs[0][1].set_xticks([0, 0.25, 0.5, 0.75, 1], ["0", "0.25", "0.5", "0.75", "1"])
    if n == 1:
        top, bottom = pairs[0]
        bottom.set_xlabel(xlabel)
        if title is None and pair_text:
            split = style.single_value(curves, "split")
            title = (f"split {split}\n" if split else "") + pair_text
        if title:
            top.set_title(title)
        fig.legend(handles=handles, loc="outside lower center", ncols=2,
                   title="method (area under the curve)" if area_of else None)
        return fig
    main.supxlabel(xlabel, fontsize=style.STYLE["axes.labelsize"])
    if title is None:
        benchmark = style.single_value(curves, "benchmark")
        title = ": ".join(b for b in [benchmark, pair_text] if b) + " · per training split"
    return style.title_and_legend(fig, main, below, title, handles, ncols)


def tradeoff_table(areas: pd.DataFrame, digits: int = 3, splits: Sequence[str] | None = None) -> pd.DataFrame:
    """Per method of a binary pair: area with CI, APGR, CPT(50 %) and CPT(80 %), best area first
    (per split, splits in ``style.split_order``; a ``split`` column when there are several)."""
    style.need_columns(areas, ["method", "area"], "trade-off areas")
    df, order = style.sorted_by_split(areas, "area", splits)
    label = df["method"].astype(str).map(lambda m: style.TRADEOFF_REFERENCES[m][2] if m in style.TRADEOFF_REFERENCES else style.method_label(m))
    out = pd.DataFrame({"method": label})
    if len(order) > 1:
        out.insert(0, "split", df["split"].astype(str))
    if {"area_lo", "area_hi"} <= set(df.columns):
        out["area (CI)"] = [style.ci_text(v, a, b, digits) for v, a, b in zip(df["area"], df["area_lo"], df["area_hi"])]
    else:
        out["area"] = df["area"].map(lambda v: f"{v:.{digits}f}")
    if {"apgr", "apgr_lo", "apgr_hi"} <= set(df.columns):
        out["APGR (CI)"] = [style.ci_text(v, a, b, digits) if np.isfinite(v) else "–"
                            for v, a, b in zip(df["apgr"], df["apgr_lo"], df["apgr_hi"])]
    elif "apgr" in df:
        out["APGR"] = df["apgr"].astype(float)
    for column, name in (("cpt50", "CPT(50%)"), ("cpt80", "CPT(80%)")):
        if column in df:
            out[name] = df[column].astype(float)
    return out


TRADEOFF_NOTE = ("Binary routing: the least confident share f of test queries goes to the large model. "
                 "APGR: area under the performance-gap-recovered curve; CPT(x%): smallest share routed to the "
                 "large model that recovers x % of the gap. 'straight line' interpolates the two models; "
                 "'oracle (pair)' routes to the small model exactly where it is at least as good. Tied confidences "
                 "are routed in expectation (independent of query ids). Intervals: paired bootstrap over test queries; "
                 "pairwise: area a - b with its interval.")
