"""Category redundancy: cosine similarity of mean category embeddings, and which categories to drop.

The embedding of a category is the mean of its queries' (unit) embeddings, L2-normalised again;
similarity(a, b) is the cosine of the two. ``redundant_categories`` flags categories whose
similarity to another category exceeds a threshold (config ``categories.drop_similarity``) and
drops one of each similar pair, never both: categories are visited from the largest to the
smallest (ties: name order) and a category is dropped when it is too similar to one already kept.
So every dropped category has a kept category above the threshold (``kept_partner``, the content
stays in training) and no two kept categories exceed it.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from . import ood, store
from .curves import curve_summary
from .errors import ConfigError, InputError

log = logging.getLogger(__name__)

SIMILARITY_COLUMNS = (
    "benchmark", "category_a", "category_b", "cosine", "n_queries_a", "n_queries_b", "order_a", "order_b",
)
REDUNDANT_COLUMNS = (
    "benchmark", "category", "n_queries", "most_similar", "cosine", "dropped", "kept_partner",
    "kept_partner_cosine", "threshold",
)


def category_embeddings(emb: store.Embeddings, queries: pd.DataFrame) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """(categories sorted by name, L2-normalised mean embeddings float64, query counts)."""
    missing = [c for c in ("query_id", "category") if c not in queries.columns]
    if missing:
        raise InputError(f"queries: missing required column(s) {missing}; found {list(queries.columns)}")
    if queries["category"].isna().any():
        raise InputError(f"queries: column 'category' has {int(queries['category'].isna().sum())} missing value(s)")
    if queries.empty:
        raise InputError("queries: no queries, so no category embeddings")
    vectors = emb.take(queries["query_id"].astype(str).tolist()).astype(np.float64)
    codes, names = pd.factorize(queries["category"].astype(str), sort=True)
    onehot = sparse.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(len(names), len(codes)))
    counts = np.bincount(codes, minlength=len(names))
    means = np.asarray(onehot @ vectors) / counts[:, None]
    norms = np.linalg.norm(means, axis=1)
    if (norms == 0).any():
        raise InputError(f"embeddings: the mean embedding of categories {list(names[norms == 0][:3])} is zero")
    return pd.Index(names, dtype=object), means / norms[:, None], counts


def leaf_order(similarity: np.ndarray) -> np.ndarray:
    """Position of each item in the leaf order of an average-linkage clustering on 1 - cosine."""
    from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering
    from scipy.spatial.distance import squareform

    n = len(similarity)
    if n < 3:
        return np.arange(n)
    dist = np.clip(1.0 - similarity, 0.0, 2.0)
    np.fill_diagonal(dist, 0.0)
    condensed = squareform(dist, checks=False)
    leaves = leaves_list(optimal_leaf_ordering(linkage(condensed, method="average"), condensed))
    position = np.empty(n, dtype=np.int64)
    position[leaves] = np.arange(n)
    return position


def category_similarity(emb: store.Embeddings, queries: pd.DataFrame, benchmark: str = "") -> pd.DataFrame:
    """Cosine similarity between L2-normalised mean category embeddings, as a long table.

    One row per ordered pair (a, b), diagonal included (cosine 1): columns ``SIMILARITY_COLUMNS``;
    order_a / order_b give each category's position in the clustered (heatmap) order.
    """
    names, means, counts = category_embeddings(emb, queries)
    sim = means @ means.T
    sim = np.clip((sim + sim.T) / 2.0, -1.0, 1.0)
    np.fill_diagonal(sim, 1.0)
    order = leaf_order(sim)
    n = len(names)
    a, b = np.repeat(np.arange(n), n), np.tile(np.arange(n), n)
    return pd.DataFrame(
        {
            "benchmark": pd.array([benchmark] * (n * n), dtype="string"),
            "category_a": pd.array(names[a].astype(str), dtype="string"),
            "category_b": pd.array(names[b].astype(str), dtype="string"),
            "cosine": sim.ravel(),
            "n_queries_a": counts[a].astype(np.int64),
            "n_queries_b": counts[b].astype(np.int64),
            "order_a": order[a],
            "order_b": order[b],
        }
    )


def _square(similarity: pd.DataFrame) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """(names, symmetric matrix with diagonal 1, query counts or zeros) from the long table."""
    missing = [c for c in ("category_a", "category_b", "cosine") if c not in similarity.columns]
    if missing:
        raise InputError(f"category similarity: missing required column(s) {missing}; found {list(similarity.columns)}")
    names = pd.Index(
        sorted(set(similarity["category_a"].astype(str)) | set(similarity["category_b"].astype(str))), dtype=object
    )
    n = len(names)
    ia = names.get_indexer(similarity["category_a"].astype(str))
    ib = names.get_indexer(similarity["category_b"].astype(str))
    matrix = np.full((n, n), np.nan)
    matrix[ia, ib] = similarity["cosine"].to_numpy(dtype=np.float64)
    matrix = np.where(np.isnan(matrix), matrix.T, matrix)
    if np.isnan(matrix[~np.eye(n, dtype=bool)]).any():
        raise InputError("category similarity: some category pairs have no cosine (expected every pair)")
    np.fill_diagonal(matrix, 1.0)
    counts = np.zeros(n, dtype=np.int64)
    if "n_queries_a" in similarity.columns:
        counts[ia] = similarity["n_queries_a"].to_numpy(dtype=np.int64)
    return names, matrix, counts


def redundant_categories(similarity: pd.DataFrame, threshold: float, benchmark: str | None = None) -> pd.DataFrame:
    """Categories whose cosine to another category is > threshold, and which of them to drop.

    One row per such category (columns ``REDUNDANT_COLUMNS``): most_similar / cosine = its nearest
    other category; dropped = True for the smaller of each similar pair (greedy from the largest,
    ties by name, see the module docstring); kept_partner / kept_partner_cosine = the most similar
    kept category above the threshold for a dropped one (missing for kept ones).
    """
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        raise ConfigError(
            f"config key categories.drop_similarity: expected a cosine in [-1, 1], got {threshold!r}"
        ) from None
    if not -1.0 <= threshold <= 1.0:
        raise ConfigError(f"config key categories.drop_similarity: expected a cosine in [-1, 1], got {threshold}")
    names, matrix, counts = _square(similarity)
    if benchmark is None:
        has_name = "benchmark" in similarity.columns and len(similarity)
        benchmark = str(similarity["benchmark"].iloc[0]) if has_name else ""
    n = len(names)
    others = matrix.copy()
    np.fill_diagonal(others, -np.inf)
    nearest = others.argmax(axis=1) if n > 1 else np.zeros(n, dtype=np.int64)  # ties: first name
    nearest_cos = others[np.arange(n), nearest] if n > 1 else np.full(n, np.nan)
    flagged = nearest_cos > threshold

    # largest first, ties by name (names are sorted, so the position breaks ties)
    visit = np.lexsort((np.arange(n), -counts))
    kept = np.zeros(n, dtype=bool)
    dropped = np.zeros(n, dtype=bool)
    partner = np.full(n, -1)
    for c in visit:  # loop over categories (tens), not queries
        close = kept & (others[c] > threshold)
        if close.any():
            dropped[c] = True
            partner[c] = int(np.flatnonzero(close)[others[c, close].argmax()])
        else:
            kept[c] = True
    rows = np.flatnonzero(flagged)
    has_partner = partner[rows] >= 0
    return pd.DataFrame(
        {
            "benchmark": pd.array([benchmark] * len(rows), dtype="string"),
            "category": pd.array(names[rows].astype(str), dtype="string"),
            "n_queries": counts[rows],
            "most_similar": pd.array(names[nearest[rows]].astype(str), dtype="string"),
            "cosine": nearest_cos[rows],
            "dropped": dropped[rows],
            "kept_partner": pd.array(
                np.where(has_partner, names[np.maximum(partner[rows], 0)].astype(str), None), dtype="string"
            ),
            "kept_partner_cosine": np.where(has_partner, matrix[rows, np.maximum(partner[rows], 0)], np.nan),
            "threshold": np.full(len(rows), threshold),
        }
    )


# --------------------------------------------------------------------------- experiments on redundancy


def dropped_categories(redundant: pd.DataFrame, where: str = "redundant categories") -> list[str]:
    """Names of the categories flagged ``dropped`` (the catdrop split's held-out categories)."""
    missing = [c for c in ("category", "dropped") if c not in redundant.columns]
    if missing:
        raise InputError(f"{where}: missing required column(s) {missing}; found {list(redundant.columns)}")
    return sorted(redundant.loc[redundant["dropped"].astype(bool), "category"].astype(str))


def catdrop_table(
    standard: dict[str, dict[str, pd.DataFrame]],
    catdrop: dict[str, dict[str, pd.DataFrame]],
    queries: pd.DataFrame,
    redundant: pd.DataFrame,
    tags: dict[str, str] | None = None,
    **resampling: Any,
) -> pd.DataFrame:
    """Redundant categories dropped from training and tested as OOD: quality change per router
    (``resampling``: n_resamples, seed, confidence, threads of the delta's paired interval, config
    ``evaluation``).

    ``standard``/``catdrop`` are {cost_type: {method: picks}} of the two splits; the result has
    the OOD table's columns (``ood.ood_table``) for the dropped categories, plus each one's
    ``kept_partner`` and its cosine. No dropped category gives an empty table (logged).
    """
    dropped = dropped_categories(redundant)
    if not dropped:
        log.info("no category exceeds the redundancy threshold: the catdrop table is empty")
    table = ood.ood_table_by_cost(
        standard, catdrop, queries, dropped, "categories.drop_similarity", "catdrop", tags, **resampling
    )
    if not dropped:
        table = table.iloc[:0].copy()
    partner = redundant.set_index(redundant["category"].astype(str))
    table["kept_partner"] = table["category"].map(partner["kept_partner"]).astype("string")
    table["kept_partner_cosine"] = table["category"].map(partner["kept_partner_cosine"]).astype("float64")
    return table


def train_fraction_table(curves_by_fraction: dict[float, pd.DataFrame]) -> pd.DataFrame:
    """Within-category redundancy: per training fraction f and router, quality over the curve.

    ``curves_by_fraction`` maps f to the deferral-curve table of the split trained on a share f of
    each category's training queries (f = 1.0: the standard split). Columns: [benchmark],
    cost_type, method, train_fraction, curve_mean_pts, peak_pts, area.
    """
    frames = [
        curve_summary(table.drop(columns=["split"], errors="ignore")).assign(train_fraction=float(f))
        for f, table in sorted(curves_by_fraction.items())
    ]
    out = pd.concat(frames, ignore_index=True)
    out["curve_mean_pts"] = 100 * out.pop("curve_mean")
    out["peak_pts"] = 100 * out.pop("peak")
    keys = [c for c in ("benchmark", "cost_type", "method") if c in out.columns]
    return out[[*keys, "train_fraction", "curve_mean_pts", "peak_pts", "area"]].sort_values(
        [*keys, "train_fraction"], kind="stable"
    ).reset_index(drop=True)
