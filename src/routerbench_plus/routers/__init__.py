"""Routers: predict a models x queries quality-score matrix from query embeddings.

Every router implements the same small interface (:class:`Router`, ``base.py``):

* ``fit(train_emb, train_labels, costs, val_emb=None, val_labels=None) -> self`` with
  ``train_emb`` (n, d) float32 L2-normalised, ``train_labels`` an :class:`store.LabelMatrix`
  (models x training queries, NaN + ``mask`` where missing) and ``costs`` one cost per model;
* ``predict(emb) -> (n_models, n_queries) float32`` predicted quality scores.

Optional class attributes: ``needs_embeddings = False`` (the router ignores embeddings, so it
also runs on benchmarks without prompts; it then receives a zero-width (n, 0) array) and
``needs_true_labels = True`` (only the oracle: ``predict(emb, true_labels=LabelMatrix)``).
Turning scores into picks under a budget is :func:`routing.pick`, shared by all routers.

The built-in types are listed once, in ``registry.BUILTIN``; hyper-parameters come from the config
section ``routers.<name>`` through :func:`make_router`; ``type`` is a built-in name or
``module:Class`` for a user's router.
"""

from .base import BaseRouter, Router, set_threads
from .neural import MFRouter, MLPRouter
from .registry import BUILTIN, RouterType, check_routers, make_router, needs_embeddings, router_class, router_threads
from .scoring import score_split
from .simple import HeuristicRouter, KMeansRouter, KNNRouter, OracleRouter, RandomRouter

__all__ = [
    "BUILTIN", "BaseRouter", "HeuristicRouter", "KMeansRouter", "KNNRouter", "MFRouter", "MLPRouter", "OracleRouter",
    "RandomRouter", "Router", "RouterType", "check_routers", "make_router", "needs_embeddings", "router_class",
    "router_threads", "score_split", "set_threads",
]
