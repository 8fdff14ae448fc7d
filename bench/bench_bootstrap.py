"""Benchmark: vectorised paired bootstrap vs a Python loop over resamples.

Workload: 7 methods x 50 budgets x 10,000 test queries, 10,000 resamples (the study's default),
binary labels drawn independently per (method, query, budget) so that no two columns are equal
(the worst case for the column de-duplication in bootstrap_means).

Ours runs with ``--threads`` (default 2, what the ``bootstrap`` rule declares); the result does
not depend on it. Baseline: a loop over resamples, each drawing Q indices, gathering the (Q, M*B) rows and taking
their mean (numpy inside the loop, the natural way to write it). It is timed on blocks of
``--baseline-resamples`` resamples (the fastest of ``--baseline-repeat`` blocks) and extrapolated
linearly to the full count (the loop's cost per resample is constant). Ours is the fastest of
``--repeat`` full runs; torch (for the exact int8 product) is imported before timing, and its
one-off import time is printed separately.

Run: python bench/bench_bootstrap.py [--resamples 10000] [--baseline-resamples 300] [--json out.json]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from routerbench_plus import bootstrap, curves

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import append_rows, load_average, peak_rss_mb, row


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
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="threads of ours (the rule's threads: 2)")
    parser.add_argument("--baseline-resamples", type=int, default=300)
    parser.add_argument("--baseline-repeat", type=int, default=3)
    parser.add_argument("--json", help="append result rows to this JSON file")
    args = parser.parse_args()

    quality, weights = workload(args.methods, args.budgets, args.queries)
    names = [f"m{i}" for i in range(args.methods)]
    print(
        f"workload: {args.methods} methods x {args.budgets} budgets x {args.queries} queries, "
        f"{args.resamples} resamples (chunk {bootstrap.chunk_size(args.queries)}), load {load_average()}"
    )
    start = time.perf_counter()
    import torch  # noqa: F401  (the int8 product; a rule pays this once per process)

    print(f"torch import (one-off, not in the times below): {time.perf_counter() - start:.2f} s")
    bootstrap.bootstrap_curves(quality[:, :200], weights, names, 50, seed=0)  # warm-up

    runs = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = bootstrap.bootstrap_curves(quality, weights, names, args.resamples, seed=0, threads=args.threads)
        table = bootstrap.interval_table(result)
        pairs = bootstrap.pairwise_table(result)
        runs.append(time.perf_counter() - start)
    vectorised = min(runs)
    rss = peak_rss_mb()
    print(f"vectorised: {vectorised:.2f} s (fastest of {', '.join(f'{t:.2f}' for t in runs)}; areas + peaks + "
          f"intervals + {len(pairs)} pairwise differences), peak RSS {rss:.0f} MB")

    n_base = min(args.baseline_resamples, args.resamples)
    blocks = []
    for k in range(args.baseline_repeat):
        start = time.perf_counter()
        b_areas, _ = baseline(quality, weights, n_base, seed=k)
        blocks.append(time.perf_counter() - start)
    loop = min(blocks) * args.resamples / n_base
    print(f"python loop baseline: {loop:.2f} s (fastest of {len(blocks)} blocks of {n_base} resamples: "
          f"{', '.join(f'{t:.2f}' for t in blocks)} s, extrapolated to {args.resamples})")
    print(f"speed-up: {loop / vectorised:.1f}x")

    # sanity: both estimate the same sampling distribution (different random streams)
    se_vec = result.area_samples.std(axis=0)
    se_loop = b_areas.std(axis=0)
    print(f"area s.e. vectorised {se_vec.mean():.5f} vs loop {se_loop.mean():.5f}; "
          f"area of m0 {table['area'][0]:.4f} [{table['area_lo'][0]:.4f}, {table['area_hi'][0]:.4f}]; load {load_average()}")
    append_rows(args.json, [row(
        f"paired bootstrap, {args.resamples} resamples, {args.methods} x {args.budgets} x {args.queries}",
        vectorised, "Python loop over resamples (gather + mean)", loop, "<= 30 s, >= 50x",
        vectorised <= 30 and loop / vectorised >= 50, rss, None,
        f"baseline extrapolated from {n_base} resamples; + one-off torch import; results identical to the "
        f"previous float implementation (tests/test_bootstrap.py)",
    )])


if __name__ == "__main__":
    main()
