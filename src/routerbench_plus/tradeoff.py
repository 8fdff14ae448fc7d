"""Binary routing trade-off for a (small, large) model pair, and RouteLLM's APGR and CPT.

Definitions (also in docs/metrics.md), on the test queries where both models have a label:

* Confidence that the small model suffices, from a router's predicted scores:
  conf(q) = score[small, q] - score[large, q].
* Routing at share f routed to the large model: a share f of the Q queries (f * Q queries, not
  rounded), the *least* confident first, goes to the large model, the rest to the small one.
  Queries with tied confidence (equal after rounding to multiples of evaluation.tie_tolerance,
  default 1e-6, which absorbs the float32 rounding of stored scores) form a block, routed **in
  expectation**: the mean over all orders of the block's queries. When the block's k queries hold
  (real) j of the f * Q routed to the large model, each of them contributes
  (1 - j/k) y_small + (j/k) y_large. A fractional share of a
  single query is routed the same way (it is a block of one). quality(f) = mean contribution:
  linear in f within a block, independent of query ids; quality(0) = acc_small, quality(1) =
  acc_large; a router with one confidence for every query gives exactly the straight line.
* The grid is f = 0, 1/(P-1), ..., 1 with P = evaluation.tradeoff_points; area = trapezoid rule on
  that grid over [0, 1].
* References: the straight line quality(f) = (1 - f) acc_small + f acc_large (area = the mean of
  the two accuracies) and the pair oracle, which orders queries by label[small] - label[large]
  (route to small exactly where small is at least as good: the best possible order).
* RouteLLM: PGR(f) = (quality(f) - acc_small) / (acc_large - acc_small);
  APGR = (area - acc_small) / (acc_large - acc_small) (= the area under the PGR curve);
  CPT(x) = the smallest share routed to the large model with PGR >= x, on the exact curve (every
  n = 0..Q routed to the large model, linear in between). All three are NaN, with a note, when
  acc_large <= acc_small.
* Intervals: paired bootstrap over the test queries (bootstrap.py) of the per-query contributions
  at each grid point (the routing decisions are those of the full sample): per-f bands of every
  curve, area and APGR intervals per method, and area differences of every ordered pair of methods.
  The rows are put in a canonical order (sorted by their values) before resampling: queries with
  identical rows are exchangeable, so the resamples do not depend on query ids either.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from . import store
from .bootstrap import bootstrap_means, canonical_order, difference_table, percentile_interval
from .curves import tag_columns, trapezoid_weights
from .errors import ConfigError, InputError

log = logging.getLogger(__name__)

STRAIGHT = "straight"
PAIR_ORACLE = "pair_oracle"
COST_TYPE = "share_large"  # the x axis: share of test queries routed to the large model
CPT_LEVELS = (0.5, 0.8)
GAP_NOTE = "acc_large <= acc_small: PGR, APGR and CPT undefined (NaN)"


AUTO_PAIR = "auto"  # benchmarks.<b>.binary_pairs: auto -> one pair 'auto', the cheapest vs the dearest model


def auto_pair(models: pd.DataFrame, cost_type: str, key: str = "benchmarks.<b>.binary_pairs") -> tuple[str, str]:
    """(small, large) of ``binary_pairs: auto``: the cheapest and the most expensive real (not pseudo)
    model by ``cost_type`` (ties: name order; models without that cost are left out). Pruning keeps both
    (rule prune), so the pair is the same on every split."""
    column = store.COST_COLUMNS.get(cost_type)
    if column is None or column not in models.columns:
        raise InputError(f"models: no cost column for cost type '{cost_type}' (the pair of {key}: auto)")
    real = models[~models["is_pseudo"].astype(bool)] if "is_pseudo" in models.columns else models
    known = real[np.isfinite(real[column].astype(np.float64))]
    if len(known) < 2:
        raise ConfigError(f"config key {key}: auto needs two models with a {column}; found {len(known)}")
    ordered = known.assign(model=known["model"].astype(str)).sort_values([column, "model"], kind="stable")
    return str(ordered["model"].iloc[0]), str(ordered["model"].iloc[-1])


def fraction_grid(n_points: int) -> np.ndarray:
    """f = 0, 1/(P-1), ..., 1."""
    if n_points < 2:
        raise ConfigError(f"evaluation.tradeoff_points must be >= 2; got {n_points}")
    return np.linspace(0.0, 1.0, n_points)


def quantise(confidence: np.ndarray, tolerance: float) -> np.ndarray:
    """Confidences rounded to multiples of ``tolerance`` (0: unchanged), so values that differ only
    by float32 rounding of the router's scores (e.g. 0.70000001 and 0.69999999) form one tie."""
    conf = np.asarray(confidence, dtype=np.float64)
    if not tolerance >= 0:
        raise ConfigError(f"evaluation.tie_tolerance must be >= 0; got {tolerance}")
    return conf if tolerance == 0 else np.round(conf / tolerance) * tolerance


def routing_order(confidence: np.ndarray, y_small: np.ndarray, y_large: np.ndarray) -> np.ndarray:
    """Queries from most to least confident that the small model suffices; ties ordered by
    (y_small, y_large), so the order is a function of the data only (tied queries are routed in
    expectation: their order changes nothing but the order of floating-point sums)."""
    conf = np.asarray(confidence, dtype=np.float64)
    return np.lexsort((np.asarray(y_large, np.float64), np.asarray(y_small, np.float64), -conf))


def tie_blocks(sorted_confidence: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For confidences sorted from most to least confident: the block of each position, and the
    start and end (exclusive) positions of each block of equal confidence."""
    sc = np.asarray(sorted_confidence, dtype=np.float64)
    new = np.r_[True, sc[1:] != sc[:-1]] if len(sc) else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(new)
    return np.cumsum(new) - 1, starts, np.r_[starts[1:], len(sc)].astype(np.int64)


def expected_share_large(confidence: np.ndarray, fractions: np.ndarray) -> np.ndarray:
    """(Q, P): the probability that each query goes to the large model at each share f, when f * Q
    queries go there, least confident first, ties (and a fractional query) routed in expectation.

    A block of k tied queries with a queries less confident than it holds j = clip(f Q - a, 0, k)
    of them; each of its queries goes large with probability j / k = clip(f (Q/k) - a/k, 0, 1)
    (written so that one block of all Q queries gives exactly f).
    """
    conf = np.asarray(confidence, dtype=np.float64)
    fractions = np.asarray(fractions, dtype=np.float64)
    n = len(conf)
    order = np.argsort(-conf, kind="stable")  # any order: the share depends on the block only
    block, starts, ends = tie_blocks(conf[order])
    k = (ends - starts).astype(np.float64)
    less = (n - ends).astype(np.float64)  # queries less confident than the block
    share = np.clip(fractions[None, :] * (n / k)[:, None] - (less / k)[:, None], 0.0, 1.0)
    out = np.empty((n, len(fractions)), dtype=np.float64)
    out[order] = share[block]
    return out


def contribution_matrix(
    y_small: np.ndarray, y_large: np.ndarray, confidence: np.ndarray, fractions: np.ndarray
) -> np.ndarray:
    """(Q, P): each query's expected label at each share f; column means = ``tradeoff_curve``."""
    t = expected_share_large(confidence, fractions)
    return (1 - t) * np.asarray(y_small, np.float64)[:, None] + t * np.asarray(y_large, np.float64)[:, None]


def tradeoff_curve(
    y_small: np.ndarray, y_large: np.ndarray, confidence: np.ndarray, fractions: np.ndarray
) -> np.ndarray:
    """Expected quality at each share f routed to the large model."""
    return contribution_matrix(y_small, y_large, confidence, fractions).mean(axis=0)


def exact_curve(y_small: np.ndarray, y_large: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """(Q + 1,) expected quality when n = 0..Q queries go to the large model (least confident
    first, ties in expectation): the running gain y_large - y_small at the block boundaries,
    linear within each block (no loop over queries)."""
    y_small = np.asarray(y_small, dtype=np.float64)
    y_large = np.asarray(y_large, dtype=np.float64)
    conf = np.asarray(confidence, dtype=np.float64)
    n = len(conf)
    order = routing_order(conf, y_small, y_large)
    _, starts, ends = tie_blocks(conf[order])
    gain = np.add.reduceat((y_large - y_small)[order], starts)[::-1]  # blocks, least confident first
    bounds = np.r_[0, np.cumsum((ends - starts)[::-1])]
    running = np.interp(np.arange(n + 1), bounds, np.r_[0.0, np.cumsum(gain)])
    return (y_small[order].sum() + running) / n


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
    """Smallest share routed to the large model with PGR >= level, on the exact curve over
    n = 0..Q (linear between consecutive n, as routing a fractional query in expectation is)."""
    values = pgr(exact, acc_small, acc_large)
    if np.isnan(values).all():
        return float("nan")
    reached = np.nonzero(values >= level - 1e-12)[0]
    if not len(reached):
        return float("nan")
    n = int(reached[0])
    if n == 0:
        return 0.0
    below, above = values[n - 1], values[n]
    step = (level - below) / (above - below) if above > below else 1.0
    return float((n - 1 + min(max(step, 0.0), 1.0)) / (len(exact) - 1))


def pair_labels(bench: store.Benchmark, small: str, large: str, config_key: str) -> tuple[pd.Index, np.ndarray, np.ndarray, int]:
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
    bench: store.Benchmark,
    small: str,
    large: str,
    n_points: int = 21,
    n_resamples: int = 10_000,
    seed: int = 0,
    confidence: float = 0.95,
    config_key: str = "binary pair",
    tags: Mapping[str, str] | None = None,
    threads: int = 1,
    tie_tolerance: float = 1e-6,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Trade-off curves, areas and pairwise area differences of every router for one pair, plus
    the straight line and the pair oracle, with paired-bootstrap intervals.

    Returns (curves, areas, pairwise). curves: [tags...], pair_small, pair_large, method, cost_type
    ('share_large'), reference, share_large, quality, quality_lo, quality_hi, vs_straight_lo,
    vs_straight_hi (interval of quality minus the straight line, paired), pgr. areas: [tags...],
    pair_small, pair_large, method, cost_type, reference, area, area_lo, area_hi, apgr, apgr_lo,
    apgr_hi, cpt50, cpt80, acc_small, acc_large, n_queries, n_excluded, n_resamples,
    n_resamples_no_gap, confidence, seed, note. pairwise: [tags...], pair_small, pair_large,
    method_a, method_b, area_diff, area_diff_lo, area_diff_hi, area_significant, n_resamples,
    confidence, seed. Every table is a function of the labels and scores only, not of query ids.
    Confidences are rounded to multiples of ``tie_tolerance`` (``quantise``) before ties are formed.
    """
    clash = [m for m in scores_by_method if m in (STRAIGHT, PAIR_ORACLE)]
    if clash:
        raise ConfigError(f"routers: method name(s) {clash} are reserved for the trade-off reference curves")
    query_ids, y_small, y_large, n_excluded = pair_labels(bench, small, large, config_key)
    fractions = fraction_grid(n_points)

    methods = list(scores_by_method) + [STRAIGHT, PAIR_ORACLE]
    blocks, exact = [], {}
    for method, scores in scores_by_method.items():
        conf = quantise(small_confidence(scores, small, large, query_ids, where=f"scores of method '{method}'"),
                        tie_tolerance)
        blocks.append(contribution_matrix(y_small, y_large, conf, fractions))
        exact[method] = exact_curve(y_small, y_large, conf)
    blocks.append(contribution_matrix(y_small, y_large, np.zeros(len(y_small)), fractions))  # one tie: the line
    oracle_conf = y_small - y_large
    blocks.append(contribution_matrix(y_small, y_large, oracle_conf, fractions))
    exact[PAIR_ORACLE] = exact_curve(y_small, y_large, oracle_conf)

    values = np.concatenate(blocks, axis=1)  # (Q, methods * P)
    values = values[canonical_order(values)]  # resamples independent of query ids
    weights = trapezoid_weights(fractions)
    n_methods, n_f = len(methods), len(fractions)
    line = methods.index(STRAIGHT)
    curve = values.mean(axis=0).reshape(n_methods, n_f)
    acc_small, acc_large = float(curve[line, 0]), float(curve[line, -1])
    note = GAP_NOTE if not acc_large > acc_small else ""
    area = curve @ weights

    def statistic(means: np.ndarray) -> np.ndarray:
        cube = means.reshape(len(means), n_methods, n_f)
        areas = cube @ weights
        low, gap = cube[:, line, :1], cube[:, line, -1:] - cube[:, line, :1]
        with np.errstate(invalid="ignore", divide="ignore"):
            gained = np.where(gap > 0, (areas - low) / gap, np.nan)
        return np.concatenate([areas, gained, means], axis=1)

    samples = bootstrap_means(values, statistic, n_resamples, seed, threads=threads)
    area_samples, apgr_samples = samples[:, :n_methods], samples[:, n_methods : 2 * n_methods]
    lo, hi = percentile_interval(area_samples, confidence)
    resampled = samples[:, 2 * n_methods :].reshape(len(samples), n_methods, n_f)
    band_lo, band_hi = percentile_interval(resampled.reshape(len(samples), -1), confidence)
    # paired band of (curve - straight line) at each share: where a router beats the line
    gain_lo, gain_hi = percentile_interval(
        (resampled - resampled[:, line : line + 1]).reshape(len(samples), -1), confidence
    )
    no_gap = int(np.isnan(apgr_samples[:, 0]).sum())
    if note or no_gap == len(samples):
        apgr_lo = apgr_hi = np.full(n_methods, np.nan)
    else:
        apgr_lo, apgr_hi = percentile_interval(apgr_samples, confidence, ignore_nan=True)
    if no_gap and not note:
        log.warning("pair %s: in %d of %d resamples acc_large <= acc_small; the APGR interval leaves them out",
                    config_key, no_gap, len(samples))

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
            "quality_lo": band_lo,
            "quality_hi": band_hi,
            "vs_straight_lo": gain_lo,
            "vs_straight_hi": gain_hi,
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
            "apgr_lo": apgr_lo,
            "apgr_hi": apgr_hi,
            **{f"cpt{int(round(100 * lv))}": [cpt_of(m, lv) for m in methods] for lv in CPT_LEVELS},
            "acc_small": acc_small,
            "acc_large": acc_large,
            "n_queries": np.int64(len(query_ids)),
            "n_excluded": np.int64(n_excluded),
            "n_resamples": np.int64(len(samples)),
            "n_resamples_no_gap": np.int64(no_gap),
            "confidence": confidence,
            "seed": np.int64(seed),
            "note": note,
        }
    )
    pairwise_df = difference_table(methods, {"area": (area, area_samples)}, confidence)
    pairwise_df.insert(0, "pair_small", small)
    pairwise_df.insert(1, "pair_large", large)
    pairwise_df["seed"] = np.int64(seed)
    for df in (curves_df, areas_df, pairwise_df):
        for column in ("pair_small", "pair_large", "method", "cost_type", "note"):
            if column in df.columns:
                df[column] = df[column].astype("string")
    return tuple(tag_columns(df, tags) for df in (curves_df, areas_df, pairwise_df))  # type: ignore[return-value]
