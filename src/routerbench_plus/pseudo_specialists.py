"""Stage 4, pseudo-specialists: synthetic models that are strong on one hard task.

Target selection: tasks that are *hard* (lowest mean accuracy over the real pool),
*non-dominated* (best-minus-mean accuracy gap <= ``max_best_minus_mean``) and *not tiny* (share
of queries >= ``min_share``); the ``n_targets`` hardest eligible tasks are chosen, or an explicit
list of task names. ``n_targets`` is a count, a share of the benchmark's tasks in (0, 1), or ``auto``:
the study's 3, but at most one per ten tasks (at least 1), so the targets stay a small minority of
a small benchmark's tasks (EmbedLLM's 80 tasks: 3; the demo's 24: 2; LLMRouter's 14: 1); the
selection table records the resolved count (column ``n_targets``). Accuracies are means over observed labels on all queries of a task; pseudo
models already in the pool are left out of the statistics.

Injection: one model ``pseudo-<task>`` per target, labelled on every query of the benchmark, with
accuracy ``min(1, best_acc + boost)`` on its target and the pool-average accuracy of each other
task elsewhere. Binary benchmarks: per task, exactly ``round(p * n)`` queries (chosen at random
with the seed) are correct, so the realised accuracy equals the intended one up to rounding
(a Bernoulli draw conditioned on its total). Soft-label benchmarks: labels are drawn from a Beta
distribution with mean p and the pool's label variance on that task (Beta stays in [0, 1], so
no clipping bias). The accuracy on a target can instead be pinned (``accuracy={task: value}``,
the study's Table 3 values), the other targets keep best + boost.

Cost (``cost``; the study does not state it). A small cost would make a model with the
pool-average accuracy everywhere a free generalist, so by default (``average``) the pseudo models
cost what the *average model* costs: the real model whose overall accuracy (mean observed label over
all queries) is closest to the mean of the real models' overall accuracies (ties: the cheaper model
by ``params_b``, then the alphabetically first), taken per cost column among the models that have
that column. ``median``: the median of each cost column over the real pool. A number: ``params_b``
(billions; every other cost column follows ``average``). A mapping ``{cost type: average | median |
number}`` (cost types of ``store.COST_COLUMNS``: params, usd, tokens, latency) sets each column; unlisted
columns follow ``average``. A cost column no real model has stays unknown (NaN).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .accuracy import accuracy_by_group, model_accuracy
from .errors import ConfigError, InputError
from .store import COST_COLUMNS, Benchmark, normalise_labels, normalise_models

log = logging.getLogger(__name__)

PSEUDO_PREFIX = "pseudo-"
COST_RULES = ("average", "median")
# config keys of `pseudo` that were removed: key -> what replaces it (a run that sets one stops)
REMOVED_KEYS = {
    "cost_params_b": "pseudo.cost (average | median | a number of billions of parameters | "
    "{cost type: average | median | number}); the old fixed small cost made pseudo models free generalists",
}


@dataclass(frozen=True)
class PseudoOptions:
    """The options of one pseudo-specialist injection (config section ``pseudo``, one boost and one
    cost). The defaults are config/schema.yaml's (tests/test_config.py keeps them equal)."""

    targets: str | Sequence[str] = "auto"
    n_targets: int | float | str = "auto"
    max_best_minus_mean: float = 0.25
    min_share: float = 0.01
    boost: float = 0.25
    accuracy: Mapping[str, float] = field(default_factory=dict)
    cost: Any = "average"
    seed: int = 0

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> PseudoOptions:
        """From a rule's ``options`` param (:meth:`params` of the same options)."""
        return cls(**dict(params))

    def params(self) -> dict[str, Any]:
        """The options as a plain dict: a rule's params (and so its provenance hash)."""
        return asdict(self)


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


def check_options(options: Mapping[str, Any]) -> None:
    """Raise ConfigError for a removed key of config section ``pseudo`` (naming what replaces it)."""
    for key, replacement in REMOVED_KEYS.items():
        if key in options:
            raise ConfigError(f"config key pseudo.{key} was removed; use {replacement}")


def check_pinned_accuracy(accuracy: Mapping[str, float] | None, selected: pd.Series, benchmark: str) -> dict[str, float]:
    """``pseudo.accuracy`` as {task: float}; each task must be selected and its value in [0, 1]."""
    pinned = {str(k): v for k, v in dict(accuracy or {}).items()}
    for task, value in pinned.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
            raise ConfigError(f"config key pseudo.accuracy.{task}: expected a number in [0, 1]; got {value!r}")
    unknown = sorted(set(pinned) - set(selected.astype(str)))
    if unknown:
        raise ConfigError(
            f"config key pseudo.accuracy names task(s) {unknown} that are not pseudo-specialist targets of "
            f"{benchmark} (selected: {sorted(selected.astype(str))}); list them in pseudo.targets"
        )
    return {task: float(value) for task, value in pinned.items()}


def resolve_n_targets(n_targets: Any, n_tasks: int) -> int:
    """``pseudo.n_targets`` for a benchmark of ``n_tasks`` tasks (see the module docstring)."""
    if n_targets == "auto":
        return int(max(1, min(3, n_tasks // 10)))
    if isinstance(n_targets, bool) or not isinstance(n_targets, (int, float, np.integer, np.floating)) \
            or not n_targets > 0 or (n_targets >= 1 and int(n_targets) != n_targets):
        raise ConfigError(f"pseudo.n_targets={n_targets}: expected an integer >= 1, a share of the tasks in (0, 1) "
                          "or 'auto'")
    if n_targets < 1:
        return int(max(1, np.floor(float(n_targets) * n_tasks + 0.5)))
    return int(n_targets)


def select_targets(bench: Benchmark, options: PseudoOptions = PseudoOptions(), allow_none: bool = False) -> pd.DataFrame:
    """Selection table, one row per task, hardest first (``options``: targets, n_targets,
    max_best_minus_mean, min_share, boost, accuracy).

    With ``targets='auto'``, fewer eligible tasks than ``n_targets`` are all selected (a warning is
    logged); none is a ConfigError unless ``allow_none`` (then nothing is selected). ``accuracy``
    pins the pseudo accuracy of selected tasks ({task: value in [0, 1]}); a task it names that is
    not selected is a ConfigError.

    Columns: benchmark, task, n_queries, share_of_prompts, mean_acc, best_acc, best_minus_mean, hard_rank
    (1 = lowest mean accuracy), non_dominated, not_tiny, eligible, selected, pseudo_acc
    (the pinned accuracy, else min(1, best_acc + boost), for selected tasks; NaN otherwise),
    pseudo_acc_source ('pinned' | 'best+boost' | <NA>), pseudo_model, n_targets (``n_targets`` resolved
    for this benchmark; with a list of targets, their number).
    """
    boost, targets = options.boost, options.targets
    max_best_minus_mean, min_share = options.max_best_minus_mean, options.min_share
    if not 0.0 <= boost <= 1.0:
        raise ConfigError(f"pseudo.boost={boost}: expected a number in [0, 1]")
    stats = task_statistics(bench)
    n_targets = resolve_n_targets(options.n_targets, len(stats))
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
    pinned = check_pinned_accuracy(options.accuracy, stats.loc[stats["selected"], "task"], bench.name)
    boosted = np.minimum(1.0, stats["best_acc"] + boost)
    stats["pseudo_acc"] = np.where(stats["selected"], stats["task"].map(pinned).fillna(boosted), np.nan)
    stats["pseudo_acc_source"] = pd.Series(
        np.where(~stats["selected"], None, np.where(stats["task"].isin(set(pinned)), "pinned", "best+boost")),
        dtype="string",
    )
    stats["pseudo_model"] = pd.Series(
        np.where(stats["selected"], PSEUDO_PREFIX + stats["task"].astype(str), None), dtype="string"
    )
    stats.insert(0, "benchmark", bench.name)
    stats["n_targets"] = np.int64(n_targets if isinstance(targets, str) else int(stats["selected"].sum()))
    return stats


def _is_binary(values: np.ndarray) -> bool:
    return bool(np.isin(values, (0.0, 1.0)).all())


def _positive_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and np.isfinite(value) and value > 0


def cost_rules(cost: Any) -> dict[str, str | float]:
    """``pseudo.cost`` as {cost type: 'average' | 'median' | number} for every cost type of store.COST_COLUMNS."""
    expected = "'average', 'median', a number > 0 (params_b) or a mapping {cost type: average | median | number}"
    if isinstance(cost, str):
        if cost not in COST_RULES:
            raise ConfigError(f"config key pseudo.cost: '{cost}' is not a cost rule; expected {expected}")
        return {t: cost for t in COST_COLUMNS}
    if _positive_number(cost):
        return {t: (float(cost) if t == "params" else "average") for t in COST_COLUMNS}
    if isinstance(cost, Mapping):
        unknown = sorted(set(map(str, cost)) - set(COST_COLUMNS))
        if unknown:
            raise ConfigError(f"config key pseudo.cost.{unknown[0]}: not a cost type; expected one of {list(COST_COLUMNS)}")
        rules: dict[str, str | float] = {t: "average" for t in COST_COLUMNS}
        for t, rule in cost.items():
            if not (rule in COST_RULES or _positive_number(rule)):
                raise ConfigError(f"config key pseudo.cost.{t}: expected 'average', 'median' or a number > 0; got {rule!r}")
            rules[str(t)] = rule if isinstance(rule, str) else float(rule)
        return rules
    raise ConfigError(f"config key pseudo.cost: expected {expected}; got {cost!r}")


def cost_label(cost: Any) -> str:
    """A short text for a ``pseudo.cost`` value (the sweep's value column and paths): 'average', '7'."""
    if isinstance(cost, Mapping):
        return ",".join(f"{t}={cost_label(v)}" for t, v in sorted(cost.items()))
    return cost if isinstance(cost, str) else f"{float(cost):g}"


def pseudo_costs(bench: Benchmark, cost: Any = "average") -> pd.DataFrame:
    """The pseudo models' cost per cost column, from the real pool of ``bench`` and ``pseudo.cost``.

    Columns: cost_type, column, rule ('average' | 'median' | 'fixed'), value (NaN when no real model
    has the column), reference_model (the average model for 'average', else <NA>),
    reference_acc, pool_mean_acc.
    """
    rules = cost_rules(cost)
    real = _real_pool(bench)
    models = real.models.set_index("model")
    acc = model_accuracy(real).reindex(models.index)
    pool_mean = float(acc.mean(skipna=True))
    rows = []
    for cost_type, column in COST_COLUMNS.items():
        rule = rules[cost_type]
        values = models[column].astype(np.float64)
        has = values.notna() & acc.notna()
        reference, value = None, np.nan
        if not isinstance(rule, str):
            value = float(rule)
        elif rule == "median":
            value = float(values.median(skipna=True)) if values.notna().any() else np.nan
        elif has.any():
            names = values.index[has].to_numpy(dtype=object)
            distance = np.abs(acc[has].to_numpy(dtype=np.float64) - pool_mean)
            params = models.loc[has, "params_b"].astype(np.float64).fillna(np.inf).to_numpy()
            reference = str(names[np.lexsort((names.astype(str), params, distance))[0]])
            value = float(values[reference])
        rows.append((cost_type, column, rule if isinstance(rule, str) else "fixed", value, reference,
                     float(acc[reference]) if reference else np.nan, pool_mean))
    out = pd.DataFrame(rows, columns=["cost_type", "column", "rule", "value", "reference_model",
                                      "reference_acc", "pool_mean_acc"])
    return out.astype({"cost_type": "string", "column": "string", "rule": "string", "reference_model": "string"})


def inject(bench: Benchmark, selection: pd.DataFrame, options: PseudoOptions = PseudoOptions()) -> Benchmark:
    """The benchmark plus one pseudo-specialist per selected task (labels on every query, drawn with
    ``options.seed``).

    Accuracy on its target: the selection's ``pseudo_acc``; elsewhere the pool-average task
    accuracy. Costs: :func:`pseudo_costs` of ``options.cost``.
    """
    cost, seed = options.cost, options.seed
    if "pseudo_acc" not in selection.columns:
        raise InputError(f"pseudo selection: missing column 'pseudo_acc'; found {list(selection.columns)}")
    costs = pseudo_costs(bench, cost)
    targets = selection.loc[selection["selected"], "task"].astype(str).sort_values().tolist()
    names = [pseudo_name(t) for t in targets]
    clash = sorted(set(names) & set(bench.models["model"]))
    if clash:
        raise ConfigError(f"pseudo: model name(s) {clash} already exist in {bench.name}; pseudo-specialists were injected twice")

    real = _real_pool(bench)
    acc, _ = accuracy_by_group(real.matrix, real.queries["category"])
    pool_mean = acc.mean(axis=1, skipna=True)  # per task
    tasks = pd.Index(acc.index, dtype=object)
    intended = selection.assign(task=selection["task"].astype(str)).set_index("task")["pseudo_acc"]

    # intended accuracy: (pseudo models, tasks)
    p = np.tile(pool_mean.to_numpy(), (len(targets), 1))
    for i, task in enumerate(targets):
        p[i, tasks.get_loc(task)] = float(intended[task])
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
    row.update(dict(zip(costs["column"], costs["value"])))
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


def pseudo_specialists(bench: Benchmark, options: PseudoOptions = PseudoOptions()) -> tuple[pd.DataFrame, Benchmark]:
    """Select targets, inject, and add realised_acc and the costs to the selection table (one call
    for the rule)."""
    selection = select_targets(bench, options)
    injected = inject(bench, selection, options)
    realised = realised_accuracy(injected, selection)
    selection["realised_acc"] = selection["task"].map(realised).astype(np.float64)
    return with_costs(selection, pseudo_costs(bench, options.cost), options.cost), injected


def with_costs(selection: pd.DataFrame, costs: pd.DataFrame, cost: Any) -> pd.DataFrame:
    """The selection table plus cost_setting and, for selected tasks, pseudo_<cost column> (the
    pseudo model's cost, for the columns the pool has) and cost_reference_model."""
    out = selection.copy()
    out["cost_setting"] = pd.Series([cost_label(cost)] * len(out), dtype="string")
    chosen = out["selected"].to_numpy(dtype=bool)
    for column, value in zip(costs["column"], costs["value"]):
        if np.isfinite(value):
            out[f"pseudo_{column}"] = np.where(chosen, value, np.nan)
    reference = costs["reference_model"].dropna()
    out["cost_reference_model"] = pd.Series(
        np.where(chosen, reference.iloc[0] if len(reference) else None, None), dtype="string"
    )
    return out
