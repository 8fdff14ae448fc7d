"""Agreement with the heuristic router, before and after pseudo-specialists are injected.

For a router m, a reference router h (the heuristic: the best-on-average affordable model) and a
budget b, agreement(b) = share of test queries on which m's pick equals h's pick at b. Budgets at
which h picks nothing (no model affordable) are skipped; a query m leaves unrouted while h routes it
counts as a disagreement. The score is the unweighted mean of agreement(b) over the remaining budgets,
in points (x 100), overall and per task (category: the same computation restricted to the task's
test queries), and, when the pseudo-specialist target tasks are given, over their test queries
pooled (scope ``targets``: the study's "much more on the target tasks", as one paired interval). It is computed on split ``standard`` (before) and split ``pseudo`` (after the
pseudo-specialists are added); change = after - before. The reference itself gets no row.

The change's interval is a paired bootstrap over the test queries of its scope (all test queries,
or the task's), the same resamples for both splits and every method, so the two splits must hold
the same test queries; agreement(b) is recomputed per resample as a ratio (queries agreeing /
queries the reference routes), then averaged over the budgets kept above.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .bootstrap import bootstrap_means, percentile_interval
from .curves import check_picks, picks_matrices, tag_columns, test_query_categories
from .errors import ConfigError, InputError

OVERALL = "overall"
TARGETS = "targets"  # scope (and task label) of the pseudo-specialist target tasks pooled


def agreement_arrays(
    picks_by_method: Mapping[str, pd.DataFrame], reference: str, test_ids: Sequence[str], where: str = ""
) -> tuple[pd.Index, list[str], np.ndarray, np.ndarray]:
    """(query ids, methods, agree (M, Q, B), routed (Q, B)): whether each method's pick equals the
    reference's (and both route the query), and whether the reference routes the query, per
    budget. Methods exclude the reference; all must have the reference's budgets."""
    if reference not in picks_by_method:
        raise ConfigError(f"routers: the reference router '{reference}' has no picks (methods: {sorted(picks_by_method)})")

    def pick_matrix(method: str) -> tuple[np.ndarray, pd.Index, np.ndarray]:
        checked = check_picks(picks_by_method[method], test_ids, where=f"{where}picks of method '{method}'")
        budgets, ids, _, _, routed = picks_matrices(checked)
        models = np.full(routed.shape, None, dtype=object)
        rows = ids.get_indexer(checked["query_id"].astype(object))
        cols = np.searchsorted(budgets, checked["budget"].to_numpy())
        models[rows, cols] = checked["model"].astype(object).to_numpy()
        models[~routed] = None
        return budgets, ids, models

    ref_budgets, ids, ref = pick_matrix(reference)
    routed = np.not_equal(ref, None)
    methods, agree = [], []
    for method in picks_by_method:
        if method == reference:
            continue
        budgets, _, models = pick_matrix(method)
        if not np.array_equal(budgets, ref_budgets):
            raise InputError(f"{where}picks of method '{method}': budgets differ from those of the reference '{reference}'")
        agree.append(routed & np.not_equal(models, None) & (models == ref))
        methods.append(method)
    return ids, methods, np.array(agree, dtype=np.float32).reshape(len(methods), *routed.shape), routed


def _scores(agree_sum: np.ndarray, routed_sum: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """(r, M) mean over the kept budgets of agreement(b) = agree / routed, from (r, M, B) and (r, B)."""
    if not keep.any():
        return np.full(agree_sum.shape[:2], np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = agree_sum[:, :, keep] / routed_sum[:, None, keep]
    counted = np.isfinite(ratio).sum(axis=2)
    total = np.where(np.isfinite(ratio), ratio, 0.0).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counted > 0, total / np.maximum(counted, 1), np.nan)


def agreement_table(
    before: Mapping[str, pd.DataFrame],
    after: Mapping[str, pd.DataFrame],
    queries_before: pd.DataFrame,
    queries_after: pd.DataFrame,
    reference: str = "heuristic",
    split_before: str = "standard",
    split_after: str = "pseudo",
    tags: Mapping[str, str] | None = None,
    n_resamples: int = 10_000,
    seed: int = 0,
    confidence: float = 0.95,
    threads: int = 1,
    targets: Sequence[str] = (),
) -> pd.DataFrame:
    """Agreement with the reference before and after injection, the change (points) and its
    paired-bootstrap interval, overall, per task and (``targets``: the pseudo-specialist target
    tasks; those without test queries are skipped) over the target tasks pooled (scope and task
    ``targets``, after overall).

    Columns: [tags...], method, split_before, split_after, scope, task, agreement_before_pts,
    agreement_after_pts, change_pts, change_lo_pts, change_hi_pts, change_significant,
    n_test_queries_before, n_test_queries_after, n_resamples, confidence, seed.
    Raises InputError naming both splits when their test queries (or their tasks) differ.
    """
    if set(before) != set(after):
        raise InputError(f"agreement: methods differ between split {split_before} ({sorted(before)}) and {split_after} ({sorted(after)})")
    cat_b = test_query_categories(queries_before, f"split {split_before} queries")
    cat_a = test_query_categories(queries_after, f"split {split_after} queries")
    if not cat_b.sort_index().equals(cat_a.sort_index()):
        raise InputError(
            f"agreement: split {split_before} and split {split_after} have different test queries or tasks "
            f"({len(cat_b)} vs {len(cat_a)} test queries); the change is paired over the same test queries"
        )
    test_ids = list(cat_b.index)
    ids, methods, agree_b, routed_b = agreement_arrays(before, reference, test_ids, f"split {split_before}: ")
    _, _, agree_a, routed_a = agreement_arrays(
        {m: after[m] for m in before}, reference, test_ids, f"split {split_after}: "
    )
    task = cat_b.reindex(ids).to_numpy(dtype=object)
    n_methods, n_bb, n_ba = len(methods), routed_b.shape[1], routed_a.shape[1]
    scopes = [(OVERALL, OVERALL, np.ones(len(ids), dtype=bool))]
    on_targets = np.isin(task, [str(t) for t in targets])
    if on_targets.any():
        scopes.append((TARGETS, TARGETS, on_targets))
    scopes += [("task", t, task == t) for t in sorted(set(task))]
    records = []
    for scope, name, mask in scopes:  # overall and one per task; resamples are vectorised
        keep_b, keep_a = routed_b[mask].any(axis=0), routed_a[mask].any(axis=0)
        values = np.concatenate(
            [agree_b[:, mask].transpose(1, 0, 2).reshape(mask.sum(), -1),
             agree_a[:, mask].transpose(1, 0, 2).reshape(mask.sum(), -1),
             routed_b[mask], routed_a[mask]], axis=1,
        ).astype(np.float32)

        def statistic(means: np.ndarray, keep_b: np.ndarray = keep_b, keep_a: np.ndarray = keep_a) -> np.ndarray:
            r = len(means)
            at = n_methods * (n_bb + n_ba)
            score_b = _scores(means[:, : n_methods * n_bb].reshape(r, n_methods, n_bb), means[:, at : at + n_bb], keep_b)
            score_a = _scores(means[:, n_methods * n_bb : at].reshape(r, n_methods, n_ba), means[:, at + n_bb :], keep_a)
            return np.concatenate([score_b, score_a, score_a - score_b], axis=1)

        full = statistic(values.astype(np.float64).mean(axis=0, keepdims=True))[0]
        samples = bootstrap_means(values, statistic, n_resamples, seed, threads=threads)
        change = samples[:, 2 * n_methods :]
        if np.isnan(change).all(axis=0).any():
            lo = hi = np.full(n_methods, np.nan)
        else:
            lo, hi = percentile_interval(change, confidence, ignore_nan=True)
        for m in range(n_methods):
            records.append((methods[m], scope, name, *(100 * full[[m, n_methods + m, 2 * n_methods + m]]),
                            100 * lo[m], 100 * hi[m], int(mask.sum())))
    columns = ["method", "scope", "task", "agreement_before_pts", "agreement_after_pts", "change_pts",
               "change_lo_pts", "change_hi_pts", "n_test_queries_before"]
    out = pd.DataFrame.from_records(records, columns=columns)
    order = {m: i for i, m in enumerate(methods)}
    out = out.sort_values("method", key=lambda col: col.map(order), kind="stable").reset_index(drop=True)
    out.insert(1, "split_before", split_before)
    out.insert(2, "split_after", split_after)
    out.insert(out.columns.get_loc("change_hi_pts") + 1, "change_significant",
               (out["change_lo_pts"] > 0) | (out["change_hi_pts"] < 0))
    out["n_test_queries_before"] = out["n_test_queries_before"].astype("Int64")
    out["n_test_queries_after"] = out["n_test_queries_before"]
    out["n_resamples"] = np.int64(n_resamples)
    out["confidence"] = confidence
    out["seed"] = np.int64(seed)
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
    **options: Any,
) -> pd.DataFrame:
    """``agreement_table`` for every cost type ({cost_type: {method: picks}}), stacked; ``options``
    (n_resamples, seed, confidence, threads, targets) go to ``agreement_table`` as given."""
    if not reference:
        raise ConfigError("routers: agreement needs a router of type 'heuristic' as the reference; none is configured")
    frames = [
        agreement_table(
            before[c], after[c], queries_before, queries_after, reference,
            tags={**dict(tags or {}), "cost_type": c}, **options,
        )
        for c in before
    ]
    return pd.concat(frames, ignore_index=True)
