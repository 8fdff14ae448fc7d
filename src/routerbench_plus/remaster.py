"""Stage 5, the remastered benchmark: sample by specialist score, deduplicate, prune, inject.

1. Sampling. Each task gets the weight ``w_t = max(min_weight, s_t)`` where ``s_t`` is its specialist
   score min-max normalised over tasks to [0, 1] (a task with an undefined score gets ``min_weight``).
   The keep-rate of a task is ``min(1, c * w_t)`` with c chosen so that the kept queries add up to
   ``query_fraction`` of the benchmark (rates are capped at 1, the rest is re-distributed). Within each
   (task, split) cell ``round(rate * n_cell)`` queries are kept, chosen at random with the seed, so every
   query keeps its source split and each task keeps its split proportions.
2. Deduplication: restrict to the query ids of the reduced benchmark of the near-duplicates stage
   (skipped, and said so in the summary, for a benchmark without prompts).
3. Pruning: restrict to the kept pool of the pruning stage.
4. Pseudo-specialists: select targets on the result and inject them (``pseudo.inject``).

The summary has one row per step: benchmark, step, n_models, n_categories, n_queries, n_labels, note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from .errors import ConfigError, InputError
from .io import Benchmark
from .pseudo import inject, select_targets


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


def _counts(step: str, bench: Benchmark, note: str = "") -> dict[str, object]:
    return {
        "step": step,
        "n_models": len(bench.models),
        "n_categories": int(bench.queries["category"].nunique()),
        "n_queries": len(bench.queries),
        "n_labels": len(bench.labels),
        "note": note,
    }


@dataclass(frozen=True)
class Remastered:
    benchmark: Benchmark
    summary: pd.DataFrame
    sampling: pd.DataFrame
    selection: pd.DataFrame


def remaster(
    bench: Benchmark,
    scores: pd.DataFrame,
    query_fraction: float = 0.8,
    min_weight: float = 0.2,
    seed: int = 0,
    dedup_query_ids: Sequence[str] | None = None,
    kept_models: Sequence[str] | None = None,
    pseudo_options: dict | None = None,
) -> Remastered:
    """The remastered benchmark (SPEC stage 5) and its stage-by-stage summary.

    ``dedup_query_ids``: query ids of the reduced (deduplicated) benchmark, or None to skip dedup
    (benchmark without prompts). ``kept_models``: the pruned pool, or None to skip pruning.
    ``pseudo_options``: keyword arguments of ``pseudo.select_targets`` plus ``boost``,
    ``cost_params_b`` and ``seed`` of ``pseudo.inject``; None skips injection.
    """
    rows = [_counts("source", bench)]
    weights = task_weights(scores, min_weight)
    kept, sampling = sample_queries(bench.queries, weights, query_fraction, seed)
    out = bench.subset(query_ids=kept["query_id"].tolist())
    rows.append(
        _counts("sampled", out, f"specialist-score-weighted, query_fraction={query_fraction}, min_weight={min_weight}")
    )

    if dedup_query_ids is None:
        rows.append(_counts("deduplicated", out, "skipped: benchmark has no prompts (no near-duplicate stage)"))
    else:
        before = len(out.queries)
        ids = out.queries["query_id"].astype(object)
        out = out.subset(query_ids=ids[ids.isin(pd.Index(dedup_query_ids, dtype=object))].tolist())
        rows.append(_counts("deduplicated", out, f"removed {before - len(out.queries)} near-duplicate queries"))

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
        options = dict(pseudo_options)
        inject_args = {k: options.pop(k) for k in ("cost_params_b", "seed") if k in options}
        boost = options.get("boost", 0.25)
        selection = select_targets(out, allow_none=True, **options)
        added = int(selection["selected"].sum())
        if added:
            out = inject(out, selection, boost=boost, **inject_args)
            note = f"added {added} pseudo-specialists (boost={boost})"
        else:
            note = "no pseudo-specialist added: no task met the pseudo selection criteria"
        rows.append(_counts("pseudo", out, note))
    summary = pd.DataFrame(rows)
    summary.insert(0, "benchmark", bench.name)
    sampling.insert(0, "benchmark", bench.name)
    return Remastered(benchmark=out, summary=summary, sampling=sampling, selection=selection)
