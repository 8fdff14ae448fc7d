"""The OOD heatmap: quality change per router and held-out category (also the catdrop figure)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from ..errors import InputError
from . import style


@style.styled
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
        split = style.single_value(ood, "split_ood") or style.single_value(ood, "group")
        title = f"OOD hold-out: {split}" if split else ""
    if ood.empty:
        return style.empty_figure(title or "OOD hold-out", "no held-out category (empty table)")
    df = ood.assign(method=ood["method"].astype(str))
    several_costs = "cost_type" in df and df["cost_type"].nunique() > 1
    methods = style.order_methods(df["method"])
    if several_costs:  # one row per (method, cost type)
        df["row"] = df["method"].map(style.method_label) + " · " + df["cost_type"].astype(str)
        rows = [f"{style.method_label(m)} · {c}" for m in methods for c in sorted(df["cost_type"].astype(str).unique())]
    else:
        df["row"] = df["method"].map(style.method_label)
        rows = [style.method_label(m) for m in methods]
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
    width = min(style.DOUBLE_COLUMN_IN, max(style.SINGLE_COLUMN_IN, 1.7 + (0.62 if show_ci else 0.5) * n_cols))
    height = 1.2 + (0.36 if show_ci else 0.26) * n_rows + 0.05 * max(len(style.short(c, 20)) for c in matrix.columns)
    fig = style.new_figure(width, max(2.3, height))
    ax = fig.add_subplot()
    finite = matrix.to_numpy()[np.isfinite(matrix.to_numpy())]
    bound = max(1.0, float(np.abs(finite).max())) if finite.size else 1.0
    import seaborn as sns  # only the heatmaps need seaborn (a second to import)

    sns.heatmap(matrix, ax=ax, cmap="RdBu", norm=TwoSlopeNorm(0.0, -bound, bound), annot=annot,
                fmt=".1f" if annot is True else "", annot_kws={"fontsize": 7}, linewidths=0.4, linecolor="white",
                cbar_kws={"label": "Δ quality, points\n(OOD − in-distribution)", "shrink": 0.9})
    ax.set_yticks(np.arange(n_rows) + 0.5, list(matrix.index), rotation=0)
    rotate = n_cols > 3 or max(len(style.short(c, 20)) for c in matrix.columns) > 10
    ax.set_xticks(np.arange(n_cols) + 0.5, [style.short(c, 20) for c in matrix.columns], rotation=35 if rotate else 0,
                  ha="right" if rotate else "center", rotation_mode="anchor")
    ax.set_xlabel("Held-out category" + ("\n(* interval excludes 0)" if has_ci else ""))
    ax.set_ylabel("")
    ax.grid(False)
    if title:
        ax.set_title(title)
    return fig


OOD_NOTE = ("Quality in points (x100) on the held-out categories' test queries, for routers trained with the "
            "categories (in-distribution, split standard) and without them (OOD split); delta = OOD - ID, with a "
            "paired bootstrap interval over the category's test queries (significant: it excludes 0).")
