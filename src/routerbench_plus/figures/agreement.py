"""Agreement with the heuristic router before and after pseudo-specialist injection."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from . import style

OTHER_TASKS = "other tasks (mean)"
POOLED = "targets (pooled)"


@style.styled
def plot_agreement(
    agreement: pd.DataFrame,
    targets: Sequence[str] = (),
    value: str = "change_pts",
) -> Figure:
    """Agreement with the heuristic router before -> after pseudo-specialist injection (points).

    ``agreement``: method, task ('overall' or a task), agreement_before_pts, agreement_after_pts,
    ``value`` (and scope: its ``targets`` rows, the target tasks pooled, are a column of their own).
    Columns of the heatmap: overall, the targets pooled, each target task, and the mean over the
    other tasks; cells show the change, annotated 'before → after' underneath.
    """
    style.need_columns(agreement, ["method", "task", value], "agreement")
    df = agreement.copy()
    df["task"] = df["task"].astype(str)
    pooled = df["scope"].astype(str).eq("targets") if "scope" in df.columns else pd.Series(False, index=df.index)
    df.loc[pooled, "task"] = POOLED
    targets = [t for t in dict.fromkeys(map(str, targets)) if t in set(df.loc[~pooled, "task"])]
    other = ~df["task"].isin(["overall", POOLED, *targets])
    if other.any():
        df.loc[other, "task"] = OTHER_TASKS
    cols = ["overall"] + ([POOLED] if pooled.any() else []) + targets + ([OTHER_TASKS] if other.any() else [])
    change = df.pivot_table(index="method", columns="task", values=value, aggfunc="mean", dropna=False)
    change = change.reindex(index=style.order_methods(change.index), columns=[c for c in cols if c in change.columns])
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
    fig = style.new_figure(min(style.DOUBLE_COLUMN_IN, max(style.SINGLE_COLUMN_IN, 1.8 + 0.62 * n_cols)),
                  max(2.4, 1.4 + (0.36 if has_levels else 0.25) * n_rows))
    ax = fig.add_subplot()
    finite = change.to_numpy()[np.isfinite(change.to_numpy())]
    bound = max(1.0, float(np.abs(finite).max())) if finite.size else 1.0
    import seaborn as sns  # only the heatmaps need seaborn (a second to import)

    sns.heatmap(change, ax=ax, cmap="RdBu", norm=TwoSlopeNorm(0.0, -bound, bound), annot=annot, fmt="",
                annot_kws={"fontsize": 7}, linewidths=0.4, linecolor="white",
                cbar_kws={"label": "Δ agreement, points\n(after − before)", "shrink": 0.9})
    ax.set_yticks(np.arange(n_rows) + 0.5, [style.method_label(m) for m in change.index], rotation=0)
    labels = [style.short(c, 18) + (" *" if c in targets else "") if c != POOLED else c for c in change.columns]
    ax.set_xticks(np.arange(n_cols) + 0.5, labels, rotation=30, ha="right", rotation_mode="anchor")
    ax.set_xlabel("Test queries (* = pseudo-specialist target task)"
                  + ("\nΔ* = interval of the change excludes 0" if has_sig else ""))
    ax.set_ylabel("")
    ax.grid(False)
    ax.set_title("Agreement with the heuristic router")
    return fig


AGREEMENT_NOTE = ("Share of test queries (points) on which a router picks the same model as the heuristic "
                  "router, averaged over budgets; before = split standard, after = split pseudo; change = after - "
                  "before with a paired bootstrap interval over the scope's test queries (significant: it excludes 0); scope targets pools the "
                  "pseudo-specialist target tasks' test queries.")
