"""The shared assembly: one adapter's occurrences and labels -> a validated Benchmark, by the same
documented policies for every source layout.

Each policy is one step below, run in this order by :func:`assemble` (report keys in brackets):

1. :func:`exclude_categories`: ``options.exclude_categories`` removes whole categories
   (``excluded_category:<c>``); an unknown category is a ConfigError.
2. :func:`drop_nan_labels`: ``ingest.nan_labels`` 'error' -> InputError with the count and file;
   'drop' -> dropped, counted per file and split (``nan_labels[:file:<f>|:split:<s>]``).
3. :func:`check_label_range`: a label outside [0, 1] is an InputError naming the file and column.
4. :func:`resolve_queries`: one row per query id. Repeated ids (the same id more than once in a
   file, ``repeated_ids``) and ids in several files are one query. An id in several splits is kept
   in the most held-out one (test > val > train) and removed from the others, so no test query is
   trained on (``ids_in_multiple_splits``). Conflicting prompt text or category: the first
   occurrence wins (file order; ``prompt_conflicts``, ``category_conflicts``).
5. :func:`apply_blank_prompt_policy`: a missing or blank prompt (when other queries have text):
   ``ingest.blank_prompts`` 'error' -> InputError with the count and ids; 'drop' -> the query and its
   labels dropped (``blank_prompts``, ``blank_prompt_label_rows_dropped``).
6. :func:`merge_repeated_pairs`: duplicate (model, query) rows collapse by ``ingest.conflicts``
   (mean | max | first | error; ``duplicate_pairs``, ``conflicting_duplicate_pairs``, conflicts across
   splits and within one file counted separately); a pair's per-query costs are the mean of its rows'.
7. :func:`drop_unlabelled_queries`: queries whose every label was dropped (``queries_without_labels``).
8. :func:`assign_splits`: no split in the source -> a seeded split stratified by category
   (``splits.assign_random_split`` on the queries sorted by id, config ``split``); train and test but
   no val -> a seeded, category-stratified share ``split.val_fraction`` of each category's training
   queries becomes val (``val_carved``); a split for some queries only is an InputError.
9. :func:`report_summary`: ``n_queries``, ``n_models``, ``n_labels``, ... (as in the demo report).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import store
from ..errors import ConfigError, InputError
from ..splits import assign_random_split
from .base import Raw, Report

NAN_POLICIES = ("drop", "error")
CONFLICT_POLICIES = ("mean", "max", "first", "error")
BLANK_PROMPT_POLICIES = ("error", "drop")
SPLIT_PRECEDENCE = {"train": 0, "val": 1, "test": 2}


@dataclass(frozen=True)
class Policies:
    """The assembly's choices: config ``ingest`` (nan_labels, conflicts, blank_prompts), config
    ``split`` (val_fraction, test_fraction, seed) and the benchmark's ``exclude_categories``."""

    nan_labels: str = "drop"
    conflicts: str = "mean"
    blank_prompts: str = "error"
    split: Mapping[str, Any] = field(default_factory=dict)
    exclude_categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for key, allowed in (
            ("nan_labels", NAN_POLICIES),
            ("conflicts", CONFLICT_POLICIES),
            ("blank_prompts", BLANK_PROMPT_POLICIES),
        ):
            if getattr(self, key) not in allowed:
                raise ConfigError(f"ingest.{key}: expected one of {list(allowed)}, got {getattr(self, key)!r}")


def assemble(raw: Raw, report: Report, policies: Policies, name: str, adapter: str) -> store.Benchmark:
    """Apply the shared policies (module docstring), in order, and validate into a Benchmark."""
    occ, labels, n_excluded = exclude_categories(raw.occurrences, raw.labels, policies.exclude_categories, name, report)
    file_split = occ.drop_duplicates("file").set_index("file")["split"].astype(object).to_dict()
    labels, n_nan = drop_nan_labels(labels, policies.nan_labels, raw.label_source, file_split, report)
    check_label_range(labels, raw.label_source)
    occ = occ.assign(prompt=blank_as_missing(occ["prompt"]))
    queries = resolve_queries(occ, report)
    queries, labels, n_blank = apply_blank_prompt_policy(queries, labels, policies.blank_prompts, report)
    labels = merge_repeated_pairs(labels, policies.conflicts, file_split, report)
    queries = drop_unlabelled_queries(queries, labels, report)
    files = sorted(occ["file"].astype(str).unique())[:3]
    queries["split"] = assign_splits(queries, policies.split, f"{name} queries (files {files})", report)
    queries["source"] = adapter + ":" + queries["source"].astype(str)
    models = raw.models[raw.models["model"].isin(labels["model"].unique())]
    bench = store.Benchmark.from_frames(queries, models, labels, name=name)
    report_summary(bench, n_excluded + n_nan + n_blank, report)
    return bench


def exclude_categories(
    occ: pd.DataFrame, labels: pd.DataFrame, exclude: tuple[str, ...], name: str, report: Report
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Remove whole categories (occurrences and labels), counted per category; (occ, labels, rows dropped)."""
    if not exclude:
        return occ, labels, 0
    present = set(occ["category"].astype(str))
    unknown = [c for c in exclude if c not in present]
    if unknown:
        raise ConfigError(
            f"benchmarks.{name}.options.exclude_categories: category '{unknown[0]}' is not in the data; "
            f"known categories e.g. {sorted(present)[:8]}"
        )
    gone = occ["category"].isin(exclude)
    gone_ids = occ.loc[gone, ["query_id", "category"]].drop_duplicates("query_id")
    cat_of = gone_ids.set_index("query_id")["category"]
    lab_gone = labels["query_id"].isin(cat_of.index)
    lab_cat = labels.loc[lab_gone, "query_id"].map(cat_of)
    for category in exclude:
        n_rows = int((lab_cat == category).sum())
        report.add(
            f"excluded_category:{category}",
            n_rows,
            f"label rows removed (options.exclude_categories); {int((gone_ids['category'] == category).sum())} queries",
        )
    return occ.loc[~occ["query_id"].isin(cat_of.index)], labels.loc[~lab_gone], int(lab_gone.sum())


def drop_nan_labels(
    labels: pd.DataFrame, policy: str, label_source: str, file_split: Mapping[str, Any], report: Report
) -> tuple[pd.DataFrame, int]:
    """NaN labels: 'error' stops, 'drop' drops them, counted per file and split; (labels, rows dropped)."""
    nan = labels["label"].isna().to_numpy()
    n_nan = int(nan.sum())
    per_file = labels.loc[nan, "file"].astype(str).value_counts(sort=False)
    if n_nan and policy == "error":
        parts = ", ".join(f"{f}: {int(n)}" for f, n in per_file.items())
        raise InputError(
            f"{n_nan} NaN label(s) in {label_source} ({parts}); ingest.nan_labels is 'error' "
            "(set it to 'drop' to drop and count them; they are never read as 0)"
        )
    report.add(
        "nan_labels",
        n_nan,
        "dropped (ingest.nan_labels: drop); missing labels stay absent, never 0" if n_nan else "none",
    )
    for f, n in per_file.items():
        report.add(f"nan_labels:file:{f}", int(n), label_source)
    if n_nan:
        split_of = labels.loc[nan, "file"].astype(str).map(file_split)
        for s, n in split_of.dropna().value_counts(sort=False).items():
            report.add(f"nan_labels:split:{s}", int(n), "")
    return labels.loc[~nan], n_nan


def check_label_range(labels: pd.DataFrame, label_source: str) -> None:
    """Every label in [0, 1], else an InputError naming the file, the column and an example."""
    bad = (labels["label"] < 0) | (labels["label"] > 1)
    if bad.any():
        row = labels.loc[bad].iloc[0]
        raise InputError(
            f"{row['file']}: {label_source} must be in [0, 1]; {int(bad.sum())} value(s) outside, "
            f"e.g. {row['label']} for model '{row['model']}' on query '{row['query_id']}'"
        )


def blank_as_missing(prompt: pd.Series) -> pd.Series:
    """Prompt text that is empty or only whitespace becomes missing (NA)."""
    text = prompt.astype("string")
    return text.where((text.str.strip().str.len() > 0).fillna(False).astype(bool))


def _examples(ids: pd.Index | pd.Series, n: int) -> list[str]:
    return sorted(map(str, ids))[:n]


def _report_conflicts(report: Report, key: str, counts: pd.Series, what: str, n: int = 5) -> None:
    """Report the ids with more than one distinct value (``counts``: distinct values per id)."""
    conflicts = counts[counts > 1]
    report.add(key, len(conflicts), f"ids with {what}, first kept: {_examples(conflicts.index, n)}" if len(conflicts) else "none")


def resolve_queries(occ: pd.DataFrame, report: Report) -> pd.DataFrame:
    """One row per query id: split by precedence, first prompt/category; repeats and conflicts counted."""
    occ = occ.reset_index(drop=True)
    per_file = occ.groupby(["file", "query_id"], sort=False, observed=True).size()
    repeated = per_file[per_file > 1]
    detail = "; ".join(
        f"{f}: {int((repeated.index.get_level_values(0) == f).sum())} ids in "
        f"{int(repeated[repeated.index.get_level_values(0) == f].sum())} rows"
        for f in pd.unique(repeated.index.get_level_values(0))
    )
    report.add(
        "repeated_ids",
        len(repeated),
        (detail + "; their rows are one query, labels merged by ingest.conflicts") if len(repeated) else "none",
    )

    rank = occ["split"].map(SPLIT_PRECEDENCE)
    occ = occ.assign(_rank=rank.fillna(-1).astype(int))
    n_splits = occ.loc[occ["split"].notna()].groupby("query_id", sort=False)["split"].nunique()
    multi = n_splits[n_splits > 1].index
    first = occ.drop_duplicates("query_id", keep="first").set_index("query_id")
    best = occ.sort_values("_rank", kind="stable", ascending=False).drop_duplicates("query_id").set_index("query_id")
    queries = pd.DataFrame(
        {
            "query_id": first.index,
            "category": first["category"].to_numpy(),
            "split": best.loc[first.index, "split"].to_numpy(),
            "source": best.loc[first.index, "file"].astype(str).to_numpy(),
        }
    )
    if len(multi):
        kept = best.loc[multi, "split"].value_counts()
        report.add(
            "ids_in_multiple_splits",
            len(multi),
            f"kept only in the most held-out split ({ {k: int(v) for k, v in kept.items()} }) and removed from the others; "
            f"labels of all their rows merged; e.g. {_examples(multi, 6)}",
        )
    else:
        report.add("ids_in_multiple_splits", 0, "none")

    prompts = occ.loc[occ["prompt"].notna(), ["query_id", "prompt"]]
    first_prompt = prompts.drop_duplicates("query_id").set_index("query_id")["prompt"]
    queries["prompt"] = queries["query_id"].map(first_prompt)
    n_prompt = prompts.drop_duplicates().groupby("query_id", sort=False).size()
    _report_conflicts(report, "prompt_conflicts", n_prompt, "differing prompt text")
    n_cat = occ[["query_id", "category"]].drop_duplicates().groupby("query_id", sort=False).size()
    _report_conflicts(report, "category_conflicts", n_cat, "several categories")
    return queries


def apply_blank_prompt_policy(
    queries: pd.DataFrame, labels: pd.DataFrame, policy: str, report: Report
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Queries without prompt text while others have it: 'error' stops, 'drop' removes them (counted).

    A source with no prompt text at all is a label-only benchmark and passes unchanged.
    Returns (queries, labels, number of label rows dropped).
    """
    missing = queries["prompt"].isna().to_numpy()
    if missing.all() or not missing.any():
        detail = "none" if not missing.any() else "no prompt text in the source (label-only benchmark)"
        report.add("blank_prompts", 0, detail)
        report.add("blank_prompt_label_rows_dropped", 0, "")
        return queries, labels, 0
    blank = queries.loc[missing]
    examples = [f"{q} ({s})" for q, s in zip(blank["query_id"].head(3), blank["source"].head(3))]
    if policy == "error":
        raise InputError(
            f"{int(missing.sum())} queries have a missing or blank prompt, e.g. {examples} (query id (file)); "
            "later stages embed the prompt text. ingest.blank_prompts is 'error' (set it to 'drop' to drop "
            "and count them)"
        )
    gone = labels["query_id"].isin(set(blank["query_id"]))
    report.add("blank_prompts", int(missing.sum()), f"dropped (ingest.blank_prompts: drop), e.g. {examples}")
    report.add("blank_prompt_label_rows_dropped", int(gone.sum()), "label rows of the dropped queries")
    return queries.loc[~missing].reset_index(drop=True), labels.loc[~gone], int(gone.sum())


def merge_repeated_pairs(
    labels: pd.DataFrame, policy: str, file_split: Mapping[str, Any], report: Report
) -> pd.DataFrame:
    """One label row per (query, model): labels merged by ``ingest.conflicts``, per-query costs by mean."""
    pair_costs = _pair_costs(labels)  # computed on the rows before they collapse
    merged = _merge_labels(labels, policy, file_split, report)
    if pair_costs is None:
        return merged
    return merged.merge(pair_costs, on=["query_id", "model"], how="left", sort=False)


def _merge_labels(labels: pd.DataFrame, policy: str, file_split: Mapping[str, Any], report: Report) -> pd.DataFrame:
    """Collapse repeated (query, model) rows into one label by the ``ingest.conflicts`` policy.

    mean | max | first (file order) | error (InputError when the rows of a pair disagree). Counts the
    merged pairs and rows, the conflicting pairs, and among those the ones whose rows come from
    different splits and the ones whose rows all come from one file.
    """
    grouped = labels.groupby(["query_id", "model"], sort=False, observed=True)["label"]
    keep = {"mean": "mean", "first": "first"}.get(policy, "max")  # error: a kept pair agrees, max == min
    stats = grouped.agg(list(dict.fromkeys(["max", "min", "size", keep]))).reset_index()
    conflict = (stats["max"] != stats["min"]).to_numpy()
    n_conflict = int(conflict.sum())
    across = within = 0
    if n_conflict:
        keys = stats.loc[conflict, ["query_id", "model"]]
        candidates = labels.loc[labels["query_id"].isin(set(keys["query_id"]))]  # cheap pre-filter
        rows = candidates.merge(keys, on=["query_id", "model"], how="inner", sort=False)
        rows = rows.assign(file=rows["file"].astype(str), split=rows["file"].astype(str).map(file_split))
        per = rows.groupby(["query_id", "model"], sort=False, observed=True).agg(
            n_files=("file", "nunique"), n_splits=("split", "nunique")
        )
        across, within = int((per["n_splits"] > 1).sum()), int((per["n_files"] == 1).sum())
        if policy == "error":
            first = rows.groupby(["query_id", "model"], sort=False, observed=True).agg(
                values=("label", lambda v: sorted(set(v.tolist()))), files=("file", lambda f: sorted(set(f)))
            ).iloc[0]
            raise InputError(
                f"{n_conflict} (model, query) pair(s) have conflicting labels, e.g. model '{first.name[1]}' on query "
                f"'{first.name[0]}': values {first['values']} in file(s) {first['files']}; ingest.conflicts is "
                "'error' (choose mean, max or first to merge them)"
            )
    n_dup = int((stats["size"] > 1).sum())
    report.add("conflict_policy", 0, f"ingest.conflicts: {policy}")
    report.add("duplicate_pairs", n_dup, "(model, query) pairs with more than one label row")
    report.add("duplicate_rows_collapsed", int(stats["size"].sum() - len(stats)), f"rows merged into their pair ({policy})")
    report.add("conflicting_duplicate_pairs", n_conflict, f"pairs whose rows disagreed; merged by {policy}(label)")
    report.add("conflicting_pairs_across_splits", across, "conflicting pairs whose rows come from different splits")
    report.add("conflicting_pairs_within_file", within, "conflicting pairs whose rows all come from one file")
    return pd.DataFrame(
        {"query_id": stats["query_id"].astype(str), "model": stats["model"].astype(str), "label": stats[keep]}
    )


def _pair_costs(labels: pd.DataFrame) -> pd.DataFrame | None:
    """Per-query cost columns of the label rows, one row per (query_id, model): the mean over the
    pair's rows (NaN cells ignored; all NaN -> NaN, the model's constant). None without such columns."""
    columns = [c for c in store.QUERY_COST_COLUMNS.values() if c in labels.columns]
    if not columns:
        return None
    means = labels.groupby(["query_id", "model"], sort=False, observed=True)[columns].mean().reset_index()
    return means.astype({"query_id": str, "model": str})


def drop_unlabelled_queries(queries: pd.DataFrame, labels: pd.DataFrame, report: Report) -> pd.DataFrame:
    """Queries with no label left are removed (counted); the rest sorted by id (deterministic splits)."""
    unlabelled = ~queries["query_id"].isin(labels["query_id"].unique())
    report.add(
        "queries_without_labels",
        int(unlabelled.sum()),
        f"removed (every label was NaN or absent), e.g. {queries.loc[unlabelled, 'query_id'].head(3).tolist()}"
        if unlabelled.any()
        else "none",
    )
    return queries.loc[~unlabelled].sort_values("query_id", kind="stable").reset_index(drop=True)


def assign_splits(queries: pd.DataFrame, split_cfg: Mapping[str, Any], where: str, report: Report) -> np.ndarray | pd.Series:
    """The split of every query: the source's, completed with a carved val, or a seeded split when
    the source gives none (``where`` names the queries in messages)."""
    if queries["split"].isna().all():
        cfg = dict(split_cfg)
        missing = [k for k in ("val_fraction", "test_fraction", "seed") if k not in cfg]
        if missing:
            raise ConfigError(f"split.{missing[0]}: required to draw a split (the source gives none)")
        split = assign_random_split(
            queries["category"].astype(str), float(cfg["val_fraction"]), float(cfg["test_fraction"]), int(cfg["seed"]),
            where=where,
        ).to_numpy()
        report.add(
            "split_source",
            0,
            f"seeded split stratified by category (val {cfg['val_fraction']}, test {cfg['test_fraction']}, "
            f"seed {cfg['seed']})",
        )
        report.add("val_carved", 0, "none: the seeded split draws val itself")
        return split
    if queries["split"].isna().any():
        raise InputError(
            f"{int(queries['split'].isna().sum())} queries have no split while others do "
            f"(e.g. {queries.loc[queries['split'].isna(), 'query_id'].head(3).tolist()}); give a split for all or none"
        )
    report.add("split_source", 0, "from the source (file names or split column)")
    return carve_validation(queries, split_cfg, report)


def carve_validation(queries: pd.DataFrame, split_cfg: Mapping[str, Any], report: Report) -> pd.Series:
    """Train and test but no val: a seeded share ``split.val_fraction`` of each category's training
    queries becomes val (rounded; at least one training query per category is kept), so routers
    with early stopping get a validation set. Queries must be sorted by id (deterministic)."""
    split = queries["split"].astype("string")
    present = set(split.dropna())
    cfg = dict(split_cfg)
    fraction = float(cfg.get("val_fraction", 0.0))
    if "val" in present or not {"train", "test"} <= present or fraction <= 0:
        reason = (
            "none: the source has a val split" if "val" in present
            else "none: split.val_fraction is 0" if {"train", "test"} <= present
            else "none: the source has no train and test to carve from"
        )
        report.add("val_carved", 0, reason)
        return split
    train = (split == "train").to_numpy()
    category = queries.loc[train, "category"].astype(str).to_numpy()
    key = np.random.default_rng(int(cfg.get("seed", 0))).random(int(train.sum()))
    rank = pd.Series(key).groupby(category).rank(method="first").to_numpy() - 1
    size = pd.Series(category).map(pd.Series(category).value_counts()).to_numpy()
    n_val = np.minimum(np.round(size * fraction), size - 1)
    to_val = np.flatnonzero(train)[rank < n_val]
    split.iloc[to_val] = "val"
    report.add(
        "val_carved",
        len(to_val),
        f"training queries moved to val: seeded (split.seed {int(cfg.get('seed', 0))}) share {fraction} of each "
        "category's training queries (the source gives train and test, no val)",
    )
    return split


def report_summary(bench: store.Benchmark, dropped_rows: int, report: Report) -> None:
    """The benchmark's size after all policies: the same keys as the demo report, then splits and categories."""
    q = bench.queries
    splits = q["split"].value_counts()
    report.add("n_queries", len(q), "queries after all policies")
    report.add("n_models", len(bench.models))
    report.add("n_labels", len(bench.labels), "observed (model, query) labels")
    report.add("n_categories", q["category"].nunique())
    for s in store.SPLITS:
        report.add(f"n_{s}", int(splits.get(s, 0)))
    report.add("n_missing_labels", len(q) * len(bench.models) - len(bench.labels), "absent pairs (not 0)")
    report.add("n_dropped_rows", dropped_rows, "label rows dropped: NaN labels, excluded categories, blank prompts")
    for s in store.SPLITS:
        report.add(f"split:{s}", int(splits.get(s, 0)))
    for category, n in q["category"].value_counts().sort_index().items():
        report.add(f"category:{category}", int(n))
