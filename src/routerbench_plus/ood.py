"""Out-of-distribution table: per held-out category, quality after OOD training vs standard training.

For a group G of held-out categories (benchmarks.<b>.ood_groups.<group>), routers are trained on
the standard split (in-distribution, ID) and on the split ``ood-<group>`` (G removed from train
and val; the test queries are the same). Per method and held-out category c (and pooled over G):

* curve mean: the mean over budgets of the per-budget mean quality on c's test queries
  (unweighted over the budget points, like the study's "average accuracy over the deferral curve");
* at max budget: the mean quality on c's test queries at the largest budget;

each for ID and OOD training, and delta = OOD - ID, all in accuracy points (x 100). The delta's
interval is a paired bootstrap over c's test queries (stratified: each row resamples the test
queries of its own category, or of the pooled group, with replacement), the same resamples for
both trainings and every method; significant = the interval excludes 0.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .bootstrap import bootstrap_means, percentile_interval
from .curves import check_picks, picks_matrices, tag_columns, test_query_categories
from .errors import ConfigError, InputError

log = logging.getLogger(__name__)

POOLED = "(all held-out)"


def per_query_summary(
    picks_by_method: Mapping[str, pd.DataFrame], test_ids: Sequence[str], where: str = ""
) -> tuple[pd.Index, np.ndarray]:
    """(query ids, (M, Q, 2) array): per method and test query, the mean quality over the budgets
    (curve mean) and the quality at the largest budget. Every method must cover ``test_ids``."""
    ids, stats = None, []
    for method, picks in picks_by_method.items():
        checked = check_picks(picks, test_ids, where=f"{where}picks of method '{method}'")
        _, query_ids, quality, _, _ = picks_matrices(checked)
        quality = quality.astype(np.float64)
        ids = query_ids if ids is None else ids
        stats.append(np.stack([quality.mean(axis=1), quality[:, -1]], axis=1))
    return ids, np.stack(stats)


def ood_table(
    standard_picks_by_method: Mapping[str, pd.DataFrame],
    ood_picks_by_method: Mapping[str, pd.DataFrame],
    queries: pd.DataFrame,
    held_out_categories: Sequence[str],
    config_key: str = "ood group",
    split_id: str = "standard",
    split_ood: str = "ood",
    tags: Mapping[str, str] | None = None,
    n_resamples: int = 10_000,
    seed: int = 0,
    confidence: float = 0.95,
    threads: int = 1,
) -> pd.DataFrame:
    """Per method and held-out category (and pooled): ID vs OOD quality and delta, in points,
    with the delta's paired-bootstrap interval.

    Columns: [tags...], method, split_id, split_ood, category, pooled, n_test_queries,
    curve_mean_id_pts, curve_mean_ood_pts, curve_mean_delta_pts, at_max_budget_id_pts,
    at_max_budget_ood_pts, at_max_budget_delta_pts, curve_mean_delta_lo_pts,
    curve_mean_delta_hi_pts, curve_mean_significant, at_max_budget_delta_lo_pts,
    at_max_budget_delta_hi_pts, at_max_budget_significant, n_resamples, confidence, seed.
    ``queries`` is the standard split's queries table (its test queries and categories).
    """
    if set(standard_picks_by_method) != set(ood_picks_by_method):
        raise InputError(
            f"OOD table: methods differ between split {split_id} ({sorted(standard_picks_by_method)}) "
            f"and split {split_ood} ({sorted(ood_picks_by_method)})"
        )
    categories = list(dict.fromkeys(held_out_categories))
    known = set(queries["category"].astype(str))
    unknown = [c for c in categories if c not in known]
    if unknown:
        raise ConfigError(f"{config_key}: categories {unknown} are not in the benchmark (known e.g. {sorted(known)[:5]})")
    category_of = test_query_categories(queries)
    empty = [c for c in categories if not (category_of == c).any()]
    if empty:
        log.warning("%s: held-out categories without test queries (rows with NaN): %s", config_key, empty)
    methods = list(standard_picks_by_method)
    test_ids = list(category_of.index)
    ids, id_stats = per_query_summary(standard_picks_by_method, test_ids, f"split {split_id}: ")
    _, ood_stats = per_query_summary({m: ood_picks_by_method[m] for m in methods}, test_ids, f"split {split_ood}: ")
    values = np.stack([id_stats, ood_stats], axis=2).transpose(1, 0, 2, 3)  # (Q, M, split, statistic)
    n_methods = len(methods)
    cat = category_of.reindex(ids).to_numpy(dtype=object)
    rows = {}  # category -> (n, full (M, 2, 2), delta lo (M, 2), delta hi (M, 2))
    for category in categories + [POOLED]:  # a handful of rows; resamples are vectorised
        mask = np.isin(cat, categories) if category == POOLED else cat == category
        n = int(mask.sum())
        if n == 0:
            nan = np.full((n_methods, 2), np.nan)
            rows[category] = (0, np.full((n_methods, 2, 2), np.nan), nan, nan)
            continue
        part = values[mask].reshape(n, -1)
        samples = bootstrap_means(part, n_resamples=n_resamples, seed=seed, threads=threads)
        samples = samples.reshape(len(samples), n_methods, 2, 2)
        lo, hi = percentile_interval(samples[:, :, 1] - samples[:, :, 0], confidence)
        rows[category] = (n, part.mean(axis=0).reshape(n_methods, 2, 2), lo, hi)
    order = [(m, c) for m in range(n_methods) for c in categories + [POOLED]]
    out = pd.DataFrame(
        {
            "method": pd.Series([methods[m] for m, _ in order], dtype="string"),
            "split_id": pd.Series([split_id] * len(order), dtype="string"),
            "split_ood": pd.Series([split_ood] * len(order), dtype="string"),
            "category": pd.Series([c for _, c in order], dtype="string"),
        }
    )
    out["pooled"] = (out["category"] == POOLED).to_numpy(dtype=bool)
    out["n_test_queries"] = np.array([rows[c][0] for _, c in order], dtype=np.int64)
    for k, name in enumerate(("curve_mean", "at_max_budget")):
        id_pts = np.array([100 * rows[c][1][m, 0, k] for m, c in order])
        ood_pts = np.array([100 * rows[c][1][m, 1, k] for m, c in order])
        out[f"{name}_id_pts"], out[f"{name}_ood_pts"] = id_pts, ood_pts
        out[f"{name}_delta_pts"] = ood_pts - id_pts
    for k, name in enumerate(("curve_mean", "at_max_budget")):
        lo = np.array([100 * rows[c][2][m, k] for m, c in order])
        hi = np.array([100 * rows[c][3][m, k] for m, c in order])
        out[f"{name}_delta_lo_pts"], out[f"{name}_delta_hi_pts"] = lo, hi
        out[f"{name}_significant"] = (lo > 0) | (hi < 0)
    out["n_resamples"] = np.int64(n_resamples)
    out["confidence"] = confidence
    out["seed"] = np.int64(seed)
    return tag_columns(out, tags)


def ood_table_by_cost(
    standard: Mapping[str, Mapping[str, pd.DataFrame]],
    ood: Mapping[str, Mapping[str, pd.DataFrame]],
    queries: pd.DataFrame,
    held_out_categories: Sequence[str],
    config_key: str = "ood group",
    split_ood: str = "ood",
    tags: Mapping[str, str] | None = None,
    **resampling: Any,
) -> pd.DataFrame:
    """``ood_table`` for every cost type ({cost_type: {method: picks}}), stacked, with a cost_type column;
    ``resampling`` (n_resamples, seed, confidence, threads) goes to ``ood_table`` as given."""
    frames = [
        ood_table(
            standard[c], ood[c], queries, held_out_categories, config_key, "standard", split_ood,
            tags={**dict(tags or {}), "cost_type": c}, **resampling,
        )
        for c in standard
    ]
    return pd.concat(frames, ignore_index=True)
