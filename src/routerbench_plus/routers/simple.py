"""The built-in routers without a network: heuristic, oracle and random (labels only), K-NN and
K-Means (query embeddings)."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from ..accuracy import observed_mean
from ..errors import ConfigError, InputError
from ..store import LabelMatrix
from .base import AUTO, BaseRouter, check_fit_inputs, check_size, group_means, import_faiss, label_columns, resolve_size


class HeuristicRouter(BaseRouter):
    """Every query goes to the affordable model with the best mean training accuracy."""

    needs_embeddings = False

    def fit(self, train_emb, train_labels, costs, val_emb=None, val_labels=None):
        check_fit_inputs(train_emb, train_labels, costs, self.key)
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


class KNNRouter(BaseRouter):
    """Per model, the mean observed label over the k most cosine-similar training queries.

    Exact inner-product search with faiss (``IndexFlatIP``) on the L2-normalised embeddings;
    the labels of the neighbours are gathered with one sparse (queries x train) product.
    ``k``: an integer, a share of the training queries in (0, 1), or ``auto`` = round(sqrt(n_train)),
    the usual rule of thumb (EmbedLLM's ~28.5k training queries: 169; the study used 131), resolved
    at fit (``k_``) so it fits every split.
    """

    def __init__(self, k: int | float | str = AUTO, batch_size: int = 4096):
        check_size(k, f"{self.key}.k")
        self.k = k
        self.batch_size = int(batch_size)

    def fit(self, train_emb, train_labels, costs, val_emb=None, val_labels=None):
        faiss = import_faiss()
        check_fit_inputs(train_emb, train_labels, costs, self.key)
        n_train = train_emb.shape[0]
        self.k_ = resolve_size(self.k, n_train, np.sqrt, f"{self.key}.k")
        if self.k_ > n_train:
            raise ConfigError(
                f"config key {self.key}.k: k={self.k_} is larger than the training set ({n_train} queries)"
            )
        self.index_ = faiss.IndexFlatIP(train_emb.shape[1])
        self.index_.add(np.ascontiguousarray(train_emb, dtype=np.float32))
        self.filled_t_, self.mask_t_ = label_columns(train_labels)
        self.prior_ = observed_mean(train_labels)
        self.n_models_ = train_labels.shape[0]
        return self

    def neighbours(self, emb: np.ndarray) -> np.ndarray:
        """Indices (n, k) of the k nearest training queries (highest inner product first)."""
        _, idx = self.index_.search(np.ascontiguousarray(emb, dtype=np.float32), self.k_)
        return idx

    def predict(self, emb: np.ndarray) -> np.ndarray:
        self._fitted()
        n_train = self.filled_t_.shape[0]
        out = np.empty((self.n_models_, emb.shape[0]), dtype=np.float32)
        for start in range(0, emb.shape[0], self.batch_size):  # memory bound on batches, not a query loop
            idx = self.neighbours(emb[start : start + self.batch_size])
            rows = np.repeat(np.arange(idx.shape[0]), self.k_)
            adj = sparse.csr_matrix(
                (np.ones(idx.size), (rows, idx.ravel())), shape=(idx.shape[0], n_train)
            )
            out[:, start : start + idx.shape[0]] = group_means(adj, self.filled_t_, self.mask_t_, self.prior_)
        return out


class KMeansRouter(BaseRouter):
    """Cluster the training embeddings; a query takes its nearest centroid's per-model mean label.

    ``n_clusters``: an integer, a share of the training queries in (0, 1), or ``auto`` =
    round(sqrt(n_train / 2)), the classic rule of thumb (the demo: ~30), resolved at fit (``n_clusters_``).
    """

    def __init__(self, n_clusters: int | float | str = AUTO, seed: int = 0, n_init: int = 1, max_iter: int = 300):
        check_size(n_clusters, f"{self.key}.n_clusters")
        self.n_clusters = n_clusters
        self.seed = int(seed)
        self.n_init = int(n_init)
        self.max_iter = int(max_iter)

    def fit(self, train_emb, train_labels, costs, val_emb=None, val_labels=None):
        from sklearn.cluster import KMeans

        check_fit_inputs(train_emb, train_labels, costs, self.key)
        self.n_clusters_ = resolve_size(self.n_clusters, train_emb.shape[0], lambda n: np.sqrt(n / 2),
                                        f"{self.key}.n_clusters")
        if not 1 <= self.n_clusters_ <= train_emb.shape[0]:
            raise ConfigError(
                f"config key {self.key}.n_clusters: {self.n_clusters_} must be between 1 and the "
                f"training set size ({train_emb.shape[0]} queries)"
            )
        self.kmeans_ = KMeans(
            n_clusters=self.n_clusters_, random_state=self.seed, n_init=self.n_init, max_iter=self.max_iter
        ).fit(np.asarray(train_emb, dtype=np.float32))
        assign = self.kmeans_.labels_
        members = sparse.csr_matrix(
            (np.ones(len(assign)), (assign, np.arange(len(assign)))),
            shape=(self.n_clusters_, len(assign)),
        )
        self.table_ = group_means(members, *label_columns(train_labels), observed_mean(train_labels))  # (M, K)
        self.n_models_ = train_labels.shape[0]
        return self

    def predict(self, emb: np.ndarray) -> np.ndarray:
        self._fitted()
        cluster = self.kmeans_.predict(np.asarray(emb, dtype=np.float32))
        return np.ascontiguousarray(self.table_[:, cluster])
