"""Deferral curves of every router on a split: the curve table, each pool model as a point, and the
areas (three axes), peak and curve mean with paired-bootstrap intervals, AIQ and pairwise differences.

The curve, area and AIQ definitions are in ``curves`` (docs/metrics.md); the paired bootstrap over
test queries in ``bootstrap``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from . import store
from .bootstrap import band_table, bootstrap_curves, interval_table, linear_weights, pairwise_table, quality_cube
from .curves import aiq_by_method, check_picks, deferral_curve, normalise_budgets, tag_columns
from .errors import InputError

log = logging.getLogger(__name__)

SINGLE_MODEL_METHOD = "single_model"


def curve_table(
    picks_by_method: Mapping[str, pd.DataFrame],
    max_budget: float,
    test_ids: Sequence[str] | None = None,
    tags: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Deferral curves of several routers in one long table.

    Columns: [tags...], method, budget, budget_norm, quality, realised_cost, n_queries, n_unrouted.
    """
    frames = []
    for method, picks in picks_by_method.items():
        checked = check_picks(picks, test_ids, where=f"picks of method '{method}'")
        curve = deferral_curve(checked)
        unrouted = int(curve["n_unrouted"].sum())
        if unrouted:
            log.info("method %s: %d (budget, query) pairs had no affordable model (quality 0, cost 0)", method, unrouted)
        curve.insert(0, "method", method)
        curve.insert(2, "budget_norm", normalise_budgets(curve["budget"].to_numpy(), max_budget))
        frames.append(curve)
    out = pd.concat(frames, ignore_index=True)
    out["method"] = out["method"].astype("string")
    return tag_columns(out, tags)


def model_points(bench: store.Benchmark, cost_type: str, tags: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Each pool model as a point: its cost and its mean label on the split's test queries.

    Columns: [tags...], method ('single_model'), model, cost, cost_norm, quality, is_pseudo,
    n_test_labels. The mean is over the test queries on which the model has a label; a model with
    none gets quality NaN (logged, kept).
    """
    test_ids = bench.queries.loc[bench.queries["split"] == "test", "query_id"]
    if len(test_ids) == 0:
        raise InputError(f"{bench.name} queries: no query has split 'test'")
    cost = bench.costs(cost_type)
    sub = bench.matrix.subset(query_ids=list(test_ids))
    n = sub.mask.sum(axis=1)
    total = sub.filled(0.0).astype(np.float64).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        quality = np.where(n > 0, total / np.maximum(n, 1), np.nan)
    if (n == 0).any():
        log.warning("models without any test label (quality NaN): %s", list(sub.models[n == 0])[:5])
    out = pd.DataFrame(
        {
            "method": pd.Series([SINGLE_MODEL_METHOD] * len(cost), dtype="string"),
            "model": pd.Series(bench.models["model"].to_numpy(), dtype="string"),
            "cost": cost,
            "cost_norm": cost / cost.max(),
            "quality": quality,
            "is_pseudo": bench.models["is_pseudo"].to_numpy(dtype=bool),
            "n_test_labels": n.astype("int64"),
        }
    )
    return tag_columns(out, tags)


def evaluate_curves(
    picks_by_method: Mapping[str, pd.DataFrame],
    max_budget: float,
    n_resamples: int = 10_000,
    seed: int = 0,
    confidence: float = 0.95,
    test_ids: Sequence[str] | None = None,
    tags: Mapping[str, str] | None = None,
    threads: int = 1,
    min_budget: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Areas (three axes), peak and curve mean with paired-bootstrap intervals, and AIQ per method;
    pairwise differences; per-budget bands of the curves.

    ``min_budget``/``max_budget``: the pool's cheapest and largest model cost (the ends of the
    area axes, ``curves.pool_cost_range``); ``min_budget`` defaults to the first budget.
    Returns (areas, pairwise, bands). areas: [tags...], method, then area, area_span, area_log,
    peak, curve_mean each with _lo/_hi, aiq, min_budget, max_budget, n_queries, n_budgets,
    n_resamples, confidence, seed. pairwise: [tags...], method_a, method_b, per metric _diff,
    _diff_lo, _diff_hi, _significant; n_resamples, confidence, seed. bands: [tags...], method,
    budget, quality_lo, quality_hi, confidence.
    """
    cube, query_ids, budgets, checked = quality_cube(picks_by_method, test_ids)
    min_budget = float(budgets[0]) if min_budget is None else float(min_budget)
    weights = linear_weights(budgets, min_budget, max_budget)
    result = bootstrap_curves(
        cube, weights.pop("area"), list(checked), n_resamples, seed, confidence, threads=threads, extra_weights=weights
    )
    areas = interval_table(result)
    curve = curve_table(checked, max_budget)
    at = list(areas.columns).index("n_resamples")
    areas.insert(at, "aiq", aiq_by_method(curve, max_budget).reindex(result.methods).to_numpy())
    areas.insert(at + 1, "min_budget", min_budget)
    areas.insert(at + 2, "max_budget", float(max_budget))
    areas.insert(at + 3, "n_queries", np.int64(len(query_ids)))
    areas.insert(at + 4, "n_budgets", np.int64(len(budgets)))
    areas["seed"] = np.int64(seed)
    pairwise = pairwise_table(result)
    pairwise["seed"] = np.int64(seed)
    bands = band_table(result, budgets)
    return tuple(tag_columns(t, tags) for t in (areas, pairwise, bands))  # type: ignore[return-value]
