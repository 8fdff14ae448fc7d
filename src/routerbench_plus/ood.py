"""Out-of-distribution table: per held-out category, quality after OOD training vs standard training.

For a group G of held-out categories (benchmarks.<b>.ood_groups.<group>), routers are trained on
the standard split (in-distribution, ID) and on the split ``ood-<group>`` (G removed from train
and val; the test queries are the same). Per method and held-out category c (and pooled over G):

* curve mean: the mean over budgets of the per-budget mean quality on c's test queries
  (unweighted over the budget points, like the study's "average accuracy over the deferral curve");
* at max budget: the mean quality on c's test queries at the largest budget;

each for ID and OOD training, and delta = OOD - ID, all in accuracy points (x 100).
"""

from __future__ import annotations

import logging
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from .curves import check_picks, tag_columns
from .errors import ConfigError, InputError

log = logging.getLogger(__name__)

POOLED = "(all held-out)"


def test_categories(queries: pd.DataFrame, where: str = "queries") -> pd.Series:
    """query_id -> category of the test queries."""
    missing = [c for c in ("query_id", "category", "split") if c not in queries.columns]
    if missing:
        raise InputError(f"{where}: missing required column(s) {missing}")
    test = queries[queries["split"] == "test"]
    return pd.Series(test["category"].astype("string").to_numpy(), index=test["query_id"].astype("string").to_numpy())


def category_curves(
    picks_by_method: Mapping[str, pd.DataFrame], category_of: pd.Series, categories: Sequence[str]
) -> pd.DataFrame:
    """Per method, category (and the pooled group) and budget: mean quality and number of queries."""
    frames = []
    for method, picks in picks_by_method.items():
        checked = check_picks(picks, list(category_of.index), where=f"picks of method '{method}'")
        cat = checked["query_id"].map(category_of)
        sel = checked[cat.isin(categories).to_numpy()].assign(category=cat[cat.isin(categories)].to_numpy())
        per_cat = sel.groupby(["category", "budget"])["quality"].agg(["mean", "size"]).reset_index()
        pooled = sel.groupby("budget")["quality"].agg(["mean", "size"]).reset_index().assign(category=POOLED)
        frames.append(pd.concat([per_cat, pooled], ignore_index=True).assign(method=method))
    return pd.concat(frames, ignore_index=True).rename(columns={"mean": "quality", "size": "n_queries"})


def _summarise(curves: pd.DataFrame) -> pd.DataFrame:
    curves = curves.sort_values("budget", kind="stable")
    grouped = curves.groupby(["method", "category"], sort=False)
    return pd.DataFrame(
        {
            "curve_mean": grouped["quality"].mean(),
            "at_max_budget": grouped["quality"].last(),
            "n_test_queries": grouped["n_queries"].first(),
        }
    )


def ood_table(
    standard_picks_by_method: Mapping[str, pd.DataFrame],
    ood_picks_by_method: Mapping[str, pd.DataFrame],
    queries: pd.DataFrame,
    held_out_categories: Sequence[str],
    config_key: str = "ood group",
    split_id: str = "standard",
    split_ood: str = "ood",
    tags: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Per method and held-out category (and pooled): ID vs OOD quality and delta, in points.

    Columns: [tags...], method, split_id, split_ood, category, pooled, n_test_queries,
    curve_mean_id_pts, curve_mean_ood_pts, curve_mean_delta_pts, at_max_budget_id_pts,
    at_max_budget_ood_pts, at_max_budget_delta_pts.
    ``queries`` is the standard split's queries table (its test queries and categories).
    """
    if set(standard_picks_by_method) != set(ood_picks_by_method):
        raise InputError(
            f"OOD table: methods differ between split {split_id} ({sorted(standard_picks_by_method)}) "
            f"and split {split_ood} ({sorted(ood_picks_by_method)})"
        )
    categories = list(dict.fromkeys(held_out_categories))
    known = set(queries["category"].astype(str))
    unknown = [c for c in categories if c not in known]
    if unknown:
        raise ConfigError(f"{config_key}: categories {unknown} are not in the benchmark (known e.g. {sorted(known)[:5]})")
    category_of = test_categories(queries)
    empty = [c for c in categories if not (category_of == c).any()]
    if empty:
        log.warning("%s: held-out categories without test queries (rows with NaN): %s", config_key, empty)
    id_curves = category_curves(standard_picks_by_method, category_of, categories)
    ood_curves = category_curves(ood_picks_by_method, category_of, categories)
    a, b = _summarise(id_curves), _summarise(ood_curves)
    methods = list(standard_picks_by_method)
    index = pd.MultiIndex.from_product([methods, categories + [POOLED]], names=["method", "category"])
    a, b = a.reindex(index), b.reindex(index)
    out = index.to_frame(index=False)
    out.insert(1, "split_id", split_id)
    out.insert(2, "split_ood", split_ood)
    out["pooled"] = out["category"] == POOLED
    out["n_test_queries"] = a["n_test_queries"].fillna(0).astype("int64").to_numpy()
    for name in ("curve_mean", "at_max_budget"):
        out[f"{name}_id_pts"] = 100 * a[name].to_numpy(dtype=np.float64)
        out[f"{name}_ood_pts"] = 100 * b[name].to_numpy(dtype=np.float64)
        out[f"{name}_delta_pts"] = out[f"{name}_ood_pts"] - out[f"{name}_id_pts"]
    for column in ("method", "split_id", "split_ood", "category"):
        out[column] = out[column].astype("string")
    return tag_columns(out, tags)


def ood_table_by_cost(
    standard: Mapping[str, Mapping[str, pd.DataFrame]],
    ood: Mapping[str, Mapping[str, pd.DataFrame]],
    queries: pd.DataFrame,
    held_out_categories: Sequence[str],
    config_key: str = "ood group",
    split_ood: str = "ood",
    tags: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """``ood_table`` for every cost type ({cost_type: {method: picks}}), stacked, with a cost_type column."""
    frames = [
        ood_table(
            standard[c], ood[c], queries, held_out_categories, config_key, "standard", split_ood,
            tags={**dict(tags or {}), "cost_type": c},
        )
        for c in standard
    ]
    return pd.concat(frames, ignore_index=True)
