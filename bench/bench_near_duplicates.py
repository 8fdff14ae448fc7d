"""Benchmark: near-duplicate groups (FAISS, exact) vs all-pairs blocked numpy, EmbedLLM scale.

Workload: 35,673 x 768 L2-normalised float32 vectors shaped like sentence embeddings (80 category
clusters, a power-law spectrum in a random basis, mean pairwise cosine ~0.05), seeded, with planted
near-duplicate groups (about as many as the study found on EmbedLLM: 1,346 groups, mean size ~2.7)
whose members sit at cosine 0.9995 / 0.9999 / 1.0 to the group's first query, plus decoy pairs at
cosine 0.9985 (just below the threshold). ``--isotropic`` uses isotropic random vectors instead
(the worst case for any space partitioning: no structure to exploit).

Ours: ``dedup.find_groups`` (projection + FAISS IVF range search with a proven probe set, float64
verification, connected components). Baseline, same run: all pairs with numpy in row blocks
(``X[block] @ X.T`` in float32 BLAS, candidates >= delta - 1e-5, float64 verification; the same
definition of the cosine), then scipy connected components. Both must give the same pair set and
the same groups; each method runs in its own subprocess so its peak RSS is its own.

Run: python bench/bench_near_duplicates.py [--n 35673 --dim 768 --delta 0.999] [--repeat 3]
     [--threads 2] [--isotropic] [--csv out.csv] [--json out.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import append_rows, run_worker
from _common import row as result_row

BLOCK = 2048


def workload(n: int, dim: int, seed: int = 0, isotropic: bool = False, n_groups: int | None = None) -> np.ndarray:
    """Seeded synthetic embeddings with planted near-duplicate groups and decoy pairs."""
    rng = np.random.default_rng(seed)
    if isotropic:
        x = rng.standard_normal((n, dim), dtype=np.float32)
    else:
        spectrum = np.arange(1, dim + 1) ** -0.8
        spectrum /= spectrum.sum()
        basis = (np.linalg.qr(rng.standard_normal((dim, dim)))[0].T * np.sqrt(spectrum)[:, None]).astype(np.float32)
        common = rng.standard_normal(dim).astype(np.float32)
        common /= np.linalg.norm(common)
        centres = rng.standard_normal((80, dim)).astype(np.float32) @ basis * 1.2
        x = 0.3 * common + centres[rng.integers(0, 80, n)] + rng.standard_normal((n, dim), dtype=np.float32) @ basis
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    x = x.astype(np.float64)
    n_groups = n_groups if n_groups is not None else max(1, round(1346 * n / 35673))
    sizes = rng.choice([2, 2, 2, 3, 3, 4, 5], n_groups)
    rows = rng.permutation(n)[: sizes.sum() + 1000]
    members, decoys = rows[: sizes.sum()], rows[sizes.sum() :]
    leader = np.repeat(members[np.cumsum(sizes) - sizes], sizes)
    follower = members != leader
    cos = rng.choice([0.9995, 0.9999, 1.0], len(members))[follower]
    x[members[follower]] = _at_cosine(x[leader[follower]], cos, rng)
    a, b = decoys[:500], decoys[500:]
    x[b] = _at_cosine(x[a], np.full(len(a), 0.9985), rng)
    return np.ascontiguousarray(x, dtype=np.float32)


def _at_cosine(base: np.ndarray, cos: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    u = rng.standard_normal(base.shape)
    u -= (u * base).sum(1, keepdims=True) * base
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    return cos[:, None] * base + np.sqrt(1 - cos[:, None] ** 2) * u


def baseline_pairs(x: np.ndarray, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """All pairs i < j with cosine >= delta: numpy row blocks of X @ X.T, float64 re-check."""
    norms = np.sqrt(np.einsum("ij,ij->i", x, x, dtype=np.float64))
    unit = (x / norms[:, None].astype(np.float32)).astype(np.float32)
    out_i, out_j = [], []
    for start in range(0, len(x), BLOCK):
        sims = unit[start : start + BLOCK] @ unit.T
        i, j = np.nonzero(sims >= delta - 1e-5)
        i += start
        keep = j > i
        i, j = i[keep], j[keep]
        cos = np.einsum("ij,ij->i", x[i].astype(np.float64), x[j].astype(np.float64)) / (norms[i] * norms[j])
        ok = cos >= delta
        out_i.append(i[ok])
        out_j.append(j[ok])
    return np.concatenate(out_i).astype(np.int64), np.concatenate(out_j).astype(np.int64)


def components(i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    from scipy import sparse
    from scipy.sparse import csgraph

    return csgraph.connected_components(sparse.coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n)), directed=False)[1]


def canonical_groups(label: np.ndarray) -> list[list[int]]:
    """Groups of size >= 2 as sorted lists of row numbers, sorted (comparable across methods)."""
    order = np.argsort(label, kind="stable")
    cuts = np.flatnonzero(np.diff(label[order])) + 1
    return sorted(g.tolist() for g in np.split(order, cuts) if len(g) >= 2)


def worker(method: str, data: str, delta: float, threads: int, repeat: int) -> dict:
    """Run one method on the saved vectors; return times, pairs and groups (digests) and peak RSS."""
    import hashlib

    import pandas as pd

    from routerbench_plus import near_duplicates as dedup
    from routerbench_plus import store

    x = np.load(data)
    n = len(x)
    times = []
    if method == "ours":
        emb = store.Embeddings(pd.Index([f"q{k:06d}" for k in range(n)], dtype=object), x, "synthetic")
        for _ in range(repeat):
            start = time.perf_counter()
            groups = dedup.find_groups(emb, delta, threads=threads)
            times.append(time.perf_counter() - start)
        start = time.perf_counter()
        i, j, _, n_candidates = dedup.duplicate_pairs(x, delta, threads=threads)
        pairs_time = time.perf_counter() - start
        rows = groups.table["query_id"].str.slice(1).astype(int).to_numpy()
        label = np.arange(n) + n
        label[rows] = groups.table["group_id"].to_numpy()
        extra = {"pairs_only_s": pairs_time, "n_candidates": int(n_candidates), "n_pairs_reported": groups.n_pairs}
    else:
        for _ in range(repeat):
            start = time.perf_counter()
            i, j = baseline_pairs(x, delta)
            label = components(i, j, n)
            times.append(time.perf_counter() - start)
        extra = {}
    digest = hashlib.sha256(np.stack([i, j]).tobytes()).hexdigest()
    group_digest = hashlib.sha256(json.dumps(canonical_groups(label)).encode()).hexdigest()
    return {
        "method": method,
        "times_s": times,
        "n_pairs": len(i),
        "pairs_sha256": digest,
        "n_groups": len(canonical_groups(label)),
        "groups_sha256": group_digest,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        **extra,
    }


def run_method(method: str, data: Path, args: argparse.Namespace, repeat: int) -> dict:
    return run_worker(__file__, method, "--data", str(data), "--delta", str(args.delta),
                      "--threads", str(args.threads), "--repeat", str(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=35_673)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--delta", type=float, default=0.999)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="FAISS OpenMP threads (BLAS threads untouched)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of ours (the minimum is reported)")
    parser.add_argument("--baseline-repeat", type=int, default=1)
    parser.add_argument("--isotropic", action="store_true")
    parser.add_argument("--csv", type=Path, help="append one result row to this CSV")
    parser.add_argument("--json", help="append the run_all.py result row to this JSON file")
    parser.add_argument("--worker", choices=["ours", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(worker(args.worker, args.data, args.delta, args.threads, args.repeat)))
        return

    load_before = os.getloadavg()[0]
    x = workload(args.n, args.dim, args.seed, args.isotropic)
    kind = "isotropic" if args.isotropic else "clustered"
    print(f"workload: {args.n} x {args.dim} {kind} unit vectors, delta={args.delta}, seed={args.seed}, "
          f"FAISS threads={args.threads}, load average {load_before:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "x.npy"
        np.save(data, x)
        ours = run_method("ours", data, args, args.repeat)
        base = run_method("baseline", data, args, args.baseline_repeat)
    same_pairs = ours["pairs_sha256"] == base["pairs_sha256"] and ours["n_pairs"] == base["n_pairs"]
    same_groups = ours["groups_sha256"] == base["groups_sha256"]
    t_ours, t_base = min(ours["times_s"]), min(base["times_s"])
    row = {
        "stage": "near_duplicates", "workload": kind, "n": args.n, "dim": args.dim, "delta": args.delta,
        "ours_s": round(t_ours, 3), "ours_median_s": round(float(np.median(ours["times_s"])), 3),
        "baseline_s": round(t_base, 3), "ratio": round(t_base / t_ours, 1),
        "ours_peak_rss_mb": round(ours["peak_rss_mb"]), "baseline_peak_rss_mb": round(base["peak_rss_mb"]),
        "n_pairs": base["n_pairs"], "n_groups": base["n_groups"], "n_candidates": ours["n_candidates"],
        "same_pairs": same_pairs, "same_groups": same_groups,
        "load_avg": round(max(load_before, os.getloadavg()[0]), 1),
    }
    print(f"ours     find_groups: {t_ours:7.2f} s (min of {len(ours['times_s'])}; runs "
          f"{', '.join(f'{t:.2f}' for t in ours['times_s'])}), pairs only {ours['pairs_only_s']:.2f} s, "
          f"{ours['n_candidates']} candidates verified, peak RSS {ours['peak_rss_mb']:.0f} MB")
    print(f"baseline blocked numpy: {t_base:7.2f} s, peak RSS {base['peak_rss_mb']:.0f} MB")
    print(f"ratio {t_base / t_ours:.1f}x; {base['n_pairs']} pairs, {base['n_groups']} groups; "
          f"same pairs: {same_pairs}; same groups: {same_groups}")
    if args.csv:
        new = not args.csv.exists()
        with args.csv.open("a", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(row))
            if new:
                writer.writeheader()
            writer.writerow(row)
    append_rows(args.json, [result_row(
        f"near-duplicates {args.n} x {args.dim} at {args.delta}" + (", isotropic worst case" if args.isotropic else ""), t_ours, "all pairs, blocked numpy + scipy components",
        t_base, "<= 15 s, >= 20x", t_ours <= 15 and t_base / t_ours >= 20 and same_pairs and same_groups,
        ours["peak_rss_mb"], base["peak_rss_mb"],
        f"{kind} synthetic embeddings, {base['n_groups']} groups / {base['n_pairs']} pairs; same pairs {same_pairs}, "
        f"same groups {same_groups}; ours = fastest of {len(ours['times_s'])} runs",
    )])
    if not (same_pairs and same_groups):
        raise SystemExit("MISMATCH between ours and the baseline")


if __name__ == "__main__":
    main()
