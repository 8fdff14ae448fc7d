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

Greedy pruning: repeat { score(m) = lam * Acc(m) - (1 - lam) * AvgSim(m) over the
remaining pool, AvgSim = mean similarity to the other remaining models; remove the lowest score
(ties: the alphabetically first model) } until ``target`` models remain (``prune.target``: a pool
size, or a share of the pool in (0, 1) so one setting fits any benchmark; the tables record the
resolved size). The similarity sums are updated incrementally (one column subtraction per step).

Pruning curve (``pool_curve``): for every pool along the removal order (the full pool, then after
each removal), the routing quality still reachable on the test queries without training a router:
the deferral-curve area of the oracle (scores = true test labels) and of the heuristic (scores =
each model's mean training label), and the best single model's test accuracy. Budgets are the grid
of the FULL pool's costs and the budget axis is normalised by the full pool's largest cost, so the
areas of all pools share one axis; a budget at which no remaining model is affordable contributes
quality 0 (the deferral-curve convention of ``curves``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .accuracy import model_accuracy, observed_mean
from .curves import normalise_budgets, trapezoid_weights
from .errors import ConfigError, InputError
from .routing import budget_grid, pick
from .store import Benchmark, LabelMatrix

log = logging.getLogger(__name__)


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


def resolve_target(target: float, pool_size: int) -> int:
    """``prune.target`` as a pool size: an integer >= 1 is a size, a number in (0, 1) a share of the pool
    (rounded, at least 1, at most pool_size - 1: pruning removes at least one model). Others: ConfigError."""
    if isinstance(target, bool) or not isinstance(target, (int, float, np.integer, np.floating)) or not target > 0:
        raise ConfigError(f"prune.target={target}: expected an integer >= 1 (a pool size) or a number in (0, 1) "
                          "(a share of the pool)")
    if target < 1:
        size = int(min(max(1, np.floor(float(target) * pool_size + 0.5)), max(pool_size - 1, 1)))
        log.info("prune.target=%s: %d of the %d models", target, size, pool_size)
        return size
    if int(target) != target:
        raise ConfigError(f"prune.target={target}: expected an integer >= 1 (a pool size) or a number in (0, 1)")
    return int(target)


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


def check_protect(protect: Sequence[str], models: pd.Index, target: int) -> np.ndarray:
    """Boolean mask (model order) of ``prune.protect``; unknown names or more than ``target`` are a ConfigError."""
    protect = list(dict.fromkeys(str(m) for m in protect))
    unknown = [m for m in protect if m not in set(models.astype(str))]
    if unknown:
        raise ConfigError(f"config key prune.protect names model(s) {unknown[:5]} that are not in the pool "
                          f"(e.g. {sorted(models.astype(str))[:5]})")
    if len(protect) > target:
        raise ConfigError(f"config key prune.protect: {len(protect)} protected models do not fit in prune.target={target}")
    return models.astype(str).isin(protect)


def greedy_prune(acc: pd.Series, sim: np.ndarray, lam: float, target: int, protect: Sequence[str] = ()) -> pd.DataFrame:
    """Remove models one at a time by lowest lam * Acc - (1 - lam) * AvgSim until ``target`` remain.

    ``acc`` is indexed by model in the row order of ``sim``; models in ``protect`` are never removed
    (they still count in the others' AvgSim). Returns one row per removal:
    step (1-based), removed_model, score, acc, avg_sim, pool_size_after.
    """
    names = pd.Index(acc.index, dtype=object)
    n = len(names)
    if sim.shape != (n, n):
        raise ValueError(f"similarity matrix is {sim.shape}, expected ({n}, {n}) to match acc")
    check_prune_params(lam, target, n)
    protected = check_protect(protect, names, int(target))
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
        candidates = np.flatnonzero(alive & ~protected)
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


def prune(bench: Benchmark, lam: float, target: int, threshold: float = 0.5, protect: Sequence[str] = ()) -> PruneResult:
    """Greedy pruning of a benchmark's pool (Acc = mean observed label over all queries); models in
    ``protect`` (config ``prune.protect``) are never removed.

    ``target``: a pool size, or a share of the pool in (0, 1) (:func:`resolve_target`).
    ``steps``: benchmark, step, removed_model, score, acc, avg_sim, pool_size_after, lambda, target (the
    resolved pool size), binarised. ``kept``: benchmark, model, acc, avg_sim (among the kept models),
    score, is_pseudo, lambda, target, binarised.
    """
    matrix = bench.matrix
    target = resolve_target(target, len(matrix.models))
    check_prune_params(lam, target, len(matrix.models))
    sim, models = jaccard(matrix, threshold)
    acc = model_accuracy(bench).reindex(models)
    soft = is_soft(matrix)
    steps = greedy_prune(acc, sim, lam, target, protect)
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


def pair_survival(kept: pd.DataFrame, steps: pd.DataFrame, pairs: Mapping[str, Sequence[str]],
                  key: str = "benchmarks.<b>.binary_pairs", splits: Sequence[str] = ("remastered", "pruned")) -> pd.DataFrame:
    """Whether both models of every binary pair survive pruning (the trade-off on the pruned pools).

    One row per (pair, role): pair, role (small | large), model, kept, removed_at_step (<NA> when
    kept). A pair model that pruning removed, or that was never in the pool, is a ConfigError naming
    ``key.<pair>`` and the model (the trade-off on ``splits`` could not use it).
    """
    for table, columns, where in ((kept, ["model"], "prune kept"), (steps, ["step", "removed_model"], "prune steps")):
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise InputError(f"{where}: missing column(s) {missing}; found {list(table.columns)}")
    kept_models = set(kept["model"].astype(str))
    removed = dict(zip(steps["removed_model"].astype(str), steps["step"].astype(np.int64)))
    rows = []
    for pair, models in pairs.items():
        for role, model in zip(("small", "large"), models):
            rows.append((str(pair), role, str(model), str(model) in kept_models, removed.get(str(model))))
    out = pd.DataFrame(rows, columns=["pair", "role", "model", "kept", "removed_at_step"])
    out["removed_at_step"] = pd.array(out["removed_at_step"].tolist(), dtype="Int64")
    lam = steps["lambda"].iloc[0] if "lambda" in steps and len(steps) else None
    target = steps["target"].iloc[0] if "target" in steps and len(steps) else None
    for row in out[~out["kept"]].itertuples():
        how = (f"removed by pruning (prune.lambda={lam}, prune.target={target}, step {row.removed_at_step})"
               if pd.notna(row.removed_at_step) else "not in the pool")
        raise ConfigError(
            f"config key {key}.{row.pair}: the {row.role} model '{row.model}' was {how}, so the binary trade-off on "
            f"split(s) {', '.join(splits)} cannot use it; add it to prune.protect or remove the pair"
        )
    return out.astype({"pair": "string", "role": "string", "model": "string"})


def _pool_area(labels: np.ndarray, mask: np.ndarray, scores: np.ndarray, costs: np.ndarray,
               budgets: np.ndarray, weights: np.ndarray) -> float:
    """Area of the deferral curve of the picks by ``scores`` (models x test queries); unrouted = 0."""
    picks = pick(scores, costs, budgets, mask)  # (B, Q) row index into labels, -1 when none
    quality = np.where(picks >= 0, labels[np.maximum(picks, 0), np.arange(labels.shape[1])], 0.0)
    return float(quality.mean(axis=1) @ weights)


def pool_curve(bench: Benchmark, steps: pd.DataFrame, cost: str, budgets: Any = "model_costs") -> pd.DataFrame:
    """Routing quality of every pool along the removal order ``steps`` (of :func:`prune`).

    One row per pool: the full pool (step 0, removed_model <NA>), then the pool after each removal.
    On the benchmark's test queries: ``oracle_area`` and ``heuristic_area`` (deferral-curve areas of
    the oracle and of the heuristic router fitted on the training queries), ``best_single_acc`` (the
    best remaining model's mean observed test label). ``budgets`` is a budget spec of
    :func:`routing.budget_grid` (config ``evaluation.budgets``) applied to the full pool's costs of
    type ``cost``. Columns: benchmark, lambda, target, pool_size, removed_model, oracle_area,
    heuristic_area, best_single_acc, step, cost_type.
    """
    missing = [c for c in ("step", "removed_model") if c not in steps.columns]
    if missing:
        raise InputError(f"pruning steps: missing column(s) {missing}; found {list(steps.columns)}")
    order = steps.sort_values("step", kind="stable")
    removed = order["removed_model"].astype(object).to_numpy()
    matrix = bench.matrix
    rows = matrix.models.get_indexer(removed)
    if (rows < 0).any():
        raise InputError(
            f"pruning steps column 'removed_model': {list(removed[rows < 0])[:5]} are not models of {bench.name}"
        )
    if len(set(rows)) != len(rows) or len(rows) >= len(matrix.models):
        raise InputError(f"pruning steps column 'removed_model': expected distinct models leaving at least one "
                         f"of the {len(matrix.models)} models of {bench.name}; got {len(rows)} removals")
    split = bench.queries["split"].astype(str).to_numpy()
    test, train = split == "test", split == "train"
    for name, chosen in (("test", test), ("train", train)):
        if not chosen.any():
            raise InputError(f"{bench.name} queries column 'split': no '{name}' query (the pruning curve "
                             f"scores pools on test queries with a heuristic fitted on train queries)")
    costs = bench.costs(cost)
    grid = budget_grid(costs, budgets, "evaluation.budgets")
    weights = trapezoid_weights(normalise_budgets(grid, float(costs.max())))
    labels = matrix.filled(0.0).astype(np.float64)[:, test]
    mask = matrix.mask[:, test]
    train_mean = observed_mean(LabelMatrix(matrix.values[:, train], matrix.mask[:, train], matrix.models,
                                           matrix.query_ids[train]))
    n_test = mask.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        test_acc = np.where(n_test > 0, labels.sum(axis=1) / np.maximum(n_test, 1), np.nan)
    alive = np.ones(len(matrix.models), dtype=bool)
    records = []
    for step, row in enumerate([None, *rows]):
        if row is not None:
            alive[row] = False
        idx = np.flatnonzero(alive)
        sub_labels, sub_mask = labels[idx], mask[idx]
        heuristic = np.broadcast_to(train_mean[idx, None], sub_mask.shape)
        records.append((
            int(idx.size),
            None if row is None else str(matrix.models[row]),
            _pool_area(sub_labels, sub_mask, np.where(sub_mask, sub_labels, np.nan), costs[idx], grid, weights),
            _pool_area(sub_labels, sub_mask, heuristic, costs[idx], grid, weights),
            float(np.nanmax(test_acc[idx])) if np.isfinite(test_acc[idx]).any() else np.nan,
            step,
        ))
    out = pd.DataFrame(records, columns=["pool_size", "removed_model", "oracle_area", "heuristic_area",
                                         "best_single_acc", "step"])
    lam = order["lambda"].iloc[0] if "lambda" in order and len(order) else np.nan
    target = order["target"].iloc[0] if "target" in order and len(order) else pd.NA
    out.insert(0, "benchmark", bench.name)
    out.insert(1, "lambda", float(lam))
    out.insert(2, "target", pd.array([target] * len(out), dtype="Int64"))
    return out.assign(cost_type=cost).astype(
        {"benchmark": "string", "pool_size": np.int64, "removed_model": "string", "step": np.int64,
         "cost_type": "string"}
    )
