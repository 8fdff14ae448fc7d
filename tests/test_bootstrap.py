"""Paired bootstrap: exact tiny case, convergence, coverage, shrinkage, significance."""

import itertools

import numpy as np
import pandas as pd
import pytest

from routerbench_plus import bootstrap, curves
from routerbench_plus.errors import InputError

# 3 queries, 2 methods, budgets x = 0.5 and 1 (max cost 2): area weights w = [0.25, 0.25].
# quality[method, query, budget]
TINY = np.array(
    [
        [[1, 1], [0, 0], [0, 1]],  # method a: per-query area 0.5, 0, 0.25 -> area 0.25
        [[0, 0], [0, 0], [0, 1]],  # method b: per-query area 0, 0, 0.25   -> area 1/12
    ],
    dtype=np.float32,
)
TINY_WEIGHTS = curves.trapezoid_weights(curves.normalise_budgets(np.array([1.0, 2.0]), 2.0))


def all_resample_counts(n):
    """The n**n equally likely resamples of n queries as count vectors."""
    draws = np.array(list(itertools.product(range(n), repeat=n)))
    return np.stack([np.bincount(d, minlength=n) for d in draws])


def test_tiny_case_exact_enumeration_matches_hand_computation():
    assert TINY_WEIGHTS.tolist() == [0.25, 0.25]
    counts = all_resample_counts(3)
    assert counts.shape == (27, 3)
    res = bootstrap.bootstrap_curves(TINY, TINY_WEIGHTS, ["a", "b"], counts=counts, confidence=0.95)
    assert res.area.tolist() == pytest.approx([0.25, 1 / 12])
    assert res.peak.tolist() == pytest.approx([2 / 3, 1 / 3])
    # each resample: area a = (0.5 c1 + 0.25 c3) / 3, area b = 0.25 c3 / 3, peak a = (c1 + c3) / 3
    c1, c3 = counts[:, 0], counts[:, 2]
    assert res.area_samples[:, 0] == pytest.approx((0.5 * c1 + 0.25 * c3) / 3)
    assert res.area_samples[:, 1] == pytest.approx(0.25 * c3 / 3)
    assert res.peak_samples[:, 0] == pytest.approx((c1 + c3) / 3)
    # the ideal bootstrap is unbiased for a mean: the average over all 27 resamples is the estimate
    assert res.area_samples.mean(axis=0) == pytest.approx(res.area)
    # difference a - b = 0.5 * c1 / 3 with c1 ~ Binomial(3, 1/3): values 0, 1/6, 1/3, 1/2 (8, 12, 6, 1 times)
    pair = bootstrap.pairwise_table(res).set_index(["method_a", "method_b"])
    diff = np.sort(res.area_samples[:, 0] - res.area_samples[:, 1])
    assert np.bincount(np.round(diff * 6).astype(int)).tolist() == [8, 12, 6, 1]
    # 2.5 % quantile: position 0.65 -> 0; 97.5 %: position 25.35 -> 1/3 + 0.35 * (1/2 - 1/3)
    row = pair.loc[("a", "b")]
    assert row["area_diff"] == pytest.approx(0.25 - 1 / 12)
    assert row["area_diff_lo"] == pytest.approx(0.0)
    assert row["area_diff_hi"] == pytest.approx(1 / 3 + 0.35 / 6)
    assert not row["area_significant"]  # the interval touches 0
    assert pair.loc[("b", "a"), "area_diff_hi"] == pytest.approx(0.0)


def test_random_resamples_converge_to_the_exact_distribution():
    counts = np.concatenate(list(bootstrap.iter_resample_counts(3, 40_000, seed=1)))
    assert counts.shape == (40_000, 3) and (counts.sum(axis=1) == 3).all()
    freq = np.bincount(counts[:, 0], minlength=4) / len(counts)
    assert freq == pytest.approx(np.array([8, 12, 6, 1]) / 27, abs=0.01)
    res = bootstrap.bootstrap_curves(TINY, TINY_WEIGHTS, ["a", "b"], n_resamples=40_000, seed=1)
    assert res.area_samples.mean(axis=0) == pytest.approx(res.area, abs=0.005)


def test_same_seed_same_result_and_chunks_cover_all_resamples():
    rng = np.random.default_rng(0)
    values = (rng.random((3000, 4)) < 0.5).astype(np.float32)
    a = bootstrap.bootstrap_means(values, n_resamples=1500, seed=3)
    b = bootstrap.bootstrap_means(values, n_resamples=1500, seed=3)
    c = bootstrap.bootstrap_means(values, n_resamples=1500, seed=4)
    assert bootstrap.chunk_size(3000) < 1500  # several chunks
    assert a.shape == (1500, 4) and np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.mean(axis=0) == pytest.approx(values.mean(axis=0), abs=0.005)


def test_explicit_counts_match_a_direct_computation_for_soft_labels():
    rng = np.random.default_rng(1)
    values = rng.random((50, 6))  # soft labels: float64 path
    values[:, 5] = values[:, 1]  # an identical column is computed once, reported twice
    counts = np.concatenate(list(bootstrap.iter_resample_counts(50, 30, seed=0)))
    got = bootstrap.bootstrap_means(values, counts=counts)
    want = np.stack([(c[:, None] * values).sum(axis=0) / 50 for c in counts])
    assert got == pytest.approx(want, rel=1e-12)


def test_counts_are_the_seeded_draws_counted_row_by_row():
    n, q, seed = 45, 37, 8  # 45 rows: blocks of COUNT_BLOCK plus a ragged last block
    idx = np.random.default_rng(seed).integers(0, q, size=(n, q), dtype=np.int64)
    want = np.stack([np.bincount(row, minlength=q) for row in idx])
    counts, largest = bootstrap.count_draws(idx.astype(np.int32), q, np.int8)
    assert np.array_equal(counts, want) and largest == want.max()


def test_each_chunk_draws_from_its_own_spawned_generator():
    q, seed = 5000, 8
    step = bootstrap.chunk_size(q)
    n = 2 * step + 3  # two full chunks and a ragged one
    children = np.random.SeedSequence(seed).spawn(3)
    want = np.concatenate([
        np.stack([np.bincount(row, minlength=q) for row in np.random.default_rng(child).integers(0, q, size=(size, q))])
        for child, size in zip(children, (step, step, 3))
    ])
    assert np.array_equal(np.concatenate(list(bootstrap.iter_resample_counts(q, n, seed))), want)
    # a prefix of the resamples does not depend on how many are drawn after it
    assert np.array_equal(np.concatenate(list(bootstrap.iter_resample_counts(q, step + 1, seed))), want[: step + 1])


@pytest.mark.parametrize("integer_path", [True, False])
def test_result_does_not_depend_on_threads(monkeypatch, integer_path):
    monkeypatch.setattr(bootstrap, "INT8_MIN_WORK", 0)
    rng = np.random.default_rng(4)
    values = (rng.random((700, 6)) < 0.5).astype(np.float32) if integer_path else rng.random((700, 6))
    n = 3 * bootstrap.chunk_size(700) + 11
    one = bootstrap.bootstrap_means(values, n_resamples=n, seed=2, threads=1)
    assert np.array_equal(bootstrap.bootstrap_means(values, n_resamples=n, seed=2, threads=3), one)
    counts = np.concatenate(list(bootstrap.iter_resample_counts(700, n, seed=2)))
    assert one == pytest.approx(counts @ values.astype(np.float64) / 700, rel=1e-12)


def test_fast_integer_path_equals_counts_times_values_exactly(monkeypatch):
    monkeypatch.setattr(bootstrap, "INT8_MIN_WORK", 0)  # take the int8 product even for this small case
    rng = np.random.default_rng(2)
    values = (rng.random((900, 5)) < 0.5).astype(np.float32)
    values[:, 4] = -values[:, 3]  # negative integers take the int8 path too
    n = 2 * bootstrap.chunk_size(900) + 7  # several chunks, a ragged last one
    got = bootstrap.bootstrap_means(values, n_resamples=n, seed=11)
    counts = np.concatenate(list(bootstrap.iter_resample_counts(900, n, seed=11)))
    want = counts.astype(np.float64) @ values.astype(np.float64) / 900  # integer sums: exact
    assert np.array_equal(got, want)
    # integers beyond int8 take the float product: the same exact sums
    big = values * 300
    counts50 = np.concatenate(list(bootstrap.iter_resample_counts(900, 50, seed=1)))
    assert np.array_equal(bootstrap.bootstrap_means(big, n_resamples=50, seed=1), counts50 @ big.astype(np.float64) / 900)


def test_count_overflow_falls_back_to_the_float_product(monkeypatch):
    values = (np.random.default_rng(3).random((400, 3)) < 0.5).astype(np.float32)
    want = bootstrap.bootstrap_means(values, n_resamples=300, seed=5)
    monkeypatch.setattr(bootstrap, "INT8_MIN_WORK", 0)
    monkeypatch.setattr(bootstrap, "INT8_MAX", 1)  # every chunk now "overflows" int8 counts
    assert np.array_equal(bootstrap.bootstrap_means(values, n_resamples=300, seed=5), want)


def simulate(n_queries, seed, p=(0.70, 0.60, 0.60)):
    rng = np.random.default_rng(seed)
    budgets = np.array([1.0, 2.0, 4.0])
    x_weights = curves.trapezoid_weights(curves.normalise_budgets(budgets, 4.0))
    quality = (rng.random((len(p), n_queries, 3)) < np.array(p)[:, None, None]).astype(np.float32)
    return quality, x_weights


def test_intervals_cover_the_estimate_and_shrink_with_test_size():
    widths = {}
    for n in (200, 3200):
        quality, w = simulate(n, seed=n)
        res = bootstrap.bootstrap_curves(quality, w, ["a", "b", "c"], n_resamples=2000, seed=0)
        table = bootstrap.interval_table(res)
        assert (table["area_lo"] <= table["area"]).all() and (table["area"] <= table["area_hi"]).all()
        assert (table["peak_lo"] <= table["peak"]).all() and (table["peak"] <= table["peak_hi"]).all()
        widths[n] = (table["area_hi"] - table["area_lo"]).to_numpy()
    # standard error scales as 1/sqrt(n): 16x the queries -> about a quarter of the width
    ratio = widths[3200] / widths[200]
    assert (ratio < 0.4).all() and (ratio > 0.15).all()


def test_planted_difference_is_significant_and_identical_methods_are_not():
    quality, w = simulate(3000, seed=5, p=(0.75, 0.60, 0.60))
    quality[2] = quality[1]  # c is a copy of b
    res = bootstrap.bootstrap_curves(quality, w, ["a", "b", "c"], n_resamples=2000, seed=0)
    pair = bootstrap.pairwise_table(res).set_index(["method_a", "method_b"])
    assert len(pair) == 6
    assert pair.loc[("a", "b"), "area_significant"] and pair.loc[("a", "b"), "area_diff_lo"] > 0
    assert pair.loc[("b", "a"), "area_significant"] and pair.loc[("b", "a"), "area_diff_hi"] < 0
    assert not pair.loc[("b", "c"), "area_significant"]
    assert pair.loc[("b", "c"), ["area_diff_lo", "area_diff_hi"]].tolist() == [0.0, 0.0]


def picks_from(quality_qb, budgets, model="m"):
    q, b = quality_qb.shape
    return pd.DataFrame(
        {
            "budget": np.repeat(budgets, q),
            "query_id": np.tile([f"q{i:04d}" for i in range(q)], b),
            "model": model,
            "quality": quality_qb.T.ravel(),
            "cost": np.repeat(budgets, q),
        }
    )


def test_evaluate_curves_tables():
    quality, _ = simulate(300, seed=2)
    budgets = np.array([1.0, 2.0, 4.0])
    picks = {m: picks_from(quality[i], budgets) for i, m in enumerate(["knn", "heuristic", "random"])}
    tags = {"benchmark": "demo", "split": "standard", "cost_type": "params"}
    areas, pairwise, bands = bootstrap.evaluate_curves(picks, 4.0, n_resamples=500, seed=0, tags=tags)
    metrics = [f"{m}{s}" for m in ("area", "area_span", "area_log", "peak", "curve_mean") for s in ("", "_lo", "_hi")]
    assert list(areas.columns) == [
        "benchmark", "split", "cost_type", "method", *metrics, "aiq", "min_budget", "max_budget", "n_queries",
        "n_budgets", "n_resamples", "confidence", "seed",
    ]
    # min_budget defaults to the first budget: x = 0, 1/3, 1 on the span axis, 0, 1/2, 1 on log
    curve = quality.mean(axis=1).astype(np.float64)  # (methods, budgets)
    assert areas["area_span"].to_numpy() == pytest.approx(curve @ np.array([1 / 6, 1 / 2, 1 / 3]))
    assert areas["area_log"].to_numpy() == pytest.approx(curve @ np.array([1 / 4, 1 / 2, 1 / 4]))
    assert areas["curve_mean"].to_numpy() == pytest.approx(curve.mean(axis=1))
    for m in ("area", "area_span", "area_log", "peak", "curve_mean"):
        assert (areas[f"{m}_lo"] <= areas[m] + 1e-12).all() and (areas[m] <= areas[f"{m}_hi"] + 1e-12).all()
    assert {"area_span_diff_lo", "area_log_significant", "curve_mean_diff"} <= set(pairwise.columns)
    span = bootstrap.evaluate_curves(picks, 4.0, n_resamples=500, seed=0, min_budget=2.0)[0]
    assert span["area_span"].to_numpy() == pytest.approx(curve[:, 1:] @ np.array([0.5, 0.5]))  # budget 1 off the axis
    assert areas["n_queries"].eq(300).all() and areas["n_resamples"].eq(500).all()
    want = curves.area_and_peak(budgets, quality.mean(axis=1), 4.0)
    assert areas["area"].to_numpy() == pytest.approx(want[0])
    assert areas["aiq"].notna().all()
    assert len(pairwise) == 6 and pairwise["benchmark"].eq("demo").all()
    # per-budget bands: one row per method x budget, containing the full-sample curve
    assert len(bands) == 3 * len(budgets)
    full = bands.assign(quality=[quality[i].mean(axis=0)[j] for i in range(3) for j in range(len(budgets))])
    assert (full["quality_lo"] <= full["quality"] + 1e-12).all() and (full["quality"] <= full["quality_hi"] + 1e-12).all()
    assert (full["quality_hi"] > full["quality_lo"]).any()
    bad = dict(picks, random=picks_from(quality[2][:, :2], budgets[:2]))
    with pytest.raises(InputError, match="budgets"):
        bootstrap.evaluate_curves(bad, 4.0, n_resamples=100)


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
    table = bootstrap.compare_splits(
        base, other, (1.0, 2.0), (1.0, 4.0), ("standard", "pruned"), n_resamples=600, seed=4, tags=tags
    ).set_index("method")
    assert list(table.index) == ["knn", "heuristic"]
    # each side with its own pool: base area over x = 0.5, 1; the other split's over x = 0.25, 0.5, 1
    assert table["area_base"].to_numpy() == pytest.approx(base_q.mean(axis=1) @ np.array([0.25, 0.25]))
    assert table["area"].to_numpy() == pytest.approx(other_q.mean(axis=1) @ np.array([0.125, 0.375, 0.25]))
    assert table["curve_mean_delta"].to_numpy() == pytest.approx(other_q.mean(axis=(1, 2)) - base_q.mean(axis=(1, 2)))
    # the base side uses the same resamples as the split's own areas table
    areas = bootstrap.evaluate_curves(base, 2.0, n_resamples=600, seed=4, min_budget=1.0)[0].set_index("method")
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
        bootstrap.compare_splits(base, fewer, (1.0, 4.0), (1.0, 4.0), ("standard", "decontaminated"), n_resamples=100)
    with pytest.raises(InputError, match="methods differ between split standard"):
        bootstrap.compare_splits(base, {"knn": base["knn"]}, (1.0, 4.0), (1.0, 4.0), n_resamples=100)


def test_original_vs_reduced_in_points_with_delta_intervals():
    rng = np.random.default_rng(2)
    base_q = (rng.random((2, 200, 2)) < 0.5).astype(np.float32)
    other_q = base_q.copy()
    other_q[0, :, 1] = 1.0  # knn on the reduced data: always right at the largest budget
    compare = bootstrap.compare_splits(
        split_picks(base_q, np.array([1.0, 2.0])), split_picks(other_q, np.array([1.0, 2.0])), (1.0, 2.0), (1.0, 2.0),
        ("standard", "reduced"), n_resamples=300, tags={"benchmark": "demo", "split_base": "standard",
                                                        "split": "reduced", "cost_type": "params"},
    )
    table = bootstrap.original_vs_reduced(compare).set_index("method")
    knn = table.loc["knn"]
    assert knn["peak_reduced_pts"] == pytest.approx(100.0)
    assert knn["peak_original_pts"] == pytest.approx(100 * base_q[0].mean(axis=0).max())
    assert knn["avg_delta_pts"] == pytest.approx(100 * (other_q[0].mean() - base_q[0].mean()))
    assert knn["avg_delta_lo_pts"] > 0 and knn["avg_significant"]
    assert knn["area_delta"] == pytest.approx(0.25 * (1 - base_q[0, :, 1].mean()))
    assert table.loc["heuristic", ["avg_delta_pts", "avg_delta_lo_pts", "avg_delta_hi_pts"]].tolist() == [0, 0, 0]
    assert knn["split_original"] == "standard" and knn["split_reduced"] == "reduced"
    assert {"area_span_delta_lo", "area_log_significant", "peak_delta_hi_pts", "n_resamples"} <= set(table.columns)
