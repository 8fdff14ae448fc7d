"""The budgeted pick shared by every router, the budget grid, and the scores and picks tables.

A router only predicts a models x queries score matrix; turning scores into one model per
query under a cost budget is done here, once, for every router:

* eligible models for (budget b, query q): cost <= b and a label observed for q;
* the pick is the eligible model with the highest score, ties to the cheaper model, then to
  the lower model index; -1 when no model is eligible.

Costs are one number per model (M,) or one per (model, query) (M, Q) when the benchmark has
per-query costs (``store.Benchmark.cost_matrix``): then "cost" above is the model's cost *for that
query*, the budget is a per-query budget, and the picks table records each pick's own cost.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError, InputError
from .store import Benchmark

log = logging.getLogger(__name__)

NO_PICK = -1


def _cost_order(costs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Models sorted by (cost, index) and the sorted costs."""
    costs = np.asarray(costs, dtype=np.float64)
    if costs.ndim != 1 or np.isnan(costs).any():
        raise InputError(f"costs must be a 1-d vector without NaN; got shape {costs.shape}")
    order = np.argsort(costs, kind="stable")
    return order, costs[order]


def _n_affordable(sorted_costs: np.ndarray, budgets: np.ndarray) -> np.ndarray:
    """Number of models with cost <= budget, per budget."""
    return np.searchsorted(sorted_costs, np.asarray(budgets, dtype=np.float64), side="right")


def _eligible_scores(scores: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """float64 scores for ranking: NaN below every finite score, unobserved pairs -inf (never picked)."""
    lowest = np.finfo(np.float64).max
    s = np.nan_to_num(scores.astype(np.float64), nan=-lowest, posinf=lowest, neginf=-lowest)
    return np.where(mask, s, -np.inf)


def _running_best(s: np.ndarray) -> np.ndarray:
    """Per column, the row of the best score among rows 0..i (strict improvements only, so a tie
    stays with the earlier, i.e. cheaper, row); NO_PICK while nothing is eligible. (M, Q) int."""
    best_before = np.maximum.accumulate(np.vstack([np.full((1, s.shape[1]), -np.inf), s[:-1]]), axis=0)
    position = np.arange(s.shape[0])[:, None]
    improves = s > best_before
    return np.maximum.accumulate(np.where(improves, position, NO_PICK), axis=0)


def _query_cost_order(costs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per query (column), models sorted by (cost for that query, index); both (M, Q)."""
    costs = np.asarray(costs, dtype=np.float64)
    if costs.ndim != 2 or np.isnan(costs).any():
        raise InputError(f"per-query costs must be a (models, queries) matrix without NaN; got shape {costs.shape}")
    order = np.argsort(costs, axis=0, kind="stable")
    return order, np.take_along_axis(costs, order, axis=0)


def _n_affordable_per_query(sorted_costs: np.ndarray, budgets: np.ndarray) -> np.ndarray:
    """(B, Q): number of models whose cost for query q is <= budget b (columns sorted ascending).

    One searchsorted over all columns at once: costs and budgets are replaced by their rank among
    all values (exact ties share a rank), and column q's ranks are offset by q * n_ranks, so the
    flattened (Q, M) ranks are globally sorted. Memory O(M Q + B Q), no (B, M, Q) array.
    """
    budgets = np.asarray(budgets, dtype=np.float64)
    n_models, n_queries = sorted_costs.shape
    values, inverse = np.unique(np.concatenate([sorted_costs.T.ravel(), budgets]), return_inverse=True)
    n_ranks = np.int64(len(values))
    offset = np.arange(n_queries, dtype=np.int64) * n_ranks
    cost_keys = (inverse[: sorted_costs.size].reshape(n_queries, n_models) + offset[:, None]).ravel()
    budget_keys = inverse[sorted_costs.size :][:, None] + offset[None, :]  # (B, Q)
    before = np.arange(n_queries, dtype=np.int64) * n_models  # keys of the earlier columns
    return np.searchsorted(cost_keys, budget_keys, side="right") - before[None, :]


def _pick_per_query(scores: np.ndarray, costs: np.ndarray, budgets: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """:func:`pick` with (M, Q) costs: the running maximum runs along each query's own cost order."""
    order, sorted_costs = _query_cost_order(costs)
    best_pos = _running_best(np.take_along_axis(_eligible_scores(scores, mask), order, axis=0))  # (M, Q)
    n_aff = _n_affordable_per_query(sorted_costs, budgets)  # (B, Q)
    picked_sorted = np.take_along_axis(best_pos, np.maximum(n_aff - 1, 0), axis=0)  # (B, Q)
    picked_sorted[n_aff == 0] = NO_PICK
    model = np.take_along_axis(order, np.maximum(picked_sorted, 0), axis=0)
    return np.where(picked_sorted >= 0, model, NO_PICK).astype(np.int64)


def pick(
    scores: np.ndarray, costs: np.ndarray, budgets: np.ndarray, observed_mask: np.ndarray
) -> np.ndarray:
    """Model index picked per (budget, query): argmax score among affordable observed models.

    ``costs`` is (M,) (one cost per model) or (M, Q) (each model's cost for each query). One pass
    over the cost-sorted model axis (per query when costs are per query): a running maximum
    (strict improvements only, so ties stay with the model that is cheaper for that query, then
    the lower index) answers every budget at once. NaN scores of eligible models rank below
    every finite score. Returns int64 (B, Q).
    """
    scores = np.asarray(scores)
    mask = np.asarray(observed_mask, dtype=bool)
    costs = np.asarray(costs)
    if costs.ndim == 2:
        if scores.ndim != 2 or scores.shape != mask.shape or costs.shape != scores.shape:
            raise InputError(
                f"pick: scores {scores.shape}, observed_mask {mask.shape} and per-query costs {costs.shape} disagree"
            )
        return _pick_per_query(scores, costs, budgets, mask)
    if scores.ndim != 2 or scores.shape != mask.shape or scores.shape[0] != len(costs):
        raise InputError(
            f"pick: scores {scores.shape}, observed_mask {mask.shape} and costs ({len(costs)},) disagree"
        )
    order, sorted_costs = _cost_order(costs)
    best_pos = _running_best(_eligible_scores(scores, mask)[order])  # (M, Q)
    n_aff = _n_affordable(sorted_costs, budgets)
    row = np.maximum(n_aff - 1, 0)
    picked_sorted = best_pos[row]  # (B, Q)
    picked_sorted[n_aff == 0] = NO_PICK
    return np.where(picked_sorted >= 0, order[np.maximum(picked_sorted, 0)], NO_PICK).astype(np.int64)


def expected_random_quality(
    labels: np.ndarray, costs: np.ndarray, budgets: np.ndarray, observed_mask: np.ndarray
) -> np.ndarray:
    """Exact expected quality of a uniform pick among eligible models, (B, Q); NaN if none.

    ``costs`` (M,) or (M, Q) as in :func:`pick`. Vectorised with cumulative sums over the
    cost-sorted model axis (each query's own order when costs are per query).
    """
    mask = np.asarray(observed_mask, dtype=bool)
    filled = np.where(mask, np.nan_to_num(np.asarray(labels, dtype=np.float64)), 0.0)
    zero = np.zeros((1, mask.shape[1]))
    if np.ndim(costs) == 2:
        order, sorted_costs = _query_cost_order(costs)
        total = np.vstack([zero, np.cumsum(np.take_along_axis(filled, order, axis=0), axis=0)])
        count = np.vstack([zero, np.cumsum(np.take_along_axis(mask, order, axis=0), axis=0)])
        n_aff = _n_affordable_per_query(sorted_costs, budgets)
        total, count = np.take_along_axis(total, n_aff, axis=0), np.take_along_axis(count, n_aff, axis=0)
    else:
        order, sorted_costs = _cost_order(costs)
        total = np.vstack([zero, np.cumsum(filled[order], axis=0)])
        count = np.vstack([zero, np.cumsum(mask[order], axis=0)])
        n_aff = _n_affordable(sorted_costs, budgets)
        total, count = total[n_aff], count[n_aff]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def budget_grid(costs: np.ndarray, spec: Any, key: str = "evaluation.budgets") -> np.ndarray:
    """Sorted float64 budgets from a config spec.

    ``"model_costs"``: the distinct model costs; ``{"n": N}``: N log-spaced budgets from the
    cheapest to the most expensive model; a list: those budgets (sorted, distinct). A grid at
    which no model is affordable is a ConfigError naming ``key``.
    """
    costs = np.asarray(costs, dtype=np.float64)
    if costs.size == 0 or np.isnan(costs).any() or (costs <= 0).any():
        raise InputError(f"{key}: model costs must be positive numbers; got {costs.tolist()[:5]}")
    if isinstance(spec, str):
        if spec != "model_costs":
            raise ConfigError(f"config key {key}: expected 'model_costs', {{n: N}} or a list; got '{spec}'")
        return np.unique(costs)
    if isinstance(spec, dict):
        n = spec.get("n")
        if set(spec) != {"n"} or not isinstance(n, int) or n < 2:
            raise ConfigError(f"config key {key}: expected {{n: N}} with an integer N >= 2; got {spec}")
        grid = np.geomspace(costs.min(), costs.max(), n)
        grid[0], grid[-1] = costs.min(), costs.max()  # exact ends: the cheapest model is affordable
        return np.unique(grid)
    if isinstance(spec, (list, tuple)) and spec:
        grid = np.unique(np.asarray(spec, dtype=np.float64))
        if (grid <= 0).any():
            raise ConfigError(f"config key {key}: budgets must be > 0; got {list(spec)}")
        if grid.max() < costs.min():
            raise ConfigError(
                f"config key {key}: a budget grid that admits no model (largest budget {grid.max():g} "
                f"< cheapest model cost {costs.min():g})"
            )
        return grid
    raise ConfigError(f"config key {key}: expected 'model_costs', {{n: N}} or a non-empty list; got {spec!r}")


def scores_table(scores: np.ndarray, models: Sequence[str], query_ids: Sequence[str]) -> pd.DataFrame:
    """Long scores table: query_id, model, score (float32), query-major, every (query, model)."""
    n_models, n_queries = scores.shape
    return pd.DataFrame(
        {
            "query_id": pd.array(np.repeat(np.asarray(query_ids, dtype=object), n_models), dtype="string"),
            "model": pd.array(np.tile(np.asarray(models, dtype=object), n_queries), dtype="string"),
            "score": np.ascontiguousarray(scores.T).ravel().astype(np.float32),
        }
    )


def scores_matrix(
    table: pd.DataFrame, models: Sequence[str], query_ids: Sequence[str], where: str = "scores"
) -> np.ndarray:
    """(n_models, n_queries) float32 from a long scores table; every pair must be present."""
    missing_cols = [c for c in ("query_id", "model", "score") if c not in table.columns]
    if missing_cols:
        raise InputError(f"{where}: missing required column(s) {missing_cols}; found {list(table.columns)}")
    rows = pd.Index(list(models), dtype=object).get_indexer(table["model"].astype(object))
    cols = pd.Index(list(query_ids), dtype=object).get_indexer(table["query_id"].astype(object))
    keep = (rows >= 0) & (cols >= 0)
    out = np.full((len(models), len(query_ids)), np.nan, dtype=np.float32)
    seen = np.zeros(out.shape, dtype=bool)
    out[rows[keep], cols[keep]] = table["score"].to_numpy(dtype=np.float32)[keep]
    seen[rows[keep], cols[keep]] = True
    if not seen.all():
        raise InputError(
            f"{where}: {int((~seen).sum())} (model, query) pair(s) of the split's test set have no score"
        )
    return out


def picks_table(
    picks: np.ndarray,
    budgets: np.ndarray,
    query_ids: Sequence[str],
    models: Sequence[str],
    costs: np.ndarray,
    labels: np.ndarray,
) -> pd.DataFrame:
    """Long picks table: budget, query_id, model, quality (true label), cost of the pick.

    ``costs`` (M,) or (M, Q): with per-query costs a pick's cost is its model's cost for that query.
    Rows are budget-major, queries in the given order. A (budget, query) with no eligible
    model is kept with model <NA>, quality NaN and cost NaN (never read as quality 0).
    """
    n_b, n_q = picks.shape
    flat = picks.ravel()
    has = flat >= 0
    safe = np.where(has, flat, 0)
    q_index = np.tile(np.arange(n_q), n_b)
    model_names = np.asarray(models, dtype=object)[safe]
    quality = np.asarray(labels, dtype=np.float32)[safe, q_index]
    costs = np.asarray(costs, dtype=np.float64)
    cost = costs[safe, q_index] if costs.ndim == 2 else costs[safe]
    return pd.DataFrame(
        {
            "budget": np.repeat(np.asarray(budgets, dtype=np.float64), n_q),
            "query_id": pd.array(np.tile(np.asarray(query_ids, dtype=object), n_b), dtype="string"),
            "model": pd.array(np.where(has, model_names, None), dtype="string"),
            "quality": np.where(has, quality, np.float32(np.nan)).astype(np.float32),
            "cost": np.where(has, cost, np.nan),
        }
    )


def route(
    scores: pd.DataFrame,
    bench: Benchmark,
    cost: str,
    budgets_spec: Any,
    budgets_key: str = "evaluation.budgets",
) -> pd.DataFrame:
    """Picks of one router on a split's test queries for every budget of the grid.

    ``scores`` is the long table of :func:`scores_table`; ``cost`` a cost type of
    ``store.COST_COLUMNS``; budgets come from :func:`budget_grid` over the pool's per-model costs
    (``bench.costs``: the models-table constants, the mean per-query cost where costs vary per
    query). When the benchmark has per-query costs of this type (``bench.has_query_costs``), a
    model is eligible for a query when its cost *for that query* is within the budget, and each
    pick's ``cost`` is that query's cost (docs/metrics.md, "Per-query costs").
    """
    test = bench.queries["split"].to_numpy() == "test"
    matrix = bench.matrix
    values, mask = matrix.values[:, test], matrix.mask[:, test]
    query_ids = matrix.query_ids[test]
    score = scores_matrix(scores, matrix.models, query_ids, where=f"{bench.name} scores")
    costs = bench.costs(cost)
    budgets = budget_grid(costs, budgets_spec, budgets_key)
    if bench.has_query_costs(cost):
        costs = bench.cost_matrix(cost)[:, test]
        over = costs[mask] > budgets.max()
        log.info(
            "%s: per-query '%s' costs; at the largest budget %g, %d of %d labelled (model, test query) pairs "
            "cost more and are not eligible",
            bench.name, cost, budgets.max(), int(over.sum()), over.size,
        )
    picks = pick(score, costs, budgets, mask)
    none = int((picks < 0).sum())
    if none:
        log.warning(
            "%s: %d of %d (budget, query) pairs have no eligible model (kept with model <NA>, quality NaN)",
            bench.name, none, picks.size,
        )
    return picks_table(picks, budgets, query_ids, matrix.models, costs, values)
