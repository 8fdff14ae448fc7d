"""Benchmark: the K-NN router (faiss search + one sparse gather) vs one sklearn classifier per model.

Workload (EmbedLLM scale): 112 models, k = 131, 28,000 training x 7,000 test queries, 768-d
L2-normalised embeddings clustered in 80 categories; binary labels from per-(model, category)
accuracies, every label observed (as in EmbedLLM).

Baseline: EmbedLLM's loop, one ``sklearn.neighbors.KNeighborsClassifier(n_neighbors=k)`` per
model, fitted on that model's labels, ``predict_proba(test)[:, 1]`` as the score. Its cost per
model is constant, so it is timed on a subset of models and extrapolated linearly to all of them
(``--baseline-models 112`` measures the whole loop). Correctness: the baseline's scores for those
models must equal ours, and the budgeted picks restricted to that sub-pool must be identical.

Run: python bench/bench_knn.py [--train 28000 --test 7000 --dim 768 --models 112 --k 131]
     [--baseline-models 8] [--threads 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from routerbench_plus import routers, routing, store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import append_rows, load_average, row


def workload(n_train: int, n_test: int, dim: int, n_models: int, n_categories: int = 80, seed: int = 0):
    """Clustered unit vectors and a dense binary label matrix (models x queries)."""
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    centres = rng.normal(size=(n_categories, dim)).astype(np.float32)
    category = rng.integers(0, n_categories, n)
    emb = centres[category] + rng.normal(scale=1.5, size=(n, dim)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    accuracy = rng.beta(2.0, 2.0, size=(n_models, n_categories))
    values = (rng.random((n_models, n), dtype=np.float32) < accuracy[:, category]).astype(np.float32)
    models = pd.Index([f"model-{i:03d}" for i in range(n_models)], dtype=object)
    ids = pd.Index([f"q{i:06d}" for i in range(n)], dtype=object)
    train = store.LabelMatrix(values[:, :n_train], np.ones((n_models, n_train), bool), models, ids[:n_train])
    costs = np.round(rng.lognormal(2.0, 1.0, n_models), 1) + 0.5
    return emb[:n_train], train, emb[n_train:], values[:, n_train:], costs


def baseline(train_emb: np.ndarray, train: store.LabelMatrix, test_emb: np.ndarray, k: int, models: np.ndarray):
    """EmbedLLM's approach: one KNeighborsClassifier per model (loop over models)."""
    from sklearn.neighbors import KNeighborsClassifier

    out = np.empty((len(models), len(test_emb)), dtype=np.float32)
    for position, m in enumerate(models):
        y = train.values[m].astype(int)
        clf = KNeighborsClassifier(n_neighbors=k).fit(train_emb, y)
        proba = clf.predict_proba(test_emb)
        out[position] = proba[:, list(clf.classes_).index(1)] if 1 in clf.classes_ else 0.0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=28_000)
    parser.add_argument("--test", type=int, default=7_000)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--models", type=int, default=112)
    parser.add_argument("--k", type=int, default=131)
    parser.add_argument("--baseline-models", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", help="append result rows to this JSON file")
    args = parser.parse_args()

    routers.set_threads(args.threads)
    train_emb, train, test_emb, test_values, costs = workload(args.train, args.test, args.dim, args.models)
    print(
        f"workload: {args.models} models, k={args.k}, {args.train} train x {args.test} test x {args.dim}-d, "
        f"{args.threads} thread(s)"
    )

    start = time.perf_counter()
    knn = routers.make_router("knn", {"type": "knn", "k": args.k}).fit(train_emb, train, costs)
    ours = knn.predict(test_emb)
    elapsed_ours = time.perf_counter() - start
    rss_ours = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"ours (faiss IndexFlatIP + sparse gather): {elapsed_ours:.2f} s, peak RSS so far {rss_ours:.0f} MB")

    n_base = min(args.baseline_models, args.models)
    subset = np.linspace(0, args.models - 1, n_base).round().astype(int)
    start = time.perf_counter()
    base = baseline(train_emb, train, test_emb, args.k, subset)
    measured = time.perf_counter() - start
    loop = measured * args.models / n_base
    how = "measured" if n_base == args.models else f"measured on {n_base} models ({measured:.2f} s), extrapolated"
    print(f"baseline (one KNeighborsClassifier per model): {loop:.2f} s ({how})")
    print(f"speed-up: {loop / elapsed_ours:.1f}x")

    max_diff = float(np.abs(base - ours[subset]).max())
    mask = np.ones((n_base, args.test), dtype=bool)
    budgets = routing.budget_grid(costs[subset], "model_costs")
    picks_ours = routing.pick(ours[subset], costs[subset], budgets, mask)
    picks_base = routing.pick(base, costs[subset], budgets, mask)
    differ = int((picks_ours != picks_base).sum())
    print(
        f"scores: max |ours - baseline| = {max_diff:.2e} over {n_base} models x {args.test} queries; "
        f"picks differing: {differ} of {picks_ours.size} ({len(budgets)} budgets) -> "
        f"{'identical picks' if differ == 0 else 'NOT identical'}"
    )
    quality = np.take_along_axis(test_values, routing.pick(ours, costs, routing.budget_grid(costs, "model_costs"),
                                                           np.ones_like(test_values, bool)), axis=0)
    print(f"K-NN mean test quality over the {args.models}-model budget grid: {quality.mean():.4f}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, load {load_average()}")
    append_rows(args.json, [row(
        f"K-NN router, {args.models} models, k={args.k}", elapsed_ours, "one sklearn KNeighborsClassifier per model",
        loop, "identical picks, >= 20x", differ == 0 and loop / elapsed_ours >= 20, rss_ours, None,
        f"{args.train} train x {args.test} test x {args.dim}-d; baseline measured on {n_base} models, extrapolated; "
        f"max score diff {max_diff:.0e}, picks differing {differ} of {picks_ours.size}",
    )])


if __name__ == "__main__":
    main()
