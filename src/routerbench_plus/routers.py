"""Routers: predict a models x queries quality-score matrix from query embeddings.

Every router implements the same small interface (:class:`Router`):

* ``fit(train_emb, train_labels, costs, val_emb=None, val_labels=None) -> self`` with
  ``train_emb`` (n, d) float32 L2-normalised, ``train_labels`` an :class:`io.LabelMatrix`
  (models x training queries, NaN + ``mask`` where missing) and ``costs`` one cost per model;
* ``predict(emb) -> (n_models, n_queries) float32`` predicted quality scores.

Optional class attributes: ``needs_embeddings = False`` (the router ignores embeddings, so it
also runs on benchmarks without prompts; it then receives a zero-width (n, 0) array) and
``needs_true_labels = True`` (only the oracle: ``predict(emb, true_labels=LabelMatrix)``).
Turning scores into picks under a budget is :func:`routing.pick`, shared by all routers.

Hyper-parameters come from the config section ``routers.<name>`` through :func:`make_router`;
``type`` is a built-in name or ``module:Class`` for a user's router.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import sys
from typing import Any, Mapping, Protocol, Sequence, runtime_checkable

import numpy as np
import pandas as pd
from scipy import sparse

from .errors import ConfigError, InputError
from .io import Benchmark, Embeddings, LabelMatrix

log = logging.getLogger(__name__)


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
    ) -> "Router": ...

    def predict(self, emb: np.ndarray) -> np.ndarray: ...


# --------------------------------------------------------------------------- helpers


def observed_mean(labels: LabelMatrix) -> np.ndarray:
    """Per-model mean of the observed labels (NaN for a model without any), float64."""
    count = labels.mask.sum(axis=1)
    total = labels.filled(0.0).sum(axis=1, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


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


def _check_fit_inputs(train_emb: np.ndarray, train_labels: LabelMatrix, costs: np.ndarray, key: str) -> None:
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


def _torch():
    import torch

    if _THREADS:
        torch.set_num_threads(_THREADS[0])
    return torch


def _faiss():
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)  # CPU-feature probing is not news
    import faiss

    if _THREADS:
        faiss.omp_set_num_threads(_THREADS[0])
    return faiss


class BaseRouter:
    """Shared bits of the built-in routers: the config key used in error messages."""

    needs_embeddings = True
    needs_true_labels = False
    key = "routers.<name>"

    n_models_: int

    def _fitted(self) -> None:
        if not hasattr(self, "n_models_"):
            raise RuntimeError(f"{self.key}: predict() called before fit()")


# --------------------------------------------------------------------------- label-only routers


class HeuristicRouter(BaseRouter):
    """Every query goes to the affordable model with the best mean training accuracy."""

    needs_embeddings = False

    def fit(self, train_emb, train_labels, costs, val_emb=None, val_labels=None):
        _check_fit_inputs(train_emb, train_labels, costs, self.key)
        self.mean_ = observed_mean(train_labels)
        self.n_models_ = train_labels.shape[0]
        return self

    def predict(self, emb: np.ndarray) -> np.ndarray:
        self._fitted()
        return np.repeat(self.mean_.astype(np.float32)[:, None], emb.shape[0], axis=1)


class OracleRouter(BaseRouter):
    """Scores are the true test labels (an upper bound).

    Ties between models with the same true label go to the cheaper model through
    :func:`routing.pick`'s exact tie rule (no epsilon added to the labels, so soft labels
    keep their exact order).
    """

    needs_embeddings = False
    needs_true_labels = True

    def fit(self, train_emb, train_labels, costs, val_emb=None, val_labels=None):
        self.n_models_ = train_labels.shape[0]
        return self

    def predict(self, emb: np.ndarray, true_labels: LabelMatrix | None = None) -> np.ndarray:
        self._fitted()
        if true_labels is None:
            raise InputError(f"{self.key}: the oracle needs the true labels of the queries it scores")
        if true_labels.shape != (self.n_models_, emb.shape[0]):
            raise InputError(
                f"{self.key}: true labels {true_labels.shape} do not match "
                f"{self.n_models_} models x {emb.shape[0]} queries"
            )
        return true_labels.values.astype(np.float32)  # NaN where unobserved: never eligible


class RandomRouter(BaseRouter):
    """Seeded uniform scores: the pick is uniform among eligible models (sanity baseline).

    Its exact expectation is :func:`routing.expected_random_quality`.
    """

    needs_embeddings = False

    def __init__(self, seed: int = 0):
        self.seed = int(seed)

    def fit(self, train_emb, train_labels, costs, val_emb=None, val_labels=None):
        self.n_models_ = train_labels.shape[0]
        return self

    def predict(self, emb: np.ndarray) -> np.ndarray:
        self._fitted()
        rng = np.random.default_rng(self.seed)
        return rng.random((self.n_models_, emb.shape[0]), dtype=np.float32)


# --------------------------------------------------------------------------- K-NN and K-Means


class KNNRouter(BaseRouter):
    """Per model, the mean observed label over the k most cosine-similar training queries.

    Exact inner-product search with faiss (``IndexFlatIP``) on the L2-normalised embeddings;
    the labels of the neighbours are gathered with one sparse (queries x train) product.
    """

    def __init__(self, k: int = 50, batch_size: int = 4096):
        if int(k) < 1:
            raise ConfigError(f"config key {self.key}.k: expected an integer >= 1; got {k}")
        self.k = int(k)
        self.batch_size = int(batch_size)

    def fit(self, train_emb, train_labels, costs, val_emb=None, val_labels=None):
        faiss = _faiss()
        _check_fit_inputs(train_emb, train_labels, costs, self.key)
        n_train = train_emb.shape[0]
        if self.k > n_train:
            raise ConfigError(
                f"config key {self.key}.k: k={self.k} is larger than the training set ({n_train} queries)"
            )
        self.index_ = faiss.IndexFlatIP(train_emb.shape[1])
        self.index_.add(np.ascontiguousarray(train_emb, dtype=np.float32))
        self.filled_t_, self.mask_t_ = label_columns(train_labels)
        self.prior_ = observed_mean(train_labels)
        self.n_models_ = train_labels.shape[0]
        return self

    def neighbours(self, emb: np.ndarray) -> np.ndarray:
        """Indices (n, k) of the k nearest training queries (highest inner product first)."""
        _, idx = self.index_.search(np.ascontiguousarray(emb, dtype=np.float32), self.k)
        return idx

    def predict(self, emb: np.ndarray) -> np.ndarray:
        self._fitted()
        n_train = self.filled_t_.shape[0]
        out = np.empty((self.n_models_, emb.shape[0]), dtype=np.float32)
        for start in range(0, emb.shape[0], self.batch_size):  # memory bound on batches, not a query loop
            idx = self.neighbours(emb[start : start + self.batch_size])
            rows = np.repeat(np.arange(idx.shape[0]), self.k)
            adj = sparse.csr_matrix(
                (np.ones(idx.size), (rows, idx.ravel())), shape=(idx.shape[0], n_train)
            )
            out[:, start : start + idx.shape[0]] = group_means(adj, self.filled_t_, self.mask_t_, self.prior_)
        return out


class KMeansRouter(BaseRouter):
    """Cluster the training embeddings; a query takes its nearest centroid's per-model mean label."""

    def __init__(self, n_clusters: int = 32, seed: int = 0, n_init: int = 1, max_iter: int = 300):
        self.n_clusters = int(n_clusters)
        self.seed = int(seed)
        self.n_init = int(n_init)
        self.max_iter = int(max_iter)

    def fit(self, train_emb, train_labels, costs, val_emb=None, val_labels=None):
        from sklearn.cluster import KMeans

        _check_fit_inputs(train_emb, train_labels, costs, self.key)
        if not 1 <= self.n_clusters <= train_emb.shape[0]:
            raise ConfigError(
                f"config key {self.key}.n_clusters: {self.n_clusters} must be between 1 and the "
                f"training set size ({train_emb.shape[0]} queries)"
            )
        self.kmeans_ = KMeans(
            n_clusters=self.n_clusters, random_state=self.seed, n_init=self.n_init, max_iter=self.max_iter
        ).fit(np.asarray(train_emb, dtype=np.float32))
        assign = self.kmeans_.labels_
        members = sparse.csr_matrix(
            (np.ones(len(assign)), (assign, np.arange(len(assign)))),
            shape=(self.n_clusters, len(assign)),
        )
        self.table_ = group_means(members, *label_columns(train_labels), observed_mean(train_labels))  # (M, K)
        self.n_models_ = train_labels.shape[0]
        return self

    def predict(self, emb: np.ndarray) -> np.ndarray:
        self._fitted()
        cluster = self.kmeans_.predict(np.asarray(emb, dtype=np.float32))
        return np.ascontiguousarray(self.table_[:, cluster])


# --------------------------------------------------------------------------- PyTorch routers


def _masked_bce(logits, target, mask):
    import torch

    loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="none")
    return (loss * mask).sum() / mask.sum().clamp(min=1.0)


def _per_model_bce(logits, target, mask):
    """(M,) masked BCE of each model's column: mean over its observed labels (0 where it has none)."""
    import torch

    loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="none")
    return (loss * mask).sum(dim=0) / mask.sum(dim=0).clamp(min=1.0)


class _TorchRouter(BaseRouter):
    """Shared training loop: masked BCE on observed labels, Adam, early stopping on validation.

    A router whose network is a batched ensemble of independent per-model networks (``_per_model``)
    trains on the sum of the per-model losses (each network gets exactly its own gradient, and Adam's
    per-parameter state keeps them independent) and stops each network on its own validation loss:
    the best epoch of every model is restored separately, and training ends when every model has
    stopped (a model without validation labels keeps its last weights).
    """

    _per_model = False

    def __init__(self, epochs: int, lr: float, patience: int, seed: int, batch_size: int, weight_decay: float):
        self.epochs = int(epochs)
        self.lr = float(lr)
        self.patience = int(patience)
        self.seed = int(seed)
        self.batch_size = int(batch_size)
        self.weight_decay = float(weight_decay)
        for name in ("epochs", "patience", "batch_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"config key {self.key}.{name}: expected an integer >= 1; got {getattr(self, name)}")
        if self.lr <= 0:
            raise ConfigError(f"config key {self.key}.lr: expected > 0; got {self.lr}")

    def _build(self, dim_in: int, n_models: int):  # -> torch.nn.Module
        raise NotImplementedError

    def _augment(self, x, generator):
        return x

    def fit(self, train_emb, train_labels, costs, val_emb=None, val_labels=None):
        torch = _torch()
        _check_fit_inputs(train_emb, train_labels, costs, self.key)
        torch.manual_seed(self.seed)
        gen = torch.Generator().manual_seed(self.seed)
        x = torch.from_numpy(np.ascontiguousarray(train_emb, dtype=np.float32))
        y = torch.from_numpy(train_labels.filled(0.0).T.copy())
        m = torch.from_numpy(train_labels.mask.T.astype(np.float32))
        use_val = val_emb is not None and val_labels is not None and val_labels.mask.any()
        if use_val:
            xv = torch.from_numpy(np.ascontiguousarray(val_emb, dtype=np.float32))
            yv = torch.from_numpy(val_labels.filled(0.0).T.copy())
            mv = torch.from_numpy(val_labels.mask.T.astype(np.float32))
        else:
            log.warning(
                "%s: no validation labels; training all %d epochs without early stopping", self.key, self.epochs
            )
        self.net_ = self._build(x.shape[1], y.shape[1])
        opt = torch.optim.Adam(self.net_.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        if self._per_model:
            self._fit_per_model(torch, opt, gen, x, y, m, (xv, yv, mv) if use_val else None)
            self.n_models_ = train_labels.shape[0]
            return self
        best, best_state, stale = np.inf, None, 0
        self.history_: list[tuple[int, float, float]] = []
        for epoch in range(self.epochs):
            self.net_.train()
            perm = torch.randperm(x.shape[0], generator=gen)
            total = 0.0
            for start in range(0, x.shape[0], self.batch_size):
                b = perm[start : start + self.batch_size]
                opt.zero_grad()
                loss = _masked_bce(self.net_(self._augment(x[b], gen)), y[b], m[b])
                loss.backward()
                opt.step()
                total += loss.detach().item() * len(b)
            train_loss = total / x.shape[0]
            if not use_val:
                self.history_.append((epoch, train_loss, float("nan")))
                continue
            self.net_.eval()
            with torch.no_grad():
                val_loss = _masked_bce(self.net_(xv), yv, mv).item()
            self.history_.append((epoch, train_loss, val_loss))
            if val_loss < best - 1e-6:
                best, stale = val_loss, 0
                best_state = {k: v.detach().clone() for k, v in self.net_.state_dict().items()}
            else:
                stale += 1
                if stale >= self.patience:
                    break
        if best_state is not None:
            self.net_.load_state_dict(best_state)
        self.best_epoch_ = int(np.nanargmin([h[2] for h in self.history_])) if use_val else self.epochs - 1
        log.info(
            "%s: trained %d epoch(s), best epoch %d (val loss %.4f)",
            self.key, len(self.history_), self.best_epoch_, best if use_val else float("nan"),
        )
        self.n_models_ = train_labels.shape[0]
        return self

    def _forward_chunks(self, torch, x):
        """Logits of ``x`` in chunks of batch_size queries (bounded memory for the ensemble), no grad."""
        self.net_.eval()
        with torch.no_grad():
            return torch.cat([self.net_(x[i : i + self.batch_size]) for i in range(0, x.shape[0], self.batch_size)])

    def _fit_per_model(self, torch, opt, gen, x, y, m, val) -> None:
        """The training loop of a per-model ensemble with per-model early stopping (see the class docstring)."""
        n_models = y.shape[1]
        params = list(self.net_.parameters())  # every parameter has the model axis first
        best_params = [p.detach().clone() for p in params]
        best = torch.full((n_models,), float("inf"))
        stale = torch.zeros(n_models, dtype=torch.long)
        has_val = (val[2].sum(dim=0) > 0) if val is not None else torch.zeros(n_models, dtype=torch.bool)
        best_epoch = torch.full((n_models,), -1, dtype=torch.long)
        self.history_ = []
        val_losses = []
        for epoch in range(self.epochs):
            self.net_.train()
            perm = torch.randperm(x.shape[0], generator=gen)
            total = 0.0
            for start in range(0, x.shape[0], self.batch_size):
                b = perm[start : start + self.batch_size]
                opt.zero_grad()
                loss = _per_model_bce(self.net_(self._augment(x[b], gen)), y[b], m[b]).sum()
                loss.backward()
                opt.step()
                total += loss.detach().item() * len(b)
            train_loss = total / x.shape[0] / n_models
            if val is None:
                self.history_.append((epoch, train_loss, float("nan")))
                continue
            val_loss = _per_model_bce(self._forward_chunks(torch, val[0]), val[1], val[2])
            val_losses.append(val_loss.numpy().copy())
            active = has_val & (stale < self.patience)
            improved = active & (val_loss < best - 1e-6)
            with torch.no_grad():
                for p, kept in zip(params, best_params):
                    kept[improved] = p.detach()[improved]
            best = torch.where(improved, val_loss, best)
            best_epoch = torch.where(improved, torch.tensor(epoch), best_epoch)
            stale = torch.where(improved, torch.zeros_like(stale), stale + active.long())
            self.history_.append((epoch, train_loss, float(val_loss[has_val].mean()) if has_val.any() else float("nan")))
            if not (has_val & (stale < self.patience)).any():
                break
        with torch.no_grad():  # each model's best epoch; a model without validation labels keeps its last weights
            restore = best_epoch >= 0
            for p, kept in zip(params, best_params):
                p[restore] = kept[restore]
        self.best_epochs_ = best_epoch.numpy().copy()
        self.val_losses_ = np.array(val_losses).reshape(len(val_losses), n_models)  # (epochs run, models)
        if val is None:
            log.warning("%s: no validation labels; trained all %d epochs without early stopping", self.key, self.epochs)
        elif (~has_val).any():
            log.warning("%s: %d model(s) have no validation label and keep their last weights", self.key,
                        int((~has_val).sum()))
        stopped = self.best_epochs_[self.best_epochs_ >= 0]
        log.info("%s: %d networks trained %d epoch(s); best epochs min %s / median %s / max %s", self.key, n_models,
                 len(self.history_), *(np.percentile(stopped, [0, 50, 100]).astype(int) if stopped.size else ["-"] * 3))

    def predict(self, emb: np.ndarray) -> np.ndarray:
        import torch

        self._fitted()
        x = torch.from_numpy(np.ascontiguousarray(emb, dtype=np.float32))
        if self._per_model:  # the ensemble's hidden layer is (queries x models x hidden): chunk the queries
            return torch.sigmoid(self._forward_chunks(torch, x)).numpy().T.astype(np.float32).copy()
        self.net_.eval()
        with torch.no_grad():
            logits = self.net_(x)
        return torch.sigmoid(logits).numpy().T.astype(np.float32).copy()


class _PerModelMLP:  # built lazily so that importing this module does not import torch
    @staticmethod
    def make(dim_in: int, n_models: int, hidden: int, dropout: float):
        import torch

        class PerModelMLP(torch.nn.Module):
            """M independent MLPs (embedding -> hidden, ReLU, dropout -> one logit), batched:
            h[n, m] = relu(e_n W1[m] + b1[m]), logit[n, m] = h[n, m] . w2[m] + b2[m]. Each network is
            initialised like ``torch.nn.Linear`` (uniform +-1/sqrt(fan_in)), from the global seed."""

            def __init__(self):
                super().__init__()

                def uniform(fan_in, *shape):
                    bound = 1.0 / np.sqrt(fan_in)
                    return torch.nn.Parameter(torch.empty(*shape).uniform_(-bound, bound))

                self.w1 = uniform(dim_in, n_models, dim_in, hidden)
                self.b1 = uniform(dim_in, n_models, hidden)
                self.w2 = uniform(hidden, n_models, hidden)
                self.b2 = uniform(hidden, n_models)
                self.drop = torch.nn.Dropout(dropout)

            def forward(self, e):
                h = torch.relu(torch.einsum("nd,mdh->nmh", e, self.w1) + self.b1)
                return torch.einsum("nmh,mh->nm", self.drop(h), self.w2) + self.b2

        return PerModelMLP()


class MLPRouter(_TorchRouter):
    """One network, one output per model: embedding -> hidden (ReLU, dropout) -> logits.

    ``per_model: true``: the study's router (appendix E), one independent MLP per model, trained at
    once as a batched ensemble (weights (M, d, hidden), torch.einsum) with per-model early stopping.
    """

    def __init__(
        self,
        hidden: int = 128,
        epochs: int = 100,
        lr: float = 1e-3,
        patience: int = 10,
        seed: int = 0,
        batch_size: int = 256,
        dropout: float = 0.1,
        weight_decay: float = 0.0,
        per_model: bool = False,
    ):
        super().__init__(epochs, lr, patience, seed, batch_size, weight_decay)
        self.hidden = int(hidden)
        self.dropout = float(dropout)
        if not isinstance(per_model, (bool, np.bool_)):
            raise ConfigError(f"config key {self.key}.per_model: expected true or false; got {per_model!r}")
        self._per_model = bool(per_model)

    def _build(self, dim_in: int, n_models: int):
        import torch

        if self._per_model:
            return _PerModelMLP.make(dim_in, n_models, self.hidden, self.dropout)
        return torch.nn.Sequential(
            torch.nn.Linear(dim_in, self.hidden),
            torch.nn.ReLU(),
            torch.nn.Dropout(self.dropout),
            torch.nn.Linear(self.hidden, n_models),
        )


class _MFNet:  # built lazily so that importing this module does not import torch
    @staticmethod
    def make(dim_in: int, n_models: int, dim: int):
        import torch

        class MF(torch.nn.Module):
            """logit[q, m] = u_m . (W e_q) + b_m."""

            def __init__(self):
                super().__init__()
                self.proj = torch.nn.Linear(dim_in, dim, bias=False)
                self.models = torch.nn.Embedding(n_models, dim)
                self.bias = torch.nn.Parameter(torch.zeros(n_models))

            def forward(self, e):
                return self.proj(e) @ self.models.weight.T + self.bias

        return MF()


class MFRouter(_TorchRouter):
    """Matrix factorisation: y[m, q] ~ sigmoid(u_m . W e_q + b_m); Gaussian noise on e_q in training."""

    def __init__(
        self,
        dim: int = 64,
        epochs: int = 100,
        lr: float = 5e-3,
        noise: float = 0.01,
        patience: int = 10,
        seed: int = 0,
        batch_size: int = 256,
        weight_decay: float = 0.0,
    ):
        super().__init__(epochs, lr, patience, seed, batch_size, weight_decay)
        self.dim = int(dim)
        self.noise = float(noise)
        if self.noise < 0:
            raise ConfigError(f"config key {self.key}.noise: expected >= 0; got {self.noise}")

    def _build(self, dim_in: int, n_models: int):
        return _MFNet.make(dim_in, n_models, self.dim)

    def _augment(self, x, generator):
        import torch

        if self.noise == 0:
            return x
        return x + self.noise * torch.randn(x.shape, generator=generator)


# --------------------------------------------------------------------------- construction from config

BUILTIN: dict[str, type] = {
    "knn": KNNRouter,
    "kmeans": KMeansRouter,
    "mlp": MLPRouter,
    "mf": MFRouter,
    "heuristic": HeuristicRouter,
    "oracle": OracleRouter,
    "random": RandomRouter,
}


def router_class(name: str, spec: Mapping[str, Any], search_paths: Sequence[str] = ()) -> type:
    """The class named by ``routers.<name>.type``: a built-in name or ``module:Class``.

    ``search_paths`` are put in front of ``sys.path`` before importing a user module (the
    pipeline passes the workflow folder, so ``tests.example_router:CheapestAdequate`` works).
    """
    kind = spec.get("type") if isinstance(spec, Mapping) else None
    key = f"routers.{name}.type"
    if not isinstance(kind, str) or not kind:
        raise ConfigError(f"config key {key}: missing; expected one of {sorted(BUILTIN)} or 'module:Class'")
    if kind in BUILTIN:
        return BUILTIN[kind]
    module_name, sep, class_name = kind.partition(":")
    if not sep or not module_name or not class_name:
        raise ConfigError(
            f"config key {key}: '{kind}' is neither a built-in router {sorted(BUILTIN)} nor 'module:Class'"
        )
    for path in reversed(list(search_paths)):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(f"config key {key}: cannot import module '{module_name}' ({exc})") from None
    cls = getattr(module, class_name, None)
    if not isinstance(cls, type):
        raise ConfigError(f"config key {key}: module '{module_name}' has no class '{class_name}'")
    missing = [m for m in ("fit", "predict") if not callable(getattr(cls, m, None))]
    if missing:
        raise ConfigError(
            f"config key {key}: class '{kind}' does not implement the router interface (missing {missing}; "
            "expected fit(train_emb, train_labels, costs, val_emb, val_labels) and predict(emb))"
        )
    return cls


def needs_embeddings(name: str, spec: Mapping[str, Any], search_paths: Sequence[str] = ()) -> bool:
    """Whether the router of ``routers.<name>`` reads query embeddings (default True)."""
    return bool(getattr(router_class(name, spec, search_paths), "needs_embeddings", True))


def _param_problem(cls: type, params: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first hyper-parameter whose value cannot be read as the type of its default: (key, expected).

    A bool is neither an integer nor a number here, and an integer parameter refuses a
    fractional value (``k: 2.5`` would otherwise silently become 2).
    """
    parameters = inspect.signature(cls).parameters
    for key, value in params.items():
        default = parameters[key].default if key in parameters else None
        if isinstance(default, bool) or not isinstance(default, (int, float)):
            continue
        expected, convert = ("an integer", int) if isinstance(default, int) else ("a number", float)
        if isinstance(value, bool):
            return key, expected
        try:
            converted = convert(value)
        except (TypeError, ValueError, OverflowError):
            return key, expected
        if convert is int and isinstance(value, float) and converted != value:
            return key, expected
    return None


def make_router(name: str, spec: Mapping[str, Any], search_paths: Sequence[str] = ()) -> Router:
    """Instantiate ``routers.<name>`` with its hyper-parameters (every key except ``type``)."""
    cls = router_class(name, spec, search_paths)
    params = {k: v for k, v in spec.items() if k != "type"}
    try:
        signature = inspect.signature(cls)
        accepts_any = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
        unknown = [] if accepts_any else sorted(set(params) - set(signature.parameters))
    except (TypeError, ValueError):
        unknown = []
    if unknown:
        allowed = [p for p in inspect.signature(cls).parameters]
        raise ConfigError(
            f"unknown config key {', '.join(f'routers.{name}.{u}' for u in unknown)}; "
            f"router '{spec['type']}' accepts {allowed}"
        )
    problem = _param_problem(cls, params) if issubclass(cls, BaseRouter) else None
    if problem:
        raise ConfigError(f"config key routers.{name}.{problem[0]}: expected {problem[1]}; got {params[problem[0]]!r}")
    try:
        if issubclass(cls, BaseRouter):  # set the key first: errors in __init__ name the config entry
            router = cls.__new__(cls)
            router.key = f"routers.{name}"
            router.__init__(**params)
        else:
            router = cls(**params)
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"config key routers.{name}: cannot build router '{spec['type']}' ({exc})") from None
    return router


# --------------------------------------------------------------------------- running a router on a split


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


def scores_table(scores: np.ndarray, models: Sequence[str], query_ids: Sequence[str]) -> pd.DataFrame:
    """Long scores table: query_id, model, score (float32), query-major, every (query, model)."""
    n_models, n_queries = scores.shape
    return pd.DataFrame(
        {
            "query_id": pd.array(np.repeat(np.asarray(query_ids, dtype=object), n_models), dtype="string"),
            "model": pd.array(np.tile(np.asarray(models, dtype=object), n_queries), dtype="string"),
            "score": np.ascontiguousarray(scores.T).ravel().astype(np.float32),
        }
    )


def scores_matrix(
    table: pd.DataFrame, models: Sequence[str], query_ids: Sequence[str], where: str = "scores"
) -> np.ndarray:
    """(n_models, n_queries) float32 from a long scores table; every pair must be present."""
    missing_cols = [c for c in ("query_id", "model", "score") if c not in table.columns]
    if missing_cols:
        raise InputError(f"{where}: missing required column(s) {missing_cols}; found {list(table.columns)}")
    rows = pd.Index(list(models), dtype=object).get_indexer(table["model"].astype(object))
    cols = pd.Index(list(query_ids), dtype=object).get_indexer(table["query_id"].astype(object))
    keep = (rows >= 0) & (cols >= 0)
    out = np.full((len(models), len(query_ids)), np.nan, dtype=np.float32)
    seen = np.zeros(out.shape, dtype=bool)
    out[rows[keep], cols[keep]] = table["score"].to_numpy(dtype=np.float32)[keep]
    seen[rows[keep], cols[keep]] = True
    if not seen.all():
        raise InputError(
            f"{where}: {int((~seen).sum())} (model, query) pair(s) of the split's test set have no score"
        )
    return out
