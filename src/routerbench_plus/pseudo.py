"""Stage 4, pseudo-specialists: synthetic models that are strong on one hard task.

Target selection (SPEC stage 4): tasks that are *hard* (lowest mean accuracy over the real pool),
*non-dominated* (best-minus-mean accuracy gap <= ``max_best_minus_mean``) and *not tiny* (share
of queries >= ``min_share``); the ``n_targets`` hardest eligible tasks are chosen, or an explicit
list of task names. Accuracies are means over observed labels on all queries of a task; pseudo
models already in the pool are left out of the statistics.

Injection: one model ``pseudo-<task>`` per target, labelled on every query of the benchmark, with
accuracy ``min(1, best_acc + boost)`` on its target and the pool-average accuracy of each other
task elsewhere. Binary benchmarks: per task, exactly ``round(p * n)`` queries (chosen at random
with the seed) are correct, so the realised accuracy equals the intended one up to rounding
(a Bernoulli draw conditioned on its total). Soft-label benchmarks: labels are drawn from a Beta
distribution with mean p and the pool's label variance on that task (Beta stays in [0, 1], so
no clipping bias). Cost: ``params_b = cost_params_b``; every other cost column the pool has is
set to its minimum over the pool (the pseudo model is as cheap as the cheapest model).
"""

from __future__ import annotations

import logging
from typing import Sequence

import numpy as np
import pandas as pd

from .errors import ConfigError
from .io import COST_COLUMNS, Benchmark, normalise_labels, normalise_models
from .specialist import accuracy_by_group

log = logging.getLogger(__name__)

PSEUDO_PREFIX = "pseudo-"


def pseudo_name(task: str) -> str:
    return f"{PSEUDO_PREFIX}{task}"


def _real_pool(bench: Benchmark) -> Benchmark:
    real = bench.models.loc[~bench.models["is_pseudo"], "model"]
    return bench if len(real) == len(bench.models) else bench.subset(models=real.tolist())


def task_statistics(bench: Benchmark) -> pd.DataFrame:
    """Per task: n_queries, share_of_prompts, mean_acc and best_acc over the real (non-pseudo) pool."""
    real = _real_pool(bench)
    acc, _ = accuracy_by_group(real.matrix, real.queries["category"])
    n_queries = bench.queries["category"].astype(object).value_counts()
    stats = pd.DataFrame(
        {
            "task": acc.index.astype(str),
            "n_queries": n_queries.reindex(acc.index).to_numpy(dtype=np.int64),
            "mean_acc": acc.mean(axis=1, skipna=True).to_numpy(),
            "best_acc": acc.max(axis=1, skipna=True).to_numpy(),
        }
    )
    stats.insert(2, "share_of_prompts", stats["n_queries"] / len(bench.queries))
    stats["best_minus_mean"] = stats["best_acc"] - stats["mean_acc"]
    return stats


def select_targets(
    bench: Benchmark,
    n_targets: int = 3,
    max_best_minus_mean: float = 0.25,
    min_share: float = 0.01,
    targets: str | Sequence[str] = "auto",
    boost: float = 0.25,
    allow_none: bool = False,
) -> pd.DataFrame:
    """Selection table, one row per task, hardest first.

    With ``targets='auto'``, fewer eligible tasks than ``n_targets`` are all selected (a warning is
    logged); none is a ConfigError unless ``allow_none`` (then nothing is selected).

    Columns: benchmark, task, n_queries, share_of_prompts, mean_acc, best_acc, best_minus_mean, hard_rank
    (1 = lowest mean accuracy), non_dominated, not_tiny, eligible, selected, pseudo_acc
    (min(1, best_acc + boost) for selected tasks, NaN otherwise), pseudo_model.
    """
    if n_targets < 1:
        raise ConfigError(f"pseudo.n_targets={n_targets}: expected an integer >= 1")
    if not 0.0 <= boost <= 1.0:
        raise ConfigError(f"pseudo.boost={boost}: expected a number in [0, 1]")
    stats = task_statistics(bench)
    stats = stats.sort_values(["mean_acc", "task"], kind="stable").reset_index(drop=True)
    stats["hard_rank"] = np.arange(1, len(stats) + 1, dtype=np.int64)
    stats["non_dominated"] = stats["best_minus_mean"] <= max_best_minus_mean
    stats["not_tiny"] = stats["share_of_prompts"] >= min_share
    stats["eligible"] = stats["non_dominated"] & stats["not_tiny"] & stats["mean_acc"].notna()
    if isinstance(targets, str):
        if targets != "auto":
            raise ConfigError(f"pseudo.targets='{targets}': expected 'auto' or a list of task names")
        chosen = stats.loc[stats["eligible"], "task"].head(n_targets)
        if len(chosen) < n_targets:
            log.warning(
                "pseudo: only %d task(s) of %s meet the selection criteria (pseudo.n_targets=%d)",
                len(chosen), bench.name, n_targets,
            )
        if chosen.empty and not allow_none:
            raise ConfigError(
                f"pseudo: no task of {bench.name} meets the selection criteria "
                f"(pseudo.max_best_minus_mean={max_best_minus_mean}, pseudo.min_share={min_share}); "
                "relax them or list pseudo.targets explicitly"
            )
    else:
        chosen = pd.Series(list(targets), dtype=object)
        unknown = sorted(set(chosen) - set(stats["task"]))
        if unknown or chosen.empty:
            raise ConfigError(
                f"pseudo.targets names task(s) {unknown} that are not categories of {bench.name}; "
                f"categories are e.g. {sorted(stats['task'])[:5]}"
            )
    stats["selected"] = stats["task"].isin(set(chosen))
    stats["pseudo_acc"] = np.where(stats["selected"], np.minimum(1.0, stats["best_acc"] + boost), np.nan)
    stats["pseudo_model"] = pd.Series(
        np.where(stats["selected"], PSEUDO_PREFIX + stats["task"].astype(str), None), dtype="string"
    )
    stats.insert(0, "benchmark", bench.name)
    return stats


def _is_binary(values: np.ndarray) -> bool:
    return bool(np.isin(values, (0.0, 1.0)).all())


def inject(
    bench: Benchmark,
    selection: pd.DataFrame,
    boost: float = 0.25,
    cost_params_b: float = 1.0,
    seed: int = 0,
) -> Benchmark:
    """The benchmark plus one pseudo-specialist per selected task (labels on every query)."""
    if not cost_params_b > 0:
        raise ConfigError(f"pseudo.cost_params_b={cost_params_b}: expected a number > 0")
    targets = selection.loc[selection["selected"], "task"].astype(str).sort_values().tolist()
    names = [pseudo_name(t) for t in targets]
    clash = sorted(set(names) & set(bench.models["model"]))
    if clash:
        raise ConfigError(f"pseudo: model name(s) {clash} already exist in {bench.name}; pseudo-specialists were injected twice")

    real = _real_pool(bench)
    acc, _ = accuracy_by_group(real.matrix, real.queries["category"])
    pool_mean = acc.mean(axis=1, skipna=True)  # per task
    best = acc.max(axis=1, skipna=True)
    tasks = pd.Index(acc.index, dtype=object)

    # intended accuracy: (pseudo models, tasks)
    p = np.tile(pool_mean.to_numpy(), (len(targets), 1))
    for i, task in enumerate(targets):
        p[i, tasks.get_loc(task)] = min(1.0, float(best[task]) + boost)
    p = np.nan_to_num(p, nan=0.0)

    queries = bench.queries
    codes = tasks.get_indexer(queries["category"].astype(object))
    n_q = len(queries)
    rng = np.random.default_rng(seed)
    observed = real.labels["label"].to_numpy(dtype=np.float64)
    if _is_binary(observed):
        # exactly round(p * n_task) correct queries per (pseudo model, task), positions at random
        keys = rng.random((len(targets), n_q))
        frame = pd.DataFrame(keys.T)
        rank = frame.groupby(codes).rank(method="first").to_numpy().T - 1  # 0-based rank in task
        size = np.bincount(codes, minlength=len(tasks))
        n_correct = np.rint(p * size[None, :])
        labels = (rank < n_correct[:, codes]).astype(np.float32)
    else:
        var = (
            real.labels.assign(task=real.labels["query_id"].map(queries.set_index("query_id")["category"]))
            .groupby("task")["label"].var(ddof=0).reindex(tasks).fillna(0.0).to_numpy()
        )
        mean = np.clip(p, 1e-6, 1 - 1e-6)
        v = np.clip(var[None, :], 1e-8, mean * (1 - mean) * 0.999)
        conc = mean * (1 - mean) / v - 1.0
        a, b = (mean * conc)[:, codes], ((1 - mean) * conc)[:, codes]
        labels = rng.beta(a, b).astype(np.float32)
        labels = np.where(p[:, codes] >= 1.0, 1.0, np.where(p[:, codes] <= 0.0, 0.0, labels)).astype(np.float32)

    new_labels = pd.DataFrame(
        {
            "query_id": np.tile(queries["query_id"].to_numpy(dtype=object), len(targets)),
            "model": np.repeat(np.array(names, dtype=object), n_q),
            "label": labels.ravel(),
        }
    )
    row: dict[str, object] = {"model": names, "is_pseudo": True}
    for column in COST_COLUMNS.values():
        values = bench.models[column]
        row[column] = cost_params_b if column == "params_b" else (values.min() if values.notna().any() else np.nan)
    new_models = pd.DataFrame(row)
    # the new rows reference the benchmark's own queries and new model names: the per-table checks
    # suffice (the cross-table checks of Benchmark.from_frames would re-scan every label)
    return Benchmark(
        queries=queries,
        models=normalise_models(pd.concat([bench.models, new_models], ignore_index=True), f"{bench.name} models"),
        labels=normalise_labels(pd.concat([bench.labels, new_labels], ignore_index=True), f"{bench.name} labels"),
        name=bench.name,
    )


def realised_accuracy(bench: Benchmark, selection: pd.DataFrame) -> pd.Series:
    """Per selected task, the injected pseudo model's accuracy on its target (from the labels)."""
    acc, _ = accuracy_by_group(bench.matrix, bench.queries["category"])
    chosen = selection.loc[selection["selected"]]
    return pd.Series(
        [acc.at[t, pseudo_name(t)] for t in chosen["task"]], index=chosen["task"].to_numpy(), name="realised_acc"
    )


def pseudo_specialists(
    bench: Benchmark,
    n_targets: int = 3,
    max_best_minus_mean: float = 0.25,
    min_share: float = 0.01,
    targets: str | Sequence[str] = "auto",
    boost: float = 0.25,
    cost_params_b: float = 1.0,
    seed: int = 0,
) -> tuple[pd.DataFrame, Benchmark]:
    """Select targets, inject, and add realised_acc to the selection table (one call for the rule)."""
    selection = select_targets(bench, n_targets, max_best_minus_mean, min_share, targets, boost)
    injected = inject(bench, selection, boost, cost_params_b, seed)
    realised = realised_accuracy(injected, selection)
    selection["realised_acc"] = selection["task"].map(realised).astype(np.float64)
    return selection, injected
