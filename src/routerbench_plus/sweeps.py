"""Sweep summaries: one row per swept config value, gathered from the per-value stage outputs.

Config lists (``dedup.delta``, ``prune.lambda`` x ``prune.target``, ``pseudo.boost``) expand into
wildcard paths (``delta~0.999``); these functions collapse the per-value tables into one table
``value -> metric`` that the sweep figures plot.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from .errors import InputError

DEDUP_METRICS = ("n_groups", "mean_group_size", "max_group_size", "n_queries_covered", "share_covered",
                 "share_groups_disagree")
PRUNE_METRICS = ("n_kept", "mean_acc_kept", "mean_avg_sim_kept", "mean_acc_removed", "mean_avg_sim_removed")
BOOST_METRICS = ("n_targets", "mean_pseudo_acc", "mean_realised_acc", "mean_best_acc")


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


def prune_sweep(kept: Mapping[tuple[float, int], pd.DataFrame],
                steps: Mapping[tuple[float, int], pd.DataFrame]) -> pd.DataFrame:
    """(lambda, target) -> size, mean accuracy and mean Jaccard similarity of the kept pool.

    Columns: lambda, target, n_kept, mean_acc_kept, mean_avg_sim_kept (mean similarity among the
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
        rows.append({
            "lambda": float(key[0]),
            "target": int(key[1]),
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


SWEEP_PARAMS = ("delta", "prune", "boost")


def summarise(param: str, tables: Mapping[str, Mapping[tuple, pd.DataFrame]]) -> pd.DataFrame:
    """One sweep table from the per-value tables, keyed by kind then by the swept value(s).

    ``delta``: {"summary": {(delta,): dedup summary}}; ``prune``: {"kept": {(lambda, target): kept},
    "steps": {...}}; ``boost``: {"selection": {(boost,): pseudo selection}}.
    """
    if param == "delta":
        return dedup_sweep({float(k[0]): df for k, df in tables["summary"].items()})
    if param == "prune":
        keys = lambda d: {(float(k[0]), int(k[1])): df for k, df in d.items()}  # noqa: E731
        return prune_sweep(keys(tables["kept"]), keys(tables["steps"]))
    if param == "boost":
        return boost_sweep({float(k[0]): df for k, df in tables["selection"].items()})
    raise InputError(f"sweep '{param}': expected one of {list(SWEEP_PARAMS)}")
