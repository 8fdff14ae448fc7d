"""Sweep summaries: one row per swept config value, gathered from the per-value stage outputs.

Config lists (``dedup.delta``, ``prune.lambda`` x ``prune.target``, ``pseudo.boost``) expand into
wildcard paths (``delta~0.999``); these functions collapse the per-value tables into one table
``value -> metric`` that the sweep figures plot. The pseudo-cost sweep (``pseudo.cost_sweep``,
:func:`pseudo_cost_sweep`) retrains routers per value and compares them with split standard.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .agreement import OVERALL, TARGETS, agreement_table
from .curves import area_and_peak, check_picks, deferral_curve, pool_max_cost
from .errors import InputError
from .store import COST_COLUMNS


def _check(df: pd.DataFrame, columns: list[str], where: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"{where}: missing required column(s) {missing}; found {list(df.columns)}")


def dedup_sweep(summaries: Mapping[float, pd.DataFrame]) -> pd.DataFrame:
    """delta -> the duplicate-group summary of that delta (numeric columns kept), one row per scope.

    Columns: delta, scope (when the summaries have one: ``training``, ``all``), then every numeric
    column of the summaries (n_groups, share_covered, ...).
    """
    if not summaries:
        raise InputError("dedup sweep: no dedup summary given (config key dedup.delta is empty?)")
    rows = []
    for delta, summary in sorted(summaries.items()):
        scoped = "scope" in summary.columns
        if len(summary) < 1 or (not scoped and len(summary) != 1):
            raise InputError(f"dedup summary for delta={delta}: expected one row, found {len(summary)}")
        if scoped and not summary["scope"].is_unique:
            raise InputError(f"dedup summary for delta={delta}: expected one row per scope, found {len(summary)}")
        numeric = summary.select_dtypes(include=["number", "bool"]).drop(columns=["delta"], errors="ignore")
        for k in range(len(summary)):
            extra = {"scope": str(summary["scope"].iloc[k])} if scoped else {}
            rows.append(numeric.iloc[k].rename(None).to_dict() | {"delta": float(delta)} | extra)
    table = pd.DataFrame(rows)
    first = ["delta", "scope"] if "scope" in table.columns else ["delta"]
    return table[[*first, *[c for c in table.columns if c not in first]]]


def prune_sweep(kept: Mapping[tuple[float, float], pd.DataFrame],
                steps: Mapping[tuple[float, float], pd.DataFrame]) -> pd.DataFrame:
    """(lambda, target) -> size, mean accuracy and mean Jaccard similarity of the kept pool.

    Columns: lambda, target (the pool size pruned to: the kept table's resolved ``target`` when it has
    one, a ``prune.target`` share of the pool being resolved per benchmark), target_setting (the
    configured value), n_kept, mean_acc_kept, mean_avg_sim_kept (mean similarity among the
    kept models), n_removed, mean_acc_removed, mean_avg_sim_removed (at removal).
    """
    if not kept:
        raise InputError("prune sweep: no pruning result given (config keys prune.lambda / prune.target empty?)")
    rows = []
    for key in sorted(kept):
        k, s = kept[key], steps.get(key)
        _check(k, ["model", "acc", "avg_sim"], f"prune kept (lambda={key[0]}, target={key[1]})")
        if s is None:
            raise InputError(f"prune sweep: steps for (lambda={key[0]}, target={key[1]}) missing")
        _check(s, ["removed_model", "acc", "avg_sim"], f"prune steps (lambda={key[0]}, target={key[1]})")
        resolved = int(k["target"].iloc[0]) if "target" in k.columns and len(k) else int(key[1])
        rows.append({
            "lambda": float(key[0]),
            "target": resolved,
            "target_setting": float(key[1]),
            "n_kept": int(len(k)),
            "mean_acc_kept": float(k["acc"].mean()),
            "mean_avg_sim_kept": float(k["avg_sim"].mean()),
            "n_removed": int(len(s)),
            "mean_acc_removed": float(s["acc"].mean()) if len(s) else np.nan,
            "mean_avg_sim_removed": float(s["avg_sim"].mean()) if len(s) else np.nan,
        })
    return pd.DataFrame(rows).astype({"target": np.int64, "n_kept": np.int64, "n_removed": np.int64})


def boost_sweep(selections: Mapping[float, pd.DataFrame]) -> pd.DataFrame:
    """boost -> number of target tasks and the pseudo-specialists' intended / realised accuracy.

    Columns: boost, n_targets, mean_best_acc (best real model on the targets), mean_pseudo_acc
    (intended), mean_realised_acc (measured on the sampled labels; NaN when not recorded).
    """
    if not selections:
        raise InputError("pseudo sweep: no selection table given (config key pseudo.boost is empty?)")
    rows = []
    for boost, sel in sorted(selections.items()):
        _check(sel, ["task", "selected", "best_acc", "pseudo_acc"], f"pseudo selection (boost={boost})")
        chosen = sel[sel["selected"].astype(bool)]
        rows.append({
            "boost": float(boost),
            "n_targets": int(len(chosen)),
            "mean_best_acc": float(chosen["best_acc"].mean()),
            "mean_pseudo_acc": float(chosen["pseudo_acc"].mean()),
            "mean_realised_acc": float(chosen["realised_acc"].mean()) if "realised_acc" in chosen else np.nan,
        })
    return pd.DataFrame(rows).astype({"n_targets": np.int64})


def _area_peak(picks: pd.DataFrame, test_ids: list[str], max_budget: float, where: str) -> tuple[float, float]:
    """Deferral-curve area and peak of one router's picks (the bootstrap's point estimates)."""
    curve = deferral_curve(check_picks(picks, test_ids, where=where))
    area, peak = area_and_peak(curve["budget"].to_numpy(), curve["quality"].to_numpy(), max_budget)
    return float(area), float(peak)


def pseudo_cost_sweep(
    standard: Mapping[str, Mapping[str, pd.DataFrame]],
    swept: Mapping[str, Mapping[str, Mapping[str, pd.DataFrame]]],
    queries_standard: pd.DataFrame,
    models_standard: pd.DataFrame,
    queries: Mapping[str, pd.DataFrame],
    models: Mapping[str, pd.DataFrame],
    selections: Mapping[str, pd.DataFrame],
    reference: str,
    default: str | None = None,
    benchmark: str = "",
    **resampling: Any,
) -> pd.DataFrame:
    """pseudo.cost -> the sweep routers' deferral areas and their agreement with the heuristic.

    ``standard``: {cost_type: {method: picks}} on split standard; ``swept``: {cost label: {cost_type:
    {method: picks}}} on the split with pseudo-specialists of that cost; ``queries``/``models``/
    ``selections``: that split's tables and its pseudo selection, by cost label. Agreement is
    :func:`agreement.agreement_table` (standard -> the swept split; ``resampling``: its n_resamples,
    seed, confidence, threads), overall and over the target tasks' test queries pooled, each change
    with its paired interval; areas use the split's own largest model cost as the budget axis, like
    the bootstrap.

    One row per (cost label, cost type, method). Columns: benchmark, cost_setting, is_default,
    cost_type, pseudo_cost (the pseudo models' cost of that type), pseudo_cost_rank (position of
    pseudo_cost among the real models' costs, 0 = cheaper than all, 1 = dearer than all), method,
    area, peak, area_standard, peak_standard, area_change, agreement_after_pts, agreement_change_pts,
    agreement_change_lo_pts, agreement_change_hi_pts (overall), agreement_targets_change_pts,
    agreement_targets_change_lo_pts, agreement_targets_change_hi_pts (target tasks pooled), n_targets.
    """
    if not swept:
        raise InputError("pseudo cost sweep: no swept value given (config key pseudo.cost_sweep is empty?)")
    test_std = queries_standard.loc[queries_standard["split"] == "test", "query_id"].astype(str).tolist()
    rows = []
    for label, by_cost in swept.items():
        for name, table in (("queries", queries), ("models", models), ("selection", selections)):
            if label not in table:
                raise InputError(f"pseudo cost sweep: no {name} table for pseudo.cost={label}")
        _check(models[label], ["model", "is_pseudo"], f"models of pseudo.cost={label}")
        _check(selections[label], ["task", "selected"], f"pseudo selection of pseudo.cost={label}")
        q, m = queries[label], models[label]
        test = q.loc[q["split"] == "test", "query_id"].astype(str).tolist()
        if sorted(test) != sorted(test_std):
            raise InputError(f"pseudo cost sweep: the test queries of pseudo.cost={label} differ from split standard's")
        targets = selections[label].loc[selections[label]["selected"].astype(bool), "task"].astype(str).tolist()
        for cost_type, picks in by_cost.items():
            column = COST_COLUMNS[cost_type]
            pseudo_costs = m.loc[m["is_pseudo"].astype(bool), column].astype(np.float64).unique()
            if len(pseudo_costs) != 1:
                raise InputError(f"models of pseudo.cost={label}: expected one {column} for every pseudo model; "
                                 f"found {sorted(pseudo_costs)}")
            real = np.sort(m.loc[~m["is_pseudo"].astype(bool), column].astype(np.float64).to_numpy())
            rank = float(np.searchsorted(real, pseudo_costs[0], side="left") / max(len(real), 1))
            agree = agreement_table(standard[cost_type], picks, queries_standard, q, reference,
                                    split_after=f"pseudo.cost={label}", targets=targets, **resampling)
            scope = {name: agree[agree["scope"] == name].set_index("method") for name in (OVERALL, TARGETS)}
            max_std, max_new = pool_max_cost(models_standard, cost_type), pool_max_cost(m, cost_type)
            for method, method_picks in picks.items():
                area, peak = _area_peak(method_picks, test, max_new, f"picks of {method} (pseudo.cost={label})")
                area_std, peak_std = _area_peak(standard[cost_type][method], test_std, max_std, f"picks of {method} (standard)")
                rows.append({
                    "benchmark": benchmark, "cost_setting": label, "is_default": label == default,
                    "cost_type": cost_type, "pseudo_cost": float(pseudo_costs[0]), "pseudo_cost_rank": rank,
                    "method": method, "area": area, "peak": peak, "area_standard": area_std, "peak_standard": peak_std,
                    "area_change": area - area_std,
                    "agreement_after_pts": scope[OVERALL]["agreement_after_pts"].get(method, np.nan),
                    **{f"agreement{prefix}_change{end}_pts": scope[name][f"change{end}_pts"].get(method, np.nan)
                       for name, prefix in ((OVERALL, ""), (TARGETS, "_targets")) for end in ("", "_lo", "_hi")},
                    "n_targets": len(targets),
                })
    out = pd.DataFrame(rows)
    return out.astype({"benchmark": "string", "cost_setting": "string", "cost_type": "string", "method": "string",
                       "n_targets": np.int64, "is_default": bool})


SWEEP_PARAMS = ("delta", "prune", "boost")


def summarise(param: str, tables: Mapping[str, Mapping[tuple, pd.DataFrame]]) -> pd.DataFrame:
    """One sweep table from the per-value tables, keyed by kind then by the swept value(s).

    ``delta``: {"summary": {(delta,): dedup summary}}; ``prune``: {"kept": {(lambda, target): kept},
    "steps": {...}}; ``boost``: {"selection": {(boost,): pseudo selection}}.
    """
    if param == "delta":
        return dedup_sweep({float(k[0]): df for k, df in tables["summary"].items()})
    if param == "prune":
        keys = lambda d: {(float(k[0]), float(k[1])): df for k, df in d.items()}  # noqa: E731
        return prune_sweep(keys(tables["kept"]), keys(tables["steps"]))
    if param == "boost":
        return boost_sweep({float(k[0]): df for k, df in tables["selection"].items()})
    raise InputError(f"sweep '{param}': expected one of {list(SWEEP_PARAMS)}")
