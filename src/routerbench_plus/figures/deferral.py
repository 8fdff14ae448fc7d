"""Deferral curves (one panel per split) and the area / peak figure and tables of the deferral stage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..errors import InputError
from ..store import COST_UNITS
from . import style

# The area columns of the evaluation tables (curves.AREA_AXES) as axis labels and table headings.
AREA_AXIS_LABELS = {
    "area": "Area under deferral curve\n(x = budget / max cost)",
    "area_span": "Area over the cost span\n(x = (b − min) / (max − min))",
    "area_log": "Area over log cost\n(x = log(b / min) / log(max / min))",
}


def _deferral_panel(ax: Any, curves: pd.DataFrame, models: pd.DataFrame | None, methods: list[str],
                    colours: Mapping[str, str]) -> None:
    """Draw one split's curves (step lines, optional band) and model points on ``ax``."""
    has_band = {"quality_lo", "quality_hi"} <= set(curves.columns)
    for method in methods:
        part = curves[curves["method"].astype(str) == method].sort_values("budget")
        if part.empty:
            continue
        x = part["budget"].to_numpy(dtype=float)
        ax.plot(x, part["quality"].to_numpy(dtype=float), drawstyle="steps-post", zorder=4 if method == style.ORACLE else 3,
                label=style.method_label(method), **style.method_style(method, colours))
        if has_band and part[["quality_lo", "quality_hi"]].notna().all().all():
            ax.fill_between(x, part["quality_lo"].to_numpy(dtype=float), part["quality_hi"].to_numpy(dtype=float),
                            step="post", color=colours[method], alpha=0.18, linewidth=0, zorder=2)
    if models is None or not len(models):
        return
    pseudo = models["is_pseudo"].fillna(False).astype(bool) if "is_pseudo" in models else pd.Series(False, index=models.index)
    real, fake = models[~pseudo], models[pseudo]
    ax.scatter(real["cost"], real["quality"], s=9, color=style.GREY, alpha=0.8, linewidths=0, zorder=1)
    if len(fake):
        ax.scatter(fake["cost"], fake["quality"], s=16, marker="^", facecolors="none", edgecolors="#333333",
                   linewidths=0.7, zorder=1)


@style.styled
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
    style.need_columns(curves, ["method", "budget", "quality"], "curves")
    if models is not None and len(models):
        style.need_columns(models, ["model", "cost", "quality"], "models")
    cost_type = cost_type or style.single_value(curves, "cost_type")
    panels = style.split_order(curves, splits)
    n = len(panels)
    methods = style.order_methods(curves["method"])
    colours = style.method_colours(methods)
    any_models = models is not None and len(models) > 0
    any_pseudo = any_models and "is_pseudo" in models and bool(models["is_pseudo"].fillna(False).astype(bool).any())
    handles: list = [Line2D([], [], label=style.method_label(m), **style.method_style(m, colours)) for m in methods]
    if any_models:
        handles.append(Line2D([], [], ls="", marker="o", ms=3.5, color=style.GREY, label="single model"))
    if any_pseudo:
        handles.append(Line2D([], [], ls="", marker="^", ms=4, mfc="none", mec="#333333", label="pseudo-specialist"))
    if n == 1:
        fig = main = style.new_figure(style.SINGLE_COLUMN_IN, 3.2)
        axes = [fig.add_subplot()]
    else:
        ncols = min(len(handles), 5)
        fig, main, below = style.with_legend_strip(1.0 + 1.75 * style.grid_shape(n)[0], len(handles), ncols)
        axes = style.panel_grid(main, n)
    for ax, split in zip(axes, panels):
        _deferral_panel(ax, style.of_split(curves, split), style.of_split(models, split), methods, colours)
        if n > 1:
            ax.set_title(str(split))
    xs = curves["budget"].to_numpy(dtype=float)
    if models is not None and len(models):
        xs = np.concatenate([xs, models["cost"].to_numpy(dtype=float)])
    if style.use_log(xs):
        for ax in axes:
            ax.set_xscale("log")
            style.plain_log_ticks(ax.xaxis)
    xlabel = style.cost_axis_label(cost_type) + ("; log scale" if axes[0].get_xscale() == "log" else "")
    benchmark = style.single_value(curves, "benchmark")
    if n == 1:
        axes[0].set_xlabel(xlabel)
        axes[0].set_ylabel("Mean test quality")
        if title is None:
            bits = [benchmark, style.single_value(curves, "split")]
            title = " · ".join(b if i == 0 else f"split {b}" for i, b in enumerate(bits) if b)
        if title:
            axes[0].set_title(title)
        style.legend_below(fig, handles, ncols=3)
        return fig
    main.supxlabel(xlabel, fontsize=style.STYLE["axes.labelsize"])
    main.supylabel("Mean test quality", fontsize=style.STYLE["axes.labelsize"])
    if title is None:
        title = (f"{benchmark}: " if benchmark else "") + "deferral curves per training split"
    return style.title_and_legend(fig, main, below, title, handles, ncols)


def area_table(areas: pd.DataFrame, digits: int = 3, splits: Sequence[str] | None = None) -> pd.DataFrame:
    """Areas and peaks with their confidence intervals as readable strings, best area first
    (per split, splits in ``style.split_order``; a ``split`` column when there are several)."""
    style.need_columns(areas, ["method", "area", "peak"], "areas")
    df, order = style.sorted_by_split(areas, "area", splits)

    def ci(value: str) -> pd.Series:
        lo, hi = f"{value}_lo", f"{value}_hi"
        if lo not in df or hi not in df:
            return df[value].map(lambda v: f"{v:.{digits}f}")
        return pd.Series([style.ci_text(v, a, b, digits) for v, a, b in zip(df[value], df[lo], df[hi])])

    level = style.single_value(df, "confidence")
    suffix = f" ({float(level):.0%} CI)" if level else " (CI)"
    out = pd.DataFrame({"method": df["method"].map(style.method_label), "area" + suffix: ci("area"),
                        "peak" + suffix: ci("peak")})
    for column, name in style.METRIC_NAMES.items():  # the other area axes and the curve mean, where present
        if column in df and column not in ("area", "peak"):
            out[name + suffix] = ci(column)
    if len(order) > 1:
        out.insert(0, "split", df["split"].astype(str))
    if "aiq" in df:
        out["AIQ"] = df["aiq"].map(lambda v: f"{v:.{digits}f}")
    if "n_resamples" in df:
        out["resamples"] = df["n_resamples"].astype("Int64").astype(str)
    return out


@style.styled
def plot_area_peak(areas: pd.DataFrame, cost_type: str | None = None, title: str | None = None,
                   splits: Sequence[str] | None = None, area: str = "area") -> Figure:
    """Area and peak per method with their CI whiskers (dot and whisker), for one or several splits.

    ``area`` names the area column to plot (``area``, the study's x = budget / max cost;
    ``area_span`` or ``area_log``, docs/metrics.md); its axis label says which one it is.

    One split: one row per method, best area on top. Several: one band of rows per split (splits
    top to bottom in ``style.split_order``), within it one row per method in the study order, coloured
    by method (shared legend below).
    """
    if area not in AREA_AXIS_LABELS:
        raise InputError(f"evaluation.figure_area: '{area}' is not an area column; expected one of {list(AREA_AXIS_LABELS)}")
    style.need_columns(areas, ["method", area, "peak"], "areas")
    cost_type = cost_type or style.single_value(areas, "cost_type")
    panels = style.split_order(areas, splits)
    colours = style.method_colours(areas["method"].astype(str))
    if len(panels) == 1:
        df = areas.sort_values(area, ascending=True, kind="stable").reset_index(drop=True)
        y = np.arange(len(df), dtype=float)
        fig = style.new_figure(style.SINGLE_COLUMN_IN, 0.9 + 0.2 * len(df))
    else:
        methods = style.order_methods(areas["method"].astype(str))
        offsets = np.linspace(0.36, -0.36, len(methods)) if len(methods) > 1 else np.zeros(1)
        offset = dict(zip(methods, offsets))
        centre = {s: len(panels) - 1 - i for i, s in enumerate(panels)}
        df = areas.assign(method=areas["method"].astype(str)).reset_index(drop=True)
        y = np.array([centre[str(s)] + offset[m] for s, m in zip(df["split"], df["method"])])
        fig = style.new_figure(style.DOUBLE_COLUMN_IN, 1.3 + 0.5 * len(panels))
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
        axes[0].set_yticks(y, [style.method_label(m) for m in df["method"]])
        axes[0].set_ylim(-0.6, len(df) - 0.4)
    else:
        for ax in axes:
            for i in range(0, len(panels), 2):  # a light band behind every other split
                ax.axhspan(i - 0.5, i + 0.5, color="#f0f0f0", zorder=0, lw=0)
        axes[0].set_yticks([centre[s] for s in panels], [style.short(s, 20) for s in panels])
        axes[0].set_ylim(-0.5, len(panels) - 0.5)
        axes[0].set_ylabel("Training split")
        style.legend_below(fig, [Line2D([], [], ls="", marker="o", ms=4, color=colours[m], label=style.method_label(m))
                            for m in methods], ncols=min(len(methods), 7))
    if title is None:
        bits = [style.single_value(areas, "benchmark"), style.single_value(areas, "split")]
        title = " · ".join(b for b in bits if b)
        if len(panels) > 1:
            title = (f"{title}: " if title else "") + "area and peak per training split"
        units = COST_UNITS.get(cost_type)
        if units:
            title = f"{title} (cost: {units})" if title else f"cost: {units}"
    if title:
        fig.suptitle(title)
    return fig


AREA_NOTE = ("Area: mean test quality integrated over the normalised budget axis [0, 1] (curve held flat "
             "after its last point); three axes: x = budget / max cost (the study's, 'area'), over the pool's cost "
             "span (budget - min cost) / (max - min cost) and over log cost (docs/metrics.md says when each is "
             "meaningful). Peak: the curve's highest point; curve mean: its mean over the budget points; AIQ: "
             "RouterBench's area under the non-decreasing convex hull of (cost, quality). Intervals: paired "
             "bootstrap over test queries (percentile).")
