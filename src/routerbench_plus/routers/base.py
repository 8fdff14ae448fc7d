"""The router interface and what the built-in routers share: label operands, thread settings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np
from scipy import sparse

from ..errors import ConfigError, InputError
from ..store import LabelMatrix


@runtime_checkable
class Router(Protocol):
    """What the pipeline needs from a router (built-in or a user's ``module:Class``)."""

    def fit(
        self,
        train_emb: np.ndarray,
        train_labels: LabelMatrix,
        costs: np.ndarray,
        val_emb: np.ndarray | None = None,
        val_labels: LabelMatrix | None = None,
    ) -> Router: ...

    def predict(self, emb: np.ndarray) -> np.ndarray: ...


def label_columns(labels: LabelMatrix) -> tuple[np.ndarray, np.ndarray]:
    """Training labels as (n_queries, n_models) float64 sums and counts operands (0 where missing)."""
    return (
        np.ascontiguousarray(labels.filled(0.0).T, dtype=np.float64),
        np.ascontiguousarray(labels.mask.T, dtype=np.float64),
    )


def group_means(
    groups: sparse.csr_matrix, filled_t: np.ndarray, mask_t: np.ndarray, prior: np.ndarray
) -> np.ndarray:
    """Mean observed label per (group row, model) for a sparse groups x training-queries 0/1 matrix.

    ``groups @ filled_t`` sums the labels, ``groups @ mask_t`` counts them (operands from
    :func:`label_columns`): a gather with the mask, no loop over queries. Where a group has no
    observed label of a model, the model's overall training mean ``prior`` is used.
    Returns (n_models, n_groups) float32.
    """
    total = groups @ filled_t
    count = groups @ mask_t
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), prior[None, :])
    return np.ascontiguousarray(mean.T, dtype=np.float32)


def check_fit_inputs(train_emb: np.ndarray, train_labels: LabelMatrix, costs: np.ndarray, key: str) -> None:
    n_models, n_queries = train_labels.shape
    if train_emb.shape[0] != n_queries:
        raise InputError(
            f"{key}: {train_emb.shape[0]} training embeddings but {n_queries} training queries in the labels"
        )
    if len(costs) != n_models:
        raise InputError(f"{key}: {len(costs)} costs for {n_models} models")
    if n_queries == 0:
        raise InputError(f"{key}: no training query (split has no 'train' rows)")


_THREADS: list[int] = []


def set_threads(n: int) -> None:
    """Use ``n`` threads (the rule's threads) in BLAS/OpenMP pools, torch and faiss.

    torch and faiss are only imported by the routers that use them; they read this setting.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(int(n))
    _THREADS[:] = [int(n)]


def import_torch():
    import torch

    if _THREADS:
        torch.set_num_threads(_THREADS[0])
    return torch


def import_faiss():
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)  # CPU-feature probing is not news
    import faiss

    if _THREADS:
        faiss.omp_set_num_threads(_THREADS[0])
    return faiss


AUTO = "auto"


def check_size(value: Any, key: str) -> None:
    """A size hyper-parameter (K-NN's k, K-Means' n_clusters): an integer >= 1, a number in (0, 1) (a
    share of the training queries) or 'auto'; anything else is a ConfigError naming ``key``."""
    if value == AUTO:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not value > 0 \
            or (value >= 1 and int(value) != value):
        raise ConfigError(f"config key {key}: expected an integer >= 1, a share of the training queries in (0, 1) "
                          f"or 'auto'; got {value!r}")


def resolve_size(value: Any, n_train: int, auto: Callable[[int], float], key: str) -> int:
    """:func:`check_size`'s setting for ``n_train`` training queries: 'auto' is ``auto(n_train)``, a share f
    is f * n_train (both rounded half up and clipped to [1, n_train]); an integer stays as it is."""
    check_size(value, key)
    if value != AUTO and value >= 1:
        return int(value)
    raw = auto(n_train) if value == AUTO else float(value) * n_train
    size = int(min(max(1, np.floor(raw + 0.5)), max(n_train, 1)))
    logging.getLogger(__name__).info("%s=%s: %d for %d training queries", key, value, size, n_train)
    return size


class BaseRouter:
    """Shared bits of the built-in routers: the config key used in error messages."""

    needs_embeddings = True
    needs_true_labels = False
    key = "routers.<name>"

    n_models_: int

    def _fitted(self) -> None:
        if not hasattr(self, "n_models_"):
            raise RuntimeError(f"{self.key}: predict() called before fit()")


