"""Stage 3a, model dominance: average rank of every model over tasks.

Per task, models are ranked by accuracy (1 = best; ties get the average of the ranks they span);
a model's average rank is the mean of its ranks over the tasks it has labels on. A model with no
observed label on a task is left out of that task's ranking (the task then ranks fewer models).
Labels only: no prompts or embeddings are needed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .accuracy import task_accuracy
from .errors import ConfigError
from .store import Benchmark


def task_ranks(acc: pd.DataFrame) -> pd.DataFrame:
    """Tasks x models ranks (1 = best, ties averaged, NaN where the model has no label)."""
    return acc.rank(axis=1, method="average", ascending=False, na_option="keep")


def average_rank(bench: Benchmark) -> pd.DataFrame:
    """Average rank per model, best first.

    Columns: benchmark, position (1 = lowest average rank), model, avg_rank, n_tasks (tasks ranked on),
    n_first (tasks where it ranks best, ties included), mean_acc (mean of its per-task
    accuracies), is_pseudo.
    """
    acc = task_accuracy(bench)
    ranks = task_ranks(acc)
    pseudo = bench.models.set_index("model")["is_pseudo"].reindex(acc.columns)
    table = pd.DataFrame(
        {
            "model": acc.columns.astype(str),
            "avg_rank": ranks.mean(axis=0, skipna=True).to_numpy(),
            "n_tasks": ranks.notna().sum(axis=0).to_numpy(dtype=np.int64),
            "n_first": acc.eq(acc.max(axis=1), axis=0).sum(axis=0).to_numpy(dtype=np.int64),
            "mean_acc": acc.mean(axis=0, skipna=True).to_numpy(),
            "is_pseudo": pseudo.to_numpy(dtype=bool),
        }
    )
    table = table.sort_values(["avg_rank", "model"], kind="stable", na_position="last").reset_index(drop=True)
    table.insert(0, "position", np.arange(1, len(table) + 1, dtype=np.int64))
    table.insert(0, "benchmark", bench.name)
    return table


def top_k(avg_rank: pd.DataFrame, k: int) -> pd.DataFrame:
    """The k models with the lowest average rank (the table is already sorted best first)."""
    if k < 1:
        raise ConfigError(f"dominance.top_k={k}: expected an integer >= 1")
    return avg_rank.head(k).reset_index(drop=True)
