"""Binary routing trade-off for a (small, large) model pair, and RouteLLM's APGR and CPT.

Definitions (also in docs/metrics.md), on the test queries where both models have a label:

* Confidence that the small model suffices, from a router's predicted scores:
  conf(q) = score[small, q] - score[large, q].
* Routing at share f routed to the large model: n_large(f) = floor(f * Q + 1/2) queries with the
  *lowest* confidence go to the large model, the other Q - n_large go to the small one (ties in
  confidence keep the query-id order). quality(f) = mean over queries of the routed model's label.
  quality(0) = acc_small and quality(1) = acc_large.
* The grid is f = 0, 1/(P-1), ..., 1 with P = evaluation.tradeoff_points; area = trapezoid rule on
  that grid over [0, 1].
* References: the straight line quality(f) = (1 - f) acc_small + f acc_large (area = the mean of
  the two accuracies) and the pair oracle, which orders queries by label[small] - label[large]
  (route to small exactly where small is at least as good: the best possible order).
* RouteLLM: PGR(f) = (quality(f) - acc_small) / (acc_large - acc_small);
  APGR = (area - acc_small) / (acc_large - acc_small) (= the area under the PGR curve);
  CPT(x) = the smallest share routed to the large model with PGR >= x, evaluated exactly on every
  n_large = 0..Q (not only on the grid). All three are NaN, with a note, when
  acc_large <= acc_small.
* Area intervals: paired bootstrap over the test queries (bootstrap.py) of the per-query
  contributions at each grid point; the routing decisions are those of the full sample.
"""

from __future__ import annotations

import logging
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from . import bootstrap as _bootstrap
from . import io
from .curves import tag_columns, trapezoid_weights
from .errors import ConfigError, InputError

log = logging.getLogger(__name__)

STRAIGHT = "straight"
PAIR_ORACLE = "pair_oracle"
COST_TYPE = "share_large"  # the x axis: share of test queries routed to the large model
CPT_LEVELS = (0.5, 0.8)
GAP_NOTE = "acc_large <= acc_small: PGR, APGR and CPT undefined (NaN)"


def fraction_grid(n_points: int) -> np.ndarray:
    """f = 0, 1/(P-1), ..., 1."""
    if n_points < 2:
        raise ConfigError(f"evaluation.tradeoff_points must be >= 2; got {n_points}")
    return np.linspace(0.0, 1.0, n_points)


def n_large_at(fractions: np.ndarray, n_queries: int) -> np.ndarray:
    """Number of queries routed to the large model at each share f: floor(f * Q + 1/2)."""
    return np.floor(np.asarray(fractions) * n_queries + 0.5).astype(np.int64)


def routing_order(confidence: np.ndarray) -> np.ndarray:
    """Queries from most to least confident that the small model suffices (stable on ties)."""
    return np.argsort(-np.asarray(confidence, dtype=np.float64), kind="stable")


def exact_curve(y_small: np.ndarray, y_large: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """(Q + 1,) quality when the n = 0..Q least confident queries go to the large model."""
    order = routing_order(confidence)
    n = len(order)
    cs = np.concatenate([[0.0], np.cumsum(np.asarray(y_small, np.float64)[order])])
    cl = np.concatenate([[0.0], np.cumsum(np.asarray(y_large, np.float64)[order])])
    n_small = n - np.arange(n + 1)
    return (cs[n_small] + cl[n] - cl[n_small]) / n


def tradeoff_curve(
    y_small: np.ndarray, y_large: np.ndarray, confidence: np.ndarray, fractions: np.ndarray
) -> np.ndarray:
    """Quality at each share f routed to the large model (cumulative sums, no loop over f)."""
    return exact_curve(y_small, y_large, confidence)[n_large_at(fractions, len(y_small))]


def contribution_matrix(
    y_small: np.ndarray, y_large: np.ndarray, confidence: np.ndarray, fractions: np.ndarray
) -> np.ndarray:
    """(Q, P): the label each query gets at each share f; column means = ``tradeoff_curve``."""
    n = len(y_small)
    rank = np.empty(n, dtype=np.int64)
    rank[routing_order(confidence)] = np.arange(n)
    to_small = rank[:, None] < (n - n_large_at(fractions, n))[None, :]
    return np.where(to_small, np.asarray(y_small, np.float64)[:, None], np.asarray(y_large, np.float64)[:, None])


def pgr(quality: np.ndarray, acc_small: float, acc_large: float) -> np.ndarray:
    """Performance gap recovered; NaN when acc_large <= acc_small."""
    gap = acc_large - acc_small
    if not gap > 0:
        return np.full(np.shape(quality), np.nan)
    return (np.asarray(quality, dtype=np.float64) - acc_small) / gap


def apgr(area: float, acc_small: float, acc_large: float) -> float:
    """(area - acc_small) / (acc_large - acc_small); NaN when acc_large <= acc_small."""
    return float(pgr(np.asarray(area), acc_small, acc_large))


def cpt(exact: np.ndarray, acc_small: float, acc_large: float, level: float) -> float:
    """Smallest share n/Q routed to the large model with PGR >= level (exact curve over n = 0..Q)."""
    values = pgr(exact, acc_small, acc_large)
    if np.isnan(values).all():
        return float("nan")
    reached = np.nonzero(values >= level - 1e-12)[0]
    return float(reached[0] / (len(exact) - 1)) if len(reached) else float("nan")


def pair_labels(bench: io.Benchmark, small: str, large: str, config_key: str) -> tuple[pd.Index, np.ndarray, np.ndarray, int]:
    """Test query ids with both labels, the two label vectors, and how many test queries lack one."""
    known = set(bench.models["model"])
    unknown = [m for m in (small, large) if m not in known]
    if unknown:
        raise ConfigError(
            f"{config_key}: model(s) {unknown} are not in the pool of {bench.name} "
            f"(known e.g. {sorted(known)[:5]})"
        )
    if small == large:
        raise ConfigError(f"{config_key}: the small and the large model must differ; both are '{small}'")
    test_ids = bench.queries.loc[bench.queries["split"] == "test", "query_id"].tolist()
    if not test_ids:
        raise InputError(f"{bench.name} queries: no query has split 'test'")
    sub = bench.matrix.subset(models=[small, large], query_ids=test_ids)
    both = sub.mask.all(axis=0)
    n_excluded = int((~both).sum())
    if n_excluded:
        log.warning("pair %s: %d test queries lack a label of %s or %s and are excluded", config_key, n_excluded, small, large)
    if not both.any():
        raise InputError(f"{config_key}: no test query has labels for both '{small}' and '{large}'")
    return sub.query_ids[both], sub.values[0, both].astype(np.float64), sub.values[1, both].astype(np.float64), n_excluded


def small_confidence(scores: pd.DataFrame, small: str, large: str, query_ids: Sequence[str], where: str) -> np.ndarray:
    """score[small] - score[large] per query (in ``query_ids`` order) from a long scores table."""
    missing = [c for c in ("query_id", "model", "score") if c not in scores.columns]
    if missing:
        raise InputError(f"{where}: missing required column(s) {missing}; found {list(scores.columns)}")
    sel = scores[scores["model"].isin([small, large])]
    if sel.duplicated(["query_id", "model"]).any():
        raise InputError(f"{where}: (query_id, model) pairs must be unique")
    wide = sel.pivot(index="query_id", columns="model", values="score").reindex(index=list(query_ids), columns=[small, large])
    values = wide.to_numpy(dtype=np.float64)
    bad = np.isnan(values).any(axis=1)
    if bad.any():
        raise InputError(
            f"{where}: no score for '{small}' or '{large}' on {int(bad.sum())} test query(ies), "
            f"e.g. {list(wide.index[bad][:3])}"
        )
    return values[:, 0] - values[:, 1]


def evaluate_pair(
    scores_by_method: Mapping[str, pd.DataFrame],
    bench: io.Benchmark,
    small: str,
    large: str,
    n_points: int = 21,
    n_resamples: int = 10_000,
    seed: int = 0,
    confidence: float = 0.95,
    config_key: str = "binary pair",
    tags: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Trade-off curves and areas of every router for one pair, plus the straight line and oracle.

    Returns (curves, areas). curves: [tags...], pair_small, pair_large, method, cost_type
    ('share_large'), reference, share_large, quality, pgr. areas: [tags...], pair_small, pair_large,
    method, cost_type, reference, area, area_lo, area_hi, apgr, cpt50, cpt80, acc_small, acc_large,
    n_queries, n_excluded, n_resamples, confidence, seed, note.
    """
    clash = [m for m in scores_by_method if m in (STRAIGHT, PAIR_ORACLE)]
    if clash:
        raise ConfigError(f"routers: method name(s) {clash} are reserved for the trade-off reference curves")
    query_ids, y_small, y_large, n_excluded = pair_labels(bench, small, large, config_key)
    fractions = fraction_grid(n_points)
    acc_small, acc_large = float(y_small.mean()), float(y_large.mean())
    note = GAP_NOTE if not acc_large > acc_small else ""

    methods = list(scores_by_method) + [STRAIGHT, PAIR_ORACLE]
    blocks, exact = [], {}
    for method, scores in scores_by_method.items():
        conf = small_confidence(scores, small, large, query_ids, where=f"scores of method '{method}'")
        blocks.append(contribution_matrix(y_small, y_large, conf, fractions))
        exact[method] = exact_curve(y_small, y_large, conf)
    blocks.append((1 - fractions)[None, :] * y_small[:, None] + fractions[None, :] * y_large[:, None])
    oracle_conf = y_small - y_large
    blocks.append(contribution_matrix(y_small, y_large, oracle_conf, fractions))
    exact[PAIR_ORACLE] = exact_curve(y_small, y_large, oracle_conf)

    values = np.concatenate(blocks, axis=1)  # (Q, methods * P)
    weights = trapezoid_weights(fractions)
    n_methods, n_f = len(methods), len(fractions)
    samples = _bootstrap.bootstrap_means(
        values, lambda means: means.reshape(len(means), n_methods, n_f) @ weights, n_resamples, seed
    )
    lo, hi = _bootstrap.percentile_interval(samples, confidence)
    curve = values.mean(axis=0).reshape(n_methods, n_f)
    area = curve @ weights

    def cpt_of(method: str, level: float) -> float:
        if method == STRAIGHT:
            return level if acc_large > acc_small else float("nan")
        return cpt(exact[method], acc_small, acc_large, level)

    reference = np.isin(methods, [STRAIGHT, PAIR_ORACLE])
    curves_df = pd.DataFrame(
        {
            "pair_small": small,
            "pair_large": large,
            "method": np.repeat(methods, n_f),
            "cost_type": COST_TYPE,
            "reference": np.repeat(reference, n_f),
            "share_large": np.tile(fractions, n_methods),
            "quality": curve.ravel(),
            "pgr": pgr(curve.ravel(), acc_small, acc_large),
        }
    )
    areas_df = pd.DataFrame(
        {
            "pair_small": small,
            "pair_large": large,
            "method": methods,
            "cost_type": COST_TYPE,
            "reference": reference,
            "area": area,
            "area_lo": lo,
            "area_hi": hi,
            "apgr": [apgr(a, acc_small, acc_large) for a in area],
            **{f"cpt{int(round(100 * lv))}": [cpt_of(m, lv) for m in methods] for lv in CPT_LEVELS},
            "acc_small": acc_small,
            "acc_large": acc_large,
            "n_queries": np.int64(len(query_ids)),
            "n_excluded": np.int64(n_excluded),
            "n_resamples": np.int64(len(samples)),
            "confidence": confidence,
            "seed": np.int64(seed),
            "note": note,
        }
    )
    for df in (curves_df, areas_df):
        for column in ("pair_small", "pair_large", "method", "cost_type", "note"):
            if column in df.columns:
                df[column] = df[column].astype("string")
    return tag_columns(curves_df, tags), tag_columns(areas_df, tags)
