"""Category redundancy: the clustered category-similarity heatmap and the training-share figure."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import style


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
    style.need_columns(similarity, ["category_a", "category_b", "cosine"], "category similarity")
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


@style.styled
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
    side = style.SINGLE_COLUMN_IN if n <= 20 else style.DOUBLE_COLUMN_IN
    fig = style.new_figure(side, side * 0.88)
    ax = fig.add_subplot()
    step = max(1, math.ceil(n / max_labels))
    import seaborn as sns  # only the heatmaps need seaborn (a second to import)

    sns.heatmap(matrix, ax=ax, cmap="viridis", square=True, xticklabels=False, yticklabels=False,
                cbar_kws={"label": "Cosine similarity of category mean embeddings", "shrink": 0.8})
    ticks = np.arange(0, n, step)
    labels = [style.short(matrix.index[i], 20) for i in ticks]
    ax.set_xticks(ticks + 0.5, labels, rotation=90)
    ax.set_yticks(ticks + 0.5, labels, rotation=0)
    ax.set_xlabel("Category (clustered order" + (f", one label in {step}" if step > 1 else "") + ")")
    ax.set_ylabel("")
    ax.grid(False)
    ax.set_title(f"Category similarity ({n} categories)")
    return fig


@style.styled
def plot_train_fraction(table: pd.DataFrame) -> Figure:
    """Routers retrained on a share f of each category's training queries: mean and peak quality
    (points) against f, one line per method (``categories.train_fraction_table`` columns)."""
    style.need_columns(table, ["method", "train_fraction", "curve_mean_pts", "peak_pts"], "train fraction")
    df = table.assign(method=table["method"].astype(str))
    costs = sorted(df["cost_type"].astype(str).unique()) if "cost_type" in df else [""]
    methods = style.order_methods(df["method"])
    colours = style.method_colours(methods)
    fig = style.new_figure(style.SINGLE_COLUMN_IN, 4.2)
    axes = fig.subplots(2, 1, sharex=True)
    handles: list = []
    for cost_index, cost in enumerate(costs):
        part_cost = df if cost == "" else df[df["cost_type"].astype(str) == cost]
        for method in methods:
            part = part_cost[part_cost["method"] == method].sort_values("train_fraction")
            if part.empty:
                continue
            line_style = style.method_style(method, colours)
            label = style.method_label(method) + (f" · {cost}" if len(costs) > 1 else "")
            for ax, column in zip(axes, ("curve_mean_pts", "peak_pts")):
                (line,) = ax.plot(part["train_fraction"].to_numpy(dtype=float), part[column].to_numpy(dtype=float),
                                  marker="os^D"[cost_index % 4], ms=3, label=label, **line_style)
            handles.append(line)
    axes[0].set_ylabel("Mean quality over\nthe curve (points)")
    axes[1].set_ylabel("Peak quality (points)")
    axes[1].set_xlabel("Share of each category's training queries kept")
    fractions = np.unique(df["train_fraction"].to_numpy(dtype=float))
    if fractions.size <= 8:
        axes[1].set_xticks(fractions, [f"{f:g}" for f in fractions])
    axes[0].set_title("Within-category redundancy")
    style.legend_below(fig, handles, 3)
    return fig


TRAIN_FRACTION_NOTE = ("Routers retrained on a seeded share f of each category's training queries (f = 1: the "
                       "standard split), tested on the same test queries: mean over the budget points and peak "
                       "quality in points, and the area.")
CATDROP_NOTE = ("Categories more similar than categories.drop_similarity to a kept category are removed from "
                "training (split catdrop) and tested as OOD: quality in points with and without them in training; "
                "kept_partner is the similar category that stays.")
