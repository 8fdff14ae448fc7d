"""Accuracy of models over groups of queries, from the observed labels only.

The shared layer under the stages that rank, score or prune models: every accuracy is the mean of
a model's *observed* labels (``LabelMatrix.mask``) over the queries in question; a missing label is
never read as 0, and a model with no observed label there gets NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import InputError
from .store import Benchmark, LabelMatrix


def _category_onehot(categories: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """(n_queries, n_tasks) 0/1 matrix and the sorted task index."""
    codes, tasks = pd.factorize(categories.astype(object), sort=True)
    onehot = np.zeros((len(codes), len(tasks)), dtype=np.float64)
    onehot[np.arange(len(codes)), codes] = 1.0
    return onehot, pd.Index(tasks, dtype=object, name="task")


def accuracy_by_group(matrix: LabelMatrix, groups: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mean observed label per (group, model) and the number of observed labels behind it.

    ``groups`` gives each query's group (same order as ``matrix.query_ids``). Two matrix
    products (sums and counts); a model with no observed label in a group gets NaN there.
    """
    onehot, index = _category_onehot(groups.reset_index(drop=True))
    sums = matrix.filled(0.0).astype(np.float64) @ onehot  # (models, groups)
    counts = matrix.mask.astype(np.float64) @ onehot
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.where(counts > 0, sums / np.where(counts > 0, counts, 1.0), np.nan)
    columns = pd.Index(matrix.models, dtype=object, name="model")
    return (
        pd.DataFrame(acc.T, index=index, columns=columns),
        pd.DataFrame(counts.T.astype(np.int64), index=index, columns=columns),
    )


def task_accuracy(bench: Benchmark) -> pd.DataFrame:
    """Tasks x models table of accuracy (mean over observed labels on all queries of the task)."""
    return accuracy_by_group(bench.matrix, bench.queries["category"])[0]


def observed_mean(labels: LabelMatrix) -> np.ndarray:
    """Per-model mean of the observed labels (NaN for a model without any), float64."""
    count = labels.mask.sum(axis=1)
    total = labels.filled(0.0).sum(axis=1, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def model_accuracy(bench: Benchmark, split: str | None = None) -> pd.Series:
    """Per-model mean observed label, over one split (or all queries when ``split`` is None)."""
    matrix = bench.matrix
    if split is not None:
        chosen = bench.queries.loc[bench.queries["split"] == split, "query_id"]
        if chosen.empty:
            raise InputError(
                f"{bench.name} queries: column 'split' has no '{split}' query; the heuristic "
                "generalist is chosen on training accuracy"
            )
        matrix = matrix.subset(query_ids=chosen.tolist())
    counts = matrix.mask.sum(axis=1)
    sums = matrix.filled(0.0).astype(np.float64).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return pd.Series(acc, index=pd.Index(matrix.models, dtype=object, name="model"), name="accuracy")
