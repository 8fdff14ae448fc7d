"""Running one router on a split: fit on its train (and val) queries, score its test queries."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ..errors import InputError
from ..store import Benchmark, Embeddings, LabelMatrix
from .base import Router

log = logging.getLogger(__name__)


def _role_labels(bench: Benchmark, role: str) -> LabelMatrix:
    matrix = bench.matrix
    cols = np.flatnonzero(bench.queries["split"].to_numpy() == role)
    return LabelMatrix(matrix.values[:, cols], matrix.mask[:, cols], matrix.models, matrix.query_ids[cols])


def _role_embeddings(embeddings: Embeddings | None, query_ids: pd.Index, needed: bool, key: str) -> np.ndarray:
    if not needed:
        return np.zeros((len(query_ids), 0), dtype=np.float32)
    if embeddings is None:
        raise InputError(f"{key}: this router needs query embeddings, but none were given")
    vectors = embeddings.take(query_ids)
    norms = np.linalg.norm(vectors, axis=1)
    if len(norms) and not np.allclose(norms, 1.0, atol=1e-3):
        raise InputError(
            f"embeddings (encoder {embeddings.encoder}): vectors must be L2-normalised; norms range "
            f"{norms.min():.3f}..{norms.max():.3f}"
        )
    return vectors


def score_split(
    router: Router, bench: Benchmark, embeddings: Embeddings | None, costs: np.ndarray, key: str = "router"
) -> np.ndarray:
    """Fit ``router`` on the split's train (val for early stopping) and score its test queries.

    Returns (n_models, n_test) float32 in the order of ``bench.models`` x test queries of
    ``bench.queries``. Only the oracle (``needs_true_labels``) is given the test labels.
    """
    need = bool(getattr(router, "needs_embeddings", True))
    train, val, test = (_role_labels(bench, r) for r in ("train", "val", "test"))
    if test.shape[1] == 0:
        raise InputError(f"{bench.name} queries: no 'test' query in column 'split'; nothing to score")
    train_emb = _role_embeddings(embeddings, train.query_ids, need, key)
    val_emb = _role_embeddings(embeddings, val.query_ids, need, key)
    test_emb = _role_embeddings(embeddings, test.query_ids, need, key)
    log.info(
        "%s: %d models; %d train, %d val, %d test queries",
        key, train.shape[0], train.shape[1], val.shape[1], test.shape[1],
    )
    router.fit(train_emb, train, np.asarray(costs, dtype=np.float64),
               val_emb if val.shape[1] else None, val if val.shape[1] else None)
    if getattr(router, "needs_true_labels", False):
        scores = router.predict(test_emb, true_labels=test)
    else:
        scores = router.predict(test_emb)
    scores = np.asarray(scores)
    if scores.shape != test.shape:
        raise InputError(
            f"{key}: predict() returned shape {scores.shape}; expected (n_models, n_queries) = {test.shape}"
        )
    if not np.issubdtype(scores.dtype, np.number):
        raise InputError(f"{key}: predict() returned non-numeric scores ({scores.dtype})")
    return scores.astype(np.float32)
