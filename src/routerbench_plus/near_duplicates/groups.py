"""Near-duplicate groups, their summary and the reduced benchmark (one training member per group).

Two queries are duplicates when the cosine of their embeddings is at least ``delta``; groups are
the connected components of that relation (scipy.sparse.csgraph). The cosine is computed in
float64 from the stored float32 vectors: ``dot(v_i, v_j) / (|v_i| |v_j|)``; bit-identical vectors
have cosine 1.
The pairs come from :func:`search.pair_graph`.

Scopes. ``find_groups(scope="training")`` builds the groups among the training pool (the queries of
split ``train`` or ``val``) only, as the study does ("queries that appeared multiple times in the
training set"); ``scope="all"`` over the whole benchmark. Both come from one search
(:func:`pair_graph`): restricting a scope drops the vectors with no member in it.

Representative (the member :func:`reduce` keeps): the member of split ``train`` before ``val``
before ``test`` (before a query without a split), then the smallest ``query_id`` (string order);
group ids are numbered 0, 1, ... in the order of their representatives' query ids. The reduced data
(:func:`reduce`) removes every other member of the *training* groups: one training member per
group stays and the test set is never touched. Test queries with a training near-duplicate are the
contamination audit's business (``routerbench_plus.contamination``).

Labels of two members "differ" under a :class:`LabelRule` (config ``dedup.soft_labels``): after
binarising at a threshold (default) or when they are more than a tolerance apart. Binary labels give
the same answer under both rules.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from .. import store
from ..errors import ConfigError, InputError
from .search import DEFAULT_PROJECTION_DIM, PairGraph, check_delta, pair_graph

log = logging.getLogger(__name__)

GROUP_COLUMNS = (
    "scope", "query_id", "group_id", "group_size", "category", "split", "is_representative", "truncated_prefix",
)
SCOPES = ("training", "all")  # training: train + val queries (the study's row); all: the whole benchmark
TRAINING_ROLES = ("train", "val")
ROLE_PREFERENCE = ("train", "val", "test")  # the representative's split, in order of preference
SOFT_LABEL_RULES = ("binarise", "tolerance")
LENGTH_COLUMNS = ("query_id", "truncated", "token_hash", "long_prompts")


@dataclass(frozen=True)
class DuplicateGroups:
    """Near-duplicate groups at threshold ``delta`` among the queries of one ``scope``.

    ``table``: one row per query in a group of size >= 2 (columns ``GROUP_COLUMNS``), sorted by
    group_id then query_id. ``edges``: a spanning forest of the groups made of verified pairs
    (query_id_a, query_id_b, cosine >= delta): every member is linked to its group by a chain of
    such pairs. ``n_queries``: queries of the scope; ``n_pairs``: unordered pairs of them with
    cosine >= delta; ``n_candidates``: pairs the FAISS stage had to verify (on distinct vectors, all
    scopes: one search).
    """

    table: pd.DataFrame
    edges: pd.DataFrame
    delta: float
    n_queries: int
    n_pairs: int
    n_candidates: int
    scope: str = "all"

    @property
    def n_groups(self) -> int:
        return int(self.table["group_id"].nunique())

    def removed_query_ids(self) -> pd.Index:
        """Queries dropped by :func:`reduce`: every group member except the representative."""
        return pd.Index(self.table.loc[~self.table["is_representative"], "query_id"].astype(object))


@dataclass(frozen=True)
class LabelRule:
    """When two observed labels of one model "differ" (config ``dedup.soft_labels``).

    ``binarise`` (default): both are binarised (label >= ``threshold`` is correct) and compared;
    ``tolerance``: they differ when ``|a - b| > tolerance``. With 0/1 labels both rules reduce to
    "unequal" (threshold in (0, 1], tolerance in [0, 1)). ``threshold`` also says which labels are
    correct in the cross-model statistic (a model passes a group when at least half of its labels
    there are correct), under both rules.
    """

    kind: str = "binarise"
    threshold: float = 0.5
    tolerance: float = 0.05

    def __post_init__(self) -> None:
        if self.kind not in SOFT_LABEL_RULES:
            raise ConfigError(f"config key dedup.soft_labels: expected one of {list(SOFT_LABEL_RULES)}, got {self.kind!r}")
        if not 0.0 < float(self.threshold) <= 1.0:
            raise ConfigError(f"config key dedup.binarise_threshold: expected a number in (0, 1], got {self.threshold}")
        if not 0.0 <= float(self.tolerance) < 1.0:
            raise ConfigError(f"config key dedup.label_tolerance: expected a number in [0, 1), got {self.tolerance}")

    @classmethod
    def from_config(cls, dedup_config: Mapping[str, Any] | None) -> LabelRule:
        """The rule of the config block ``dedup`` (missing keys: the defaults)."""
        cfg = dict(dedup_config or {})
        default = cls()
        return cls(
            kind=str(cfg.get("soft_labels", default.kind)),
            threshold=float(cfg.get("binarise_threshold", default.threshold)),
            tolerance=float(cfg.get("label_tolerance", default.tolerance)),
        )

    def describe(self) -> str:
        """The rule as the summary tables state it, e.g. 'binarise at 0.5' or 'tolerance 0.05'."""
        return f"binarise at {self.threshold:g}" if self.kind == "binarise" else f"tolerance {self.tolerance:g}"

    def values(self, labels: np.ndarray) -> np.ndarray:
        """Labels as the rule compares them: 0/1 after binarising, else the labels (float64)."""
        x = np.asarray(labels, dtype=np.float64)
        return (x >= self.threshold).astype(np.float64) if self.kind == "binarise" else x

    def agree(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Elementwise: do labels a and b agree under the rule?"""
        if self.kind == "binarise":
            return (np.asarray(a, np.float64) >= self.threshold) == (np.asarray(b, np.float64) >= self.threshold)
        return np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)) <= self.tolerance


def is_soft(labels: pd.Series | np.ndarray) -> bool:
    """True when some label is neither 0 nor 1 (the rule then matters)."""
    x = np.asarray(labels, dtype=np.float64)
    return bool(((x != 0.0) & (x != 1.0)).any())


# --------------------------------------------------------------------------- groups


def _spanning_forest(
    i: np.ndarray, j: np.ndarray, cos: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Maximum-similarity spanning forest of the pair graph (weights 2 - cos > 0)."""
    if len(i) == 0:
        return i, j, cos
    graph = sparse.csr_matrix((2.0 - cos, (i, j)), shape=(n, n))
    tree = csgraph.minimum_spanning_tree(graph).tocoo()
    a, b = np.minimum(tree.row, tree.col).astype(np.int64), np.maximum(tree.row, tree.col).astype(np.int64)
    order = np.lexsort((b, a))
    return a[order], b[order], 2.0 - tree.data[order]


def query_roles(ids: pd.Index, queries: pd.DataFrame | None, where: str = "queries") -> np.ndarray | None:
    """The ``split`` of each id (object array), or None when ``queries`` has no split column."""
    if queries is None or "split" not in queries.columns:
        return None
    lookup = pd.Series(queries["split"].astype(str).to_numpy(), index=queries["query_id"].astype(str).to_numpy())
    roles = lookup.reindex(pd.Index(ids).astype(str))
    if roles.isna().any():
        bad = pd.Index(ids)[roles.isna().to_numpy()][:3].tolist()
        raise InputError(f"{where}: column 'split' has no value for {int(roles.isna().sum())} embedded query id(s), e.g. {bad}")
    return roles.to_numpy(dtype=object)


def find_groups(
    emb: store.Embeddings,
    delta: float,
    queries: pd.DataFrame | None = None,
    *,
    scope: str = "all",
    lengths: pd.DataFrame | None = None,
    graph: PairGraph | None = None,
    projection_dim: int = DEFAULT_PROJECTION_DIM,
    n_cells: int | None = None,
    seed: int = 0,
    threads: int | None = None,
) -> DuplicateGroups:
    """Connected components of the graph 'cosine >= delta' among the queries of ``scope`` (groups of size >= 2).

    ``scope``: ``all`` (every embedded query) or ``training`` (queries of split train/val only; needs
    ``queries`` with a ``split`` column). ``queries`` (query_id, category, split) fills the
    ``category`` and ``split`` columns and orders representatives (train, val, test, then query id);
    every group member must be in it. ``lengths`` (the embed stage's truncation table) sets
    ``truncated_prefix`` (see :func:`truncated_prefix`); None: not checked (all False, logged).
    ``graph``: a :func:`pair_graph` of the same embeddings and delta to reuse (no new search).
    ``projection_dim``, ``n_cells`` and ``seed`` only change the speed, never the groups;
    ``threads``: FAISS OpenMP threads (None: FAISS's default).
    """
    delta = check_delta(delta)
    if scope not in SCOPES:
        raise ConfigError(f"near-duplicate scope must be one of {list(SCOPES)}, got {scope!r}")
    if graph is None:
        graph = pair_graph(emb, delta, projection_dim=projection_dim, n_cells=n_cells, seed=seed, threads=threads)
    elif graph.delta != delta or len(graph.ids) != len(emb.query_ids):
        raise InputError(f"find_groups: the pair graph (delta={graph.delta}) is not of these embeddings at delta={delta}")
    ids, node, n_nodes = graph.ids, graph.node, graph.n_nodes
    n = len(ids)
    roles = query_roles(ids, queries)
    if scope == "training" and roles is None:
        raise InputError("near-duplicates over the training pool need the queries table with a 'split' column")
    in_pool = np.ones(n, dtype=bool) if scope == "all" else np.isin(roles, TRAINING_ROLES)

    # the scope's graph: nodes with a member in the scope, and the pairs between them
    multiplicity = np.bincount(node[in_pool], minlength=n_nodes).astype(np.int64)
    kept = (multiplicity[graph.i] > 0) & (multiplicity[graph.j] > 0)
    u_i, u_j, u_cos = graph.i[kept], graph.j[kept], graph.cos[kept]
    adjacency = sparse.coo_matrix((np.ones(len(u_i), dtype=np.int8), (u_i, u_j)), shape=(n_nodes, n_nodes))
    _, node_label = csgraph.connected_components(adjacency, directed=False)
    label = node_label[node] if n else np.zeros(0, dtype=np.int64)
    n_pairs = int((multiplicity * (multiplicity - 1) // 2).sum() + (multiplicity[u_i] * multiplicity[u_j]).sum())

    size = np.bincount(label[in_pool], minlength=n_nodes)[label] if n else np.zeros(0, dtype=np.int64)
    member = in_pool & (size >= 2)
    table = pd.DataFrame(
        {"query_id": ids[member].astype(str), "label": label[member], "group_size": size[member].astype(np.int64)}
    )
    table["query_id"] = table["query_id"].astype("string")
    split = roles[member] if roles is not None else np.full(int(member.sum()), None, dtype=object)
    table["split"] = pd.array(split, dtype="string")
    preference = {role: k for k, role in enumerate(ROLE_PREFERENCE)}
    table["_rank"] = table["split"].map(preference).fillna(len(ROLE_PREFERENCE)).to_numpy(dtype=np.int64)
    by_preference = table.sort_values(["label", "_rank", "query_id"], kind="stable")
    rep = by_preference.groupby("label", sort=False)["query_id"].first()
    table["rep"] = rep.reindex(table["label"].to_numpy()).to_numpy()
    table["is_representative"] = (table["query_id"] == table["rep"]).to_numpy(dtype=bool)
    rep_order = pd.Series(rep.to_numpy(), dtype="string").sort_values(kind="stable")
    group_of_rep = pd.Series(np.arange(len(rep_order), dtype=np.int64), index=rep_order.to_numpy())
    table["group_id"] = group_of_rep.reindex(table["rep"].to_numpy()).to_numpy(dtype=np.int64)
    table["category"] = _categories(table["query_id"], queries)
    table["scope"] = pd.array([scope] * len(table), dtype="string")
    table = table.sort_values(["group_id", "query_id"], kind="stable").reset_index(drop=True)
    table["truncated_prefix"] = truncated_prefix(table, lengths)
    table = table[list(GROUP_COLUMNS)]

    # spanning forest: copies -> the node's first member in the scope (cos 1), plus a forest over nodes
    pool_rows = np.flatnonzero(in_pool)
    present, first_at = np.unique(node[pool_rows], return_index=True)
    first_member = np.full(n_nodes, -1, dtype=np.int64)
    first_member[present] = pool_rows[first_at]
    f_i, f_j, f_cos = _spanning_forest(u_i, u_j, u_cos, n_nodes)
    copies = pool_rows[first_member[node[pool_rows]] != pool_rows]
    a = np.concatenate([first_member[node[copies]], first_member[f_i]])
    b = np.concatenate([copies, first_member[f_j]])
    cos = np.concatenate([np.ones(len(copies)), f_cos])
    edges = pd.DataFrame(
        {
            "query_id_a": pd.array(ids[a].astype(str), dtype="string"),
            "query_id_b": pd.array(ids[b].astype(str), dtype="string"),
            "cosine": cos.astype(np.float64),
        }
    )
    swap = edges["query_id_a"] > edges["query_id_b"]
    edges.loc[swap, ["query_id_a", "query_id_b"]] = edges.loc[swap, ["query_id_b", "query_id_a"]].to_numpy()
    edges = edges.sort_values(["query_id_a", "query_id_b"], kind="stable").reset_index(drop=True)

    n_groups = int(table["group_id"].nunique())
    log.info(
        "delta=%s, scope %s: %d of %d queries, %d distinct vectors, %d candidate pairs verified, %d duplicate "
        "pairs, %d groups covering %d queries (%d flagged truncated_prefix)",
        delta, scope, int(in_pool.sum()), n, n_nodes, graph.n_candidates, n_pairs, n_groups, len(table),
        int(table.drop_duplicates("group_id")["truncated_prefix"].sum()),
    )
    return DuplicateGroups(
        table=table, edges=edges, delta=delta, n_queries=int(in_pool.sum()), n_pairs=n_pairs,
        n_candidates=graph.n_candidates, scope=scope,
    )


def truncated_prefix(table: pd.DataFrame, lengths: pd.DataFrame | None) -> np.ndarray:
    """Per row of a groups table: is its group grouped only because the encoder's window cut the prompts?

    True when some member's prompt was truncated with tokens left out of its embedding (``lengths``
    columns ``truncated`` and ``long_prompts`` != ``mean_windows``) and the members' full token
    sequences (``token_hash``, the encoder's tokenizer on the whole prompt) are not all equal: the
    full texts differ beyond what the encoder read. ``lengths`` None: all False (not checked).
    """
    if table.empty:
        return np.zeros(0, dtype=bool)
    if lengths is None:
        log.info("truncated_prefix not checked: no prompt-length table given")
        return np.zeros(len(table), dtype=bool)
    missing = [c for c in LENGTH_COLUMNS if c not in lengths.columns]
    if missing:
        raise InputError(f"prompt-length table: missing required column(s) {missing}; found {list(lengths.columns)}")
    lookup = lengths.assign(query_id=lengths["query_id"].astype(str)).set_index("query_id")
    found = lookup.reindex(table["query_id"].astype(str).to_numpy())
    if found["token_hash"].isna().any():
        bad = table.loc[found["token_hash"].isna().to_numpy(), "query_id"].head(3).tolist()
        raise InputError(
            f"prompt-length table: no row for {int(found['token_hash'].isna().sum())} group member(s), e.g. {bad} "
            "(embeddings and prompt lengths out of sync?)"
        )
    cut = found["truncated"].astype(bool).to_numpy() & (found["long_prompts"].astype(str).to_numpy() != "mean_windows")
    per_row = pd.DataFrame({"group": table["group_id"].to_numpy(), "cut": cut, "hash": found["token_hash"].to_numpy()})
    per_group = per_row.groupby("group", sort=False).agg(cut=("cut", "any"), texts=("hash", "nunique"))
    flag = per_group["cut"] & (per_group["texts"] > 1)
    return flag.reindex(table["group_id"].to_numpy()).to_numpy(dtype=bool)


def stack_groups(groups: Iterable[DuplicateGroups]) -> pd.DataFrame:
    """The group tables of several scopes as one table (``scope`` column; group ids are per scope)."""
    return pd.concat([g.table for g in groups], ignore_index=True)


def _categories(query_ids: pd.Series, queries: pd.DataFrame | None) -> pd.Series:
    if queries is None:
        return pd.Series(pd.NA, index=query_ids.index, dtype="string")
    missing_cols = [c for c in ("query_id", "category") if c not in queries.columns]
    if missing_cols:
        raise InputError(f"queries: missing required column(s) {missing_cols}; found {list(queries.columns)}")
    lookup = pd.Series(
        queries["category"].astype("string").to_numpy(), index=queries["query_id"].astype(str).to_numpy()
    )
    cats = lookup.reindex(query_ids.astype(str).to_numpy())
    if cats.isna().any():
        bad = query_ids[cats.isna().to_numpy()].head(3).tolist()
        raise InputError(
            f"queries: column 'category' has no value for {int(cats.isna().sum())} embedded query id(s), e.g. {bad}"
        )
    return pd.Series(cats.to_numpy(), index=query_ids.index, dtype="string")


# --------------------------------------------------------------------------- summary and reduction


def _cell_codes(labels: pd.DataFrame, by: Sequence[str]) -> np.ndarray:
    """Integer code of each row's (by...) cell."""
    return labels.groupby(list(by), sort=False).ngroup().to_numpy(dtype=np.int64)


def _sorted_keys(cell: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Keys ``4 cell + value`` (values in [0, 1]): sorted, cells never overlap within a distance of 1.

    Float64 keys keep a value's resolution at ~1e-9 for a million cells, far below any tolerance.
    """
    return np.sort(cell.astype(np.float64) * 4.0 + np.asarray(values, dtype=np.float64))


def _same_cell_agreeing_pairs(cell: np.ndarray, values: np.ndarray, rule: LabelRule) -> tuple[float, float]:
    """(pairs, agreeing pairs) over unordered pairs of rows that share a cell, in closed form.

    binarise: per cell, C(n, 2) pairs of which sum_v C(c_v, 2) agree; tolerance: on the sorted
    keys, row k agrees with the rows after it up to key_k + tolerance (one searchsorted).
    """
    if len(cell) == 0:
        return 0.0, 0.0
    per_cell = np.bincount(cell).astype(np.float64)
    pairs = float((per_cell * (per_cell - 1) / 2).sum())
    if rule.kind == "binarise":
        ones = np.bincount(cell, weights=rule.values(values), minlength=len(per_cell))
        zeros = per_cell - ones
        return pairs, float((ones * (ones - 1) / 2 + zeros * (zeros - 1) / 2).sum())
    key = _sorted_keys(cell, values)
    upper = np.searchsorted(key, key + rule.tolerance, side="right")
    return pairs, float((upper - np.arange(len(key)) - 1).sum())


def _pair_mismatch(labels: pd.DataFrame, by: str, rule: LabelRule | None = None) -> float:
    """Share of (model, unordered pair of distinct queries with the same ``by``) whose labels differ.

    Only observed labels count; "differ" under ``rule`` (default: binarise at 0.5, i.e. unequal for
    0/1 labels). Closed form per (model, by) cell (:func:`_same_cell_agreeing_pairs`). NaN when there
    is no pair.
    """
    if labels.empty:
        return float("nan")
    pairs, same = _same_cell_agreeing_pairs(
        _cell_codes(labels, [by, "model"]), labels["label"].to_numpy(dtype=np.float64), rule or LabelRule()
    )
    return float(1.0 - same / pairs) if pairs > 0 else float("nan")


def scope_queries(bench: store.Benchmark, scope: str) -> pd.DataFrame:
    """The queries of a scope: every query (``all``) or those of split train/val (``training``)."""
    if scope == "all":
        return bench.queries
    return bench.queries[bench.queries["split"].astype(str).isin(TRAINING_ROLES).to_numpy()]


def summarise(groups: DuplicateGroups, bench: store.Benchmark, rule: LabelRule | None = None) -> pd.DataFrame:
    """One-row summary of the duplicate groups of one scope against the benchmark's labels.

    Columns:

    * benchmark, scope (``training``: train + val queries, the study's row; ``all``: the whole
      benchmark), delta, n_queries (queries of the scope), n_pairs (their pairs with cosine >=
      delta), n_groups, mean_group_size, max_group_size;
    * queries_covered (queries in a group), share_covered = queries_covered / n_queries,
      queries_removed = queries_covered - n_groups (what deduplicating the scope drops; the reduced
      data is the training scope's);
    * share_groups_within_model_disagreement: share of groups in which some model has two
      observed labels that differ between members (the same model is right on one copy and
      wrong on another);
    * share_groups_cross_model_disagreement: share of groups on which the models disagree about
      the group as a whole: a model "passes" a group when at least half of its observed labels on
      the members are correct (label >= the rule's threshold, 0.5 by default); the group counts
      when at least one model passes and another fails;
    * pair_mismatch_within_groups: share of (model, pair of members of one group) with both labels
      observed and different;
    * overall_mismatch_rate: the same rate over (model, pair of distinct queries of the same
      category) among the scope's queries: the baseline that duplicate pairs should beat;
    * n_groups_truncated_prefix: groups flagged ``truncated_prefix`` (the encoder's window cut
      members whose full texts differ);
    * label_rule (e.g. 'binarise at 0.5'), soft_labels (some label is neither 0 nor 1: the rule
      matters; with 0/1 labels every rule gives the same numbers).

    Missing labels are excluded (never read as 0); groups where no model has two observed labels
    cannot disagree within a model.
    """
    rule = rule or LabelRule()
    table = groups.table
    known = table["query_id"].astype(str).isin(set(bench.queries["query_id"].astype(str)))
    if not known.all():
        raise InputError(
            f"{bench.name}: {int((~known).sum())} duplicate-group member(s) are not queries of the benchmark, "
            f"e.g. {table.loc[~known, 'query_id'].head(3).tolist()} (embeddings and data out of sync?)"
        )
    queries = scope_queries(bench, groups.scope)
    n_queries = len(queries)
    per_group = table.drop_duplicates("group_id")
    n_groups = len(per_group)
    covered = len(table)

    labels = bench.labels[["query_id", "model", "label"]]
    members = labels.merge(table[["query_id", "group_id"]], on="query_id", how="inner")
    if n_groups and not members.empty:
        label = members["label"].to_numpy()
        members = members.assign(value=rule.values(label), correct=(label >= rule.threshold).astype(np.float64))
        agg = members.groupby(["group_id", "model"], sort=False).agg(
            lo=("value", "min"), hi=("value", "max"), mean=("correct", "mean"), size=("label", "size")
        )
        spread = agg["hi"] - agg["lo"]
        differs = spread > 0 if rule.kind == "binarise" else spread > rule.tolerance
        within = ((agg["size"] >= 2) & differs).groupby(level="group_id").any()
        passes = (agg["mean"] >= 0.5).groupby(level="group_id").agg(["any", "all"])
        cross = passes["any"] & ~passes["all"]
        share_within = float(within.reindex(per_group["group_id"], fill_value=False).mean())
        share_cross = float(cross.reindex(per_group["group_id"], fill_value=False).mean())
    else:
        share_within = share_cross = float("nan")
    in_scope = labels[labels["query_id"].isin(queries["query_id"])]
    with_category = in_scope.merge(queries[["query_id", "category"]], on="query_id", how="inner")
    row = {
        "benchmark": bench.name,
        "scope": groups.scope,
        "delta": float(groups.delta),
        "n_queries": n_queries,
        "n_pairs": int(groups.n_pairs),
        "n_groups": n_groups,
        "mean_group_size": float(per_group["group_size"].mean()) if n_groups else float("nan"),
        "max_group_size": int(per_group["group_size"].max()) if n_groups else 0,
        "queries_covered": covered,
        "share_covered": covered / n_queries if n_queries else float("nan"),
        "queries_removed": covered - n_groups,
        "share_groups_within_model_disagreement": share_within,
        "share_groups_cross_model_disagreement": share_cross,
        "pair_mismatch_within_groups": _pair_mismatch(members, "group_id", rule),
        "overall_mismatch_rate": _pair_mismatch(with_category, "category", rule),
        "n_groups_truncated_prefix": int(per_group["truncated_prefix"].sum()) if "truncated_prefix" in per_group else 0,
        "label_rule": rule.describe(),
        "soft_labels": is_soft(in_scope["label"]),
    }
    out = pd.DataFrame([row])
    out = out.astype({"benchmark": "string", "scope": "string", "label_rule": "string"})
    counts = ("n_queries", "n_pairs", "n_groups", "max_group_size", "queries_covered", "queries_removed",
              "n_groups_truncated_prefix")
    return out.astype({c: np.int64 for c in counts})


def reduce(bench: store.Benchmark, groups: DuplicateGroups) -> store.Benchmark:
    """The benchmark without the training duplicates: one training member per training group stays.

    ``groups`` must be of scope ``training`` (groups among train + val queries); every other member
    is removed, the representative (split train before val, then the smallest query id) is kept,
    and the test set is never touched.
    """
    if groups.scope != "training":
        raise InputError(
            f"reduce: the reduced data deduplicates the training pool only; got groups of scope '{groups.scope}' "
            "(build them with find_groups(..., scope='training'))"
        )
    removed = set(groups.removed_query_ids().astype(str))
    roles = bench.queries["split"].astype(str)
    drop = bench.queries["query_id"].astype(str).isin(removed) & roles.isin(TRAINING_ROLES)
    if int(drop.sum()) != len(removed):
        raise InputError(
            f"{bench.name}: {len(removed) - int(drop.sum())} training duplicate(s) to remove are not train/val "
            "queries of the benchmark (groups and data out of sync?)"
        )
    out = bench.subset(query_ids=bench.queries.loc[~drop.to_numpy(), "query_id"].tolist())
    by_role = bench.queries.loc[drop.to_numpy(), "split"].value_counts().to_dict()
    log.info(
        "%s: removed %d near-duplicate training queries (delta=%s; %d training groups keep one member each; "
        "removed per split %s; test untouched); %d queries remain",
        bench.name, len(bench.queries) - len(out.queries), groups.delta, groups.n_groups, by_role, len(out.queries),
    )
    return out


@dataclass(frozen=True)
class Deduplication:
    """The near-duplicate stage's outputs: groups of both scopes, the two-row summary, the reduced data."""

    groups: dict[str, DuplicateGroups]
    summary: pd.DataFrame
    reduced: store.Benchmark

    @property
    def table(self) -> pd.DataFrame:
        return stack_groups(self.groups[s] for s in SCOPES)


def deduplicate(
    bench: store.Benchmark,
    emb: store.Embeddings,
    delta: float,
    *,
    lengths: pd.DataFrame | None = None,
    rule: LabelRule | None = None,
    threads: int | None = None,
) -> Deduplication:
    """Stage 1 on one benchmark and threshold: one search, groups of the training pool and of the
    whole benchmark, their summary rows (training first) and the reduced data (:func:`reduce`)."""
    graph = pair_graph(emb, delta, threads=threads)
    groups = {
        scope: find_groups(emb, delta, bench.queries, scope=scope, lengths=lengths, graph=graph) for scope in SCOPES
    }
    summary = pd.concat([summarise(groups[s], bench, rule) for s in SCOPES], ignore_index=True)
    return Deduplication(groups=groups, summary=summary, reduced=reduce(bench, groups["training"]))
