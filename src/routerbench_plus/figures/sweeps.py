"""Config sweeps (dedup.delta, prune.lambda x prune.target, pseudo.boost) and the pseudo-cost sweep."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..errors import InputError
from ..store import COST_UNITS
from . import style


@style.styled
def plot_sweep(
    table: pd.DataFrame,
    param: str,
    metrics: Mapping[str, str],
    hue: str | None = None,
    param_label: str | None = None,
) -> Figure:
    """One small panel per metric against the swept parameter (one line per ``hue`` value)."""
    style.need_columns(table, [param, *metrics], "sweep")
    n = len(metrics)
    ncols = 2 if n == 4 else min(n, 3)
    nrows = math.ceil(n / ncols)
    fig = style.new_figure(style.SINGLE_COLUMN_IN if ncols == 1 else style.DOUBLE_COLUMN_IN, 0.6 + 1.9 * nrows)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    groups = [(None, table)] if hue is None else list(table.groupby(hue, sort=True))
    for ax, (column, label) in zip(axes, metrics.items()):
        for i, (key, part) in enumerate(groups):
            part = part.sort_values(param)
            ax.plot(part[param].to_numpy(dtype=float), part[column].to_numpy(dtype=float), marker="o", ms=3.5,
                    color=style.PALETTE[i % len(style.PALETTE)], label=None if key is None else f"{hue} = {key}")
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
        style.legend_below(fig, handles, min(len(handles), 5))
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
        style.need_columns(table, ["lambda", "target"], "prune sweep")
        x, hue = ("lambda", "target") if table["lambda"].nunique() >= table["target"].nunique() else ("target", "lambda")
        return plot_sweep(table, x, metrics, hue=hue, param_label=SWEEP_LABELS[x])
    hue = "scope" if param == "delta" and "scope" in table.columns and table["scope"].nunique() > 1 else None
    return plot_sweep(table, param, metrics, hue=hue, param_label=SWEEP_LABELS.get(param, param))


PSEUDO_COST_PANELS = {
    "area": "Deferral-curve area",
    "agreement_change_pts": "Δ agreement with the\nheuristic, overall (points)",
    "agreement_targets_change_pts": "Δ agreement with the\nheuristic, target tasks (points)",
}


@style.styled
def plot_pseudo_cost_sweep(table: pd.DataFrame) -> Figure:
    """The pseudo-cost sweep (``sweeps.pseudo_cost_sweep``): per cost type (a row of panels), the
    sweep routers' area (split standard dashed) and agreement changes against the pseudo models' cost.

    Points are labelled by their setting (average, median, a number); the configured pseudo.cost is
    marked with a vertical line.
    """
    style.need_columns(table, ["cost_setting", "cost_type", "pseudo_cost", "method", *PSEUDO_COST_PANELS, "area_standard"],
          "pseudo cost sweep")
    cost_types = list(dict.fromkeys(table["cost_type"].astype(str)))
    methods = style.order_methods(table["method"].astype(str))
    colours = style.method_colours(methods)
    fig = style.new_figure(style.DOUBLE_COLUMN_IN, 0.9 + 2.3 * len(cost_types))
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
                line_style = style.method_style(method, colours)
                (h,) = ax.plot(line["pseudo_cost"].to_numpy(dtype=float), y, marker="o", ms=3.5,
                               label=style.method_label(method), **line_style)
                handles.setdefault(method, h)
                lo, hi = column.replace("_pts", "_lo_pts"), column.replace("_pts", "_hi_pts")
                if lo in line and hi in line:  # the agreement change's paired interval
                    ax.fill_between(line["pseudo_cost"].to_numpy(dtype=float), line[lo].to_numpy(dtype=float),
                                    line[hi].to_numpy(dtype=float), color=line_style["color"], alpha=0.15, lw=0)
                if column == "area":
                    ax.axhline(float(line["area_standard"].iloc[0]), color=line_style["color"], lw=0.8, ls=(0, (2, 2)),
                               alpha=0.7)
            if column != "area":
                ax.axhline(0.0, color="#333333", lw=0.6)
            default = part.loc[part["is_default"].astype(bool), "pseudo_cost"] if "is_default" in part else []
            for value in pd.unique(np.asarray(default, dtype=float)):
                ax.axvline(value, color=style.GREY, lw=0.8, ls=":")
            if style.use_log(x_all):
                ax.set_xscale("log")
                style.plain_log_ticks(ax.xaxis)
            ax.set_ylabel(label)
        row[len(row) // 2].set_xlabel(f"Pseudo-specialists' cost, {COST_UNITS.get(cost_type, cost_type)}")
        named = [f"{s} = {v:g}" for s, v in zip(points["cost_setting"].astype(str), x_all) if s in ("average", "median")]
        row[0].set_title(f"{cost_type}" + (f" ({', '.join(named)})" if named else ""), loc="left", fontsize=8)
    fig.suptitle("Dashed: the router without pseudo-specialists (split standard); dotted: the configured pseudo.cost;\n"
                 "bands: paired bootstrap intervals of the agreement change (evaluation.confidence)",
                 fontsize=8)
    style.legend_below(fig, [handles[m] for m in methods if m in handles], min(len(handles), 6))
    return fig


PSEUDO_COST_NOTE = ("One row per (pseudo.cost value, cost type, router): the routers retrained on the standard split "
                    "plus pseudo-specialists of that cost. area / peak: deferral curve on the test queries (budget axis "
                    "normalised by the split's dearest model); area_standard: the same router without pseudo-"
                    "specialists; agreement: share of test picks equal to the heuristic's (points), change = with - "
                    "without pseudo-specialists, overall and over the target tasks' test queries pooled, each with its "
                    "paired bootstrap interval (_lo/_hi).")
SWEEP_NOTES = {
    "delta": "One row per dedup.delta value: the duplicate-group summary at that threshold.",
    "prune": "One row per (prune.lambda, prune.target): the kept pool's size, mean accuracy and mean Jaccard similarity.",
    "boost": "One row per pseudo.boost: number of target tasks and the pseudo-specialists' accuracy on them.",
}
