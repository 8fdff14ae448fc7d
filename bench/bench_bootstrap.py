"""Benchmark: vectorised paired bootstrap vs a Python loop over resamples.

Workload: 7 methods x 50 budgets x 10,000 test queries, 10,000 resamples (the study's default),
binary labels drawn independently per (method, query, budget) so that no two columns are equal
(the worst case for the column de-duplication in bootstrap_means).

Baseline: a loop over resamples, each drawing Q indices, gathering the (Q, M*B) rows and taking
their mean (numpy inside the loop, the natural way to write it). It is timed on a subset of
resamples and extrapolated linearly to the full count (the loop's cost per resample is constant).

Run: python bench/bench_bootstrap.py [--resamples 10000] [--baseline-resamples 500]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from routerbench_plus import bootstrap, curves


def workload(n_methods: int, n_budgets: int, n_queries: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    budgets = np.geomspace(0.5, 70.0, n_budgets)
    p = np.linspace(0.3, 0.7, n_budgets)[None, None, :] + np.linspace(0, 0.05, n_methods)[:, None, None]
    quality = (rng.random((n_methods, n_queries, n_budgets)) < p).astype(np.float32)
    weights = curves.trapezoid_weights(curves.normalise_budgets(budgets, 70.0))
    return quality, weights


def baseline(quality: np.ndarray, weights: np.ndarray, n_resamples: int, seed: int):
    """Python loop over resamples (one gather + mean per resample)."""
    n_methods, n_queries, n_budgets = quality.shape
    values = quality.transpose(1, 0, 2).reshape(n_queries, -1)
    rng = np.random.default_rng(seed)
    areas = np.empty((n_resamples, n_methods))
    peaks = np.empty((n_resamples, n_methods))
    for r in range(n_resamples):
        idx = rng.integers(0, n_queries, n_queries)
        curve = values[idx].mean(axis=0).reshape(n_methods, n_budgets)
        areas[r] = curve @ weights
        peaks[r] = curve.max(axis=1)
    return areas, peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", type=int, default=7)
    parser.add_argument("--budgets", type=int, default=50)
    parser.add_argument("--queries", type=int, default=10_000)
    parser.add_argument("--resamples", type=int, default=10_000)
    parser.add_argument("--baseline-resamples", type=int, default=500)
    args = parser.parse_args()

    quality, weights = workload(args.methods, args.budgets, args.queries)
    names = [f"m{i}" for i in range(args.methods)]
    print(
        f"workload: {args.methods} methods x {args.budgets} budgets x {args.queries} queries, "
        f"{args.resamples} resamples (chunk {bootstrap.chunk_size(args.queries)})"
    )

    start = time.perf_counter()
    result = bootstrap.bootstrap_curves(quality, weights, names, args.resamples, seed=0)
    table = bootstrap.interval_table(result)
    pairs = bootstrap.pairwise_table(result)
    vectorised = time.perf_counter() - start
    print(f"vectorised: {vectorised:.2f} s (areas + peaks + intervals + {len(pairs)} pairwise differences)")

    n_base = min(args.baseline_resamples, args.resamples)
    start = time.perf_counter()
    b_areas, _ = baseline(quality, weights, n_base, seed=0)
    elapsed = time.perf_counter() - start
    loop = elapsed * args.resamples / n_base
    how = "measured" if n_base == args.resamples else f"measured on {n_base} resamples ({elapsed:.2f} s), extrapolated"
    print(f"python loop baseline: {loop:.2f} s ({how})")
    print(f"speed-up: {loop / vectorised:.1f}x")

    # sanity: both estimate the same sampling distribution (different random streams)
    se_vec = result.area_samples.std(axis=0)
    se_loop = b_areas.std(axis=0)
    print(f"area s.e. vectorised {se_vec.mean():.5f} vs loop {se_loop.mean():.5f}; "
          f"area of m0 {table['area'][0]:.4f} [{table['area_lo'][0]:.4f}, {table['area_hi'][0]:.4f}]")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
