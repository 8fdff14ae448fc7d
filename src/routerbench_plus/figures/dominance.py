"""The models with the lowest average rank over tasks."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from . import style


@style.styled
def plot_average_rank(avg_rank: pd.DataFrame, top_k: int = 10) -> Figure:
    """Horizontal bars of the ``top_k`` models with the lowest average rank (best on top)."""
    style.need_columns(avg_rank, ["model", "avg_rank"], "average rank")
    df = avg_rank.sort_values(["avg_rank", "model"], kind="stable").head(top_k).iloc[::-1]
    pseudo = df["is_pseudo"].fillna(False).astype(bool).to_numpy() if "is_pseudo" in df else np.zeros(len(df), bool)
    fig = style.new_figure(style.SINGLE_COLUMN_IN, 0.8 + 0.19 * len(df))
    ax = fig.add_subplot()
    y = np.arange(len(df))
    values = df["avg_rank"].to_numpy(dtype=float)
    bars = ax.barh(y, values, color=[style.PALETTE[4] if p else style.PALETTE[0] for p in pseudo], height=0.7)
    ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], padding=2, fontsize=7)
    ax.set_yticks(y, [style.short(m, 26) for m in df["model"]])
    ax.set_xlim(0, values.max() * 1.18 if values.size else 1)
    ax.set_xlabel("Average rank over tasks (1 = best)")
    ax.grid(axis="y", visible=False)
    n_tasks = int(avg_rank["n_tasks"].max()) if "n_tasks" in avg_rank else None
    ax.set_title(f"Top {len(df)} by average rank" + (f", {n_tasks} tasks" if n_tasks else ""))
    if pseudo.any():
        style.legend_below(fig, [Patch(color=style.PALETTE[0], label="model"), Patch(color=style.PALETTE[4], label="pseudo-specialist")], 2)
    return fig


RANK_NOTE = "Per task, models ranked by accuracy (1 = best, ties averaged); average over tasks."
