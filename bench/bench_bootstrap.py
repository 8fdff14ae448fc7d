"""Benchmark: vectorised paired bootstrap vs a Python loop over resamples.

Workload: 7 methods x 50 budgets x 10,000 test queries, 10,000 resamples (the study's default),
binary labels drawn independently per (method, query, budget) so that no two columns are equal
(the worst case for the column de-duplication in bootstrap_means).

Ours runs with ``--threads`` (default 2, what the ``bootstrap`` rule declares); the result does
not depend on it. Ours takes the product kernel ``auto`` picks on this machine (float32 BLAS, or the
exact int8 product where ``routerbench_plus.hardware`` finds it fast); the other kernel is timed
too, on the same workload (``--repeat`` runs each), and must give byte-identical resamples.
``--no-onednn`` turns oneDNN off, so that ``torch._int_mm`` runs its plain loop, as on a CPU
without VNNI/AMX (the issue's AVX2-only EPYC): auto then takes float32. Baseline: a loop over resamples, each drawing Q indices, gathering the (Q, M*B) rows and taking
their mean (numpy inside the loop, the natural way to write it). It is timed on blocks of
``--baseline-resamples`` resamples (the fastest of ``--baseline-repeat`` blocks) and extrapolated
linearly to the full count (the loop's cost per resample is constant). Ours is the fastest of
``--repeat`` full runs; torch (for the exact int8 product) is imported before timing, and its
one-off import time is printed separately.

Run: python bench/bench_bootstrap.py [--resamples 10000] [--baseline-resamples 300] [--no-onednn] [--json out.json]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from routerbench_plus import bootstrap, curves, hardware

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import append_rows, cpu_summary, load_average, peak_rss_mb, row


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
    parser.add_argument("--no-onednn", action="store_true",
                        help="oneDNN off: torch._int_mm runs its plain loop, as on CPUs without VNNI/AMX")
    parser.add_argument("--json", help="append result rows to this JSON file")
    args = parser.parse_args()

    quality, weights = workload(args.methods, args.budgets, args.queries)
    names = [f"m{i}" for i in range(args.methods)]
    print(
        f"workload: {args.methods} methods x {args.budgets} budgets x {args.queries} queries, "
        f"{args.resamples} resamples (chunk {bootstrap.chunk_size(args.queries)}), load {load_average()}"
    )
    start = time.perf_counter()
    import torch  # the int8 product; a rule pays this import once per process

    print(f"torch import (one-off, not in the times below): {time.perf_counter() - start:.2f} s")
    if args.no_onednn:
        torch.backends.mkldnn.enabled = False
    print(f"CPU: {cpu_summary()}")
    start = time.perf_counter()
    fast, why = hardware.int8_product_choice()
    chosen = "int8" if fast else "float"
    print(f"product kernel auto -> {chosen} ({why}; {time.perf_counter() - start:.2f} s, once per process)")
    bootstrap.bootstrap_curves(quality[:, :200], weights, names, 50, seed=0)  # warm-up

    def timed(product: str):
        runs = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = bootstrap.bootstrap_curves(
                quality, weights, names, args.resamples, seed=0, threads=args.threads, product=product
            )
            table = bootstrap.interval_table(result)
            pairs = bootstrap.pairwise_table(result)
            runs.append(time.perf_counter() - start)
        return min(runs), runs, result, table, pairs

    vectorised, runs, result, table, pairs = timed("auto")
    rss = peak_rss_mb()
    print(f"vectorised (auto: {chosen}): {vectorised:.2f} s (fastest of {', '.join(f'{t:.2f}' for t in runs)}; "
          f"areas + peaks + intervals + {len(pairs)} pairwise differences), peak RSS {rss:.0f} MB")
    other = "float" if chosen == "int8" else "int8"
    other_s, other_runs, other_result, _, _ = timed(other)
    identical = np.array_equal(other_result.area_samples, result.area_samples) and np.array_equal(
        other_result.peak_samples, result.peak_samples)
    print(f"forced {other}: {other_s:.2f} s (fastest of {', '.join(f'{t:.2f}' for t in other_runs)}); "
          f"resamples byte-identical to auto's: {identical}")

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
    onednn = "; oneDNN off (--no-onednn: torch._int_mm as on CPUs without VNNI/AMX)" if args.no_onednn else ""
    append_rows(args.json, [
        row(
            f"paired bootstrap, {args.resamples} resamples, {args.methods} x {args.budgets} x {args.queries}{onednn}",
            vectorised, "Python loop over resamples (gather + mean)", loop, "<= 30 s, >= 50x",
            vectorised <= 30 and loop / vectorised >= 50, rss, None,
            f"product kernel auto -> {chosen} ({why}); baseline extrapolated from {n_base} resamples; + one-off "
            f"torch import; results identical to the previous float implementation (tests/test_bootstrap.py)",
        ),
        row(
            f"paired bootstrap product kernel: auto ({chosen}) vs forced {other}{onednn}", vectorised,
            f"forced {other}, same workload", other_s, "auto never slower than the other kernel; identical",
            vectorised <= other_s * 1.1 and identical, None, None,
            f"byte-identical resamples: {identical}; {why}",
        ),
    ])


if __name__ == "__main__":
    main()
