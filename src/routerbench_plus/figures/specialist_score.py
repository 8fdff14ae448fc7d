"""The specialist score per task, with its thresholds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..store import COST_UNITS
from . import style


@style.styled
def plot_specialist_scores(scores: pd.DataFrame, thresholds: Sequence[float] = (0.0, 0.05),
                           max_labels: int = 40) -> Figure:
    """Specialist score per task, sorted, coloured by threshold bin; thresholds as dashed lines."""
    style.need_columns(scores, ["task", "specialist_score"], "specialist scores")
    df = scores.dropna(subset=["specialist_score"]).sort_values("specialist_score", ascending=False, kind="stable")
    n_undefined = len(scores) - len(df)
    cuts = sorted(float(t) for t in thresholds)
    values = df["specialist_score"].to_numpy(dtype=float)
    bins = np.searchsorted(np.asarray(cuts), values, side="right")
    bin_colours = [style.PALETTE[7], style.PALETTE[0], style.PALETTE[3], style.PALETTE[2], style.PALETTE[4]]
    names = [f"< {cuts[0]:g}"] + [f"[{a:g}, {b:g})" for a, b in zip(cuts[:-1], cuts[1:])] + [f"≥ {cuts[-1]:g}"]
    labels_shown = len(df) <= max_labels
    height = 2.6 + (0.05 * max((len(style.short(t, 22)) for t in df["task"]), default=0) if labels_shown else 0)
    fig = style.new_figure(style.SINGLE_COLUMN_IN if len(df) <= 30 else style.DOUBLE_COLUMN_IN, height)
    ax = fig.add_subplot()
    x = np.arange(len(df))
    ax.bar(x, values, width=0.8, color=[bin_colours[b % len(bin_colours)] for b in bins], linewidth=0)
    for cut in cuts:
        ax.axhline(cut, color="#333333", ls="--", lw=0.8, zorder=4)
        ax.annotate(f"{cut:g}", xy=(1.0, cut), xycoords=("axes fraction", "data"), xytext=(2, 0),
                    textcoords="offset points", va="center", fontsize=7, color="#333333")
    if labels_shown:
        ax.set_xticks(x, [style.short(t, 22) for t in df["task"]], rotation=90)
        ax.set_xlabel("Task (sorted by specialist score)")
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"{len(df)} tasks, sorted by specialist score (names in the table)")
    ax.set_xlim(-0.7, len(df) - 0.3)
    ax.grid(axis="x", visible=False)
    cost = style.single_value(scores, "cost_type")
    unit = f"\nbudgets: {COST_UNITS[cost]}" if cost in COST_UNITS else ""
    ax.set_ylabel("Specialist score\n(best specialist − generalist)")
    counts = np.bincount(bins, minlength=len(names))
    handles = [Patch(color=bin_colours[i % len(bin_colours)], label=f"{names[i]}: {counts[i]}") for i in range(len(names))]
    note = f"; {n_undefined} task(s) undefined" if n_undefined else ""
    ax.set_title(f"Specialist score per task{unit}{note}")
    style.legend_below(fig, handles, ncols=len(handles))
    return fig


SPECIALIST_NOTE = ("Specialist score of a task: mean over budgets of (best affordable non-generalist accuracy - "
                   "generalist accuracy). <= 0: a generalist suffices; clearly positive: specialists matter.")
