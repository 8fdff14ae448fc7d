"""Compare stage: routers trained on two splits, scored on the same test queries, with one set of paired
resamples for both."""

import numpy as np
import pytest
from test_bootstrap import picks_from, simulate

from routerbench_plus import bootstrap, compare, deferral
from routerbench_plus.errors import InputError


def split_picks(quality_mqb, budgets, methods=("knn", "heuristic")):
    return {m: picks_from(quality_mqb[i], budgets) for i, m in enumerate(methods)}


def test_compare_splits_pairs_every_query_across_splits_and_methods():
    rng = np.random.default_rng(7)
    q = 400
    base_q = (rng.random((2, q, 2)) < 0.5).astype(np.float64)  # budgets 1, 2 (pool costs 1..2)
    other_q = (rng.random((2, q, 3)) < np.array([0.5, 0.5, 0.7])).astype(np.float64)  # budgets 1, 2, 4 (pool 1..4)
    other_q[1] = np.concatenate([base_q[1], base_q[1][:, -1:]], axis=1)  # heuristic: the same picks, one more budget
    base = split_picks(base_q, np.array([1.0, 2.0]))
    other = split_picks(other_q, np.array([1.0, 2.0, 4.0]))
    tags = {"benchmark": "demo", "split_base": "standard", "split": "pruned", "cost_type": "params"}
    table = compare.compare_splits(
        base, other, (1.0, 2.0), (1.0, 4.0), ("standard", "pruned"), n_resamples=600, seed=4, tags=tags
    ).set_index("method")
    assert list(table.index) == ["knn", "heuristic"]
    # each side with its own pool: base area over x = 0.5, 1; the other split's over x = 0.25, 0.5, 1
    assert table["area_base"].to_numpy() == pytest.approx(base_q.mean(axis=1) @ np.array([0.25, 0.25]))
    assert table["area"].to_numpy() == pytest.approx(other_q.mean(axis=1) @ np.array([0.125, 0.375, 0.25]))
    assert table["curve_mean_delta"].to_numpy() == pytest.approx(other_q.mean(axis=(1, 2)) - base_q.mean(axis=(1, 2)))
    # the base side uses the same resamples as the split's own areas table
    areas = deferral.evaluate_curves(base, 2.0, n_resamples=600, seed=4, min_budget=1.0)[0].set_index("method")
    for m in ("area", "area_span", "area_log", "peak", "curve_mean"):
        assert table[f"{m}_base_lo"].to_numpy() == pytest.approx(areas[f"{m}_lo"].to_numpy(), rel=1e-12)
    # paired: the delta's resamples are the resampled means of the per-query deltas
    counts = np.concatenate(list(bootstrap.iter_resample_counts(q, 600, seed=4)))
    per_query = other_q[0].mean(axis=1) - base_q[0].mean(axis=1)
    lo, hi = np.quantile(counts @ per_query.astype(np.float64) / q, [0.025, 0.975])
    assert table.loc["knn", ["curve_mean_delta_lo", "curve_mean_delta_hi"]].tolist() == pytest.approx([lo, hi])
    # the heuristic's peak is the same query by query in both splits: a zero-width delta, not significant
    assert table.loc["heuristic", ["peak_delta", "peak_delta_lo", "peak_delta_hi"]].tolist() == [0.0, 0.0, 0.0]
    assert not table.loc["heuristic", "peak_significant"]
    # the knn trained on the other split is better at the largest budget (0.7 vs 0.5): significant peak gain
    assert table.loc["knn", "peak_delta_lo"] > 0 and table.loc["knn", "peak_significant"]
    assert table["split_base"].eq("standard").all() and table["split"].eq("pruned").all()


def test_compare_splits_needs_the_same_test_queries_and_methods():
    quality, _ = simulate(30, seed=1)
    budgets = np.array([1.0, 2.0, 4.0])
    base = split_picks(quality, budgets)
    fewer = {m: p[p["query_id"] != "q0000"] for m, p in base.items()}
    with pytest.raises(InputError, match="split standard and split decontaminated .*1 only in standard"):
        compare.compare_splits(base, fewer, (1.0, 4.0), (1.0, 4.0), ("standard", "decontaminated"), n_resamples=100)
    with pytest.raises(InputError, match="methods differ between split standard"):
        compare.compare_splits(base, {"knn": base["knn"]}, (1.0, 4.0), (1.0, 4.0), n_resamples=100)
