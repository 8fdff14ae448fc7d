"""Stage 5, the remastered benchmark: deduplicate, select tasks, (optionally) sample, prune, inject.

The study's recipe, in this order:

1. Deduplication: restrict to the query ids of the reduced benchmark of the near-duplicates stage
   (skipped, and said so in the summary, for a benchmark without prompts).
2. Task selection by specialist score (``min_task_score``: drop the tasks whose score is below it;
   ``top_tasks``: keep the N highest-scoring tasks, or ``top_task_share``: N = round(share x the
   number of tasks); a threshold and N: the top N of those at or above the threshold; neither:
   every task). Tasks are ranked by score, highest first, ties by name; a task
   with an undefined score ranks last and fails any threshold. Explicit ``pseudo.targets`` are kept
   whatever their score (the study injects into tasks it keeps) and take their places in the top N.
   Every query of a kept task stays.
3. Query sampling, only when ``query_fraction`` is set (off by default, as in the study): each kept
   task gets the weight ``w_t = max(min_weight, s_t)`` where ``s_t`` is its specialist score min-max
   normalised over the kept tasks to [0, 1] (undefined -> ``min_weight``). The keep-rate of a task is
   ``min(1, c * w_t)`` with c chosen so that the kept queries add up to ``query_fraction`` of the
   queries after step 2 (rates capped at 1, the rest re-distributed). Within each (task, split) cell
   ``round(rate * n_cell)`` queries are kept, chosen at random with the seed, so every query keeps its
   source split and each task keeps its split proportions.
4. Pruning: restrict to the kept pool of the pruning stage.
5. Pseudo-specialists: select targets on the result and inject them (``pseudo_specialists.inject``).

The summary has one row per step (source, deduplicated, tasks, sampled, pruned, pseudo): benchmark,
step, n_queries, n_categories, n_models, n_labels, the study's counts where the config gives them
(``study_n_*``, ``study_note``; ``benchmarks.<b>.study_reference``) and a note.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError, InputError
from .pseudo_specialists import PseudoOptions, inject, pseudo_costs, realised_accuracy, select_targets, with_costs
from .store import Benchmark


def task_weights(scores: pd.DataFrame, min_weight: float) -> pd.Series:
    """Per task: max(min_weight, min-max normalised specialist score); undefined -> min_weight."""
    if not 0.0 <= min_weight <= 1.0:
        raise ConfigError(f"remaster.min_weight={min_weight}: expected a number in [0, 1]")
    s = scores.set_index("task")["specialist_score"].astype(np.float64)
    lo, hi = s.min(skipna=True), s.max(skipna=True)
    norm = (s - lo) / (hi - lo) if hi > lo else pd.Series(1.0, index=s.index)
    return np.maximum(norm.fillna(min_weight), min_weight).rename("weight")


def keep_rates(sizes: np.ndarray, weights: np.ndarray, query_fraction: float) -> np.ndarray:
    """Rates min(1, c * w) with sum(rate * size) = query_fraction * sum(size) (water-filling, exact c)."""
    if not 0.0 < query_fraction <= 1.0:
        raise ConfigError(f"remaster.query_fraction={query_fraction}: expected a number in (0, 1]")
    goal = query_fraction * sizes.sum()
    if query_fraction >= 1.0:
        return np.ones_like(weights, dtype=np.float64)
    if not (weights > 0).any():
        raise ConfigError("remaster.min_weight=0 and every task has the lowest score: nothing to sample")
    # saturate tasks in order of decreasing weight until c * w fits under 1 for the rest
    order = np.argsort(-weights, kind="stable")
    w, n = weights[order], sizes[order].astype(np.float64)
    rates = np.zeros_like(w)
    saturated_mass = 0.0
    for k in range(len(w) + 1):
        rest_mass = float((w[k:] * n[k:]).sum())
        c = (goal - saturated_mass) / rest_mass if rest_mass > 0 else np.inf
        if k == len(w) or c * w[k] <= 1.0:
            rates[:k] = 1.0
            rates[k:] = np.minimum(1.0, c * w[k:]) if rest_mass > 0 else 0.0
            break
        saturated_mass += n[k]
    out = np.empty_like(rates)
    out[order] = rates
    return out


def sample_queries(
    queries: pd.DataFrame, weights: pd.Series, query_fraction: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seeded specialist-weighted sample; returns (kept queries, per-task table).

    Per-task table columns: task, weight, keep_rate, n_queries, n_kept.
    """
    tasks = queries["category"].astype(object)
    missing = sorted(set(tasks) - set(weights.index))
    if missing:
        raise InputError(f"specialist scores: column 'task' lacks categories {missing[:5]} of the benchmark")
    sizes = tasks.value_counts().sort_index()
    w = weights.reindex(sizes.index).to_numpy(dtype=np.float64)
    rates = pd.Series(keep_rates(sizes.to_numpy(), w, query_fraction), index=sizes.index)
    rng = np.random.default_rng(seed)
    key = pd.Series(rng.random(len(queries)), index=queries.index)
    cell = [tasks, queries["split"].astype(object)]
    position = key.groupby(cell).rank(method="first") - 1
    cell_size = key.groupby(cell).transform("size")
    keep = position < np.rint(tasks.map(rates).to_numpy(dtype=np.float64) * cell_size)
    kept = queries.loc[keep.to_numpy()]
    table = pd.DataFrame(
        {
            "task": sizes.index.astype(str),
            "weight": w,
            "keep_rate": rates.to_numpy(),
            "n_queries": sizes.to_numpy(dtype=np.int64),
            "n_kept": kept["category"].astype(object).value_counts().reindex(sizes.index, fill_value=0).to_numpy(
                dtype=np.int64
            ),
        }
    )
    return kept.reset_index(drop=True), table


COUNTS = ("n_queries", "n_categories", "n_models", "n_labels")
STEPS = ("source", "deduplicated", "tasks", "sampled", "pruned", "pseudo")


def _counts(step: str, bench: Benchmark, note: str = "") -> dict[str, object]:
    return {
        "step": step,
        "n_queries": len(bench.queries),
        "n_categories": int(bench.queries["category"].nunique()),
        "n_models": len(bench.models),
        "n_labels": len(bench.labels),
        "note": note,
    }


def check_study_reference(reference: Mapping[str, Any] | None, key: str = "study_reference") -> dict[str, dict]:
    """``benchmarks.<b>.study_reference`` as {step: {count: int, note: str}}; unknown steps or counts
    and non-integer counts are a ConfigError naming the key."""
    out: dict[str, dict] = {}
    for step, counts in dict(reference or {}).items():
        if step not in STEPS:
            raise ConfigError(f"config key {key}.{step}: not a remaster step; expected one of {list(STEPS)}")
        if not isinstance(counts, Mapping):
            raise ConfigError(f"config key {key}.{step}: expected a mapping of counts {list(COUNTS)} (and note)")
        for name, value in counts.items():
            if name == "note":
                if not isinstance(value, str):
                    raise ConfigError(f"config key {key}.{step}.note: expected a string")
            elif name not in COUNTS:
                raise ConfigError(f"config key {key}.{step}.{name}: unknown count; expected one of {list(COUNTS)}, note")
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"config key {key}.{step}.{name}: expected an integer >= 0; got {value!r}")
        out[str(step)] = dict(counts)
    return out


def with_study_reference(summary: pd.DataFrame, reference: Mapping[str, Any] | None, key: str = "study_reference") -> pd.DataFrame:
    """The step summary plus study_<count> (Int64, <NA> where the study gives none) and study_note."""
    ref = check_study_reference(reference, key)
    out = summary.copy()
    steps = out["step"].astype(str)
    for name in COUNTS:
        out[f"study_{name}"] = pd.array([ref.get(s, {}).get(name) for s in steps], dtype="Int64")
    out["study_note"] = pd.array([ref.get(s, {}).get("note") for s in steps], dtype="string")
    note = out.pop("note")
    out["note"] = note
    return out


def n_top_tasks(n_tasks: int, top_tasks: int | None = None, top_task_share: float | None = None) -> int | None:
    """How many tasks ``remaster.top_tasks`` / ``remaster.top_task_share`` keep (None: no cap).

    A share keeps round(share * n_tasks) tasks, at least one; setting both keys is a ConfigError.
    """
    if top_tasks is not None and top_task_share is not None:
        raise ConfigError("config keys remaster.top_tasks and remaster.top_task_share are both set; set one (or neither)")
    if top_tasks is not None:
        if isinstance(top_tasks, bool) or not isinstance(top_tasks, (int, np.integer)) or top_tasks < 1:
            raise ConfigError(f"config key remaster.top_tasks: expected an integer >= 1 or null; got {top_tasks!r}")
        return int(top_tasks)
    if top_task_share is not None:
        if isinstance(top_task_share, bool) or not 0.0 < float(top_task_share) <= 1.0:
            raise ConfigError(f"config key remaster.top_task_share: expected a number in (0, 1] or null; got {top_task_share!r}")
        return max(1, int(np.rint(float(top_task_share) * n_tasks)))
    return None


def select_tasks(
    scores: pd.DataFrame,
    tasks: pd.Series,
    min_task_score: float | None = None,
    top_tasks: int | None = None,
    top_task_share: float | None = None,
    keep: Sequence[str] = (),
) -> pd.DataFrame:
    """Which tasks the remastered benchmark keeps, by specialist score (step 2 of the module docstring).

    ``tasks`` is the category of every query (after deduplication). ``keep``: tasks kept whatever
    their score (the explicit pseudo-specialist targets); they count in the top N. Columns: task,
    specialist_score, score_rank (1 = highest; undefined scores last; ties by name), n_queries, kept,
    reason ('kept' | 'kept: pseudo-specialist target' | 'below remaster.min_task_score' |
    'undefined specialist score' | 'outside the top tasks').
    """
    top_tasks = n_top_tasks(int(tasks.nunique()), top_tasks, top_task_share)
    if min_task_score is not None and (isinstance(min_task_score, bool) or not np.isfinite(float(min_task_score))):
        raise ConfigError(f"config key remaster.min_task_score: expected a number or null; got {min_task_score!r}")
    for column in ("task", "specialist_score"):
        if column not in scores.columns:
            raise InputError(f"specialist scores: missing required column '{column}'; found {list(scores.columns)}")
    sizes = tasks.astype(object).value_counts()
    score = scores.assign(task=scores["task"].astype(object)).set_index("task")["specialist_score"].astype(np.float64)
    missing = sorted(set(sizes.index) - set(score.index))
    if missing:
        raise InputError(f"specialist scores: column 'task' lacks categories {missing[:5]} of the benchmark")
    table = pd.DataFrame({"task": sorted(sizes.index, key=str)})
    table["specialist_score"] = table["task"].map(score).astype(np.float64)
    table["n_queries"] = table["task"].map(sizes).astype(np.int64)
    defined = table["specialist_score"].notna()
    order = np.lexsort((table["task"].astype(str).to_numpy(), -table["specialist_score"].fillna(-np.inf).to_numpy(),
                        (~defined).to_numpy()))
    rank = np.empty(len(table), dtype=np.int64)
    rank[order] = np.arange(1, len(table) + 1)
    table["score_rank"] = rank
    reason = np.full(len(table), "kept", dtype=object)
    forced = table["task"].astype(str).isin(set(map(str, keep))).to_numpy()
    if min_task_score is not None:
        below = defined & (table["specialist_score"] < float(min_task_score))
        reason[below.to_numpy()] = "below remaster.min_task_score"
        reason[(~defined).to_numpy()] = "undefined specialist score"
    reason[forced] = "kept: pseudo-specialist target"
    if top_tasks is not None:
        passing = reason == "kept"
        slots = max(int(top_tasks) - int(forced.sum()), 0)  # the forced tasks take their places in the top N
        position = np.full(len(table), np.iinfo(np.int64).max)
        position[passing] = rank[passing]
        cut = (np.sort(position[passing])[slots - 1] if slots else 0) if passing.sum() > slots else np.iinfo(np.int64).max
        reason[passing & (position > cut)] = "outside the top tasks"
    table["kept"] = np.isin(reason, ("kept", "kept: pseudo-specialist target"))
    table["reason"] = pd.array(reason, dtype="string")
    table["task"] = table["task"].astype("string")
    return table.sort_values("score_rank", kind="stable").reset_index(drop=True)[
        ["task", "specialist_score", "score_rank", "n_queries", "kept", "reason"]
    ]


@dataclass(frozen=True)
class Remastered:
    benchmark: Benchmark
    summary: pd.DataFrame
    tasks: pd.DataFrame
    selection: pd.DataFrame


def _pseudo_step(out: Benchmark, options: PseudoOptions) -> tuple[Benchmark, pd.DataFrame, str]:
    selection = select_targets(out, options, allow_none=True)
    added = int(selection["selected"].sum())
    if not added:
        return out, selection, "no pseudo-specialist added: no task met the pseudo selection criteria"
    costs = pseudo_costs(out, options.cost)
    injected = inject(out, selection, options)
    selection["realised_acc"] = selection["task"].map(realised_accuracy(injected, selection)).astype(np.float64)
    params = costs.set_index("cost_type")
    reference = params["reference_model"].dropna()
    how = f"cost {options.cost!r}: {params.loc['params', 'value']:g} B params" + (f" (as {reference.iloc[0]})" if len(reference) else "")
    pinned = int((selection["pseudo_acc_source"] == "pinned").sum())
    note = (f"added {added} pseudo-specialists (boost={options.boost}{f', {pinned} pinned accuracies' if pinned else ''}; "
            f"{how})")
    return injected, with_costs(selection, costs, options.cost), note


def remaster(
    bench: Benchmark,
    scores: pd.DataFrame,
    min_task_score: float | None = None,
    top_tasks: int | None = None,
    top_task_share: float | None = None,
    query_fraction: float | None = None,
    min_weight: float = 0.2,
    seed: int = 0,
    dedup_query_ids: Sequence[str] | None = None,
    kept_models: Sequence[str] | None = None,
    pseudo_options: PseudoOptions | None = None,
    study_reference: Mapping[str, Any] | None = None,
    study_reference_key: str = "study_reference",
) -> Remastered:
    """The remastered benchmark and its step-by-step summary.

    ``dedup_query_ids``: query ids of the reduced (deduplicated) benchmark, or None to skip dedup
    (benchmark without prompts). ``kept_models``: the pruned pool, or None to skip pruning.
    ``query_fraction``: None (or 1) keeps every query of the kept tasks. ``pseudo_options``: the
    pseudo-specialists to inject (:class:`pseudo_specialists.PseudoOptions`); None skips injection. ``study_reference``: the study's counts per step (config
    ``benchmarks.<b>.study_reference``, named ``study_reference_key`` in errors).
    """
    check_study_reference(study_reference, study_reference_key)  # a config error before any work
    rows = [_counts("source", bench)]
    out = bench
    if dedup_query_ids is None:
        rows.append(_counts("deduplicated", out, "skipped: benchmark has no prompts (no near-duplicate stage)"))
    else:
        ids = out.queries["query_id"].astype(object)
        out = out.subset(query_ids=ids[ids.isin(pd.Index(dedup_query_ids, dtype=object))].tolist())
        rows.append(_counts("deduplicated", out, f"removed {len(bench.queries) - len(out.queries)} near-duplicate "
                                                 "queries (kept the reduced queries)"))

    targets = pseudo_options.targets if pseudo_options else "auto"
    forced = [] if isinstance(targets, str) else [str(t) for t in targets]  # explicit pseudo targets stay
    tasks = select_tasks(scores, out.queries["category"], min_task_score, top_tasks, top_task_share, keep=forced)
    dropped = tasks.loc[~tasks["kept"], "task"].astype(str).tolist()
    before = len(out.queries)
    if dropped:
        out = out.subset(query_ids=out.queries.loc[~out.queries["category"].isin(dropped), "query_id"].tolist())
    settings = (("min_task_score", min_task_score), ("top_tasks", top_tasks), ("top_task_share", top_task_share))
    rule = ", ".join(f"{k}={v}" for k, v in settings if v is not None)
    rows.append(_counts("tasks", out, f"dropped {len(dropped)} task(s) with {before - len(out.queries)} queries "
                                      f"by specialist score ({rule})" if rule else "every task kept (no task selection configured)"))

    weights = pd.Series(np.nan, index=tasks["task"].astype(object).to_numpy())
    rates = pd.Series(1.0, index=weights.index)
    if query_fraction is None or query_fraction == 1:  # any other value is checked by keep_rates
        rows.append(_counts("sampled", out, "skipped: every query of the kept tasks stays (remaster.query_fraction null)"))
    else:
        kept_scores = tasks.loc[tasks["kept"], ["task", "specialist_score"]]
        w = task_weights(kept_scores.astype({"task": object}), min_weight)
        sampled, sampling = sample_queries(out.queries, w, query_fraction, seed)
        out = out.subset(query_ids=sampled["query_id"].tolist())
        weights.update(sampling.set_index("task")["weight"])
        rates.update(sampling.set_index("task")["keep_rate"])
        rows.append(_counts("sampled", out, f"specialist-score-weighted, query_fraction={query_fraction}, min_weight={min_weight}"))
    kept_per_task = out.queries["category"].astype(object).value_counts()
    tasks["weight"] = tasks["task"].astype(object).map(weights).astype(np.float64)
    tasks["keep_rate"] = np.where(tasks["kept"], tasks["task"].astype(object).map(rates).astype(np.float64), 0.0)
    tasks["n_kept"] = tasks["task"].astype(object).map(kept_per_task).fillna(0).astype(np.int64)

    if kept_models is None:
        rows.append(_counts("pruned", out, "skipped: no pruned pool given"))
    else:
        unknown = sorted(set(kept_models) - set(out.models["model"]))
        if unknown:
            raise InputError(f"pruning kept.parquet: column 'model' names models {unknown[:5]} not in the benchmark")
        before = len(out.models)
        out = out.subset(models=list(kept_models))
        rows.append(_counts("pruned", out, f"removed {before - len(out.models)} models"))

    selection = pd.DataFrame()
    if pseudo_options is None:
        rows.append(_counts("pseudo", out, "skipped"))
    else:
        out, selection, note = _pseudo_step(out, pseudo_options)
        rows.append(_counts("pseudo", out, note))
    summary = pd.DataFrame(rows)
    summary.insert(0, "benchmark", bench.name)
    summary = with_study_reference(summary, study_reference, study_reference_key)
    tasks.insert(0, "benchmark", bench.name)
    return Remastered(benchmark=out, summary=summary, tasks=tasks, selection=selection)
