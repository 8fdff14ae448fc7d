"""Near-duplicate search: every pair of embeddings with cosine >= delta, exactly, without a dense
n x n matrix (FAISS candidates, exact verification).

Two queries are duplicates when the cosine of their embeddings is at least ``delta``; groups are
the connected components of that relation (scipy.sparse.csgraph). The cosine is computed in
float64 from the stored float32 vectors: ``dot(v_i, v_j) / (|v_i| |v_j|)``; bit-identical vectors
have cosine 1.

Search (exact, never a dense n x n matrix). For unit vectors ``cos >= delta`` is
``|a - b|^2 <= R^2 = 2 (1 - delta)``. Three steps, each keeping every pair within R:

1. *Projection.* An orthonormal ``d x k`` basis P (k = ``projection_dim``, the top principal
   subspace of a seeded sample found by subspace iteration) is 1-Lipschitz:
   ``|P'a - P'b| <= |a - b|``, so every duplicate pair is within R in the k-d projection too.
2. *Cells with a proven probe set (FAISS IVF).* The projected points are split into Voronoi cells
   of k-means centroids (``faiss.Kmeans``) and stored in a ``faiss.IndexIVFFlat``. A point b of the
   cell of centroid c satisfies ``|b - c|^2 <= |b - c_a|^2`` for every other centroid ``c_a``, i.e.
   lies in a half-space whose distance from a point a (of cell ``c_a``) is
   ``(|a - c|^2 - |a - c_a|^2) / (2 |c - c_a|)``. Cell c can hold a neighbour of a within R only
   if that distance is <= R, so a probes exactly those cells (a float slack keeps it safe), and,
   because the bound holds from both sides, only cells with a higher number than its own: each
   pair is found once. ``IndexIVFFlat.range_search_preassigned`` runs the range search over those
   per-query cell lists (padded with -1) in C++, in parallel.
3. *Verification.* Every candidate's cosine is recomputed in float64 from the original vectors and
   kept only if ``>= delta``.

Whatever the projection basis or the k-means centroids, no pair is lost (they only change the
speed), so the output does not depend on the seed. Bit-identical vectors are collapsed before the
search (a common truncation artefact of real prompts) so that large exact-duplicate sets cost
nothing.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import store
from ..errors import ConfigError, InputError

log = logging.getLogger(__name__)

DEFAULT_PROJECTION_DIM = 16
POINTS_PER_CELL = 128
MAX_CELLS = 4096
SAMPLE_FOR_BASIS = 4096
KMEANS_ITERATIONS = 5
VERIFY_CHUNK = 8192  # candidate pairs verified at a time (2 x 8192 x d float64)
# Slack on squared distances (|x| <= 1): float32 rounding is ~1e-6, so 1e-4 keeps every bound safe.
_SLACK = 1e-4


# --------------------------------------------------------------------------- validation


def check_delta(delta: float, key: str = "dedup.delta") -> float:
    """delta must be a number in (0, 1]."""
    try:
        value = float(delta)
    except (TypeError, ValueError):
        raise ConfigError(f"config key {key}: expected a cosine threshold in (0, 1], got {delta!r}") from None
    if not 0.0 < value <= 1.0:
        raise ConfigError(f"config key {key}: expected a cosine threshold in (0, 1], got {value}")
    return value


def _checked_vectors(vectors: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    """float32 C-contiguous vectors and their float64 norms; NaN/inf or zero rows are an error."""
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    if x.ndim != 2:
        raise InputError(f"{where}: expected a 2-d array of vectors, got shape {x.shape}")
    finite = np.isfinite(x).all(axis=1)
    if not finite.all():
        raise InputError(
            f"{where}: {int((~finite).sum())} vector(s) contain NaN or inf, e.g. rows {np.flatnonzero(~finite)[:3].tolist()}"
        )
    norms = np.sqrt(np.einsum("ij,ij->i", x, x, dtype=np.float64))
    if (norms == 0).any():
        raise InputError(
            f"{where}: {int((norms == 0).sum())} zero vector(s) (no direction, cosine undefined), "
            f"e.g. rows {np.flatnonzero(norms == 0)[:3].tolist()}"
        )
    return x, norms


# --------------------------------------------------------------------------- search


def _orthonormal(a: np.ndarray) -> np.ndarray:
    """Orthonormal columns spanning ``a`` (d x k, k small): CholeskyQR2 in float64.

    Two Cholesky passes of the k x k Gram matrix (no LAPACK QR of the tall matrix, which is slow
    under thread contention); orthonormality error ~1e-15, so |P'v| <= (1 + 1e-12) |v|.
    """
    q = np.asarray(a, dtype=np.float64)
    for _ in range(2):
        gram = q.T @ q
        gram += np.eye(len(gram)) * (1e-12 * np.trace(gram) + 1e-300)
        q = np.linalg.solve(np.linalg.cholesky(gram), q.T).T
    return q


def _projection_basis(sample: np.ndarray, k: int, rng: np.random.Generator, iterations: int = 2) -> np.ndarray:
    """Orthonormal d x k basis of the top principal subspace of ``sample`` (subspace iteration).

    Any orthonormal basis keeps the search exact; a good one only makes it faster.
    """
    sample = sample - sample.mean(axis=0, dtype=np.float64).astype(np.float32)
    q = rng.standard_normal((sample.shape[1], k))
    for _ in range(iterations):
        q = _orthonormal(q).astype(np.float32)
        q = sample.T @ (sample @ q)
    q = _orthonormal(q)
    # float32 rounding of the basis changes |P'v| by < 1e-6 relative: covered by _SLACK
    return np.ascontiguousarray(q, dtype=np.float32)


def _squared_distances(y: np.ndarray, centroids: np.ndarray, c_norms: np.ndarray) -> np.ndarray:
    return (np.einsum("ij,ij->i", y, y)[:, None] + c_norms[None, :] - 2.0 * (y @ centroids.T)).astype(np.float32)


def candidate_pairs(
    vectors: np.ndarray,
    radius2: float,
    *,
    norms: np.ndarray | None = None,
    projection_dim: int = DEFAULT_PROJECTION_DIM,
    n_cells: int | None = None,
    seed: int = 0,
    chunk_size: int = 8192,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield chunks (i, j) of candidate pairs containing every pair with ``|u_i - u_j|^2 <= radius2``.

    ``u = vectors / norms`` are the unit vectors (``norms`` None: the vectors are unit already);
    they are never materialised, only their k-d projection. Each unordered pair is yielded at most
    once (see the module docstring for the proof of completeness). ``n_cells`` overrides the
    number of IVF cells.
    """
    import faiss

    x = np.ascontiguousarray(vectors, dtype=np.float32)
    n, d = x.shape
    if n < 2:
        return
    inv = np.ones(n, dtype=np.float32) if norms is None else (1.0 / np.asarray(norms, np.float64)).astype(np.float32)
    if d > projection_dim:
        rng = np.random.default_rng(seed)
        sample = np.sort(rng.choice(n, min(n, SAMPLE_FOR_BASIS), replace=False))
        basis = _projection_basis(x[sample] * inv[sample, None], projection_dim, rng)
        y = np.ascontiguousarray((x @ basis) * inv[:, None])  # = (x / |x|) @ basis
    else:
        y = np.ascontiguousarray(x * inv[:, None])
    k = y.shape[1]
    nlist = int(n_cells) if n_cells else int(np.clip(n // POINTS_PER_CELL, 1, MAX_CELLS))
    nlist = max(1, min(nlist, n))
    if nlist > 1:
        km = faiss.Kmeans(
            k, nlist, niter=KMEANS_ITERATIONS, seed=seed, max_points_per_centroid=64, min_points_per_centroid=1,
            verbose=False,
        )
        km.train(y)
        centroids = np.ascontiguousarray(km.centroids, dtype=np.float32)
    else:
        centroids = y.mean(axis=0, keepdims=True, dtype=np.float64).astype(np.float32)
    c_norms = np.einsum("ij,ij->i", centroids, centroids)
    c64 = centroids.astype(np.float64)
    gap = np.sqrt(np.maximum((c64**2).sum(1)[:, None] + (c64**2).sum(1)[None, :] - 2 * c64 @ c64.T, 0.0))
    radius = float(np.sqrt(radius2 + _SLACK))
    # skip cell c for a point of cell o when |a-c|^2 - |a-o|^2 - slack > 2 R |c - o| (+ slack on |c - o|)
    reach = (2.0 * radius * (gap + 1e-5)).astype(np.float32)

    # one pass: each point's cell and the list of cells it must probe (its own + higher-numbered ones)
    assign = np.empty(n, dtype=np.int64)
    probe_rows, probe_cells = [], []
    cells = np.arange(nlist)
    for start in range(0, n, chunk_size):  # loop over chunks of queries, not queries
        stop = min(start + chunk_size, n)
        rows = np.arange(stop - start)
        dist = _squared_distances(y[start:stop], centroids, c_norms)
        own = dist.argmin(axis=1)
        assign[start:stop] = own
        margin = dist - dist[rows, own][:, None] - _SLACK
        r_idx, c_idx = np.nonzero((margin <= reach[own]) & (cells[None, :] > own[:, None]))
        probe_rows.append(r_idx + start)
        probe_cells.append(c_idx)
    extra_rows, extra_cells = np.concatenate(probe_rows), np.concatenate(probe_cells)
    extra_count = np.bincount(extra_rows, minlength=n)
    extra_start = np.cumsum(extra_count) - extra_count

    quantizer = faiss.IndexFlatL2(k)
    quantizer.add(centroids)
    index = faiss.IndexIVFFlat(quantizer, k, nlist, faiss.METRIC_L2)
    index.add_core(n, faiss.swig_ptr(y), None, faiss.swig_ptr(assign))
    for start in range(0, n, chunk_size):
        stop = min(start + chunk_size, n)
        count = extra_count[start:stop]
        keys = np.full((stop - start, int(count.max()) + 1), -1, dtype=np.int64)
        keys[:, 0] = assign[start:stop]
        lo, hi = extra_start[start], extra_start[stop - 1] + count[-1]
        r = extra_rows[lo:hi] - start
        keys[r, 1 + np.arange(hi - lo) - (extra_start[start:stop] - lo)[r]] = extra_cells[lo:hi]
        index.nprobe = keys.shape[1]
        lims, _, found = index.range_search_preassigned(y[start:stop], radius * radius, keys, None)
        qi = np.repeat(np.arange(start, stop), np.diff(lims).astype(np.int64))
        found = found.astype(np.int64)
        a_q, a_f = assign[qi], assign[found]
        keep = (a_f > a_q) | ((a_f == a_q) & (found > qi))
        yield qi[keep], found[keep]


@contextlib.contextmanager
def _faiss_threads(threads: int | None) -> Iterator[None]:
    import faiss

    if not threads:
        yield
        return
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(int(threads))
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _verified_pairs(
    x: np.ndarray, norms: np.ndarray, delta: float, threads: int | None = None, **search: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    parts_i, parts_j, parts_c = [], [], []
    n_candidates = 0
    with _faiss_threads(threads):
        for ci, cj in candidate_pairs(x, 2.0 * (1.0 - delta), norms=norms, **search):
            n_candidates += len(ci)
            for s in range(0, len(ci), VERIFY_CHUNK):  # bounded memory for the float64 gather
                a, b = ci[s : s + VERIFY_CHUNK], cj[s : s + VERIFY_CHUNK]
                cos = np.einsum("ij,ij->i", x[a].astype(np.float64), x[b].astype(np.float64)) / (norms[a] * norms[b])
                ok = cos >= delta
                parts_i.append(np.minimum(a[ok], b[ok]))
                parts_j.append(np.maximum(a[ok], b[ok]))
                parts_c.append(np.minimum(cos[ok], 1.0))
    if not parts_i:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0), n_candidates
    i, j, c = np.concatenate(parts_i), np.concatenate(parts_j), np.concatenate(parts_c)
    order = np.lexsort((j, i))
    return i[order], j[order], c[order], n_candidates


def duplicate_pairs(
    vectors: np.ndarray,
    delta: float,
    *,
    projection_dim: int = DEFAULT_PROJECTION_DIM,
    n_cells: int | None = None,
    seed: int = 0,
    chunk_size: int = 8192,
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Every pair (i < j) with cosine >= delta: returns (i, j, cosine, n_candidates), sorted by (i, j).

    Exact: FAISS candidates (complete, see the module docstring) verified in float64.
    ``threads``: FAISS OpenMP threads for the call (None: FAISS's default).
    """
    delta = check_delta(delta)
    x, norms = _checked_vectors(vectors, "embeddings")
    return _verified_pairs(
        x, norms, delta, threads,
        projection_dim=projection_dim, n_cells=n_cells, seed=seed, chunk_size=chunk_size,
    )


def exact_duplicate_nodes(x: np.ndarray, chunk_size: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Collapse bit-identical rows: (first row of each distinct vector, node of every row).

    Nodes are numbered in order of first occurrence (``first`` is increasing).

    Rows are keyed by a seeded linear hash of their bits (mod 2^64); equal keys are then checked
    for bit equality, so a hash collision can never merge different vectors.
    """
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    bits = np.ascontiguousarray(x).view(np.uint32)
    weights = np.random.default_rng(0x5EED).integers(1, 2**63, bits.shape[1], dtype=np.uint64) | np.uint64(1)
    key = np.empty(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for start in range(0, n, chunk_size):  # chunks of rows, not single rows
            key[start : start + chunk_size] = (bits[start : start + chunk_size].astype(np.uint64) * weights).sum(axis=1)
    _, first, node = np.unique(key, return_index=True, return_inverse=True)
    node, first = node.ravel().astype(np.int64), first.astype(np.int64)
    copies = np.flatnonzero(first[node] != np.arange(n))
    if not (bits[copies] == bits[first[node[copies]]]).all():  # a hash collision: exact slow path
        _, first, node = np.unique(bits.view(np.dtype((np.void, bits.itemsize * bits.shape[1]))).ravel(),
                                   return_index=True, return_inverse=True)
        node, first = node.ravel().astype(np.int64), first.astype(np.int64)
    # number nodes by first occurrence: without duplicates, node i is row i
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return first[order], rank[node]


@dataclass(frozen=True)
class PairGraph:
    """Every pair of embeddings with cosine >= ``delta``, on distinct vectors (one FAISS search).

    Bit-identical rows share a node: ``first`` is the first row of each node, ``node`` the node of
    every row (:func:`exact_duplicate_nodes`); ``i < j, cos`` are the node pairs with cosine >= delta
    (verified in float64). Rows of one node are duplicates of each other (cosine 1).
    """

    ids: pd.Index
    first: np.ndarray
    node: np.ndarray
    i: np.ndarray
    j: np.ndarray
    cos: np.ndarray
    delta: float
    n_candidates: int
    encoder: str = ""

    @property
    def n_nodes(self) -> int:
        return len(self.first)


def pair_graph(
    emb: store.Embeddings,
    delta: float,
    *,
    projection_dim: int = DEFAULT_PROJECTION_DIM,
    n_cells: int | None = None,
    seed: int = 0,
    threads: int | None = None,
) -> PairGraph:
    """The near-duplicate pair graph of the embeddings (exact; see the module docstring).

    ``projection_dim``, ``n_cells`` and ``seed`` only change the speed, never the pairs;
    ``threads``: FAISS OpenMP threads (None: FAISS's default).
    """
    delta = check_delta(delta)
    ids = pd.Index(emb.query_ids, dtype=object)
    if ids.has_duplicates:
        raise InputError(
            f"embeddings (encoder {emb.encoder}): query_id must be unique; repeated e.g. {ids[ids.duplicated()][:3].tolist()}"
        )
    x, norms = _checked_vectors(emb.vectors, f"embeddings (encoder {emb.encoder})")
    if len(ids) != len(x):
        raise InputError(f"embeddings: {len(ids)} query ids but {len(x)} vectors")
    first, node = exact_duplicate_nodes(x)
    distinct = (x, norms) if len(first) == len(x) else (x[first], norms[first])
    u_i, u_j, u_cos, n_candidates = _verified_pairs(
        *distinct, delta, threads, projection_dim=projection_dim, n_cells=n_cells, seed=seed
    )
    return PairGraph(ids, first, node, u_i, u_j, u_cos, delta, int(n_candidates), str(emb.encoder))
