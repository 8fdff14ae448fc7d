"""Paired bootstrap: exact tiny case, convergence, coverage, shrinkage, significance."""

import itertools

import numpy as np
import pandas as pd
import pytest

from routerbench_plus import bootstrap, curves, hardware
from routerbench_plus.errors import ConfigError

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


# --------------------------------------------------------------------------- the product's kernel per CPU


def count_int_mm(monkeypatch):
    """Count calls of torch._int_mm (the exact int8 product) while still running it."""
    torch = pytest.importorskip("torch")
    calls = []
    real = torch._int_mm

    def counting(a, b):
        calls.append(a.shape)
        return real(a, b)

    monkeypatch.setattr(torch, "_int_mm", counting)
    return calls


@pytest.fixture
def fresh_probes():
    """The kernel probes run again in this test and after it (their per-process caches are cleared)."""
    hardware._int8_probe.cache_clear()
    yield
    hardware._int8_probe.cache_clear()


def fake_cpu(monkeypatch, *features):
    """Pretend the CPU has exactly ``features`` (use with ``fresh_probes``)."""
    info = hardware.CpuInfo("test CPU", 2, tuple(features), True)
    monkeypatch.setattr(hardware, "cpu_info", lambda: info)
    hardware._int8_probe.cache_clear()


@pytest.fixture
def binary_values():
    values = (np.random.default_rng(5).random((900, 6)) < 0.5).astype(np.float32)
    values[:, 5] = -values[:, 4]  # negative integers too
    return values


def test_every_product_kernel_gives_byte_identical_results(monkeypatch, binary_values):
    calls = count_int_mm(monkeypatch)
    n = 2 * bootstrap.chunk_size(900) + 7
    results = {p: bootstrap.bootstrap_means(binary_values, n_resamples=n, seed=4, threads=2, product=p)
               for p in ("int8", "float", "auto")}
    assert calls, "product='int8' must run torch._int_mm"
    assert np.array_equal(results["int8"], results["float"]) and np.array_equal(results["auto"], results["float"])
    counts = np.concatenate(list(bootstrap.iter_resample_counts(900, n, seed=4)))
    assert np.array_equal(results["float"], counts @ binary_values.astype(np.float64) / 900)
    with pytest.raises(ConfigError, match="product"):
        bootstrap.bootstrap_means(binary_values, n_resamples=5, product="int4")


def test_auto_product_avoids_int8_on_a_cpu_without_int8_instructions(monkeypatch, binary_values, fresh_probes):
    """An AVX2-only CPU (no VNNI/AMX): torch._int_mm has no fast kernel there, so auto never calls it."""
    monkeypatch.setattr(bootstrap, "INT8_MIN_WORK", 0)  # the work alone would ask for the int8 product
    calls = count_int_mm(monkeypatch)
    fake_cpu(monkeypatch, "avx", "avx2", "fma")
    assert hardware.int8_product_choice()[0] is False
    avx2 = bootstrap.bootstrap_means(binary_values, n_resamples=300, seed=1)
    assert calls == []
    fake_cpu(monkeypatch, "avx2", "avx512f", "avx512_vnni")
    monkeypatch.setattr(hardware, "_time_against_float32", lambda torch, fn: (1.0, 10.0))  # int8 probed 10x faster
    vnni = bootstrap.bootstrap_means(binary_values, n_resamples=300, seed=1)
    assert calls and np.array_equal(vnni, avx2)


def test_auto_product_follows_the_probe_when_the_cpu_has_int8_instructions(monkeypatch, binary_values, fresh_probes):
    monkeypatch.setattr(bootstrap, "INT8_MIN_WORK", 0)
    calls = count_int_mm(monkeypatch)
    fake_cpu(monkeypatch, "avx2", "avx512_vnni")
    monkeypatch.setattr(hardware, "_time_against_float32", lambda torch, fn: (0.9, 1.0))  # int8 barely faster
    assert hardware.int8_product_choice() == (False, "probe: int8 900.00 ms vs float32 1000.00 ms (one thread)")
    bootstrap.bootstrap_means(binary_values, n_resamples=300, seed=1)
    assert calls == []


@pytest.mark.filterwarnings("ignore:TF32 acceleration on top of oneDNN")
def test_auto_product_without_onednn_takes_float(monkeypatch, binary_values, fresh_probes):
    """Real kernels: with oneDNN off, torch._int_mm runs its plain loop (what an AVX2-only CPU gets)."""
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(bootstrap, "INT8_MIN_WORK", 0)
    calls = count_int_mm(monkeypatch)
    want = bootstrap.bootstrap_means(binary_values, n_resamples=300, seed=2, product="float")
    with torch.backends.mkldnn.flags(enabled=False):
        got = bootstrap.bootstrap_means(binary_values, n_resamples=300, seed=2)
    assert calls == [] and np.array_equal(got, want)
