"""Stage 3b, model redundancy: Jaccard similarity on correct answers and greedy pool pruning.

    sim(a, b) = |{q: a(q) = 1 and b(q) = 1}| / |{q: a(q) = 1 or b(q) = 1}|

computed over the queries on which **both** models have an observed label (a missing label is
never read as 0 or 1). Soft labels are binarised first (label >= ``threshold`` counts as correct);
outputs say whether that happened (column ``binarised``). With B the 0/1 "correct and observed"
matrix and M the "observed" mask, both (models x queries):

    inter = B @ B.T                      (B is already 0 where unobserved)
    union = B @ M.T + (B @ M.T).T - inter  (a's correct answers on queries b was run on, and vice versa)

so the whole matrix is three matrix products. A pair with an empty union (neither model correct on
any jointly observed query, or no jointly observed query) gets similarity 0.

Greedy pruning (SPEC stage 3): repeat { score(m) = lam * Acc(m) - (1 - lam) * AvgSim(m) over the
remaining pool, AvgSim = mean similarity to the other remaining models; remove the lowest score
(ties: the alphabetically first model) } until ``target`` models remain. The similarity sums are
updated incrementally (one column subtraction per step).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import ConfigError
from .io import Benchmark, LabelMatrix


def is_soft(matrix: LabelMatrix) -> bool:
    """True when some observed label is neither 0 nor 1 (then Jaccard binarises)."""
    observed = matrix.values[matrix.mask]
    return bool(((observed != 0) & (observed != 1)).any())


def binary_matrix(matrix: LabelMatrix, threshold: float = 0.5) -> np.ndarray:
    """float64 0/1 matrix: 1 where the label is observed and >= threshold (binary labels unchanged)."""
    return (matrix.mask & (np.nan_to_num(matrix.values, nan=-1.0) >= threshold)).astype(np.float64)


def jaccard(matrix: LabelMatrix, threshold: float = 0.5) -> tuple[np.ndarray, pd.Index]:
    """(models x models Jaccard similarity over jointly observed queries, model index)."""
    if not 0.0 <= threshold <= 1.0:
        raise ConfigError(f"prune.binarise_threshold={threshold}: expected a number in [0, 1]")
    b = binary_matrix(matrix, threshold)
    m = matrix.mask.astype(np.float64)
    inter = b @ b.T
    cross = b @ m.T  # cross[i, j] = correct answers of i on queries j was run on
    union = cross + cross.T - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        sim = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    return sim, pd.Index(matrix.models, dtype=object, name="model")


def jaccard_table(matrix: LabelMatrix, threshold: float = 0.5, benchmark: str = "") -> pd.DataFrame:
    """Long table of every ordered pair: benchmark, model_a, model_b, jaccard, n_joint (jointly
    observed queries), binarised, binarise_threshold."""
    sim, models = jaccard(matrix, threshold)
    m = matrix.mask.astype(np.float64)
    joint = m @ m.T
    n = len(models)
    a, b = np.divmod(np.arange(n * n), n)
    names = models.to_numpy().astype(str)
    return pd.DataFrame(
        {
            "benchmark": benchmark,
            "model_a": names[a],
            "model_b": names[b],
            "jaccard": sim.ravel(),
            "n_joint": joint.ravel().astype(np.int64),
            "binarised": is_soft(matrix),
            "binarise_threshold": float(threshold),
        }
    )


def check_prune_params(lam: float, target: int, pool_size: int) -> None:
    """Raise ConfigError for lambda outside [0, 1] or a target that leaves nothing to prune."""
    if not 0.0 <= lam <= 1.0:
        raise ConfigError(f"prune.lambda={lam}: expected a number in [0, 1]")
    if int(target) != target or target < 1:
        raise ConfigError(f"prune.target={target}: expected an integer >= 1")
    if target >= pool_size:
        raise ConfigError(
            f"prune.target={target}: expected fewer models than the pool, which has {pool_size}"
        )


def greedy_prune(acc: pd.Series, sim: np.ndarray, lam: float, target: int) -> pd.DataFrame:
    """Remove models one at a time by lowest lam * Acc - (1 - lam) * AvgSim until ``target`` remain.

    ``acc`` is indexed by model in the row order of ``sim``. Returns one row per removal:
    step (1-based), removed_model, score, acc, avg_sim, pool_size_after.
    """
    names = pd.Index(acc.index, dtype=object)
    n = len(names)
    if sim.shape != (n, n):
        raise ValueError(f"similarity matrix is {sim.shape}, expected ({n}, {n}) to match acc")
    check_prune_params(lam, target, n)
    accuracy = acc.to_numpy(dtype=np.float64)
    off = np.asarray(sim, dtype=np.float64).copy()
    np.fill_diagonal(off, 0.0)
    sums = off.sum(axis=1)  # similarity to the other remaining models
    alive = np.ones(n, dtype=bool)
    name_rank = np.argsort(np.argsort(names.to_numpy().astype(str), kind="stable"), kind="stable")
    rows = []
    for step in range(1, n - int(target) + 1):
        size = int(alive.sum())
        avg_sim = sums / (size - 1)
        score = lam * accuracy - (1.0 - lam) * avg_sim
        candidates = np.flatnonzero(alive)
        order = np.lexsort((name_rank[candidates], score[candidates]))
        worst = candidates[order[0]]
        rows.append((step, names[worst], score[worst], accuracy[worst], avg_sim[worst], size - 1))
        alive[worst] = False
        sums -= off[:, worst]
    return pd.DataFrame(rows, columns=["step", "removed_model", "score", "acc", "avg_sim", "pool_size_after"]).astype(
        {"step": np.int64, "removed_model": "string", "pool_size_after": np.int64}
    )


@dataclass(frozen=True)
class PruneResult:
    steps: pd.DataFrame
    kept: pd.DataFrame


def prune(bench: Benchmark, lam: float, target: int, threshold: float = 0.5) -> PruneResult:
    """Greedy pruning of a benchmark's pool (Acc = mean observed label over all queries).

    ``steps``: benchmark, step, removed_model, score, acc, avg_sim, pool_size_after, lambda, target, binarised.
    ``kept``: benchmark, model, acc, avg_sim (among the kept models), score, is_pseudo, lambda, target, binarised.
    """
    from .specialist import model_accuracy

    matrix = bench.matrix
    check_prune_params(lam, target, len(matrix.models))
    sim, models = jaccard(matrix, threshold)
    acc = model_accuracy(bench).reindex(models)
    soft = is_soft(matrix)
    steps = greedy_prune(acc, sim, lam, target)
    keep = ~models.isin(steps["removed_model"].astype(object))
    sub = sim[np.ix_(keep, keep)]
    avg = (sub.sum(axis=1) - np.diag(sub)) / max(int(keep.sum()) - 1, 1)
    pseudo = bench.models.set_index("model")["is_pseudo"].reindex(models[keep])
    kept = pd.DataFrame(
        {
            "model": models[keep].astype(str),
            "acc": acc.to_numpy()[keep],
            "avg_sim": avg,
            "score": lam * acc.to_numpy()[keep] - (1.0 - lam) * avg,
            "is_pseudo": pseudo.to_numpy(dtype=bool),
        }
    )
    extra = {"lambda": float(lam), "target": np.int64(target), "binarised": soft}
    steps.insert(0, "benchmark", bench.name)
    kept.insert(0, "benchmark", bench.name)
    return PruneResult(steps=steps.assign(**extra), kept=kept.assign(**extra))
