"""Every bad input gets one clear error: the table of docs/errors.md, one test per row.

Library-level cases (fast) call the function a rule's script calls and assert the exact error
class and that the message names the file, column or config key and what was expected; the
counted policies (NaN labels with ``drop``, duplicate pairs, queries left without labels) assert
the count in the ingest report and that nothing was read as 0. Rule-level cases run Snakemake on
a copy of the workflow and assert that it prints the one-line cause (no Python traceback), that
the traceback is in the rule's log under logs/, and that the failing rule left no output behind.

``python tests/test_bad_inputs.py`` rewrites the library rows of docs/errors.md from the cases.
"""

from __future__ import annotations

import functools
import json
import os
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO, run_snakemake
from tiny_runs import BENCHMARK, copy_of_run, copy_workflow, reference_run, tiny_config

from routerbench_plus import config as rb_config
from routerbench_plus import (
    demo,
    embed,
    ingest,
    near_duplicates,
    prune,
    pseudo_specialists,
    routers,
    routing,
    specialist_score,
    splits,
    store,
)
from routerbench_plus.errors import ConfigError, InputError

DOC = REPO / "docs" / "errors.md"
SCHEMA = REPO / "config" / "schema.yaml"
SPLIT = {"val_fraction": 0.1, "test_fraction": 0.2, "seed": 0}
TRACEBACK = "Traceback (most recent call last)"


# --------------------------------------------------------------------------- small inputs


@functools.lru_cache(maxsize=1)
def small_bench() -> store.Benchmark:
    """A seeded demo benchmark: 4 categories x 8 queries, 30 models (costs in params_b)."""
    return demo.generate(n_categories=4, queries_per_category=8, n_duplicate_groups=1, seed=1).benchmark


def canonical(tmp: Path, queries=None, models=None, labels=None) -> tuple[Path, Path, Path]:
    """Write the small benchmark (or edited tables) in the canonical layout under tmp/data."""
    b = small_bench()
    folder = tmp / "data"
    paths = tuple(folder / f"{name}.parquet" for name in ("queries", "models", "labels"))
    for table, default, path in zip((queries, models, labels), (b.queries, b.models, b.labels), paths):
        store.write(default if table is None else table, path)
    return paths  # type: ignore[return-value]


def read_canonical(paths: tuple[Path, Path, Path]) -> store.Benchmark:
    return store.read_benchmark(*paths)


LONG_ROWS = [
    ("t1", 0, "m1", 1.0), ("t1", 0, "m2", 0.0), ("t1", 1, "m1", 0.0), ("t1", 1, "m2", 1.0),
    ("t1", 2, "m1", 1.0), ("t1", 2, "m2", 1.0), ("t1", 3, "m1", 0.0), ("t1", 3, "m2", 1.0),
    ("t2", 0, "m1", 1.0), ("t2", 0, "m2", 1.0), ("t2", 1, "m1", 0.0), ("t2", 1, "m2", 0.0),
    ("t2", 2, "m1", 1.0), ("t2", 2, "m2", 0.0), ("t2", 3, "m1", 0.0), ("t2", 3, "m2", 0.0),
]


def long_files(tmp: Path, rows=None, models: str = "model,params_b\nm1,1.0\nm2,7.0\n") -> tuple[Path, dict]:
    """A long CSV (task, item, model, correct) + its model cost table, and the adapter options."""
    data = tmp / "long.csv"
    pd.DataFrame(rows or LONG_ROWS, columns=["task", "item", "model", "correct"]).to_csv(data, index=False)
    table = tmp / "models.csv"
    table.write_text(models)
    options = {
        "columns": {"query_id": ["task", "item"], "category": "task", "model": "model", "label": "correct"},
        "models_table": str(table),
    }
    return data, options


def with_label(rows, index: int, label: float):
    out = list(rows)
    out[index] = (*out[index][:3], label)
    return out


def unit_embeddings(query_ids, dim: int = 16, seed: int = 0) -> store.Embeddings:
    """Seeded random L2-normalised vectors (the routers only need normalised vectors)."""
    x = np.random.default_rng(seed).normal(size=(len(query_ids), dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return store.Embeddings(pd.Index(list(query_ids), dtype=object), x, "random")


def default_config() -> dict:
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text())


def report_line(result: ingest.IngestResult, *keys: str) -> str:
    """'key = value, ...: detail of the last key' from an ingest report."""
    rows = result.report.set_index("key")
    values = ", ".join(f"{k} = {int(rows.loc[k, 'value'])}" for k in keys)
    return f"ingest report {values}: {rows.loc[keys[-1], 'detail']}"


class _Exploit:
    """Unpickling this calls os.system (it would create the marker file)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def routerbench_frame() -> pd.DataFrame:
    """A small frame in RouterBench's wide layout (as in routerbench_0shot.pkl)."""
    n = 8
    return pd.DataFrame(
        {
            "sample_id": [f"task{i % 2}.dev.{i}" for i in range(n)],
            "prompt": [[f"question {i}?"] for i in range(n)],
            "eval_name": [f"task{i % 2}" for i in range(n)],
            "small": [float(i % 2) for i in range(n)],
            "small|total_cost": [0.001] * n,
            "big": [1.0] * n,
            "big|total_cost": [0.01] * n,
        }
    )


# --------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    """One row of docs/errors.md: how to trigger it, the error class (None: a counted policy),
    parts the message must contain ({tmp} is the test folder), and the action."""

    id: str
    trigger: str
    error: type[Exception] | None
    expect: tuple[str, ...]
    act: Callable[[Path], Any]


def _missing_column(tmp):
    paths = canonical(tmp)
    store.write(store.read(paths[2]).drop(columns="label"), paths[2])
    read_canonical(paths)


def _unknown_option(tmp):
    data, options = long_files(tmp)
    ingest.ingest("long", data, {**options, "colums": options["columns"]}, "drop", SPLIT, "mybench")


def _nan_rows():
    return with_label(with_label(LONG_ROWS, 1, np.nan), 5, np.nan)


def _nan_error(tmp):
    data, options = long_files(tmp, _nan_rows())
    ingest.ingest("long", data, options, "error", SPLIT, "mybench")


def _nan_drop(tmp):
    data, options = long_files(tmp, _nan_rows())
    result = ingest.ingest("long", data, options, "drop", SPLIT, "mybench")
    assert ingest.report_value(result.report, "nan_labels") == 2
    b = result.benchmark
    assert len(b.labels) == len(LONG_ROWS) - 2
    # the dropped pairs are absent: NaN with mask False in the matrix, never 0
    for model, query in (("m2", "t1/0"), ("m2", "t1/2")):
        row, col = b.matrix.models.get_loc(model), b.matrix.query_ids.get_loc(query)
        assert not b.matrix.mask[row, col] and np.isnan(b.matrix.values[row, col])
    return report_line(result, "nan_labels")


def _label_range(tmp):
    data, options = long_files(tmp, with_label(LONG_ROWS, 2, 1.5))
    ingest.ingest("long", data, options, "drop", SPLIT, "mybench")


def _label_range_canonical(tmp):
    labels = small_bench().labels.copy()
    labels.loc[3, "label"] = -0.5
    read_canonical(canonical(tmp, labels=labels))


def _duplicates(tmp):
    rows = LONG_ROWS + [("t1", 0, "m2", 1.0), ("t2", 1, "m1", 0.0)]  # one conflicting, one repeated unchanged
    data, options = long_files(tmp, rows)
    result = ingest.ingest("long", data, options, "drop", SPLIT, "mybench")
    assert ingest.report_value(result.report, "duplicate_pairs") == 2
    assert ingest.report_value(result.report, "duplicate_rows_collapsed") == 2
    assert ingest.report_value(result.report, "conflicting_duplicate_pairs") == 1
    lab = result.benchmark.labels.set_index(["model", "query_id"])["label"]
    assert lab[("m2", "t1/0")] == 0.5 and lab[("m1", "t2/1")] == 0.0  # mean(0, 1) (ingest.conflicts); unchanged
    assert len(lab) == len(LONG_ROWS)
    return report_line(result, "duplicate_pairs", "duplicate_rows_collapsed", "conflicting_duplicate_pairs")


def _conflicts_error(tmp):
    data, options = long_files(tmp, LONG_ROWS + [("t1", 0, "m2", 1.0)])
    ingest.ingest("long", data, options, "drop", SPLIT, "mybench", conflicts="error")


def _with_prompts(tmp, blank=("t1", "t2")):
    """LONG_ROWS plus a prompt column; item 0 of each task in ``blank`` gets '' / whitespace."""
    data, options = long_files(tmp)
    df = pd.read_csv(data)
    df["prompt"] = "question " + df["task"] + "-" + df["item"].astype(str)
    df.loc[(df["item"] == 0) & df["task"].isin(blank), "prompt"] = np.where(df["task"] == "t1", "", "  \t")[
        (df["item"] == 0) & df["task"].isin(blank)]
    df.to_csv(data, index=False)
    return data, {**options, "columns": {**options["columns"], "prompt": "prompt"}}


def _blank_error(tmp):
    data, options = _with_prompts(tmp)
    ingest.ingest("long", data, options, "drop", SPLIT, "mybench")


def _blank_drop(tmp):
    data, options = _with_prompts(tmp)
    result = ingest.ingest("long", data, options, "drop", SPLIT, "mybench", blank_prompts="drop")
    q = result.benchmark.queries
    assert len(q) == 8 - 2 and not {"t1/0", "t2/0"} & set(q["query_id"])
    assert len(result.benchmark.labels) == len(LONG_ROWS) - 4
    assert ingest.report_value(result.report, "n_dropped_rows") == 4
    return report_line(result, "blank_prompts", "blank_prompt_label_rows_dropped")


def _duplicates_canonical(tmp):
    labels = small_bench().labels
    read_canonical(canonical(tmp, labels=pd.concat([labels, labels.iloc[[7]]], ignore_index=True)))


def _query_without_labels_canonical(tmp):
    labels = small_bench().labels
    first = labels["query_id"].iloc[0]
    read_canonical(canonical(tmp, labels=labels[labels["query_id"] != first]))


def _query_without_labels_ingest(tmp):
    rows = with_label(with_label(LONG_ROWS, 6, np.nan), 7, np.nan)  # every label of t1/3 is NaN
    data, options = long_files(tmp, rows)
    result = ingest.ingest("long", data, options, "drop", SPLIT, "mybench")
    assert ingest.report_value(result.report, "queries_without_labels") == 1
    assert "t1/3" not in set(result.benchmark.queries["query_id"])
    return report_line(result, "queries_without_labels")


def _model_without_cost(tmp):
    data, options = long_files(tmp, models="model,params_b\nm1,1.0\n")
    ingest.ingest("long", data, options, "drop", SPLIT, "mybench")


def _model_without_cost_canonical(tmp):
    models = small_bench().models
    read_canonical(canonical(tmp, models=models[models["model"] != "gen-s-1b"]))


def _cost(value: str):
    def act(tmp):
        data, options = long_files(tmp, models=f"model,params_b\nm1,1.0\nm2,{value}\n")
        ingest.ingest("long", data, options, "drop", SPLIT, "mybench")

    return act


def _cost_canonical(tmp):
    models = small_bench().models.copy()
    models.loc[models["model"] == "gen-s-1b", "params_b"] = -1.0
    read_canonical(canonical(tmp, models=models))


def _query_cost_canonical(tmp):
    labels = small_bench().labels.copy()
    labels["cost_usd"] = 0.001
    labels.loc[labels.index[5], "cost_usd"] = -0.5
    read_canonical(canonical(tmp, labels=labels))


def _pseudo_cost_removed_key(tmp):
    pseudo_specialists.check_options({"boost": [0.25], "cost_params_b": 1.0})


def _pseudo_cost_rule(tmp):
    pseudo_specialists.cost_rules("cheap")


def _binary_pair_pruned(tmp):
    b = small_bench()
    result = prune.prune(b, lam=0.5, target=len(b.models) - 5)
    removed = result.steps["removed_model"].iloc[0]
    kept = result.kept["model"].iloc[0]
    prune.pair_survival(result.kept, result.steps, {"small-vs-large": [kept, removed]}, key="benchmarks.mybench.binary_pairs")


def _empty_parquet(tmp):
    paths = canonical(tmp)
    paths[2].write_bytes(b"")
    read_canonical(paths)


def _empty_csv(tmp):
    data, options = long_files(tmp)
    data.write_text("")
    ingest.ingest("long", data, options, "drop", SPLIT, "mybench")


def _header_only_csv(tmp):
    data, options = long_files(tmp)
    data.write_text("task,item,model,correct\n")
    ingest.ingest("long", data, options, "drop", SPLIT, "mybench")


def _corrupt_parquet(tmp):
    paths = canonical(tmp)
    paths[2].write_bytes(b"this is not a parquet file\n" * 20)
    read_canonical(paths)


def _truncated_parquet(tmp):
    paths = canonical(tmp)
    data = paths[2].read_bytes()
    paths[2].write_bytes(data[: len(data) // 2])
    read_canonical(paths)


def _empty_prompts(tmp):
    queries = small_bench().queries.copy()
    queries.loc[[2, 5, 9], "prompt"] = [None, "", "   "]
    path = canonical(tmp, queries=queries)[0]
    embed.check_prompts(store.read(path, ["query_id", "prompt"]), where=str(path))  # as the embed rule does


def _delta(value: float):
    def act(tmp):
        b = small_bench()
        near_duplicates.find_groups(unit_embeddings(b.queries["query_id"]), value, queries=b.queries)

    return act


def _config(mutate: Callable[[dict], None]):
    def act(tmp):
        config = default_config()
        mutate(config)
        rb_config.check_config(config, SCHEMA)
        routers.check_routers(config, [REPO])

    return act


def _lambda(tmp):
    prune.prune(small_bench(), lam=1.5, target=5)


def _prune_target(tmp):
    b = small_bench()
    prune.prune(b, lam=0.5, target=len(b.models))


def _k_too_large(tmp):
    b = small_bench()
    router = routers.make_router("knn", {"type": "knn", "k": 1000})
    routers.score_split(router, b, unit_embeddings(b.queries["query_id"]), b.costs("params"), key="routers.knn")


def _ood_category(tmp):
    splits.make_split(
        "ood-math", small_bench(), ood_groups={"math": ["cat-00", "gsm8k"]}, ood_key="benchmarks.mybench.ood_groups"
    )


def _ood_group(tmp):
    splits.make_split(
        "ood-medical", small_bench(), ood_groups={"math": ["cat-00"]}, ood_key="benchmarks.mybench.ood_groups"
    )


def _grid_evaluation(tmp):
    b = small_bench()
    router = routers.make_router("heuristic", {"type": "heuristic"})
    scores = routers.score_split(router, b, None, b.costs("params"))
    test = b.queries.loc[b.queries["split"] == "test", "query_id"]
    table = routing.scores_table(scores, b.models["model"], test)
    routing.route(table, b, "params", [0.1, 0.2])


def _grid_specialist(tmp):
    specialist_score.specialist_scores(small_bench(), cost="params", budgets=[0.1, 0.2])


def _router(kind: str):
    def act(tmp):
        routers.check_routers({"routers": {"mine": {"type": kind}}}, [REPO])

    return act


def _router_param(tmp):
    routers.make_router("knn", {"type": "knn", "k": "ten"})


def _single_query_category(tmp):
    rows = LONG_ROWS + [("t3", 0, "m1", 1.0), ("t3", 0, "m2", 0.0)]  # category t3 has one query
    data, options = long_files(tmp, rows)
    ingest.ingest("long", data, options, "drop", SPLIT, "mybench")


def _malicious_pickle(tmp):
    marker = tmp / "pwned"
    folder = tmp / "routerbench"
    folder.mkdir()
    (folder / "routerbench_0shot.pkl").write_bytes(pickle.dumps(_Exploit(marker)))
    try:
        ingest.ingest("routerbench", folder, {"format": "pkl"}, "drop", SPLIT, "rb")
    finally:
        assert not marker.exists(), "the pickle's code ran"


def _truncated_pickle(tmp):
    folder = tmp / "routerbench"
    folder.mkdir()
    data = pickle.dumps(routerbench_frame())
    (folder / "routerbench_0shot.pkl").write_bytes(data[: len(data) * 2 // 3])
    ingest.ingest("routerbench", folder, {"format": "pkl"}, "drop", SPLIT, "rb")


def _truncated_download(tmp):
    data, options = long_files(tmp)
    record = {"file": data.name, "bytes": data.stat().st_size, "sha256": store.file_sha256(data)}
    (tmp / ingest.MANIFEST).write_text(json.dumps({"files": {data.name: record}}))
    full = data.read_bytes()
    data.write_bytes(full[: len(full) - 20])  # the transfer stopped early
    ingest.ingest("long", data, options, "drop", SPLIT, "mybench")


def _nan_policy(tmp):
    data, options = long_files(tmp)
    ingest.ingest("long", data, options, "zero", SPLIT, "mybench")


CASES = [
    Case("missing-column", "`labels.parquet` without column `label`", InputError,
         ("{tmp}/data/labels.parquet", "missing required column(s) ['label']"), _missing_column),
    Case("unknown-adapter-option", "`options: {colums: ...}` for adapter `long`", ConfigError,
         ("benchmarks.mybench.options", "unknown key 'colums'", "allowed keys"), _unknown_option),
    Case("nan-label-error", "2 empty label cells, `ingest.nan_labels: error`", InputError,
         ("2 NaN label(s)", "column 'correct'", "long.csv: 2", "ingest.nan_labels"), _nan_error),
    Case("nan-label-drop", "2 empty label cells, `ingest.nan_labels: drop` (default)", None,
         ("nan_labels = 2", "never 0"), _nan_drop),
    Case("label-out-of-range", "a label 1.5 in the source file", InputError,
         ("long.csv", "column 'correct'", "must be in [0, 1]", "1.5"), _label_range),
    Case("label-out-of-range-canonical", "a label -0.5 in a canonical `labels.parquet`", InputError,
         ("{tmp}/data labels", "column 'label' must be in [0, 1]", "-0.5"), _label_range_canonical),
    Case("duplicate-pairs", "a (model, query) pair on 2 rows with labels 0 and 1 (and one repeated unchanged)",
         None, ("duplicate_pairs = 2", "conflicting_duplicate_pairs = 1", "mean(label)"), _duplicates),
    Case("duplicate-pairs-canonical", "a repeated row in a canonical `labels.parquet`", InputError,
         ("{tmp}/data labels", "(model, query_id) pairs must be unique", "1 repeated row(s)"), _duplicates_canonical),
    Case("query-without-labels", "every label of one query is NaN (`drop`)", None,
         ("queries_without_labels = 1", "removed"), _query_without_labels_ingest),
    Case("query-without-labels-canonical", "a query of `queries.parquet` with no row in `labels.parquet`",
         InputError, ("{tmp}/data queries", "1 query id(s) have no label for any model"),
         _query_without_labels_canonical),
    Case("model-without-cost", "model `m2` in the data, not in the cost table", InputError,
         ("['m2']", "long.csv", "{tmp}/models.csv", "params_b"), _model_without_cost),
    Case("model-without-cost-canonical", "labels name a model missing from `models.parquet`", InputError,
         ("{tmp}/data labels", "['gen-s-1b']", "not in the models table"), _model_without_cost_canonical),
    Case("zero-cost", "`params_b` 0 in the cost table", InputError,
         ("{tmp}/models.csv", "column 'params_b' must be > 0", "'m2'"), _cost("0")),
    Case("negative-cost", "`params_b` -3.5 in the cost table", InputError,
         ("{tmp}/models.csv", "column 'params_b' must be > 0", "-3.5"), _cost("-3.5")),
    Case("negative-cost-canonical", "`params_b` -1 in a canonical `models.parquet`", InputError,
         ("{tmp}/data models", "column 'params_b' must be > 0", "gen-s-1b"), _cost_canonical),
    Case("negative-query-cost-canonical", "per-query `cost_usd` -0.5 in a canonical `labels.parquet`", InputError,
         ("{tmp}/data labels", "column 'cost_usd' (per-query cost) must be a finite number >= 0", "-0.5"),
         _query_cost_canonical),
    Case("pseudo-cost-removed-key", "the removed `pseudo.cost_params_b: 1.0`", ConfigError,
         ("pseudo.cost_params_b", "pseudo.cost (average | median"), _pseudo_cost_removed_key),
    Case("pseudo-cost-unknown-rule", "`pseudo.cost: cheap`", ConfigError,
         ("config key pseudo.cost", "'cheap' is not a cost rule"), _pseudo_cost_rule),
    Case("binary-pair-pruned", "a binary pair whose large model pruning removed", ConfigError,
         ("config key benchmarks.mybench.binary_pairs.small-vs-large", "was removed by pruning", "prune.protect"),
         _binary_pair_pruned),
    Case("empty-parquet", "a 0-byte `labels.parquet`", InputError,
         ("{tmp}/data/labels.parquet", "file is empty, expected a Parquet table"), _empty_parquet),
    Case("empty-source-file", "a 0-byte source CSV", InputError, ("{tmp}/long.csv", "file is empty"), _empty_csv),
    Case("header-only-source-file", "a source CSV with a header and no rows", InputError,
         ("{tmp}/long.csv", "no data rows"), _header_only_csv),
    Case("corrupt-parquet", "`labels.parquet` holding text", InputError,
         ("{tmp}/data/labels.parquet", "not a readable Parquet file"), _corrupt_parquet),
    Case("truncated-parquet", "the first half of `labels.parquet`", InputError,
         ("{tmp}/data/labels.parquet", "not a readable Parquet file"), _truncated_parquet),
    Case("empty-prompts", "3 null/blank prompts, embed stage", InputError,
         ("{tmp}/data/queries.parquet", "column 'prompt' is missing or empty in 3 of 32 row(s)", "has_prompts: false"),
         _empty_prompts),
    Case("delta-above-one", "`dedup.delta` 1.5 reaching the library", ConfigError,
         ("config key dedup.delta", "(0, 1]", "1.5"), _delta(1.5)),
    Case("delta-zero", "`dedup.delta` 0 reaching the library", ConfigError,
         ("config key dedup.delta", "(0, 1]", "0.0"), _delta(0.0)),
    Case("delta-config", "`dedup: {delta: [1.5]}` in a config file", ConfigError,
         ("config key dedup.delta.0", "1.5 is greater than the maximum of 1"),
         _config(lambda c: c["dedup"].__setitem__("delta", [1.5]))),
    Case("lambda-out-of-range", "`prune.lambda` 1.5 reaching the library", ConfigError,
         ("prune.lambda=1.5", "expected a number in [0, 1]"), _lambda),
    Case("lambda-config", "`prune: {lambda: [-0.1]}` in a config file", ConfigError,
         ("config key prune.lambda.0", "-0.1 is less than the minimum of 0"),
         _config(lambda c: c["prune"].__setitem__("lambda", [-0.1]))),
    Case("prune-target-too-large", "`prune.target` 30 for a pool of 30 models", ConfigError,
         ("prune.target=30", "fewer models than the pool, which has 30"), _prune_target),
    Case("k-too-large", "`routers.knn.k` 1000, 20 training queries", ConfigError,
         ("config key routers.knn.k", "k=1000 is larger than the training set (20 queries)"), _k_too_large),
    Case("ood-unknown-category", "`ood_groups: {math: [cat-00, gsm8k]}`, no category gsm8k", ConfigError,
         ("config key benchmarks.mybench.ood_groups.math", "'gsm8k' is not a category"), _ood_category),
    Case("ood-unknown-group", "split `ood-medical` without a group `medical`", ConfigError,
         ("config key benchmarks.mybench.ood_groups", "'medical'", "defined groups: ['math']"), _ood_group),
    Case("budget-grid-admits-no-model", "`evaluation.budgets: [0.1, 0.2]`, cheapest model 0.5", ConfigError,
         ("config key evaluation.budgets", "admits no model", "cheapest model cost 0.5"), _grid_evaluation),
    Case("specialist-grid-admits-no-model", "`specialist.budgets: [0.1, 0.2]`, cheapest model 0.5", ConfigError,
         ("specialist.budgets=[0.1, 0.2]", "admits no model", "cheapest model cost 0.5"), _grid_specialist),
    Case("unknown-router-module", "`routers.mine.type: nosuchmodule:Router`", ConfigError,
         ("config key routers.mine.type", "cannot import module 'nosuchmodule'"), _router("nosuchmodule:Router")),
    Case("unknown-router-class", "`routers.mine.type: tests.example_router:Nope`", ConfigError,
         ("config key routers.mine.type", "has no class 'Nope'"), _router("tests.example_router:Nope")),
    Case("wrong-type-config", "`evaluation.bootstrap_resamples: many`", ConfigError,
         ("config key evaluation.bootstrap_resamples", "'many' is not of type 'integer'"),
         _config(lambda c: c["evaluation"].__setitem__("bootstrap_resamples", "many"))),
    Case("wrong-type-router-option", "`routers.knn.k: ten`", ConfigError,
         ("config key routers.knn.k", "expected an integer", "'ten'"), _router_param),
    Case("single-query-category", "category `t3` with one query, no split in the source", InputError,
         ("long.csv", "column 'category'", "['t3'] have a single query", "config key split"),
         _single_query_category),
    Case("malicious-pickle", "a pickle whose `__reduce__` calls `os.system`", InputError,
         ("routerbench_0shot.pkl", "refused to unpickle global", ".system'", "may be malicious"), _malicious_pickle),
    Case("truncated-pickle", "the first 2/3 of `routerbench_0shot.pkl`", InputError,
         ("routerbench_0shot.pkl", "not a readable DataFrame pickle", "truncated"), _truncated_pickle),
    Case("truncated-download", "a source file shorter than its `manifest.json` entry", InputError,
         ("{tmp}/long.csv", "differ from the download manifest", "truncated"), _truncated_download),
    Case("nan-policy-invalid", "`ingest.nan_labels: zero` reaching the library", ConfigError,
         ("ingest.nan_labels", "'zero'", "['drop', 'error']"), _nan_policy),
    Case("conflicting-labels-error", "a (model, query) pair on 2 rows with labels 0 and 1, `ingest.conflicts: error`",
         InputError, ("1 (model, query) pair(s)", "'m2'", "'t1/0'", "[0.0, 1.0]", "long.csv", "ingest.conflicts"),
         _conflicts_error),
    Case("blank-prompt-error", "2 empty/whitespace prompts in a source with prompts, `ingest.blank_prompts: error`",
         InputError, ("2 queries have a missing or blank prompt", "long.csv", "ingest.blank_prompts"), _blank_error),
    Case("blank-prompt-drop", "2 empty/whitespace prompts, `ingest.blank_prompts: drop`", None,
         ("blank_prompts = 2", "blank_prompt_label_rows_dropped = 4"), _blank_drop),
]


def outcome(case: Case, tmp: Path) -> str:
    """Run a case; return its message (the error's, or the report line of a counted policy)."""
    if case.error is None:
        return case.act(tmp)
    with pytest.raises(case.error) as info:
        case.act(tmp)
    assert type(info.value) is case.error  # the exact class, not a subclass or a bare ValueError
    return str(info.value)


def normalise(message: str, root: Path) -> str:
    return message.replace(str(root), "<dir>")


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def row(case_id: str, trigger: str, error: str, message: str) -> str:
    return f"| `{case_id}` | {trigger} | {error} | `{cell(message)}` |"


def case_row(case: Case, message: str) -> str:
    error = f"`{case.error.__name__}`" if case.error else "none (counted)"
    return row(case.id, case.trigger, error, message)


def doc_rows() -> dict[str, str]:
    """Table rows of docs/errors.md keyed by their case id."""
    rows = {}
    for line in DOC.read_text().splitlines():
        match = re.match(r"\| `([a-z0-9-]+)` \|", line)
        if match:
            rows[match.group(1)] = line
    return rows


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path) -> None:
    message = outcome(case, tmp_path)
    for part in case.expect:
        assert part.format(tmp=tmp_path) in message, (part, message)
    assert TRACEBACK not in message
    # docs/errors.md shows this exact message (regenerate: python tests/test_bad_inputs.py)
    assert doc_rows().get(case.id) == case_row(case, normalise(message, tmp_path))


def test_cases_are_many_and_named_once() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 20


def test_every_documented_case_is_a_test() -> None:
    tested = {c.id for c in CASES} | {c.id for c in RULE_CASES}
    assert sorted(set(doc_rows()) - tested) == []


def test_ingest_report_records_size_and_sha256_of_every_file_read(tmp_path: Path) -> None:
    folder = tmp_path / "routerbench"
    folder.mkdir()
    path = folder / "routerbench_0shot.pkl"
    path.write_bytes(pickle.dumps(routerbench_frame()))
    result = ingest.ingest("routerbench", folder, {"format": "pkl"}, "drop", SPLIT, "rb")
    row_ = result.report.set_index("key").loc["file:routerbench_0shot.pkl"]
    assert int(row_["value"]) == path.stat().st_size
    assert row_["detail"] == f"sha256:{store.file_sha256(path)}"
    assert result.files == {"routerbench_0shot.pkl": store.file_sha256(path)}
    assert len(result.benchmark.queries) == 8


# --------------------------------------------------------------------------- rule-level (Snakemake)


@dataclass(frozen=True)
class RuleCase:
    """A bad input met by a Snakemake run: the cause line Snakemake must show, and what the
    failing rule must not leave behind. ``base`` is 'fresh' (a new workflow copy), 'reference'
    (a copy of the session's finished tiny run) or 'dry' (fails while the DAG is built)."""

    id: str
    trigger: str
    base: str
    files: dict[str, str]
    configfiles: tuple[str, ...]
    targets: tuple[str, ...]
    cause: str
    log: str = ""
    outputs: tuple[str, ...] = ()


LONG_SOURCE = {
    "run": ["bad"],
    "benchmarks": {
        "bad": {
            "adapter": "long",
            "source": "bad.parquet",
            "options": {
                "columns": {"query_id": ["task", "item"], "category": "task", "model": "model", "label": "correct"},
                "models_table": "models.csv",
            },
            "has_prompts": False,
        }
    },
}
_cfg = tiny_config()
_LAM, _TARGET = _cfg["prune"]["lambda"][0], 500
_PRUNED = f"results/{BENCHMARK}/prune/lambda~{_LAM}/target~{_TARGET}"
_BIGK = f"results/{BENCHMARK}/routers/split~standard/method~bigk/scores.parquet"

RULE_CASES = [
    RuleCase(
        "rule-corrupt-parquet", "a `long` benchmark whose source `bad.parquet` holds text", "fresh",
        {"bad.yaml": yaml.safe_dump(LONG_SOURCE), "bad.parquet": "not a parquet file\n" * 10,
         "models.csv": "model,params_b\nm1,1.0\n"},
        ("bad.yaml",), ("results/bad/data/labels.parquet",),
        "RouterBench+ error: bad.parquet: not a readable table",
        "logs/bad/ingest/ingest.log",
        tuple(f"results/bad/data/{n}.parquet" for n in ("queries", "models", "labels", "ingest_report")),
    ),
    RuleCase(
        "rule-k-too-large", "`routers: {bigk: {type: knn, k: 100000}}`, then its scores", "reference",
        {"bigk.yaml": yaml.safe_dump({"routers": {"bigk": {"type": "knn", "k": 100000}}})},
        ("tests/tiny.yaml", "bigk.yaml"), (_BIGK,),
        "RouterBench+ error: config key routers.bigk.k: k=100000 is larger than the training set",
        "logs/tiny/routers_train/split~standard/method~bigk.log", (_BIGK,),
    ),
    RuleCase(
        "rule-prune-target-too-large", "`prune` asked for `target~500/kept.parquet` (pool of 30 models)",
        "reference",
        {}, ("tests/tiny.yaml",), (f"{_PRUNED}/kept.parquet",),
        f"RouterBench+ error: prune.target={_TARGET}: expected fewer models than the pool",
        f"logs/tiny/prune/lambda~{_LAM}_target~{_TARGET}.log",
        (f"{_PRUNED}/kept.parquet", f"{_PRUNED}/steps.parquet"),
    ),
    RuleCase(
        "config-wrong-type", "`--configfile` with `evaluation: {bootstrap_resamples: many}`", "dry",
        {"bad.yaml": "evaluation: {bootstrap_resamples: many}\n"}, ("bad.yaml",), (),
        "RouterBench+ config error: config key evaluation.bootstrap_resamples: 'many' is not of type 'integer'",
    ),
    RuleCase(
        "config-unknown-router", "`--configfile` with `routers: {mine: {type: 'nosuchmodule:Router'}}`", "dry",
        {"bad.yaml": "routers:\n  mine: {type: 'nosuchmodule:Router'}\n"}, ("tests/tiny.yaml", "bad.yaml"), (),
        "RouterBench+ config error: config key routers.mine.type: cannot import module 'nosuchmodule'",
    ),
    RuleCase(
        "config-missing-source", "a benchmark with `adapter: long` and no `source`", "dry",
        {"bad.yaml": "run: [x]\nbenchmarks:\n  x: {adapter: long}\n"}, ("bad.yaml",), (),
        "RouterBench+ config error: config key benchmarks.x.source: required for adapter 'long'",
    ),
]


def cause_line(text: str) -> str | None:
    return next((line for line in text.splitlines() if line.startswith("RouterBench+ ")), None)


@pytest.mark.slow
@pytest.mark.parametrize("case", RULE_CASES, ids=[c.id for c in RULE_CASES])
def test_snakemake_shows_one_line_and_leaves_nothing(case: RuleCase, tmp_path: Path, tmp_path_factory) -> None:
    if case.base == "reference":
        workdir = copy_of_run(reference_run(tmp_path_factory), tmp_path / "wf")
    else:
        workdir = copy_workflow(tmp_path / "wf")
    for name, text in case.files.items():
        (workdir / name).write_text(text)
    args = ["--cores", "2"] + (["-n"] if case.base == "dry" else [])
    proc = run_snakemake(workdir, *args, "--configfile", *case.configfiles, "--", *case.targets)
    assert proc.returncode != 0
    output = proc.stdout + proc.stderr
    line = cause_line(proc.stderr)
    assert line is not None and line.startswith(case.cause), proc.stderr[-3000:]
    assert TRACEBACK not in output
    if case.log:
        assert f"(traceback in {case.log})" in line
        log_text = (workdir / case.log).read_text()
        assert TRACEBACK in log_text and case.cause.split(": ", 1)[1] in log_text
    for path in case.outputs:
        assert not (workdir / path).exists(), path
        assert not list((workdir / path).parent.glob(f".{Path(path).name}.*.tmp")), path
    if case.base == "dry":
        assert not (workdir / "results").exists()
    expected = row(case.id, case.trigger, "one line, exit status 1" if case.log else "one line before any job", line)
    assert doc_rows().get(case.id) == expected, f"docs/errors.md needs the row\n{expected}"


# --------------------------------------------------------------------------- docs/errors.md


def write_doc_rows() -> None:
    """Rewrite the library rows of docs/errors.md (between the case markers) from CASES."""
    import tempfile

    rows = []
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(case_row(case, normalise(outcome(case, Path(tmp)), Path(tmp))))
    text = DOC.read_text()
    start, end = "<!-- cases:start -->\n", "<!-- cases:end -->"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    header = "| case | how to trigger | error class | message |\n|---|---|---|---|\n"
    DOC.write_text(head + start + header + "\n".join(rows) + "\n" + end + tail)


if __name__ == "__main__":
    write_doc_rows()
