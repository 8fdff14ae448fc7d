"""Greedy pruning: routing quality of the pool as models are removed, and the removal order."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from . import style

# Lines of the pruning curve (prune.pool_curve columns): colour, line style, legend label.
POOL_CURVE_SERIES = (
    ("oracle_area", "#000000", "--", "oracle: area under deferral curve"),
    ("heuristic_area", style.method_colours(["heuristic"])["heuristic"], "-", "heuristic: area under deferral curve"),
    ("best_single_acc", style.GREY, ":", "best single model: test accuracy"),
)


@style.styled
def plot_pruning(steps: pd.DataFrame, curve: pd.DataFrame | None = None, max_names: int = 40) -> Figure:
    """Greedy pruning. With ``curve`` (``prune.pool_curve``): pool size against the oracle's and the
    heuristic's deferral-curve area on the test queries (and the best single model's accuracy) on
    top, the removed model's accuracy / avg similarity / score below; the removal order on the
    right (first removed at the top). Pool size decreases to the right."""
    style.need_columns(steps, ["step", "removed_model", "score", "pool_size_after"], "pruning steps")
    df = steps.sort_values("step", kind="stable").reset_index(drop=True)
    n = len(df)
    names_shown = n <= max_names
    fig = style.new_figure(style.DOUBLE_COLUMN_IN, (max(2.6, 0.9 + 0.12 * n) if names_shown else 2.8) + (1.2 if curve is not None else 0))
    handles: list = []
    if curve is not None:
        style.need_columns(curve, ["pool_size", "oracle_area", "heuristic_area"], "pruning curve")
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
    series = [("acc", "removed model: accuracy", style.PALETTE[0], "-"),
              ("avg_sim", "removed model: mean Jaccard similarity", style.PALETTE[1], "-"),
              ("score", "removed model: score λ·Acc − (1−λ)·AvgSim", style.PALETTE[2], "--")]
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
    style.legend_below(fig, handles, 2 if curve is not None else 3)
    lam = style.single_value(df, "lambda")
    head.set_title("Greedy pruning" + (f" (λ = {lam})" if lam else "")
                   + (": routing quality as models are removed" if curve is not None else ""))
    y = np.arange(n)
    right.barh(y, df["score"].to_numpy(dtype=float), color=style.PALETTE[2], height=0.7)
    if names_shown:
        right.set_yticks(y, [f"{s + 1}. {style.short(m, 24)}" for s, m in zip(range(n), df["removed_model"])])
    else:
        right.set_yticks([])
        right.set_ylabel(f"{n} removals (names in steps.parquet)")
    right.invert_yaxis()
    right.axvline(0, color="#333333", lw=0.6)
    right.set_xlabel("Score at removal")
    right.grid(axis="y", visible=False)
    right.set_title("Removal order")
    return fig
