"""Routers trained on two splits and scored on the same test queries: each curve metric on both
splits and the change, with intervals from one set of paired bootstrap resamples."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .bootstrap import bootstrap_means, linear_weights, percentile_interval, quality_cube
from .curves import CURVE_METRICS, tag_columns
from .errors import InputError


def _same_test_queries(ids_a: pd.Index, ids_b: pd.Index, split_a: str, split_b: str) -> None:
    """InputError naming both splits unless they hold the same test queries."""
    if ids_a.equals(ids_b):
        return
    only_a, only_b = ids_a.difference(ids_b), ids_b.difference(ids_a)
    raise InputError(
        f"split {split_a} and split {split_b} are scored on different test queries ({len(only_a)} only in "
        f"{split_a}, e.g. {list(only_a[:3])}; {len(only_b)} only in {split_b}, e.g. {list(only_b[:3])}): a paired "
        "comparison needs the same test queries"
    )


def compare_splits(
    base: Mapping[str, pd.DataFrame],
    other: Mapping[str, pd.DataFrame],
    base_costs: tuple[float, float],
    other_costs: tuple[float, float],
    splits: tuple[str, str] = ("standard", "reduced"),
    base_test_ids: Sequence[str] | None = None,
    other_test_ids: Sequence[str] | None = None,
    n_resamples: int = 10_000,
    seed: int = 0,
    confidence: float = 0.95,
    tags: Mapping[str, str] | None = None,
    threads: int = 1,
) -> pd.DataFrame:
    """Routers trained on two splits, scored on the same test queries: each metric on both
    splits and the change (other - base), with intervals from one set of paired resamples.

    ``base``/``other`` are {method: picks} of the two splits (the same methods);
    ``base_costs``/``other_costs`` each split's (cheapest, largest) model cost (the area axes; the
    pools may differ, e.g. a pruned pool). Every query is resampled jointly in both splits and for
    every method. Per method, for m in ``CURVE_METRICS`` (area, area_span, area_log, curve_mean,
    peak): m_base(_lo/_hi), m(_lo/_hi) (the other split), m_delta(_lo/_hi) and m_significant
    (the delta's interval excludes 0). Raises InputError naming both splits when their test
    queries (or methods) differ.
    """
    split_a, split_b = splits
    if set(base) != set(other):
        raise InputError(f"methods differ between split {split_a} ({sorted(base)}) and split {split_b} ({sorted(other)})")
    if base_test_ids is not None and other_test_ids is not None:
        _same_test_queries(
            pd.Index(sorted(set(map(str, base_test_ids)))), pd.Index(sorted(set(map(str, other_test_ids)))), split_a, split_b
        )
    cube_a, ids_a, budgets_a, checked = quality_cube(base, base_test_ids)
    cube_b, ids_b, budgets_b, _ = quality_cube({m: other[m] for m in checked}, other_test_ids)
    _same_test_queries(ids_a, ids_b, split_a, split_b)
    methods = list(checked)
    n_methods, n_queries = len(methods), len(ids_a)
    w_a = np.stack(list(linear_weights(budgets_a, *base_costs).values()), axis=1)  # (B_a, 4)
    w_b = np.stack(list(linear_weights(budgets_b, *other_costs).values()), axis=1)
    n_a, n_b = len(budgets_a), len(budgets_b)
    values = np.concatenate(
        [cube_a.transpose(1, 0, 2).reshape(n_queries, -1), cube_b.transpose(1, 0, 2).reshape(n_queries, -1)], axis=1
    )
    n_metrics = len(CURVE_METRICS)

    def statistic(means: np.ndarray) -> np.ndarray:
        out = []
        for part, weights, n in ((means[:, : n_methods * n_a], w_a, n_a), (means[:, n_methods * n_a :], w_b, n_b)):
            cube = part.reshape(len(means), n_methods, n)
            out.append(np.concatenate([cube @ weights, cube.max(axis=2, keepdims=True)], axis=2))  # (r, M, 5)
        return np.concatenate(out, axis=2).reshape(len(means), -1)

    full = statistic(values.astype(np.float64).mean(axis=0, keepdims=True))[0].reshape(n_methods, 2, n_metrics)
    samples = bootstrap_means(values, statistic, n_resamples, seed, threads=threads)
    samples = samples.reshape(len(samples), n_methods, 2, n_metrics)
    table = pd.DataFrame({"method": pd.Series(methods, dtype="string")})
    for k, metric in enumerate(CURVE_METRICS):
        pieces = {
            f"{metric}_base": (full[:, 0, k], samples[:, :, 0, k]),
            metric: (full[:, 1, k], samples[:, :, 1, k]),
            f"{metric}_delta": (full[:, 1, k] - full[:, 0, k], samples[:, :, 1, k] - samples[:, :, 0, k]),
        }
        for name, (value, resampled) in pieces.items():
            lo, hi = percentile_interval(resampled, confidence)
            table[name], table[f"{name}_lo"], table[f"{name}_hi"] = value, lo, hi
        table[f"{metric}_significant"] = (table[f"{metric}_delta_lo"] > 0) | (table[f"{metric}_delta_hi"] < 0)
    table["max_budget_base"] = float(base_costs[1])
    table["max_budget"] = float(other_costs[1])
    table["n_queries"] = np.int64(n_queries)
    table["n_resamples"] = np.int64(len(samples))
    table["confidence"] = confidence
    table["seed"] = np.int64(seed)
    return tag_columns(table, tags)
