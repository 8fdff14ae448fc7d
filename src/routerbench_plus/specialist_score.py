"""Stage 2, task diversity: the specialist score of every task (category).

    specialist_score(t) = mean over budgets b of
        [ max over non-generalist m with cost(m) <= b of acc(m, t)  -  acc(generalist at b, t) ]

The generalist at b is the heuristic router's choice (the model with the best average *training*
accuracy among the models with cost <= b) or one fixed model named in the config (then the same
model at every budget, whatever its cost). Budgets at which no non-generalist is affordable are
skipped. Labels and costs only: no prompt text or embeddings are needed.

Accuracies: ``acc(m, t)`` is the mean of model m's *observed* labels over **all** queries of task t
(every split), never reading a missing label as 0. The generalist is chosen on the ``train`` split
(``generalist_split``). A budget is also skipped for a task when the generalist has no label on that
task or no affordable non-generalist has one (``n_budgets_used`` says how many budgets counted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .accuracy import model_accuracy, task_accuracy
from .errors import ConfigError, InputError
from .store import COST_COLUMNS, Benchmark


def resolve_cost(bench: Benchmark, cost: str | None) -> str:
    """The cost type to use: ``cost`` or, when None, the first cost known for every model."""
    if cost is None:
        known = bench.cost_types()
        if not known:
            raise InputError(
                f"{bench.name} models: no cost column ({list(COST_COLUMNS.values())}) is known for every model"
            )
        return known[0]
    if cost not in COST_COLUMNS:
        raise ConfigError(f"cost type '{cost}' (benchmarks.<b>.cost_types): expected one of {list(COST_COLUMNS)}")
    return cost


def resolve_budgets(costs: np.ndarray, budgets: str | Sequence[float]) -> np.ndarray:
    """``model_costs`` -> the sorted distinct model costs; a list -> sorted, checked > 0."""
    if isinstance(budgets, str):
        if budgets != "model_costs":
            raise ConfigError(f"specialist.budgets='{budgets}': expected 'model_costs' or a list of numbers > 0")
        return np.unique(costs)
    values = np.asarray(list(budgets), dtype=np.float64)
    if values.size == 0 or not np.all(values > 0):
        raise ConfigError(f"specialist.budgets={list(budgets)}: expected a non-empty list of numbers > 0")
    return np.unique(values)


@dataclass(frozen=True)
class SpecialistScores:
    """Per-task scores and the per-(task, budget) detail behind them."""

    scores: pd.DataFrame
    detail: pd.DataFrame


def specialist_scores(
    bench: Benchmark,
    cost: str | None = "params",
    budgets: str | Sequence[float] = "model_costs",
    generalist: str | None = None,
    generalist_split: str | None = "train",
) -> SpecialistScores:
    """Specialist score of every task (module docstring), vectorised over tasks, budgets and models.

    ``scores`` columns: benchmark, task, specialist_score, n_budgets_used, n_budgets, n_queries,
    cost_type, generalist_mode ('heuristic' or the fixed model). ``detail`` columns: benchmark, task,
    budget, cost_type, generalist, best_specialist, best_acc, generalist_acc, gap, used.
    """
    cost = resolve_cost(bench, cost)
    models = pd.Index(bench.models["model"], dtype=object)
    costs = bench.costs(cost)
    grid = resolve_budgets(costs, budgets)
    acc_table = task_accuracy(bench)  # tasks x models (models-table order)
    acc = acc_table.to_numpy()
    n_tasks, n_models = acc.shape

    affordable = costs[None, :] <= grid[:, None]  # (budgets, models)
    if not affordable.any():  # every score would be NaN: a config mistake, not a finding
        raise ConfigError(
            f"specialist.budgets={grid.tolist()}: a budget grid that admits no model of {bench.name} "
            f"(largest budget {grid.max():g} < cheapest model cost {costs.min():g}, cost '{cost}')"
        )
    if generalist is not None:
        if generalist not in set(models):
            raise ConfigError(
                f"generalist '{generalist}' (benchmarks.<b>.generalist or specialist.generalist) is not a "
                f"model of {bench.name}; models are e.g. {models[:5].tolist()}"
            )
        gen_idx = np.full(len(grid), models.get_loc(generalist))
        has_gen = np.ones(len(grid), dtype=bool)
        mode = generalist
    else:
        train_acc = model_accuracy(bench, generalist_split).to_numpy()
        # best training accuracy among affordable models; ties -> cheaper, then name (models sorted)
        key = np.where(affordable & ~np.isnan(train_acc)[None, :], train_acc[None, :], -np.inf)
        order = np.lexsort((np.arange(n_models), costs, -np.nan_to_num(train_acc, nan=-np.inf)))
        rank_of = np.empty(n_models, dtype=np.int64)
        rank_of[order] = np.arange(n_models)
        best = key.max(axis=1)
        candidates = (key == best[:, None]) & np.isfinite(key)
        gen_idx = np.where(candidates, rank_of[None, :], n_models).argmin(axis=1)
        has_gen = candidates.any(axis=1)
        mode = "heuristic"

    non_gen = affordable.copy()
    non_gen[np.arange(len(grid)), gen_idx] = False
    budget_ok = has_gen & non_gen.any(axis=1)  # budgets with an affordable non-generalist

    # best non-generalist per (task, budget): (tasks, budgets, models) with -inf where not eligible
    cube = np.where(non_gen[None, :, :] & ~np.isnan(acc)[:, None, :], acc[:, None, :], -np.inf)
    best_pos = cube.argmax(axis=2)
    best_acc = np.take_along_axis(cube, best_pos[:, :, None], axis=2)[:, :, 0]
    gen_acc = acc[:, gen_idx]  # (tasks, budgets)
    used = budget_ok[None, :] & np.isfinite(best_acc) & ~np.isnan(gen_acc)
    gap = np.where(used, best_acc - np.nan_to_num(gen_acc), np.nan)
    n_used = used.sum(axis=1)
    score = np.where(n_used > 0, np.where(used, gap, 0.0).sum(axis=1) / np.maximum(n_used, 1), np.nan)

    n_queries = bench.queries["category"].astype(object).value_counts().reindex(acc_table.index)
    scores = pd.DataFrame(
        {
            "benchmark": bench.name,
            "task": acc_table.index.astype(str),
            "specialist_score": score,
            "n_budgets_used": n_used.astype(np.int64),
            "n_budgets": np.int64(len(grid)),
            "n_queries": n_queries.to_numpy(dtype=np.int64),
            "cost_type": cost,
            "generalist_mode": mode,
        }
    )
    tt, bb = np.meshgrid(np.arange(n_tasks), np.arange(len(grid)), indexing="ij")
    best_name = np.where(np.isfinite(best_acc), models.to_numpy()[best_pos], None)
    gen_name = np.where(has_gen, models.to_numpy()[gen_idx], None)
    detail = pd.DataFrame(
        {
            "benchmark": bench.name,
            "task": acc_table.index.to_numpy()[tt.ravel()].astype(str),
            "budget": grid[bb.ravel()],
            "generalist": gen_name[bb.ravel()],
            "best_specialist": best_name.ravel(),
            "best_acc": np.where(np.isfinite(best_acc), best_acc, np.nan).ravel(),
            "generalist_acc": gen_acc.ravel(),
            "gap": gap.ravel(),
            "used": used.ravel(),
        }
    )
    detail["generalist"] = detail["generalist"].astype("string")
    detail["best_specialist"] = detail["best_specialist"].astype("string")
    detail.insert(3, "cost_type", cost)
    return SpecialistScores(scores=scores, detail=detail)


def score_counts(scores: pd.DataFrame, thresholds: Sequence[float] = (0.0, 0.05)) -> pd.DataFrame:
    """Number of tasks per score bin: below the first threshold, between each pair, at/above the last.

    Columns: benchmark (when ``scores`` has it), bin, lower, upper, n_tasks, share. Tasks whose score is undefined (no budget used)
    are counted in a final 'undefined' row so that the counts always add up to the number of tasks.
    """
    cuts = sorted(float(t) for t in thresholds)
    if not cuts:
        raise ConfigError("specialist.thresholds: expected at least one threshold")
    values = scores["specialist_score"].to_numpy(dtype=np.float64)
    edges = np.array([-np.inf, *cuts, np.inf])
    defined = ~np.isnan(values)
    bins = np.searchsorted(edges, values[defined], side="right") - 1
    counts = np.bincount(bins, minlength=len(edges) - 1)
    names = [f"< {cuts[0]:g}"]
    names += [f"[{lo:g}, {hi:g})" for lo, hi in zip(cuts[:-1], cuts[1:])]
    names += [f">= {cuts[-1]:g}"]
    total = len(values)
    table = pd.DataFrame(
        {
            "bin": names + ["undefined"],
            "lower": [*edges[:-1], np.nan],
            "upper": [*edges[1:], np.nan],
            "n_tasks": np.append(counts, (~defined).sum()).astype(np.int64),
        }
    )
    table["share"] = table["n_tasks"] / total if total else np.nan
    if "benchmark" in scores.columns and len(scores):
        table.insert(0, "benchmark", scores["benchmark"].iloc[0])
    return table
