"""Deferral curves: quality of a router's picks against the cost budget, their area, peak and AIQ.

Conventions (also in docs/metrics.md):

* A *picks* table (one per router, split and cost type) has one row per (budget, test query):
  ``budget`` (float64), ``query_id``, ``model`` (the pick), ``quality`` (true label of the pick),
  ``cost`` (the pick's cost). A row whose ``model`` is null means that no model was eligible for
  that query at that budget: it counts as quality 0 and cost 0 (the query is answered by nothing)
  and is counted in ``n_unrouted``; it is never dropped.
* The deferral curve of a router is, per budget b, the mean over all test queries of the pick's
  quality (``quality``) and cost (``realised_cost``).
* The budget axis is normalised by the largest model cost in the pool: x = min(b / c_max, 1).
* Area: with budgets x_1 < ... < x_n and curve values y_1..y_n,

      area = sum_{i=1}^{n-1} (x_{i+1} - x_i) (y_i + y_{i+1}) / 2  +  (1 - x_n) y_n

  i.e. the trapezoid rule on [x_1, x_n], the curve held flat at y_n from x_n up to 1, and nothing
  (0) on [0, x_1) where no model is affordable. The area is linear in y: area = y @ w with
  ``trapezoid_weights``; the bootstrap relies on that.
* Two more area axes beside it, over the pool's own cost range (``area_weights``): x = (b - c_min)
  / (c_max - c_min) (``area_span``) and x = log(b / c_min) / log(c_max / c_min) (``area_log``);
  budgets below c_min are off these axes, the same rule applies to the rest.
* Peak: max_i y_i.
* AIQ (RouterBench): the points (realised_cost_i / c_max, y_i) of the budgets at which at least one
  query was routed; their upper convex hull made non-decreasing (flat after its highest point);
  the area under it with the same rule as above (0 before the cheapest point, flat to 1).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from . import store
from .errors import InputError

log = logging.getLogger(__name__)

PICKS_COLUMNS = ("budget", "query_id", "model", "quality", "cost")


# --------------------------------------------------------------------------- picks tables


def check_picks(
    picks: pd.DataFrame, test_ids: Sequence[str] | None = None, where: str = "picks"
) -> pd.DataFrame:
    """Validate a picks table; return it typed, sorted by (budget, query_id), unrouted rows filled.

    Raises InputError when a column is missing, a budget is not positive, a (budget, query) pair
    repeats, budgets cover different query sets, a routed pick has no quality, or (when
    ``test_ids`` is given) the query set is not exactly the split's test queries.
    Unrouted rows (model null) get quality 0 and cost 0.
    """
    missing = [c for c in PICKS_COLUMNS if c not in picks.columns]
    if missing:
        raise InputError(f"{where}: missing required column(s) {missing}; found {list(picks.columns)}")
    out = pd.DataFrame(
        {
            "budget": pd.to_numeric(picks["budget"], errors="coerce").astype("float64"),
            "query_id": picks["query_id"].astype("string"),
            "model": picks["model"].astype("string"),
            "quality": pd.to_numeric(picks["quality"], errors="coerce").astype("float64"),
            "cost": pd.to_numeric(picks["cost"], errors="coerce").astype("float64"),
        }
    )
    if len(out) == 0:
        raise InputError(f"{where}: no rows; expected one row per (budget, test query)")
    bad_budget = ~(out["budget"] > 0) | ~np.isfinite(out["budget"])
    if bad_budget.any():
        raise InputError(f"{where}: column 'budget' must be finite and > 0; found {out.loc[bad_budget, 'budget'].unique()[:3].tolist()}")
    if out["query_id"].isna().any():
        raise InputError(f"{where}: column 'query_id' has {int(out['query_id'].isna().sum())} missing value(s)")
    if out.duplicated(["budget", "query_id"]).any():
        raise InputError(f"{where}: (budget, query_id) pairs must be unique (one pick per query per budget)")
    n_budgets = out["budget"].nunique()
    n_queries = out["query_id"].nunique()
    if len(out) != n_budgets * n_queries:
        raise InputError(
            f"{where}: every budget must cover the same queries; found {len(out)} rows for "
            f"{n_budgets} budgets x {n_queries} queries"
        )
    routed = out["model"].notna()
    no_quality = routed & out["quality"].isna()
    if no_quality.any():
        raise InputError(
            f"{where}: {int(no_quality.sum())} routed pick(s) have no 'quality' (a router may only pick "
            f"a model whose label is observed), e.g. query {out.loc[no_quality, 'query_id'].iloc[0]}"
        )
    no_cost = routed & out["cost"].isna()
    if no_cost.any():
        raise InputError(f"{where}: {int(no_cost.sum())} routed pick(s) have no 'cost'")
    out.loc[~routed, "quality"] = 0.0
    out.loc[~routed, "cost"] = 0.0
    if test_ids is not None:
        test = pd.Index(pd.Series(test_ids, dtype="string").unique())
        have = pd.Index(out["query_id"].unique())
        extra = have.difference(test)
        lacking = test.difference(have)
        if len(extra):
            raise InputError(
                f"{where}: {len(extra)} query id(s) are not test queries of the split (curves use test "
                f"queries only), e.g. {list(extra[:3])}"
            )
        if len(lacking):
            raise InputError(f"{where}: {len(lacking)} test query id(s) have no pick, e.g. {list(lacking[:3])}")
    return out.sort_values(["budget", "query_id"], kind="stable").reset_index(drop=True)


def read_picks(path: str) -> pd.DataFrame:
    """Read and check one picks Parquet file (errors name the file)."""
    return check_picks(store.read(path, PICKS_COLUMNS), where=str(path))


def read_picks_by(paths: Sequence[str], methods: Sequence[str]) -> dict[str, pd.DataFrame]:
    """{method: checked picks} for parallel lists of files and methods."""
    if len(paths) != len(methods):
        raise InputError(f"{len(paths)} picks files for {len(methods)} methods {list(methods)}")
    return {method: read_picks(path) for method, path in zip(methods, paths)}


def read_picks_by_cost(
    paths: Sequence[str], cost_types: Sequence[str], methods: Sequence[str]
) -> dict[str, dict[str, pd.DataFrame]]:
    """{cost_type: {method: checked picks}} for files listed cost-major, then method."""
    if len(paths) != len(cost_types) * len(methods):
        raise InputError(f"{len(paths)} picks files for {len(cost_types)} cost types x {len(methods)} methods")
    n = len(methods)
    return {c: read_picks_by(paths[i * n : (i + 1) * n], methods) for i, c in enumerate(cost_types)}


def picks_matrices(picks: pd.DataFrame) -> tuple[np.ndarray, pd.Index, np.ndarray, np.ndarray, np.ndarray]:
    """Pivot checked picks to arrays: budgets (B,), query ids (Q,), quality, cost, routed (Q, B)."""
    budgets = np.sort(picks["budget"].unique())
    query_ids = pd.Index(np.sort(picks["query_id"].unique().astype(object)), dtype=object)
    rows = query_ids.get_indexer(picks["query_id"].astype(object))
    cols = np.searchsorted(budgets, picks["budget"].to_numpy())
    shape = (len(query_ids), len(budgets))
    quality = np.zeros(shape, dtype=np.float32)
    cost = np.zeros(shape, dtype=np.float64)
    routed = np.zeros(shape, dtype=bool)
    quality[rows, cols] = picks["quality"].to_numpy(dtype=np.float32)
    cost[rows, cols] = picks["cost"].to_numpy(dtype=np.float64)
    routed[rows, cols] = picks["model"].notna().to_numpy()
    return budgets, query_ids, quality, cost, routed


def deferral_curve(picks: pd.DataFrame) -> pd.DataFrame:
    """Per budget: mean quality and mean realised cost over the test queries, n_queries, n_unrouted.

    ``picks`` must have passed ``check_picks`` (unrouted rows count as quality 0, cost 0).
    """
    grouped = picks.groupby("budget", sort=True)
    out = pd.DataFrame(
        {
            "quality": grouped["quality"].mean(),
            "realised_cost": grouped["cost"].mean(),
            "n_queries": grouped["query_id"].size().astype("int64"),
            "n_unrouted": picks["model"].isna().groupby(picks["budget"], sort=True).sum().astype("int64"),
        }
    )
    return out.reset_index()


# --------------------------------------------------------------------------- area, peak, AIQ


def normalise_budgets(budgets: np.ndarray, max_budget: float) -> np.ndarray:
    """x = min(budget / max_budget, 1); budgets must be > 0 and strictly increasing."""
    budgets = np.asarray(budgets, dtype=np.float64)
    if not max_budget > 0 or not np.isfinite(max_budget):
        raise InputError(f"max_budget must be finite and > 0; got {max_budget}")
    if budgets.ndim != 1 or len(budgets) == 0:
        raise InputError("budgets must be a non-empty 1-D array")
    if (budgets <= 0).any() or (np.diff(budgets) <= 0).any():
        raise InputError("budgets must be > 0 and strictly increasing")
    return np.minimum(budgets / max_budget, 1.0)


def trapezoid_weights(x: np.ndarray) -> np.ndarray:
    """Weights w with area = y @ w: trapezoid on [x_1, x_n], flat y_n on [x_n, 1], 0 on [0, x_1).

    ``x`` is non-decreasing in [0, 1] (points past 1 must be clipped to 1 first).
    """
    x = np.asarray(x, dtype=np.float64)
    gaps = np.diff(x)
    w = np.zeros_like(x)
    w[:-1] += gaps / 2
    w[1:] += gaps / 2
    w[-1] += 1.0 - x[-1]
    return w


def area_and_peak(
    budgets: np.ndarray, quality: np.ndarray, max_budget: float
) -> tuple[np.ndarray | float, np.ndarray | float]:
    """Area over the normalised budget axis and peak quality; ``quality`` is (..., B).

    x = min(budget / max_budget, 1) (max_budget = the largest model cost of the pool); area =
    trapezoid over [x_first, x_last] + quality at x_last held flat up to x = 1; nothing before
    x_first (no model is affordable there). Budgets are sorted first, quality with them.
    """
    budgets = np.asarray(budgets, dtype=np.float64)
    quality = np.asarray(quality, dtype=np.float64)
    order = np.argsort(budgets, kind="stable")
    x = normalise_budgets(budgets[order], max_budget)
    y = quality[..., order]
    area = y @ trapezoid_weights(x)
    peak = y.max(axis=-1)
    return area, peak


def upper_hull(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Upper convex hull of points (monotone chain), left to right; equal x keep the highest y."""
    order = np.lexsort((-np.asarray(y, float), np.asarray(x, float)))
    xs, ys = np.asarray(x, float)[order], np.asarray(y, float)[order]
    keep = np.r_[True, xs[1:] != xs[:-1]]  # first of each x = highest y
    xs, ys = xs[keep], ys[keep]
    hx: list[float] = []
    hy: list[float] = []
    for px, py in zip(xs, ys):
        # pop while the last hull point lies on or below the segment (hull[-2] -> p)
        while len(hx) >= 2 and (hx[-1] - hx[-2]) * (py - hy[-2]) - (hy[-1] - hy[-2]) * (px - hx[-2]) >= 0:
            hx.pop()
            hy.pop()
        hx.append(px)
        hy.append(py)
    return np.array(hx), np.array(hy)


def non_decreasing_hull(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Upper convex hull cut at its highest point (the curve is then held flat)."""
    hx, hy = upper_hull(x, y)
    top = int(np.argmax(hy))
    return hx[: top + 1], hy[: top + 1]


def aiq(realised_cost: np.ndarray, quality: np.ndarray, max_cost: float) -> float:
    """RouterBench AIQ: area under the non-decreasing convex hull of (cost / max_cost, quality).

    Same integration rule as the deferral-curve area: 0 before the cheapest hull point, trapezoid
    between hull points, flat from the last (highest) hull point to 1. NaN when there is no point.
    """
    realised_cost = np.asarray(realised_cost, dtype=np.float64)
    quality = np.asarray(quality, dtype=np.float64)
    if len(realised_cost) == 0:
        return float("nan")
    if not max_cost > 0:
        raise InputError(f"max_cost must be > 0; got {max_cost}")
    hx, hy = non_decreasing_hull(np.minimum(realised_cost / max_cost, 1.0), quality)
    return float(hy @ trapezoid_weights(hx))


# The linear metrics of a curve (its three areas and its mean over the budget points) and its peak,
# in the order the evaluation tables give them.
CURVE_METRICS = ("area", "area_span", "area_log", "curve_mean", "peak")
# The three area axes. "area" is the study's (x = budget / c_max); the other two spread the axis
# over the pool's own cost range, where the study's axis leaves most of [0, 1] below the cheapest
# model when the pool's costs are close (docs/metrics.md, "Area axes").
AREA_AXES = {"area": "budget", "area_span": "span", "area_log": "log"}


def area_weights(budgets: np.ndarray, min_cost: float, max_cost: float, axis: str = "budget") -> np.ndarray:
    """Weights w with area = y @ w on one area axis (budgets > 0, strictly increasing).

    * ``budget`` (the study's): x = min(b / c_max, 1); ``trapezoid_weights`` (0 before the first
      budget, trapezoids, flat from the last budget to 1).
    * ``span``: x = (b - c_min) / (c_max - c_min); ``log``: x = (log b - log c_min) /
      (log c_max - log c_min). Budgets below c_min are off the axis (weight 0); the kept ones
      follow the same rule (0 on [0, x_first), trapezoids, x clipped to 1, flat to 1). When
      c_min = c_max the axis is one point: the area is the quality at the last budget.
    """
    budgets = np.asarray(budgets, dtype=np.float64)
    x = normalise_budgets(budgets, max_cost)  # checks the budgets and c_max
    if axis == "budget":
        return trapezoid_weights(x)
    if axis not in ("span", "log"):
        raise InputError(f"unknown area axis '{axis}'; expected one of {sorted(set(AREA_AXES.values()))}")
    if not (0 < min_cost <= max_cost) or not np.isfinite(min_cost):
        raise InputError(f"the area over the cost {axis} needs 0 < min cost <= max cost; got {min_cost}, {max_cost}")
    keep = budgets >= min_cost
    if max_cost == min_cost:
        x = np.zeros_like(budgets)
    elif axis == "span":
        x = (budgets - min_cost) / (max_cost - min_cost)
    else:
        x = (np.log(budgets) - np.log(min_cost)) / (np.log(max_cost) - np.log(min_cost))
    w = np.zeros_like(budgets)
    if keep.any():
        w[keep] = trapezoid_weights(np.clip(x[keep], 0.0, 1.0))
    return w


def area_weight_matrix(budgets: np.ndarray, min_cost: float, max_cost: float) -> dict[str, np.ndarray]:
    """{area column: weights} for the three area axes (``AREA_AXES``)."""
    return {column: area_weights(budgets, min_cost, max_cost, axis) for column, axis in AREA_AXES.items()}


# --------------------------------------------------------------------------- pool and tables


def pool_max_cost(models: pd.DataFrame, cost_type: str, where: str = "models") -> float:
    """Largest model cost of the pool for a cost type (the budget axis is normalised by it)."""
    if cost_type not in store.COST_COLUMNS:
        raise InputError(f"unknown cost type '{cost_type}'; expected one of {list(store.COST_COLUMNS)}")
    column = store.COST_COLUMNS[cost_type]
    if column not in models.columns:
        raise InputError(f"{where}: missing column '{column}' (cost '{cost_type}')")
    values = pd.to_numeric(models[column], errors="coerce")
    if values.isna().any() or len(values) == 0:
        raise InputError(
            f"{where}: column '{column}' (cost '{cost_type}') is missing for "
            f"{models.loc[values.isna(), 'model'].tolist()[:5]}"
        )
    return float(values.max())


def pool_cost_range(models: pd.DataFrame, cost_type: str, where: str = "models") -> tuple[float, float]:
    """(smallest, largest) model cost of the pool for a cost type: the ends of the area axes."""
    high = pool_max_cost(models, cost_type, where)  # checks the column
    low = float(pd.to_numeric(models[store.COST_COLUMNS[cost_type]], errors="coerce").min())
    if not low > 0:
        raise InputError(f"{where}: column '{store.COST_COLUMNS[cost_type]}' (cost '{cost_type}') must be > 0; found {low}")
    return low, high


def test_query_categories(queries: pd.DataFrame, where: str = "queries") -> pd.Series:
    """query_id -> category of the test queries (the rows a picks table covers)."""
    missing = [col for col in ("query_id", "category", "split") if col not in queries.columns]
    if missing:
        raise InputError(f"{where}: missing required column(s) {missing}")
    test = queries[queries["split"] == "test"]
    return pd.Series(test["category"].astype("string").to_numpy(), index=test["query_id"].astype("string").to_numpy())


def tag_columns(df: pd.DataFrame, tags: Mapping[str, str] | None) -> pd.DataFrame:
    """Prepend constant tag columns (benchmark, split, ...) to a table."""
    if not tags:
        return df
    front = pd.DataFrame({k: pd.Series([v] * len(df), dtype="string") for k, v in tags.items()})
    return pd.concat([front, df.reset_index(drop=True)], axis=1)


def aiq_by_method(curves: pd.DataFrame, max_cost: float) -> pd.Series:
    """AIQ per method from a ``curve_table`` (budgets where nothing was routed are not points)."""
    routed = curves[curves["n_unrouted"] < curves["n_queries"]]
    values = {
        m: aiq(g["realised_cost"].to_numpy(), g["quality"].to_numpy(), max_cost)
        for m, g in routed.groupby("method", sort=False)
    }
    return pd.Series(values, dtype="float64").reindex(curves["method"].unique())


def curve_summary(curves: pd.DataFrame) -> pd.DataFrame:
    """Per method (and tag columns): mean quality over the budget points, peak, area.

    ``curve_mean`` is the unweighted mean of the curve over its budget points (the study's
    "average accuracy over the deferral curve"); ``area`` uses budget_norm and the rule above.
    """
    keys = [c for c in ("benchmark", "split", "cost_type", "method") if c in curves.columns]
    rows = []
    for key, g in curves.sort_values("budget").groupby(keys, sort=False):
        y = g["quality"].to_numpy(dtype=np.float64)
        x = g["budget_norm"].to_numpy(dtype=np.float64)
        rows.append((*key, y.mean(), y.max(), float(y @ trapezoid_weights(x))))
    return pd.DataFrame(rows, columns=[*keys, "curve_mean", "peak", "area"])
