"""A tiny user router: the cheapest model whose training accuracy reaches a threshold.

It shows the whole plug-in contract. In config/config.yaml:

    routers:
      cheapest-adequate: {type: "tests.example_router:CheapestAdequate", min_accuracy: 0.5}

``type`` is ``module:Class``; the pipeline imports the module with the workflow folder (the one
holding the Snakefile) on ``sys.path``, so a module of the repository (``tests.example_router``)
or any installed package works. Every other key of the entry is passed to ``__init__``.

The class needs ``fit(train_emb, train_labels, costs, val_emb=None, val_labels=None)`` returning
self and ``predict(emb)`` returning a (n_models, n_queries) score matrix. ``needs_embeddings =
False`` says it ignores the query embeddings, so it also runs on benchmarks without prompts.
The budgeted pick is shared: among affordable models with an observed label, the highest score
wins and ties go to the cheaper model, so equal scores of 1 for every adequate model make the
pick the cheapest adequate one (and the cheapest model at all when none is adequate).
"""

from __future__ import annotations

import numpy as np


class CheapestAdequate:
    """Score 1 for models whose mean training accuracy is >= min_accuracy, else 0."""

    needs_embeddings = False

    def __init__(self, min_accuracy: float = 0.5):
        self.min_accuracy = float(min_accuracy)

    def fit(self, train_emb, train_labels, costs, val_emb=None, val_labels=None):
        observed = train_labels.mask.sum(axis=1)
        total = np.where(train_labels.mask, train_labels.values, 0.0).sum(axis=1)
        accuracy = np.divide(total, observed, out=np.zeros(len(observed)), where=observed > 0)
        self.adequate_ = (accuracy >= self.min_accuracy).astype(np.float32)
        return self

    def predict(self, emb):
        return np.repeat(self.adequate_[:, None], emb.shape[0], axis=1)


class NotARouter:
    """Lacks predict(): the pipeline must refuse it with a ConfigError (used by the tests)."""

    def fit(self, *args, **kwargs):
        return self
