"""Paired bootstrap over test queries, vectorised over resamples.

A resample draws Q test queries with replacement; it is represented by its count vector
(how often each query was drawn: Multinomial(Q; 1/Q, ..., 1/Q)). For a per-query value matrix
V (Q x K) the resampled means of all K columns are one matrix product ``counts @ V / Q``; the
same counts are used for every method, so differences between methods are paired. Resamples are
processed in chunks (a deterministic function of Q only) to bound memory; there is no Python loop
over individual resamples. Each chunk draws from its own Generator, spawned from the seed
(``numpy.random.SeedSequence.spawn``), so chunks run in parallel threads and the result depends on
the seed and Q only, not on the number of threads.

Speed (bench/bench_bootstrap.py): the draws are counted in blocks of ``COUNT_BLOCK`` resamples so
that the bins being incremented stay in cache. For integer-valued columns (binary labels) the sums
are exact in float32 (every partial sum is an integer below 2**24), so the product runs in float32
BLAS, or, on CPUs where it is faster, as an exact int8 x int8 -> int32 product (``torch._int_mm``)
for chunks whose counts fit int8. Which one is fast depends on the CPU: ``torch._int_mm`` has
oneDNN's VNNI/AMX kernels but only a plain loop elsewhere (3.7 s against float32's 0.05-0.1 s
per chunk on an AVX2-only EPYC), so ``product="auto"`` takes int8 only where
``hardware.int8_product_is_fast`` (a CPU-feature gate and a one-off timed probe, cached per
process) says so. Every path computes the same exact integer sums, so results do not depend on
which one ran (tests force each path).

Intervals are percentile intervals: the (1 - confidence) / 2 and (1 + confidence) / 2 quantiles of
the resampled statistic (numpy's default linear interpolation). A difference is *significant*
when its interval excludes 0 (lo > 0 or hi < 0).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import hardware
from .curves import area_weight_matrix, check_picks, picks_matrices
from .errors import ConfigError, InputError

CHUNK_ELEMENTS = 1 << 23  # draws per chunk (int64 while being drawn: ~64 MB)
MAX_CHUNK = 1000
COUNT_BLOCK = 16  # resamples counted at once: 16 x Q int64 bins stay in cache (Q ~ 10k)
INT8_MAX = 127
INT8_MIN_WORK = 2 * 10**9  # multiply-adds (resamples x queries x distinct columns) worth the int8 product
PRODUCTS = ("auto", "int8", "float")  # bootstrap_means(product=...): auto = int8 where it is fast here


def chunk_size(n_queries: int) -> int:
    """Resamples per chunk; depends on Q only, so results depend on the seed and Q only."""
    return int(max(1, min(MAX_CHUNK, CHUNK_ELEMENTS // max(n_queries, 1))))


def count_draws(idx: np.ndarray, n_queries: int, dtype: type = np.int64) -> tuple[np.ndarray, int]:
    """(size, Q) counts of each row of draws ``idx`` (size, Q; int32 needs Q * COUNT_BLOCK < 2**31)
    in ``dtype``, and the largest count.

    Rows are counted ``COUNT_BLOCK`` at a time (one bincount per block, offsets keep the rows
    apart), which keeps the incremented bins in cache. ``dtype`` may be too small for the largest
    count; callers check the returned maximum.
    """
    size = len(idx)
    out = np.empty((size, n_queries), dtype=dtype)
    offsets = (np.arange(COUNT_BLOCK, dtype=idx.dtype) * n_queries)[:, None]
    largest = 0
    for start in range(0, size, COUNT_BLOCK):  # blocks of resamples, not single resamples
        block = idx[start : start + COUNT_BLOCK]
        rows = len(block)
        counts = np.bincount((block + offsets[:rows]).ravel(), minlength=rows * n_queries)
        largest = max(largest, int(counts.max()))
        out[start : start + rows] = counts.reshape(rows, n_queries)
    return out, largest


def _chunk_generators(seed: int, n_chunks: int) -> list[np.random.Generator]:
    """One independent Generator per chunk of resamples, spawned from ``seed``.

    Chunk k's draws depend on (seed, k, Q) only, never on which thread draws them or when, so
    chunks can be drawn in parallel and the result stays byte-identical.
    """
    return [np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(n_chunks)]


def _chunk_plan(n_queries: int, n_resamples: int, seed: int) -> list[tuple[np.random.Generator, int]]:
    """(generator, number of resamples) of each chunk."""
    step = chunk_size(n_queries)
    sizes = [min(step, n_resamples - start) for start in range(0, n_resamples, step)]
    return list(zip(_chunk_generators(seed, len(sizes)), sizes))


def _draw(rng: np.random.Generator, n_queries: int, size: int) -> np.ndarray:
    """(size, Q) query indices drawn with replacement. int32 draws below 2**31 come from the same
    bounded 32-bit generator as int64 ones (the same values), at half the memory traffic."""
    dtype = np.int32 if n_queries * COUNT_BLOCK < 2**31 else np.int64
    return rng.integers(0, n_queries, size=(size, n_queries), dtype=dtype)


def iter_resample_counts(n_queries: int, n_resamples: int, seed: int) -> Iterator[np.ndarray]:
    """(size, Q) int64 count matrices of ``n_resamples`` resamples, chunk by chunk: each row counts
    how often each query is drawn in Q draws with replacement (Multinomial(Q; 1/Q each))."""
    for rng, size in _chunk_plan(n_queries, n_resamples, seed):
        yield count_draws(_draw(rng, n_queries, size), n_queries)[0]


def _int8_sums(counts: np.ndarray, values_t: np.ndarray) -> np.ndarray | None:
    """Exact integer ``counts @ values_t.T`` (int8 x int8 -> int32, torch._int_mm) or None if unavailable.

    ``values_t`` is (K, Q) C-contiguous: the product reads it column-major, its fastest layout here.
    """
    try:
        import torch

        return torch._int_mm(torch.from_numpy(counts), torch.from_numpy(values_t).t()).numpy()
    except (ImportError, AttributeError, RuntimeError):  # private op: fall back to float BLAS
        return None


def _chunk_sums(
    rng: np.random.Generator, size: int, n_queries: int, unique: np.ndarray, as_int8: np.ndarray | None
) -> np.ndarray:
    """``counts @ unique`` for one chunk of ``size`` resamples drawn from ``rng``.

    ``as_int8`` ((K, Q) int8 copy of ``unique``, or None): ``unique`` holds integers in int8 range
    whose sums fit int32, so a chunk whose counts all fit int8 uses the exact int8 product (the
    same numbers as the float product, which is exact for integer-valued float32 here).
    """
    idx = _draw(rng, n_queries, size)
    if as_int8 is not None:
        counts, largest = count_draws(idx, n_queries, np.int8)
        if largest <= INT8_MAX:
            sums = _int8_sums(counts, as_int8)
            if sums is not None:
                return sums
    counts = count_draws(idx, n_queries, unique.dtype)[0]  # exact: counts <= Q < 2**24 (float32) / 2**53
    return counts @ unique


def _iter_random_sums(
    n_queries: int, n_resamples: int, seed: int, unique: np.ndarray, as_int8: np.ndarray | None, threads: int
) -> Iterator[np.ndarray]:
    """``counts @ unique`` chunk by chunk, in order, ``threads`` chunks at a time (numpy draws and
    torch products release the GIL); chunks not yet started are cancelled if the caller stops."""
    pool = ThreadPoolExecutor(max_workers=max(1, int(threads)))
    try:
        plan = _chunk_plan(n_queries, n_resamples, seed)
        yield from pool.map(lambda chunk: _chunk_sums(chunk[0], chunk[1], n_queries, unique, as_int8), plan)
    finally:
        pool.shutdown(cancel_futures=True)


def unique_columns(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct columns in first-seen order, index of each column among them); exact byte equality.

    Curves often repeat a column (a router that picks the same model at neighbouring budgets);
    each distinct column is then multiplied only once. A dict over column bytes (K <= a few
    thousand columns) is much cheaper than np.unique(axis=1), which sorts whole columns.
    """
    columns = np.ascontiguousarray(values.T)
    first: dict[bytes, int] = {}
    inverse = np.fromiter((first.setdefault(col.tobytes(), len(first)) for col in columns), np.int64, len(columns))
    _, keep = np.unique(inverse, return_index=True)  # first occurrence of each distinct column
    return values[:, keep], inverse


def bootstrap_means(
    values: np.ndarray,
    statistic: Callable[[np.ndarray], np.ndarray] | None = None,
    n_resamples: int = 10_000,
    seed: int = 0,
    counts: np.ndarray | None = None,
    threads: int = 1,
    product: str = "auto",
) -> np.ndarray:
    """Per resample, the column means of ``values`` (Q, K) reduced by ``statistic``.

    ``statistic`` maps a (r, K) block of resampled column means to (r, S) per-resample statistics
    (default: identity). ``counts`` (R, Q), rows summing to Q, replaces the random resamples (e.g.
    an exact enumeration). Returns (R, S) float64. Identical columns are multiplied once.
    ``threads`` chunks are drawn, counted and multiplied at once; the result does not depend on it.
    ``product`` (``auto`` | ``int8`` | ``float``) picks the kernel of the integer-valued case (module
    docstring); the result does not depend on it either.
    """
    if product not in PRODUCTS:
        raise ConfigError(f"bootstrap product must be one of {list(PRODUCTS)}; got {product!r}")
    values = np.asarray(values)
    if values.ndim != 2:
        raise InputError(f"bootstrap values must be (queries, columns); got shape {values.shape}")
    if not np.isfinite(values).all():
        raise InputError("bootstrap values contain NaN or infinite entries")
    n_queries = values.shape[0]
    if n_queries == 0:
        raise InputError("bootstrap needs at least one test query")
    statistic = statistic or (lambda means: means)
    unique, inverse = unique_columns(values)
    # integer-valued sums below 2**24 are exact in float32 (binary labels): faster and order-free
    exact32 = np.array_equal(unique, np.round(unique)) and n_queries * max(np.abs(unique).max(), 1) < 2**24
    dtype = np.float32 if exact32 else np.float64
    unique = unique.astype(dtype)
    if counts is not None:
        counts = np.asarray(counts)
        if counts.ndim != 2 or counts.shape[1] != n_queries:
            raise InputError(f"bootstrap counts must be (resamples, {n_queries}); got {counts.shape}")
        sums: Iterator[np.ndarray] = iter([counts.astype(dtype) @ unique])
    else:
        if n_resamples < 1:
            raise ConfigError(f"evaluation.bootstrap_resamples must be >= 1; got {n_resamples}")
        # exact int8 path: integer values in int8 range whose sums (<= Q * max|v|) fit int32, and
        # enough work to repay importing torch (~2 s) unless it is imported already
        small_ints = (
            product != "float"
            and exact32
            and float(np.abs(unique).max(initial=0)) <= INT8_MAX
            and n_queries * INT8_MAX < 2**31
            and (
                product == "int8"
                or (
                    ("torch" in sys.modules or n_resamples * n_queries * unique.shape[1] >= INT8_MIN_WORK)
                    and hardware.int8_product_is_fast()
                )
            )
        )
        as_int8 = np.ascontiguousarray(unique.T, dtype=np.int8) if small_ints else None  # (K, Q)
        sums = _iter_random_sums(n_queries, n_resamples, seed, unique, as_int8, threads)
    out = []
    for block in sums:
        means = block.astype(np.float64) / n_queries
        out.append(np.asarray(statistic(means[:, inverse]), dtype=np.float64))
    return np.concatenate(out, axis=0)


def percentile_interval(
    samples: np.ndarray, confidence: float, ignore_nan: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) percentile interval along axis 0 (``ignore_nan``: over the resamples where the
    statistic is defined, e.g. APGR when a resample has no gap between the two models)."""
    if not 0 < confidence < 1:
        raise ConfigError(f"evaluation.confidence must be in (0, 1); got {confidence}")
    alpha = (1.0 - confidence) / 2.0
    quantile = np.nanquantile if ignore_nan else np.quantile
    lo, hi = quantile(samples, [alpha, 1.0 - alpha], axis=0)
    return lo, hi


def canonical_order(values: np.ndarray) -> np.ndarray:
    """Row order of ``values`` (Q, K) sorted lexicographically by the rows' values.

    Resampling rows in this order makes the bootstrap a function of the multiset of rows: rows
    with identical values are exchangeable, so query ids (which decide the input order) no
    longer matter.
    """
    values = np.asarray(values)
    if values.ndim != 2 or values.shape[1] == 0:
        return np.arange(len(values))
    return np.lexsort(values.T[::-1])


def difference_table(
    methods: Sequence[str], metrics: Mapping[str, tuple[np.ndarray, np.ndarray]], confidence: float
) -> pd.DataFrame:
    """Every ordered pair (a, b), a != b: a - b of each metric ({name: (full (M,), resamples
    (R, M))}), its percentile interval and whether that interval excludes 0."""
    m = len(methods)
    a_idx, b_idx = np.nonzero(~np.eye(m, dtype=bool))
    out = pd.DataFrame(
        {
            "method_a": pd.Series(np.asarray(methods, dtype=object)[a_idx], dtype="string"),
            "method_b": pd.Series(np.asarray(methods, dtype=object)[b_idx], dtype="string"),
        }
    )
    n_resamples = 0
    for name, (full, samples) in metrics.items():
        full, samples = np.asarray(full, dtype=np.float64), np.asarray(samples, dtype=np.float64)
        lo, hi = percentile_interval(samples[:, a_idx] - samples[:, b_idx], confidence)
        out[f"{name}_diff"] = full[a_idx] - full[b_idx]
        out[f"{name}_diff_lo"] = lo
        out[f"{name}_diff_hi"] = hi
        out[f"{name}_significant"] = (lo > 0) | (hi < 0)
        n_resamples = len(samples)
    out["n_resamples"] = np.int64(n_resamples)
    out["confidence"] = confidence
    return out


@dataclass(frozen=True)
class CurveBootstrap:
    """Full-sample and resampled areas and peaks of several methods' deferral curves."""

    methods: list[str]
    area: np.ndarray  # (M,)
    peak: np.ndarray  # (M,)
    area_samples: np.ndarray  # (R, M)
    peak_samples: np.ndarray  # (R, M)
    confidence: float
    curve_lo: np.ndarray | None = None  # (M, B) per-budget percentile band of the mean quality
    curve_hi: np.ndarray | None = None
    # further linear metrics (other area axes, curve mean): name -> (full (M,), resamples (R, M))
    extra: Mapping[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def metrics(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """{name: (full, resamples)}: area, the other areas, peak, then the other metrics."""
        areas = {k: v for k, v in self.extra.items() if k.startswith("area")}
        rest = {k: v for k, v in self.extra.items() if k not in areas}
        return {"area": (self.area, self.area_samples), **areas, "peak": (self.peak, self.peak_samples), **rest}


def bootstrap_curves(
    quality: np.ndarray,
    weights: np.ndarray,
    methods: Sequence[str],
    n_resamples: int = 10_000,
    seed: int = 0,
    confidence: float = 0.95,
    counts: np.ndarray | None = None,
    threads: int = 1,
    extra_weights: Mapping[str, np.ndarray] | None = None,
    product: str = "auto",
) -> CurveBootstrap:
    """Paired bootstrap of area (= curve @ weights) and peak (= max over budgets) per method.

    ``quality`` is (M, Q, B): the quality of method m's pick for query q at budget b; ``weights``
    (B,) are the area weights (``curves.trapezoid_weights``). ``extra_weights`` ({name: (B,)})
    adds further linear metrics of the curve (other area axes, the curve mean) from the same
    resamples. ``product``: the kernel of :func:`bootstrap_means` (the result does not depend on it).
    """
    quality = np.asarray(quality)
    n_methods, n_queries, n_budgets = quality.shape
    named = {"area": weights, **dict(extra_weights or {})}
    for name, w in named.items():
        if np.shape(w) != (n_budgets,):
            raise InputError(f"{name} weights must have one entry per budget ({n_budgets}); got {np.shape(w)}")
    matrix = np.stack([np.asarray(w, dtype=np.float64) for w in named.values()], axis=1)  # (B, L)
    n_linear = matrix.shape[1]
    values = quality.transpose(1, 0, 2).reshape(n_queries, n_methods * n_budgets)

    def statistic(means: np.ndarray) -> np.ndarray:
        cube = means.reshape(len(means), n_methods, n_budgets)
        linear = (cube @ matrix).transpose(0, 2, 1).reshape(len(means), n_linear * n_methods)  # metric-major
        return np.concatenate([linear, cube.max(axis=2), means], axis=1)

    samples = bootstrap_means(values, statistic, n_resamples, seed, counts, threads, product)
    full = quality.astype(np.float64).mean(axis=1)  # (M, B)
    full_linear = (full @ matrix).T  # (L, M)
    linear_samples = samples[:, : n_linear * n_methods].reshape(len(samples), n_linear, n_methods)
    peak_at = n_linear * n_methods
    # the same paired resamples give the per-budget band of each curve
    curve_lo, curve_hi = percentile_interval(samples[:, peak_at + n_methods :], confidence)
    names = list(named)
    return CurveBootstrap(
        methods=list(methods),
        area=full_linear[0],
        peak=full.max(axis=1),
        area_samples=linear_samples[:, 0],
        peak_samples=samples[:, peak_at : peak_at + n_methods],
        confidence=confidence,
        curve_lo=curve_lo.reshape(n_methods, n_budgets),
        curve_hi=curve_hi.reshape(n_methods, n_budgets),
        extra={names[i]: (full_linear[i], linear_samples[:, i]) for i in range(1, n_linear)},
    )


def band_table(result: CurveBootstrap, budgets: np.ndarray) -> pd.DataFrame:
    """method, budget, quality_lo, quality_hi: per-budget percentile band of each deferral curve."""
    n_methods, n_budgets = len(result.methods), len(budgets)
    return pd.DataFrame(
        {
            "method": pd.Series(np.repeat(np.asarray(result.methods, dtype=object), n_budgets), dtype="string"),
            "budget": np.tile(np.asarray(budgets, dtype=np.float64), n_methods),
            "quality_lo": result.curve_lo.ravel(),
            "quality_hi": result.curve_hi.ravel(),
            "confidence": result.confidence,
        }
    )


def interval_table(result: CurveBootstrap) -> pd.DataFrame:
    """method, then per metric (area, the other areas, peak, ...): value, _lo, _hi; n_resamples,
    confidence."""
    out = pd.DataFrame({"method": pd.Series(result.methods, dtype="string")})
    for name, (full, samples) in result.metrics().items():
        lo, hi = percentile_interval(samples, result.confidence)
        out[name] = full
        out[f"{name}_lo"] = lo
        out[f"{name}_hi"] = hi
    out["n_resamples"] = np.int64(len(result.area_samples))
    out["confidence"] = result.confidence
    return out


def pairwise_table(result: CurveBootstrap) -> pd.DataFrame:
    """Every ordered pair (a, b), a != b: a - b for every metric, interval, significant flag."""
    return difference_table(result.methods, result.metrics(), result.confidence)


def quality_cube(
    picks_by_method: Mapping[str, pd.DataFrame], test_ids: Sequence[str] | None = None
) -> tuple[np.ndarray, pd.Index, np.ndarray, dict[str, pd.DataFrame]]:
    """Check every method's picks and stack them: (M, Q, B) quality, query ids, budgets, checked picks.

    All methods must cover the same budgets and the same queries.
    """
    if not picks_by_method:
        raise InputError("no router picks to evaluate")
    checked = {m: check_picks(p, test_ids, where=f"picks of method '{m}'") for m, p in picks_by_method.items()}
    cubes, budgets, query_ids = [], None, None
    for method, picks in checked.items():
        b, q, quality, _, _ = picks_matrices(picks)
        if budgets is None:
            budgets, query_ids = b, q
        elif not np.array_equal(b, budgets):
            raise InputError(f"picks of method '{method}': budgets {b.tolist()[:5]}... differ from the other methods' {budgets.tolist()[:5]}...")
        elif not q.equals(query_ids):
            raise InputError(f"picks of method '{method}': test queries differ from the other methods'")
        cubes.append(quality)
    return np.stack(cubes), query_ids, budgets, checked


def linear_weights(budgets: np.ndarray, min_budget: float, max_budget: float) -> dict[str, np.ndarray]:
    """{metric: weights (B,)} of the curve's linear metrics: the three areas and the curve mean."""
    weights = area_weight_matrix(budgets, min_budget, max_budget)
    weights["curve_mean"] = np.full(len(budgets), 1.0 / len(budgets))
    return weights
