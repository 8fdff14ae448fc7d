"""Cross-split contamination: test queries with a near-duplicate among the training (train + val) queries.

Beyond the study (which deduplicates the training set only): a test query whose prompt is a
near-duplicate of a training query lets a router look its answer up rather than generalise. For
one threshold delta the audit lists every direct pair (test query, train/val query) with
cosine >= delta (no chaining through groups), found by the exact FAISS search of
:func:`search.pair_graph`, and compares their labels: per model with both labels
observed, do the two labels agree under the :class:`groups.LabelRule`
(config ``dedup.soft_labels``)? The baseline is the same agreement over every (test, train/val)
pair of queries of the same category: duplicates that agree no more often than random pairs carry
no label information, duplicates that agree much more often leak test answers into training.

Outputs: the pair table (one row per pair, :data:`PAIR_COLUMNS`) and a summary with one row for
the whole test set and one per category (:data:`SUMMARY_COLUMNS`). The ``decontaminated`` split
(``routerbench_plus.splits``) removes the train/val side of the pairs at ``dedup.reduced_delta``.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .. import store
from ..errors import InputError
from .groups import TRAINING_ROLES, LabelRule, is_soft, query_roles
from .search import PairGraph, pair_graph

log = logging.getLogger(__name__)

PAIR_COLUMNS = (
    "benchmark", "delta", "query_id", "category", "dup_query_id", "dup_split", "dup_category", "cosine",
    "n_models_compared", "n_models_agree", "label_agreement",
)
SUMMARY_COLUMNS = (
    "benchmark", "delta", "level", "category", "n_test", "n_contaminated", "share_contaminated", "n_pairs",
    "n_training_duplicates", "n_label_pairs", "label_agreement", "baseline_agreement", "label_rule", "soft_labels",
)
ALL_CATEGORIES = "(all)"
PAIR_CHUNK = 8192  # pairs compared at a time (models x chunk label gathers)


def cross_split_pairs(
    emb: store.Embeddings, queries: pd.DataFrame, delta: float, *, graph: PairGraph | None = None,
    threads: int | None = None,
) -> pd.DataFrame:
    """Every (test query, train/val query) pair with cosine >= delta: query_id, dup_query_id, dup_split, cosine.

    Vectorised expansion of the distinct-vector pair graph: for each node pair (u, v) (both
    directions, and u with itself for bit-identical copies, cosine 1) the test rows of u times the
    training rows of v. Sorted by (query_id, dup_query_id).
    """
    graph = graph or pair_graph(emb, delta, threads=threads)
    roles = query_roles(graph.ids, queries)
    if roles is None:
        raise InputError("contamination: the queries table needs a 'split' column (train / val / test)")
    node, n_nodes = graph.node, graph.n_nodes
    test_rows = np.flatnonzero(roles == "test")
    train_rows = np.flatnonzero(np.isin(roles, TRAINING_ROLES))

    def by_node(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = rows[np.argsort(node[rows], kind="stable")]
        count = np.bincount(node[rows], minlength=n_nodes).astype(np.int64)
        return rows, count, np.cumsum(count) - count

    t_rows, t_count, t_start = by_node(test_rows)
    r_rows, r_count, r_start = by_node(train_rows)
    nodes = np.arange(n_nodes, dtype=np.int64)
    a = np.concatenate([graph.i, graph.j, nodes])
    b = np.concatenate([graph.j, graph.i, nodes])
    cos = np.concatenate([graph.cos, graph.cos, np.ones(n_nodes)])
    count = t_count[a] * r_count[b]
    edge = np.flatnonzero(count > 0)
    a, b, cos, count = a[edge], b[edge], cos[edge], count[edge]
    e = np.repeat(np.arange(len(edge)), count)
    k = np.arange(int(count.sum()), dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
    width = r_count[b[e]]
    test = t_rows[t_start[a[e]] + k // width]
    train = r_rows[r_start[b[e]] + k % width]
    out = pd.DataFrame(
        {
            "query_id": pd.array(graph.ids[test].astype(str), dtype="string"),
            "dup_query_id": pd.array(graph.ids[train].astype(str), dtype="string"),
            "dup_split": pd.array(roles[train].astype(str), dtype="string"),
            "cosine": np.minimum(cos[e], 1.0).astype(np.float64),
        }
    )
    out = out.sort_values(["query_id", "dup_query_id"], kind="stable").reset_index(drop=True)
    log.info(
        "delta=%s: %d (test, train/val) near-duplicate pairs; %d of %d test queries contaminated",
        graph.delta, len(out), out["query_id"].nunique(), len(test_rows),
    )
    return out


def _pair_label_agreement(
    bench: store.Benchmark, test_ids: pd.Series, dup_ids: pd.Series, rule: LabelRule
) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: (models with both labels observed, of those the models whose labels agree)."""
    matrix = bench.matrix
    position = pd.Series(np.arange(len(bench.queries)), index=bench.queries["query_id"].astype(str).to_numpy())
    ia = position.reindex(test_ids.astype(str).to_numpy()).to_numpy()
    ib = position.reindex(dup_ids.astype(str).to_numpy()).to_numpy()
    if np.isnan(ia.astype(float)).any() or np.isnan(ib.astype(float)).any():
        raise InputError(f"{bench.name}: contamination pairs name query ids that are not in the benchmark")
    ia, ib = ia.astype(np.int64), ib.astype(np.int64)
    compared = np.zeros(len(ia), dtype=np.int64)
    agree = np.zeros(len(ia), dtype=np.int64)
    for s in range(0, len(ia), PAIR_CHUNK):  # chunks of pairs, not single queries
        a, b = ia[s : s + PAIR_CHUNK], ib[s : s + PAIR_CHUNK]
        both = matrix.mask[:, a] & matrix.mask[:, b]
        same = rule.agree(matrix.values[:, a], matrix.values[:, b]) & both
        compared[s : s + PAIR_CHUNK] = both.sum(axis=0)
        agree[s : s + PAIR_CHUNK] = same.sum(axis=0)
    return compared, agree


def _baseline_counts(bench: store.Benchmark, rule: LabelRule) -> pd.DataFrame:
    """Per category: (test, train/val) label pairs of one model on two queries of the category, and
    how many agree (closed form: binarised value counts, or sorted keys + searchsorted)."""
    q = bench.queries[["query_id", "category", "split"]].astype({"query_id": str, "category": str, "split": str})
    lab = bench.labels[["query_id", "model", "label"]].merge(q, on="query_id", how="inner")
    lab = lab[lab["split"].isin(("test", *TRAINING_ROLES))]
    cell = lab.groupby(["category", "model"], sort=False).ngroup().to_numpy(dtype=np.int64)
    n_cells = int(cell.max()) + 1 if len(cell) else 0
    is_test = (lab["split"] == "test").to_numpy()
    values = lab["label"].to_numpy(dtype=np.float64)
    n_test = np.bincount(cell[is_test], minlength=n_cells).astype(np.float64)
    n_train = np.bincount(cell[~is_test], minlength=n_cells).astype(np.float64)
    if rule.kind == "binarise":
        v = rule.values(values)
        t1 = np.bincount(cell[is_test], weights=v[is_test], minlength=n_cells)
        r1 = np.bincount(cell[~is_test], weights=v[~is_test], minlength=n_cells)
        agree = t1 * r1 + (n_test - t1) * (n_train - r1)
    else:
        keys = np.sort(cell[~is_test].astype(np.float64) * 4.0 + values[~is_test])
        tk = cell[is_test].astype(np.float64) * 4.0 + values[is_test]
        hits = np.searchsorted(keys, tk + rule.tolerance, side="right") - np.searchsorted(
            keys, tk - rule.tolerance, side="left"
        )
        agree = np.bincount(cell[is_test], weights=hits.astype(np.float64), minlength=n_cells)
    first = pd.DataFrame({"cell": cell, "category": lab["category"].to_numpy()}).drop_duplicates("cell")
    category = pd.Series(first["category"].to_numpy(), index=first["cell"].to_numpy()).reindex(np.arange(n_cells))
    per_cell = pd.DataFrame({"category": category.to_numpy(), "pairs": n_test * n_train, "agree": agree})
    return per_cell.groupby("category", sort=True)[["pairs", "agree"]].sum()


def audit(
    pairs: pd.DataFrame, bench: store.Benchmark, delta: float, rule: LabelRule | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The contamination tables of one threshold: (pair table, summary).

    ``pairs``: :func:`cross_split_pairs`. Pair table: one row per pair with the test query's and
    the duplicate's category and the label comparison (n_models_compared: models with both labels
    observed; n_models_agree; label_agreement = their ratio, NaN when none). Summary: one row for
    the whole test set (level ``overall``, category ``(all)``) then one per category of the test set
    (level ``category``): n_test, n_contaminated (test queries with >= 1 train/val near-duplicate),
    share_contaminated, n_pairs, n_training_duplicates (distinct train/val queries involved: what
    the decontaminated split removes at this delta), n_label_pairs, label_agreement (agreeing /
    compared (model, pair) labels), baseline_agreement (the same over every (test, train/val) pair of
    one category), label_rule, soft_labels.
    """
    rule = rule or LabelRule()
    missing = [c for c in ("query_id", "dup_query_id", "dup_split", "cosine") if c not in pairs.columns]
    if missing:
        raise InputError(f"contamination pairs: missing required column(s) {missing}; found {list(pairs.columns)}")
    q = bench.queries
    category = pd.Series(q["category"].astype(str).to_numpy(), index=q["query_id"].astype(str).to_numpy())
    compared, agree = _pair_label_agreement(bench, pairs["query_id"], pairs["dup_query_id"], rule)
    table = pd.DataFrame(
        {
            "benchmark": pd.array([bench.name] * len(pairs), dtype="string"),
            "delta": np.full(len(pairs), float(delta)),
            "query_id": pairs["query_id"].astype("string").to_numpy(),
            "category": pd.array(category.reindex(pairs["query_id"].astype(str)).to_numpy(), dtype="string"),
            "dup_query_id": pairs["dup_query_id"].astype("string").to_numpy(),
            "dup_split": pairs["dup_split"].astype("string").to_numpy(),
            "dup_category": pd.array(category.reindex(pairs["dup_query_id"].astype(str)).to_numpy(), dtype="string"),
            "cosine": pairs["cosine"].to_numpy(dtype=np.float64),
            "n_models_compared": compared,
            "n_models_agree": agree,
            "label_agreement": np.where(compared > 0, agree / np.maximum(compared, 1), np.nan),
        }
    )[list(PAIR_COLUMNS)]

    test = q[q["split"].astype(str) == "test"]
    n_test = test["category"].astype(str).value_counts()
    grouped = table.groupby(table["category"].astype(str), sort=True)
    per_category = pd.DataFrame(
        {
            "n_contaminated": grouped["query_id"].nunique(),
            "n_pairs": grouped.size(),
            "n_training_duplicates": grouped["dup_query_id"].nunique(),
            "n_label_pairs": grouped["n_models_compared"].sum(),
            "n_agree": grouped["n_models_agree"].sum(),
        }
    ).reindex(n_test.index.sort_values(), fill_value=0)
    baseline = _baseline_counts(bench, rule).reindex(per_category.index, fill_value=0.0)
    overall = pd.DataFrame(
        {
            "n_contaminated": [table["query_id"].nunique()],
            "n_pairs": [len(table)],
            "n_training_duplicates": [table["dup_query_id"].nunique()],
            "n_label_pairs": [int(table["n_models_compared"].sum())],
            "n_agree": [int(table["n_models_agree"].sum())],
        },
        index=pd.Index([ALL_CATEGORIES]),
    )
    rows = pd.concat([overall, per_category])
    n_test_all = pd.concat([pd.Series({ALL_CATEGORIES: len(test)}), n_test]).reindex(rows.index).to_numpy()
    base = pd.concat([baseline.sum().to_frame(ALL_CATEGORIES).T, baseline]).reindex(rows.index)
    summary = pd.DataFrame(
        {
            "benchmark": pd.array([bench.name] * len(rows), dtype="string"),
            "delta": np.full(len(rows), float(delta)),
            "level": pd.array(["overall"] + ["category"] * len(per_category), dtype="string"),
            "category": pd.array(rows.index.astype(str), dtype="string"),
            "n_test": n_test_all.astype(np.int64),
            "n_contaminated": rows["n_contaminated"].to_numpy(dtype=np.int64),
            "share_contaminated": rows["n_contaminated"].to_numpy(dtype=np.float64) / np.maximum(n_test_all, 1),
            "n_pairs": rows["n_pairs"].to_numpy(dtype=np.int64),
            "n_training_duplicates": rows["n_training_duplicates"].to_numpy(dtype=np.int64),
            "n_label_pairs": rows["n_label_pairs"].to_numpy(dtype=np.int64),
            "label_agreement": _ratio(rows["n_agree"].to_numpy(), rows["n_label_pairs"].to_numpy()),
            "baseline_agreement": _ratio(base["agree"].to_numpy(), base["pairs"].to_numpy()),
            "label_rule": pd.array([rule.describe()] * len(rows), dtype="string"),
            "soft_labels": is_soft(bench.labels["label"]),
        }
    )[list(SUMMARY_COLUMNS)]
    first = summary.iloc[0]
    log.info(
        "%s delta=%s: %d of %d test queries (%.2f %%) have a train/val near-duplicate (%d pairs); label agreement "
        "%.3f vs same-category baseline %.3f (%s)",
        bench.name, delta, first["n_contaminated"], first["n_test"], 100 * first["share_contaminated"],
        first["n_pairs"], first["label_agreement"], first["baseline_agreement"], rule.describe(),
    )
    return table, summary


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    return np.where(den > 0, num / np.maximum(den, 1e-300), np.nan)


def contaminated_training_ids(pairs: pd.DataFrame, where: str = "contamination pairs") -> pd.Index:
    """The train/val queries that are a near-duplicate of some test query (the ``dup_query_id`` side)."""
    if "dup_query_id" not in pairs.columns:
        raise InputError(f"{where}: missing required column 'dup_query_id'; found {list(pairs.columns)}")
    return pd.Index(pairs["dup_query_id"].astype(str).unique())
