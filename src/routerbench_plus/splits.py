"""Train/val/test splits: the seeded stratified split and the experiment splits routers train on."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import ConfigError, InputError
from .store import COST_COLUMNS, SPLITS, Benchmark

log = logging.getLogger(__name__)


def assign_random_split(
    categories: pd.Series, val_fraction: float, test_fraction: float, seed: int, where: str = "queries"
) -> pd.Series:
    """Seeded split stratified by category: each category gets its share of val and test.

    Vectorised: one random key per query, ranked within its category. ``where`` names the
    table in error messages.
    """
    if not 0 <= val_fraction < 1 or not 0 < test_fraction < 1 or val_fraction + test_fraction >= 1:
        raise ConfigError(
            f"split.val_fraction={val_fraction} and split.test_fraction={test_fraction}: "
            "expected 0 <= val, 0 < test and val + test < 1"
        )
    categories = categories.reset_index(drop=True)
    counts = categories.value_counts()
    single = counts[counts < 2]
    if len(single):
        raise InputError(
            f"{where}: column 'category': categories {single.index.tolist()[:5]} have a single query; "
            "the seeded split stratified by category (config key split) needs at least 2 queries per category"
        )
    rng = np.random.default_rng(seed)
    key = pd.Series(rng.random(len(categories)))
    position = key.groupby(categories.to_numpy()).rank(method="first") - 1
    size = categories.map(counts).to_numpy()
    # at least one test query per category; val only where the category can spare it
    n_test = np.maximum(1, np.round(size * test_fraction)).astype(int)
    n_val = np.minimum(np.round(size * val_fraction).astype(int), np.maximum(size - n_test - 1, 0))
    pos = position.to_numpy()
    split = np.where(pos < n_test, "test", np.where(pos < n_test + n_val, "val", "train"))
    return pd.Series(split, index=categories.index, name="split", dtype="string")


# --------------------------------------------------------------------------- experiment splits
#
# Each experiment split is a benchmark in the canonical layout whose ``queries.split`` column is
# the role of each query in that split. Test queries are never changed by a split that edits
# training data, so every split of a benchmark is scored on the same test set as 'standard'.

TRAINING_ROLES = ("train", "val")


def parse_split(name: str) -> tuple[str, str | float | None]:
    """'ood-math' -> ('ood', 'math'), 'frac-0.5' -> ('frac', 0.5), 'standard' -> ('standard', None)."""
    if name in ("standard", "reduced", "remastered", "pseudo", "catdrop", "decontaminated", "pruned"):
        return name, None
    kind, sep, arg = name.partition("-")
    if sep and kind == "ood" and arg:
        return "ood", arg
    if sep and kind == "frac":
        try:
            fraction = float(arg)
        except ValueError:
            fraction = float("nan")
        if not 0 < fraction <= 1:
            raise ConfigError(f"config key splits: '{name}': the fraction must be a number in (0, 1]")
        return "frac", fraction
    raise ConfigError(
        f"config key splits: unknown split '{name}'; expected standard, reduced, remastered, pseudo, "
        "catdrop, decontaminated, pruned, ood-<group> or frac-<fraction>"
    )


def drop_training_queries(bench: Benchmark, drop: np.ndarray) -> Benchmark:
    """Remove the train/val queries flagged in ``drop`` (queries-table order); test is untouched."""
    roles = bench.queries["split"].to_numpy()
    remove = np.asarray(drop, dtype=bool) & np.isin(roles, TRAINING_ROLES)
    keep_ids = bench.queries.loc[~remove, "query_id"]
    return bench.subset(query_ids=keep_ids)


def reduced_split(bench: Benchmark, reduced_queries: pd.DataFrame, where: str = "reduced queries") -> Benchmark:
    """Train/val restricted to the queries of the deduplicated ('reduced') data: one training member
    per near-duplicate group of the training pool (``near_duplicates.reduce``); test unchanged."""
    if "query_id" not in reduced_queries.columns:
        raise InputError(f"{where}: missing required column 'query_id'; found {list(reduced_queries.columns)}")
    keep = bench.queries["query_id"].isin(set(reduced_queries["query_id"].astype(str))).to_numpy()
    return drop_training_queries(bench, ~keep)


def decontaminated_split(
    bench: Benchmark, contamination: pd.DataFrame, where: str = "contamination pairs"
) -> Benchmark:
    """Train/val queries that are a near-duplicate of some test query removed (test unchanged).

    ``contamination``: the pair table of the contamination audit at ``dedup.reduced_delta``
    (column ``dup_query_id``: the train/val side of each (test, train/val) pair).
    """
    if "dup_query_id" not in contamination.columns:
        raise InputError(f"{where}: missing required column 'dup_query_id'; found {list(contamination.columns)}")
    drop = bench.queries["query_id"].astype(str).isin(set(contamination["dup_query_id"].astype(str))).to_numpy()
    return drop_training_queries(bench, drop)


def ood_split(bench: Benchmark, categories: Sequence[str], key: str) -> Benchmark:
    """Held-out categories removed from train/val (test unchanged); ``key`` names the config entry."""
    known = set(bench.queries["category"].astype(str))
    unknown = [c for c in categories if c not in known]
    if unknown:
        raise ConfigError(
            f"config key {key}: category {unknown[0]!r} is not a category of benchmark {bench.name} "
            f"(unknown: {unknown}; known e.g. {sorted(known)[:8]})"
        )
    drop = bench.queries["category"].isin(list(categories)).to_numpy()
    return drop_training_queries(bench, drop)


AUTO_GROUP = "auto"  # benchmarks.<b>.ood_groups: auto -> one group, split 'ood-auto'


def auto_ood_categories(queries: pd.DataFrame, share: float, seed: int, key: str = "benchmarks.<b>.ood_groups") -> list[str]:
    """The categories ``ood_groups: auto`` holds out: a seeded share of the categories that have both
    training (train/val) and test queries (rounded half up, at least one, at least one left in training).

    ``queries``: the benchmark's queries with their roles (column ``split``); the same table gives the
    same categories in the split rule and in the OOD table.
    """
    missing = [c for c in ("category", "split") if c not in queries.columns]
    if missing:
        raise InputError(f"queries: missing required column(s) {missing} (the OOD hold-out of {key}: auto)")
    roles = queries.assign(category=queries["category"].astype(str), split=queries["split"].astype(str))
    has_test = set(roles.loc[roles["split"] == "test", "category"])
    has_train = set(roles.loc[roles["split"].isin(TRAINING_ROLES), "category"])
    candidates = sorted(has_test & has_train)
    if len(candidates) < 2:
        raise ConfigError(
            f"config key {key}: auto needs at least two categories with training and test queries to hold one "
            f"out; found {candidates}; name the groups instead, or leave ood-auto out of config splits"
        )
    if not 0 < share < 1:
        raise ConfigError(f"config key split.ood_share={share}: expected a number in (0, 1)")
    n = int(min(max(1, np.floor(share * len(candidates) + 0.5)), len(candidates) - 1))
    order = np.random.default_rng(seed).permutation(len(candidates))
    chosen = sorted(candidates[i] for i in order[:n])
    log.info("%s: auto holds out %d of %d categories (split.ood_share=%s, seed %d): %s", key, n, len(candidates),
             share, seed, chosen)
    return chosen


def catdrop_split(bench: Benchmark, redundant: pd.DataFrame, where: str = "categories/redundant.parquet") -> Benchmark:
    """Categories flagged ``dropped`` in the category-redundancy table removed from train/val."""
    missing = [c for c in ("category", "dropped") if c not in redundant.columns]
    if missing:
        raise InputError(f"{where}: missing required column(s) {missing}; found {list(redundant.columns)}")
    dropped = redundant.loc[redundant["dropped"].astype(bool), "category"].astype(str)
    unknown = sorted(set(dropped) - set(bench.queries["category"].astype(str)))
    if unknown:
        raise InputError(f"{where}: column 'category' names categories not in {bench.name}: {unknown[:5]}")
    return drop_training_queries(bench, bench.queries["category"].isin(set(dropped)).to_numpy())


def fraction_split(bench: Benchmark, fraction: float, seed: int) -> Benchmark:
    """Keep a seeded share ``fraction`` of the training queries of each category (at least one).

    Vectorised like :func:`assign_random_split`: one random key per query, ranked within the
    training queries of its category. Validation and test queries are unchanged.
    """
    if not 0 < fraction <= 1:
        raise ConfigError(f"config key splits: fraction {fraction} must be in (0, 1]")
    q = bench.queries
    is_train = (q["split"] == "train").to_numpy()
    categories = q["category"].astype(str).to_numpy()
    key = np.random.default_rng(seed).random(len(q))
    key = np.where(is_train, key, np.inf)  # non-training queries rank last and are never dropped
    rank = pd.Series(key).groupby(categories).rank(method="first").to_numpy() - 1
    n_train = pd.Series(is_train).groupby(categories).transform("sum").to_numpy()
    n_keep = np.maximum(1, np.round(n_train * fraction)).astype(int)
    return drop_training_queries(bench, is_train & (rank >= n_keep))


def pruned_split(bench: Benchmark, kept: pd.DataFrame, where: str = "prune kept.parquet") -> Benchmark:
    """The same queries (every role) with the pool restricted to the models the pruning kept.

    The deferral-curve budget axis of a split is normalised by its own largest model cost: when
    pruning removed the dearest model, a warning says that areas are then on a different axis.
    """
    if "model" not in kept.columns:
        raise InputError(f"{where}: missing required column 'model'; found {list(kept.columns)}")
    names = kept["model"].astype(str)
    unknown = sorted(set(names) - set(bench.models["model"].astype(str)))
    if unknown or names.empty:
        raise InputError(f"{where}: column 'model' names {unknown[:5] or 'no model'}; expected models of {bench.name}")
    out = bench.subset(models=names.tolist())
    for column in COST_COLUMNS.values():
        full, pruned = bench.models[column].max(), out.models[column].max()
        if pd.notna(full) and pruned < full:
            log.warning("split pruned of %s: the dearest model (%s %g) was pruned; areas are normalised by %g instead",
                        bench.name, column, full, pruned)
    return out


def split_counts(before: Benchmark, after: Benchmark, split: str, benchmark: str = "") -> pd.DataFrame:
    """Queries per role before/after a split, and how many were removed (nothing dropped silently)."""
    b = before.queries["split"].value_counts().reindex(list(SPLITS), fill_value=0)
    a = after.queries["split"].value_counts().reindex(list(SPLITS), fill_value=0)
    return pd.DataFrame(
        {
            "benchmark": pd.array([benchmark] * len(SPLITS), dtype="string"),
            "split": pd.array([split] * len(SPLITS), dtype="string"),
            "role": pd.array(list(SPLITS), dtype="string"),
            "n_before": b.to_numpy(dtype=np.int64),
            "n_after": a.to_numpy(dtype=np.int64),
            "n_removed": (b - a).to_numpy(dtype=np.int64),
            "n_models": np.int64(len(after.models)),
            "n_labels": np.int64(len(after.labels)),
        }
    )


def make_split(
    name: str,
    bench: Benchmark,
    *,
    reduced_queries: pd.DataFrame | None = None,
    redundant: pd.DataFrame | None = None,
    contamination: pd.DataFrame | None = None,
    kept_models: pd.DataFrame | None = None,
    ood_groups: Mapping[str, Sequence[str]] | str | None = None,
    ood_key: str = "benchmarks.<b>.ood_groups",
    seed: int = 0,
    benchmark: str = "",
    ood_share: float = 0.1,
    ood_seed: int = 0,
) -> tuple[Benchmark, pd.DataFrame]:
    """Build experiment split ``name`` from ``bench`` (the upstream the split starts from).

    'standard', 'remastered' and 'pseudo' keep ``bench`` as it is (the caller passes the
    benchmark, the remastered or the pseudo-specialist tables); 'reduced' needs
    ``reduced_queries``, 'catdrop' ``redundant``, 'decontaminated' ``contamination`` (the
    contamination pair table), 'pruned' ``kept_models`` (the pruning's kept.parquet),
    'ood-<group>' ``ood_groups`` (looked up as
    ``<group>`` or as the split name itself; ``ood_groups='auto'`` defines the one group 'auto', a
    seeded share ``ood_share`` of the categories, :func:`auto_ood_categories` with ``ood_seed``),
    'frac-<f>' ``seed``. Returns the split and the
    role counts table of :func:`split_counts`.
    """
    kind, arg = parse_split(name)
    built_from_table = {  # kind: (the upstream table it needs, what that table is, the builder)
        "reduced": (reduced_queries, "the deduplicated queries table", reduced_split),
        "pruned": (kept_models, "the pruning's kept models table", pruned_split),
        "catdrop": (redundant, "the category redundancy table", catdrop_split),
        "decontaminated": (contamination, "the contamination pair table", decontaminated_split),
    }
    if kind in ("standard", "remastered", "pseudo"):
        out = bench
    elif kind in built_from_table:
        table, what, build = built_from_table[kind]
        if table is None:
            raise InputError(f"split '{name}' needs {what}")
        out = build(bench, table)
    elif kind == "ood" and ood_groups == AUTO_GROUP:
        if arg != AUTO_GROUP:
            raise ConfigError(f"config key {ood_key}: is auto, which defines split 'ood-auto' only; got '{name}'")
        categories = auto_ood_categories(bench.queries, ood_share, ood_seed, ood_key)
        out = ood_split(bench, categories, key=f"{ood_key} (auto)")
    elif kind == "ood":
        groups = dict(ood_groups or {})
        group = arg if arg in groups else name if name in groups else None
        if group is None:
            raise ConfigError(
                f"config key {ood_key}: split '{name}' needs a category group '{arg}' (or '{name}'); "
                f"defined groups: {sorted(groups)}"
            )
        out = ood_split(bench, list(groups[group]), key=f"{ood_key}.{group}")
    else:
        out = fraction_split(bench, float(arg), seed)  # type: ignore[arg-type]
    return out, split_counts(bench, out, name, benchmark)
