"""Agreement with the heuristic router, before and after pseudo-specialists are injected.

For a router m, a reference router h (the heuristic: the best-on-average affordable model) and a
budget b, agreement(b) = share of test queries on which m's pick equals h's pick at b. Budgets at
which h picks nothing (no model affordable) are skipped; a query m leaves unrouted while h routes it
counts as a disagreement. The score is the unweighted mean of agreement(b) over the remaining budgets,
in points (x 100), overall and per task (category: the same computation restricted to the task's
test queries). It is computed on split ``standard`` (before) and split ``pseudo`` (after the
pseudo-specialists are added); change = after - before. The reference itself gets no row.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from .curves import check_picks, tag_columns
from .errors import ConfigError, InputError
from .ood import test_categories

OVERALL = "overall"


def agreement_scores(
    picks_by_method: Mapping[str, pd.DataFrame], reference: str, category_of: pd.Series
) -> pd.DataFrame:
    """Per method (reference excluded), scope (overall/task) and task: agreement in points.

    Columns: method, scope, task, agreement_pts, n_test_queries, n_budgets.
    """
    if reference not in picks_by_method:
        raise ConfigError(f"routers: the reference router '{reference}' has no picks (methods: {sorted(picks_by_method)})")
    test_ids = list(category_of.index)
    ref = check_picks(picks_by_method[reference], test_ids, where=f"picks of method '{reference}'")
    ref = ref.rename(columns={"model": "ref_model"})[["budget", "query_id", "ref_model"]]
    frames = []
    for method, picks in picks_by_method.items():
        if method == reference:
            continue
        checked = check_picks(picks, test_ids, where=f"picks of method '{method}'")
        merged = checked[["budget", "query_id", "model"]].merge(ref, on=["budget", "query_id"], how="inner", validate="1:1")
        if len(merged) != len(checked):
            raise InputError(f"picks of method '{method}': budgets differ from those of the reference '{reference}'")
        merged = merged[merged["ref_model"].notna()]
        merged["agree"] = (merged["model"] == merged["ref_model"]).fillna(False).astype(np.float64)
        merged["task"] = merged["query_id"].map(category_of).to_numpy()
        frames.append(merged.assign(method=method))
    if not frames:
        return pd.DataFrame(columns=["method", "scope", "task", "agreement_pts", "n_test_queries", "n_budgets"])
    long = pd.concat(frames, ignore_index=True)
    overall = long.groupby(["method", "budget"], sort=False)["agree"].mean().groupby(level="method", sort=False)
    per_task = long.groupby(["method", "task", "budget"], sort=False)["agree"].mean().groupby(level=["method", "task"], sort=False)
    n_task = category_of.value_counts()
    out_overall = pd.DataFrame(
        {
            "scope": OVERALL,
            "task": OVERALL,
            "agreement_pts": 100 * overall.mean(),
            "n_test_queries": np.int64(len(category_of)),
            "n_budgets": overall.size().astype("int64"),
        }
    ).reset_index()
    out_task = pd.DataFrame(
        {"agreement_pts": 100 * per_task.mean(), "n_budgets": per_task.size().astype("int64")}
    ).reset_index()
    out_task.insert(1, "scope", "task")
    out_task["n_test_queries"] = out_task["task"].map(n_task).astype("int64")
    out = pd.concat([out_overall, out_task], ignore_index=True)
    return out[["method", "scope", "task", "agreement_pts", "n_test_queries", "n_budgets"]]


def agreement_table(
    before: Mapping[str, pd.DataFrame],
    after: Mapping[str, pd.DataFrame],
    queries_before: pd.DataFrame,
    queries_after: pd.DataFrame,
    reference: str = "heuristic",
    split_before: str = "standard",
    split_after: str = "pseudo",
    tags: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Agreement with the reference before and after injection, and the change (points).

    Columns: [tags...], method, split_before, split_after, scope, task, agreement_before_pts,
    agreement_after_pts, change_pts, n_test_queries_before, n_test_queries_after.
    Tasks present in only one split get NaN on the other side.
    """
    if set(before) != set(after):
        raise InputError(f"agreement: methods differ between split {split_before} ({sorted(before)}) and {split_after} ({sorted(after)})")
    a = agreement_scores(before, reference, test_categories(queries_before, f"split {split_before} queries"))
    b = agreement_scores(after, reference, test_categories(queries_after, f"split {split_after} queries"))
    keys = ["method", "scope", "task"]
    merged = a.merge(b, on=keys, how="outer", suffixes=("_before", "_after"), sort=False)
    order = {m: i for i, m in enumerate(before)}
    merged["_m"] = merged["method"].map(order)
    merged["_s"] = (merged["scope"] != OVERALL).astype(int)
    merged = merged.sort_values(["_m", "_s", "task"], kind="stable").reset_index(drop=True)
    out = merged[keys].copy()
    out.insert(1, "split_before", split_before)
    out.insert(2, "split_after", split_after)
    out["agreement_before_pts"] = merged["agreement_pts_before"].astype("float64")
    out["agreement_after_pts"] = merged["agreement_pts_after"].astype("float64")
    out["change_pts"] = out["agreement_after_pts"] - out["agreement_before_pts"]
    out["n_test_queries_before"] = merged["n_test_queries_before"].astype("Int64")
    out["n_test_queries_after"] = merged["n_test_queries_after"].astype("Int64")
    for column in ("method", "split_before", "split_after", "scope", "task"):
        out[column] = out[column].astype("string")
    return tag_columns(out, tags)


def agreement_table_by_cost(
    before: Mapping[str, Mapping[str, pd.DataFrame]],
    after: Mapping[str, Mapping[str, pd.DataFrame]],
    queries_before: pd.DataFrame,
    queries_after: pd.DataFrame,
    reference: str | None = "heuristic",
    tags: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """``agreement_table`` for every cost type ({cost_type: {method: picks}}), stacked."""
    if not reference:
        raise ConfigError("routers: agreement needs a router of type 'heuristic' as the reference; none is configured")
    frames = [
        agreement_table(
            before[c], after[c], queries_before, queries_after, reference,
            tags={**dict(tags or {}), "cost_type": c},
        )
        for c in before
    ]
    return pd.concat(frames, ignore_index=True)
