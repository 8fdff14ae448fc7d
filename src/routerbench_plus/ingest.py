"""Ingestion adapters: read a benchmark in its source layout, return the canonical tables + a report.

One adapter per source layout (``ingest(adapter, source, options, nan_labels, split_cfg)``):

* ``embedllm``    RZ412/EmbedLLM: ``{train,val,test}.csv`` (model_id, prompt_id, prompt, category,
  label) + ``model_order.csv`` (model_id, model_name); streamed with pyarrow in blocks.
* ``routerbench`` RouterBench's wide layout (a 0/1 column per model, ``<model>|total_cost`` in USD,
  ``sample_id``, ``prompt``, ``eval_name``), from ``routerbench_0shot.pkl`` (restricted unpickler) or
  from ``*_{train,test}.csv`` files (the RouterDC split).
* ``mixinstruct`` llm-blender/mix-instruct jsonl (id, instruction, input, candidates[model, scores]);
  label = exp(bartscore) clipped to [0, 1].
* ``long``        any long table (CSV/Parquet) with a column map in the options.
* ``llmrouter``, ``routerdc``, ``carrot``: the layouts of LLMRouter, RouterDC and CARROT's
  open-leaderboard-v2 pickle, one module each in ``routerbench_plus.adapters`` (see its docstring).

Per-query costs (docs/layout.md): ``routerbench`` keeps ``<model>|total_cost`` of every row as the
labels column ``cost_usd``; ``long`` takes the columns mapped to ``cost_usd``, ``cost_tokens`` and
``cost_latency_s`` and, where the models table gives ``usd_per_million_tokens``, fills ``cost_usd``
with tokens x price. A repeated (model, query) pair's cost is the mean of its rows' costs.

Every adapter produces *occurrences* (one row per source row of a query: query_id, prompt, category,
split, file) and long *labels* (query_id, model, label, file; NaN kept), then one shared assembly step
applies the same documented policies to all of them:

* NaN labels: ``nan_labels='error'`` -> InputError with the count and file; ``'drop'`` -> dropped,
  counted per file and split.
* Labels outside [0, 1] -> InputError naming the file and column.
* Repeated ids (the same query id more than once in a file) and ids present in several files are one
  query: its labels from every row are merged, duplicate (model, query) pairs collapse by the
  ``ingest.conflicts`` policy (mean | max | first | error; merges and conflicts counted, conflicts
  across splits and within one file separately).
* An id present in several splits is kept in the most held-out one (test > val > train) and removed
  from the others, so no test query is trained on; counted and listed.
* Conflicting prompt text or category for one id: the first occurrence wins (file order); counted.
* A missing or blank prompt (when other queries have text): ``ingest.blank_prompts`` 'error' ->
  InputError with the count and ids; 'drop' -> the query and its labels dropped, counted.
* Queries whose every label was dropped are removed (counted); ``exclude_categories`` removes whole
  categories (counted per category); a model missing from the cost table is an InputError.
* No split in the source: a seeded split stratified by category (``splits.assign_random_split`` on
  the queries sorted by id, config ``split``). Train and test but no val in the source: a seeded,
  category-stratified share ``split.val_fraction`` of each category's training queries becomes val.

The report is a table (key, value, detail): value is an integer count (or a byte size), detail a
human-readable note. Keys: ``n_queries``, ``n_models``, ``n_labels``, ``n_categories``, ``n_train``,
``n_val``, ``n_test``, ``n_missing_labels``, ``n_dropped_rows`` (as in the demo report), then
``file:<name>`` (bytes; detail sha256), ``rows_read[:file:<name>]``, ``label_cells_read``,
``nan_labels[:file:<f>|:split:<s>]``, ``labels_out_of_range_clipped``, ``repeated_ids``,
``ids_in_multiple_splits``, ``prompt_conflicts``, ``category_conflicts``, ``duplicate_pairs``,
``duplicate_rows_collapsed``, ``conflicting_duplicate_pairs``, ``queries_without_labels``,
``excluded_category:<c>``, ``split_source``, ``split:<s>``, ``category:<c>``, ``conflict_policy``,
``conflicting_pairs_across_splits``, ``conflicting_pairs_within_file``, ``blank_prompts``,
``blank_prompt_label_rows_dropped``, ``val_carved`` and adapter-specific keys (documented where they
are added).
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
import logging
import math
import os
import pickle
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from . import io
from .errors import ConfigError, InputError
from .splits import assign_random_split

log = logging.getLogger(__name__)

NAN_POLICIES = ("drop", "error")
CONFLICT_POLICIES = ("mean", "max", "first", "error")
BLANK_PROMPT_POLICIES = ("error", "drop")
SPLIT_PRECEDENCE = {"train": 0, "val": 1, "test": 2}
REPORT_COLUMNS = {"key": "string", "value": "int64", "detail": "string"}
MANIFEST = "manifest.json"

# Hugging Face dataset repositories and the files each adapter reads from them.
HF_DATASETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "embedllm": ("RZ412/EmbedLLM", ("train.csv", "val.csv", "test.csv", "model_order.csv")),
    "routerbench": ("withmartian/routerbench", ("routerbench_0shot.pkl",)),
    "mixinstruct": (
        "llm-blender/mix-instruct",
        ("train_data_prepared.jsonl", "val_data_prepared.jsonl", "test_data_prepared.jsonl"),
    ),
}


# --------------------------------------------------------------------------- report


class Report:
    """Accumulates report rows (key, integer value, detail) in the order they are added."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, int, str]] = []

    def add(self, key: str, value: int | float, detail: str = "") -> None:
        self.rows.append((key, int(value), str(detail)))

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.rows, columns=list(REPORT_COLUMNS))
        return df.astype(REPORT_COLUMNS)


def report_value(report: pd.DataFrame, key: str) -> int:
    """The value of one report key (KeyError when absent)."""
    hit = report.loc[report["key"] == key, "value"]
    if hit.empty:
        raise KeyError(key)
    return int(hit.iloc[0])


@dataclass(frozen=True)
class IngestResult:
    """A validated benchmark, its ingest report, and the sha256 of every input file read."""

    benchmark: io.Benchmark
    report: pd.DataFrame
    files: dict[str, str] = field(default_factory=dict)


@dataclass
class _Raw:
    """What an adapter hands to the shared assembly step."""

    occurrences: pd.DataFrame  # query_id, prompt, category, split (NA: none given), file
    labels: pd.DataFrame  # query_id, model, label (float, NaN kept), file
    models: pd.DataFrame  # model + cost columns, one row per model of the data
    label_source: str  # where labels live, for messages: "column 'label'", "model columns", ...


# --------------------------------------------------------------------------- options

COMMON_OPTIONS = ("models_table", "exclude_categories")
ADAPTER_OPTIONS: dict[str, tuple[str, ...]] = {
    "embedllm": COMMON_OPTIONS + ("block_size_mb", "revision"),
    "routerbench": COMMON_OPTIONS + ("format", "revision"),
    "mixinstruct": COMMON_OPTIONS + ("score", "block_size_mb", "revision"),
    "long": COMMON_OPTIONS + ("columns", "id_separator"),
    # routerbench_plus.adapters (checked further by adapters.check_options)
    "llmrouter": COMMON_OPTIONS + ("revision", "chars_per_token", "output_tokens"),
    "routerdc": COMMON_OPTIONS + ("revision",),
    "carrot": COMMON_OPTIONS + ("revision", "split", "ifeval", "models"),
}
PACKAGE_ADAPTERS = ("llmrouter", "routerdc", "carrot")
LONG_COLUMNS = ("query_id", "model", "label", "category", "prompt", "split", *io.QUERY_COST_COLUMNS.values())
LONG_REQUIRED = ("query_id", "model", "label", "category")


def check_options(adapter: str, options: Mapping[str, Any] | None, name: str = "benchmark") -> dict[str, Any]:
    """Validate an adapter's options: unknown keys and wrong types are ConfigErrors naming the key."""
    if adapter not in ADAPTER_OPTIONS:
        raise ConfigError(
            f"benchmarks.{name}.adapter: unknown ingestion adapter '{adapter}'; expected one of "
            f"{sorted(ADAPTER_OPTIONS)} (or 'demo', handled by the demo rule)"
        )
    opts = dict(options or {})
    where = f"benchmarks.{name}.options"
    allowed = ADAPTER_OPTIONS[adapter]
    unknown = sorted(set(opts) - set(allowed))
    if unknown:
        raise ConfigError(
            f"{where}: unknown key '{unknown[0]}' for adapter '{adapter}'; allowed keys: {list(allowed)}"
        )
    table = opts.get("models_table")
    if table is not None and not isinstance(table, str):
        raise ConfigError(f"{where}.models_table: expected a path to a CSV file, got {table!r}")
    if adapter not in ("routerbench", "llmrouter") and not table:
        raise ConfigError(
            f"{where}.models_table: required for adapter '{adapter}' (a CSV with columns model, params_b)"
        )
    exclude = opts.get("exclude_categories", [])
    if not isinstance(exclude, (list, tuple)) or not all(isinstance(c, str) for c in exclude):
        raise ConfigError(f"{where}.exclude_categories: expected a list of category names, got {exclude!r}")
    opts["exclude_categories"] = list(exclude)
    revision = opts.get("revision")
    if revision is not None and not isinstance(revision, str):
        raise ConfigError(f"{where}.revision: expected a Hub revision (branch, tag or commit) string, got {revision!r}")
    if "block_size_mb" in opts:
        size = opts["block_size_mb"]
        if isinstance(size, bool) or not isinstance(size, (int, float)) or not 0 < size <= 4096:
            raise ConfigError(f"{where}.block_size_mb: expected a number in (0, 4096], got {size!r}")
    if adapter == "routerbench":
        fmt = opts.setdefault("format", "auto")
        if fmt not in ("auto", "pkl", "csv"):
            raise ConfigError(f"{where}.format: expected one of ['auto', 'pkl', 'csv'], got {fmt!r}")
    if adapter == "mixinstruct":
        score = opts.setdefault("score", "bartscore")
        if not isinstance(score, str) or not score:
            raise ConfigError(f"{where}.score: expected the name of a candidate score, got {score!r}")
    if adapter == "long":
        opts["columns"] = _check_long_columns(opts.get("columns"), f"{where}.columns")
        sep = opts.setdefault("id_separator", "/")
        if not isinstance(sep, str):
            raise ConfigError(f"{where}.id_separator: expected a string, got {sep!r}")
    if adapter in PACKAGE_ADAPTERS:
        from . import adapters  # imports this module: resolved on first use

        opts = adapters.check_options(adapter, opts, where)
    return opts


def _check_long_columns(columns: Any, where: str) -> dict[str, Any]:
    if not isinstance(columns, Mapping):
        raise ConfigError(
            f"{where}: required mapping of canonical names to file columns, e.g. "
            "{query_id: [task, item_idx], category: task, model: model, label: correct}"
        )
    unknown = sorted(set(columns) - set(LONG_COLUMNS))
    if unknown:
        raise ConfigError(f"{where}: unknown key '{unknown[0]}'; allowed keys: {list(LONG_COLUMNS)}")
    out: dict[str, Any] = {}
    for key in LONG_COLUMNS:
        value = columns.get(key)
        if value is None:
            if key in LONG_REQUIRED:
                raise ConfigError(f"{where}.{key}: required (the name of a column of the source file)")
            out[key] = None
        elif key == "query_id" and isinstance(value, (list, tuple)):
            if not value or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}.query_id: expected a column name or a non-empty list of names")
            out[key] = list(value)
        elif isinstance(value, str):
            out[key] = [value] if key == "query_id" else value
        else:
            raise ConfigError(f"{where}.{key}: expected a column name (string) or null, got {value!r}")
    return out


# --------------------------------------------------------------------------- files


def _require_file(path: Path, what: str = "file") -> Path:
    if not path.exists():
        raise InputError(f"{path}: {what} does not exist")
    if path.is_dir():
        raise InputError(f"{path}: expected a {what}, found a folder")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: file is empty")
    return path


def _load_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    path = folder / MANIFEST
    if not path.exists():
        return {}
    try:
        return dict(json.loads(path.read_text())["files"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not a readable download manifest ({exc})") from None


def _record_file(
    path: Path, report: Report, files: dict[str, str], manifest: Mapping[str, Any], digest: str | None = None
) -> None:
    """Report a file's size and sha256; check them against the download manifest if there is one.

    ``digest``: the file's sha256 when the caller already computed it (e.g. in the background
    while parsing); otherwise it is computed here.
    """
    size = path.stat().st_size
    digest = digest or io.file_sha256(path)
    expected = manifest.get(path.name)
    if expected is not None and (int(expected["bytes"]) != size or expected["sha256"] != digest):
        raise InputError(
            f"{path}: {size} bytes, sha256 {digest[:16]}... differ from the download manifest "
            f"({expected['bytes']} bytes, sha256 {str(expected['sha256'])[:16]}...): the file is truncated "
            "or was modified; delete it and run the download rule again"
        )
    files[path.name] = digest
    report.add(f"file:{path.name}", size, f"sha256:{digest}" + (" (matches download manifest)" if expected else ""))


def _check_complete(path: Path) -> None:
    """Text tables written by CSV/JSON-lines writers end with a line break; a cut file usually does not."""
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        if handle.read(1) not in (b"\n", b"\r"):
            raise InputError(
                f"{path}: does not end with a line break, so its last row is incomplete: the file looks "
                "truncated (download or copy it again)"
            )


def _csv_header(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8", errors="replace") as handle:
        try:
            return next(csv.reader(handle))
        except StopIteration:
            raise InputError(f"{path}: file is empty") from None


def _require_columns(path: Path, found: list[str], required: list[str]) -> None:
    missing = [c for c in required if c not in found]
    if missing:
        raise InputError(f"{path}: missing required column '{missing[0]}' (all missing: {missing}); found {found}")


def _split_from_name(name: str) -> str | None:
    match = re.search(r"(?:^|[_.\-])(train|val|test)(?=[_.\-]|$)", Path(name).stem)
    return match.group(1) if match else None


# --------------------------------------------------------------------------- models table

PRICE_COLUMN = "usd_per_million_tokens"  # optional price column of a models table (long adapter)


def read_models_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a model cost table (CSV: model, params_b[, usd_per_query, tokens, latency_s,
    usd_per_million_tokens, source_model]).

    ``source_model`` (optional) is the model's name in the data file when it differs from ``model``.
    ``usd_per_million_tokens`` (optional) is a price, used by the ``long`` adapter to turn per-row
    tokens into per-row USD. Costs must be numbers > 0 where given (empty cells are allowed: unknown cost).
    """
    path = _require_file(Path(path), "model cost table")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable CSV model table ({exc})") from None
    _require_columns(path, list(df.columns), ["model", "params_b"])
    if df.empty:
        raise InputError(f"{path}: the model table has no rows")
    out = pd.DataFrame({"model": df["model"].str.strip().astype("string")})
    if (out["model"] == "").any():
        raise InputError(f"{path}: column 'model' has empty names")
    for column in ("params_b", "usd_per_query", "tokens", "latency_s", PRICE_COLUMN):
        text = df[column].str.strip() if column in df.columns else pd.Series("", index=df.index)
        values = pd.to_numeric(text.replace("", np.nan), errors="coerce")
        bad_text = values.isna() & (text != "")
        if bad_text.any():
            row = bad_text.idxmax()
            raise InputError(
                f"{path}: column '{column}' must be a number; model '{out.loc[row, 'model']}' has {text[row]!r}"
            )
        bad = values.notna() & ~(values > 0)
        if bad.any():
            row = bad.idxmax()
            raise InputError(
                f"{path}: column '{column}' must be > 0 (a cost); model '{out.loc[row, 'model']}' has {values[row]}"
            )
        out[column] = values.astype("float64")
    source = df["source_model"].str.strip() if "source_model" in df.columns else pd.Series("", index=df.index)
    out["source_model"] = source.where(source != "", out["model"]).astype("string")
    for column in ("model", "source_model"):
        dup = out[column].duplicated()
        if dup.any():
            raise InputError(f"{path}: column '{column}' must be unique; repeated {out.loc[dup, column].tolist()[:3]}")
    return out


def _costed_models(
    data_models: pd.Series,
    table: pd.DataFrame,
    table_path: str,
    required: tuple[str, ...],
    data_file: str,
    report: Report,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Match the data's model names to the cost table; returns (models frame, data name -> model)."""
    names = pd.Index(pd.unique(data_models.astype(str)))
    by_source = dict(zip(table["source_model"], table["model"]))
    by_model = set(table["model"])
    rename = {n: by_source.get(n, n) for n in names}
    missing = [n for n in names if n not in by_source and n not in by_model]
    if missing:
        raise InputError(
            f"model(s) {missing[:5]} ({len(missing)} in all) appear in {data_file} but not in the model cost "
            f"table {table_path} (column 'model', or 'source_model' for the name used in the data); "
            "add a row with the model's params_b"
        )
    kept = table[table["model"].isin(set(rename.values()))].reset_index(drop=True)
    for column in required:
        empty = kept.loc[kept[column].isna(), "model"].tolist()
        if empty:
            raise InputError(
                f"{table_path}: column '{column}' is empty for model(s) {empty[:5]}; this benchmark's cost "
                f"needs it for every model"
            )
    unused = sorted(set(table["model"]) - set(kept["model"]))
    if unused:
        report.add("models_in_table_without_data", len(unused), f"not in the data, ignored: {unused[:10]}")
    return kept.drop(columns=["source_model"]), rename


# --------------------------------------------------------------------------- assembly (shared policies)


def _resolve_queries(occ: pd.DataFrame, report: Report) -> pd.DataFrame:
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
            f"labels of all their rows merged; e.g. {sorted(map(str, multi))[:6]}",
        )
    else:
        report.add("ids_in_multiple_splits", 0, "none")

    prompts = occ.loc[occ["prompt"].notna(), ["query_id", "prompt"]]
    first_prompt = prompts.drop_duplicates("query_id").set_index("query_id")["prompt"]
    queries["prompt"] = queries["query_id"].map(first_prompt)
    n_prompt = prompts.drop_duplicates().groupby("query_id", sort=False).size()
    conflicts = n_prompt[n_prompt > 1]
    report.add(
        "prompt_conflicts",
        len(conflicts),
        f"ids with differing prompt text, first kept: {sorted(map(str, conflicts.index))[:5]}" if len(conflicts) else "none",
    )
    n_cat = occ[["query_id", "category"]].drop_duplicates().groupby("query_id", sort=False).size()
    cat_conflicts = n_cat[n_cat > 1]
    report.add(
        "category_conflicts",
        len(cat_conflicts),
        f"ids with several categories, first kept: {sorted(map(str, cat_conflicts.index))[:5]}"
        if len(cat_conflicts)
        else "none",
    )
    return queries


def _blank_as_missing(prompt: pd.Series) -> pd.Series:
    """Prompt text that is empty or only whitespace becomes missing (NA)."""
    text = prompt.astype("string")
    return text.where((text.str.strip().str.len() > 0).fillna(False).astype(bool))


def _blank_prompt_policy(
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


def _merge_pairs(labels: pd.DataFrame, policy: str, file_split: Mapping[str, Any], report: Report) -> pd.DataFrame:
    """Collapse repeated (query, model) rows into one label by the ``ingest.conflicts`` policy.

    mean | max | first (file order) | error (InputError when the rows of a pair disagree). Counts the
    merged pairs and rows, the conflicting pairs, and among those the ones whose rows come from
    different splits and the ones whose rows all come from one file.
    """
    if policy not in CONFLICT_POLICIES:
        raise ConfigError(f"ingest.conflicts: expected one of {list(CONFLICT_POLICIES)}, got {policy!r}")
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


def _carve_validation(queries: pd.DataFrame, split_cfg: Mapping[str, Any] | None, report: Report) -> pd.Series:
    """Train and test but no val: a seeded share ``split.val_fraction`` of each category's training
    queries becomes val (rounded; at least one training query per category is kept), so routers
    with early stopping get a validation set. Queries must be sorted by id (deterministic)."""
    split = queries["split"].astype("string")
    present = set(split.dropna())
    cfg = dict(split_cfg or {})
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


def _pair_costs(labels: pd.DataFrame) -> pd.DataFrame | None:
    """Per-query cost columns of the label rows, one row per (query_id, model): the mean over the
    pair's rows (NaN cells ignored; all NaN -> NaN, the model's constant). None without such columns."""
    columns = [c for c in io.QUERY_COST_COLUMNS.values() if c in labels.columns]
    if not columns:
        return None
    means = labels.groupby(["query_id", "model"], sort=False, observed=True)[columns].mean().reset_index()
    return means.astype({"query_id": str, "model": str})


def _assemble(
    raw: _Raw,
    report: Report,
    nan_labels: str,
    split_cfg: Mapping[str, Any] | None,
    exclude: list[str],
    name: str,
    adapter: str,
    conflicts: str = "mean",
    blank_prompts: str = "error",
) -> io.Benchmark:
    """Apply the shared policies (module docstring) and validate into a Benchmark."""
    occ, labels = raw.occurrences, raw.labels
    dropped_rows = 0

    # excluded categories: whole categories leave the benchmark (counted per category)
    if exclude:
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
        dropped_rows += int(lab_gone.sum())
        occ = occ.loc[~occ["query_id"].isin(cat_of.index)]
        labels = labels.loc[~lab_gone]

    # NaN labels: policy from config, counted per file and split
    nan = labels["label"].isna().to_numpy()
    n_nan = int(nan.sum())
    per_file = labels.loc[nan, "file"].astype(str).value_counts(sort=False)
    if n_nan and nan_labels == "error":
        parts = ", ".join(f"{f}: {int(n)}" for f, n in per_file.items())
        raise InputError(
            f"{n_nan} NaN label(s) in {raw.label_source} ({parts}); ingest.nan_labels is 'error' "
            "(set it to 'drop' to drop and count them; they are never read as 0)"
        )
    report.add(
        "nan_labels",
        n_nan,
        "dropped (ingest.nan_labels: drop); missing labels stay absent, never 0" if n_nan else "none",
    )
    file_split = occ.drop_duplicates("file").set_index("file")["split"]
    for f, n in per_file.items():
        report.add(f"nan_labels:file:{f}", int(n), raw.label_source)
    if n_nan:
        split_of = labels.loc[nan, "file"].astype(str).map(file_split.astype(object).to_dict())
        for s, n in split_of.dropna().value_counts(sort=False).items():
            report.add(f"nan_labels:split:{s}", int(n), "")
    dropped_rows += n_nan
    labels = labels.loc[~nan]

    bad = (labels["label"] < 0) | (labels["label"] > 1)
    if bad.any():
        row = labels.loc[bad].iloc[0]
        raise InputError(
            f"{row['file']}: {raw.label_source} must be in [0, 1]; {int(bad.sum())} value(s) outside, "
            f"e.g. {row['label']} for model '{row['model']}' on query '{row['query_id']}'"
        )

    occ = occ.assign(prompt=_blank_as_missing(occ["prompt"]))
    queries = _resolve_queries(occ, report)
    queries, labels, n_blank_rows = _blank_prompt_policy(queries, labels, blank_prompts, report)
    dropped_rows += n_blank_rows

    pair_costs = _pair_costs(labels)  # per-query cost columns, one value per (model, query) pair
    labels = _merge_pairs(labels, conflicts, file_split.astype(object).to_dict(), report)
    if pair_costs is not None:
        labels = labels.merge(pair_costs, on=["query_id", "model"], how="left", sort=False)

    unlabelled = ~queries["query_id"].isin(labels["query_id"].unique())
    report.add(
        "queries_without_labels",
        int(unlabelled.sum()),
        f"removed (every label was NaN or absent), e.g. {queries.loc[unlabelled, 'query_id'].head(3).tolist()}"
        if unlabelled.any()
        else "none",
    )
    queries = queries.loc[~unlabelled].sort_values("query_id", kind="stable").reset_index(drop=True)

    if queries["split"].isna().all():
        cfg = dict(split_cfg or {})
        missing = [k for k in ("val_fraction", "test_fraction", "seed") if k not in cfg]
        if missing:
            raise ConfigError(f"split.{missing[0]}: required to draw a split (the source gives none)")
        queries["split"] = assign_random_split(
            queries["category"].astype(str), float(cfg["val_fraction"]), float(cfg["test_fraction"]), int(cfg["seed"]),
            where=f"{name} queries (files {sorted(occ['file'].astype(str).unique())[:3]})",
        ).to_numpy()
        report.add(
            "split_source",
            0,
            f"seeded split stratified by category (val {cfg['val_fraction']}, test {cfg['test_fraction']}, "
            f"seed {cfg['seed']})",
        )
        report.add("val_carved", 0, "none: the seeded split draws val itself")
    elif queries["split"].isna().any():
        raise InputError(
            f"{int(queries['split'].isna().sum())} queries have no split while others do "
            f"(e.g. {queries.loc[queries['split'].isna(), 'query_id'].head(3).tolist()}); give a split for all or none"
        )
    else:
        report.add("split_source", 0, "from the source (file names or split column)")
        queries["split"] = _carve_validation(queries, split_cfg, report)
    queries["source"] = adapter + ":" + queries["source"].astype(str)

    models = raw.models[raw.models["model"].isin(labels["model"].unique())]
    bench = io.Benchmark.from_frames(queries, models, labels, name=name)

    q = bench.queries
    splits = q["split"].value_counts()
    report.add("n_queries", len(q), "queries after all policies")
    report.add("n_models", len(bench.models))
    report.add("n_labels", len(bench.labels), "observed (model, query) labels")
    report.add("n_categories", q["category"].nunique())
    for s in io.SPLITS:
        report.add(f"n_{s}", int(splits.get(s, 0)))
    report.add("n_missing_labels", len(q) * len(bench.models) - len(bench.labels), "absent pairs (not 0)")
    report.add("n_dropped_rows", dropped_rows, "label rows dropped: NaN labels, excluded categories, blank prompts")
    for s in io.SPLITS:
        report.add(f"split:{s}", int(splits.get(s, 0)))
    for category, n in q["category"].value_counts().sort_index().items():
        report.add(f"category:{category}", int(n))
    return bench


# --------------------------------------------------------------------------- safe pickle loading

_PICKLE_ALLOWED: frozenset[tuple[str, str]] = frozenset(
    {
        ("builtins", "slice"),
        ("builtins", "bytearray"),
        ("builtins", "complex"),
        ("builtins", "set"),
        ("builtins", "frozenset"),
        ("_codecs", "encode"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy._core.numeric", "_frombuffer"),
        ("pandas", "DataFrame"),
        ("pandas", "Series"),
        ("pandas", "Index"),
        ("pandas", "RangeIndex"),
        ("pandas", "MultiIndex"),
        ("pandas", "CategoricalIndex"),
        ("pandas", "Categorical"),
        ("pandas", "CategoricalDtype"),
        ("pandas", "StringDtype"),
        ("pandas", "Int64Dtype"),
        ("pandas", "Float64Dtype"),
        ("pandas", "BooleanDtype"),
        ("pandas.core.frame", "DataFrame"),
        ("pandas.core.series", "Series"),
        ("pandas.core.indexes.base", "Index"),
        ("pandas.core.indexes.base", "_new_Index"),
        ("pandas.core.indexes.range", "RangeIndex"),
        ("pandas.core.indexes.multi", "MultiIndex"),
        ("pandas.core.indexes.category", "CategoricalIndex"),
        ("pandas.core.internals.managers", "BlockManager"),
        ("pandas.core.internals.managers", "SingleBlockManager"),
        ("pandas._libs.internals", "_unpickle_block"),
        ("pandas.core.arrays.categorical", "Categorical"),
        ("pandas.core.dtypes.dtypes", "CategoricalDtype"),
        ("pandas.arrays", "ArrowStringArray"),
        ("pandas.arrays", "StringArray"),
        ("pandas.arrays", "IntegerArray"),
        ("pandas.arrays", "FloatingArray"),
        ("pandas.arrays", "BooleanArray"),
        ("pandas.core.arrays.string_", "StringArray"),
        ("pandas.core.arrays.string_", "StringDtype"),
        ("pandas.core.arrays.string_arrow", "ArrowStringArray"),
        ("pyarrow.lib", "_restore_array"),
        ("pyarrow.lib", "type_for_alias"),
        ("pyarrow.lib", "py_buffer"),
    }
)
# Old locations of the same globals (Python 2 names, numpy < 2, pandas < 2).
_PICKLE_RENAMES: dict[tuple[str, str], tuple[str, str]] = {
    ("pandas.core.internals.blocks", "new_block"): ("pandas._libs.internals", "_unpickle_block"),
    ("pandas.core.indexes.numeric", "Int64Index"): ("pandas.core.indexes.base", "Index"),
    ("pandas.core.indexes.numeric", "UInt64Index"): ("pandas.core.indexes.base", "Index"),
    ("pandas.core.indexes.numeric", "Float64Index"): ("pandas.core.indexes.base", "Index"),
}
_PICKLE_MODULES = {"__builtin__": "builtins", "copy_reg": "copyreg"}


class _RejectedGlobal(Exception):
    pass


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that resolves only the pandas/numpy globals needed to rebuild a DataFrame.

    Any other global (``os.system``, ``builtins.eval``, ...) is refused before it is imported,
    so a malicious pickle cannot run code.
    """

    def find_class(self, module: str, name: str) -> Any:
        module = _PICKLE_MODULES.get(module, module)
        if module.startswith("numpy.core."):
            module = "numpy._core." + module[len("numpy.core.") :]
        key = _PICKLE_RENAMES.get((module, name), (module, name))
        if key not in _PICKLE_ALLOWED:
            raise _RejectedGlobal(f"{module}.{name}")
        return super().find_class(*key)


def read_pickled_frame(path: str | os.PathLike) -> pd.DataFrame:
    """Load a pickled DataFrame with :class:`RestrictedUnpickler` (never plain pickle.load)."""
    path = _require_file(Path(path), "pickle file")
    with open(path, "rb") as handle:
        try:
            obj = RestrictedUnpickler(handle).load()
        except _RejectedGlobal as exc:
            raise InputError(
                f"{path}: refused to unpickle global '{exc}': only the pandas/numpy globals that rebuild a "
                "DataFrame are allowed (the file is not a plain DataFrame pickle and may be malicious)"
            ) from None
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"{path}: not a readable DataFrame pickle ({type(exc).__name__}: {exc}); the file may be truncated"
            ) from None
    if not isinstance(obj, pd.DataFrame):
        raise InputError(f"{path}: expected a pickled pandas DataFrame, found {type(obj).__name__}")
    return obj


# --------------------------------------------------------------------------- embedllm

EMBEDLLM_COLUMNS = ["model_id", "prompt_id", "prompt", "category", "label"]


def _distinct_prompts(batch: pa.RecordBatch) -> pa.Table:
    """The distinct (prompt_id, prompt, category) rows of one CSV block.

    Grouping by the integer id alone and comparing each group's smallest and largest text is much
    cheaper than hashing every (long) text; only a block where some id has two texts or categories
    (a conflict, counted later) or a missing one takes the exact group-by over all three columns.
    """
    table = pa.table({name: batch.column(name) for name in ("prompt_id", "prompt", "category")})
    if table.column("prompt").null_count == 0 and table.column("category").null_count == 0:
        spans = table.group_by("prompt_id", use_threads=False).aggregate(
            [("prompt", "min_max"), ("category", "min_max")]
        )
        prompt, category = spans.column("prompt_min_max"), spans.column("category_min_max")
        prompt_min, category_min = pc.struct_field(prompt, "min"), pc.struct_field(category, "min")
        if pc.all(pc.equal(prompt_min, pc.struct_field(prompt, "max"))).as_py() and pc.all(
            pc.equal(category_min, pc.struct_field(category, "max"))
        ).as_py():
            return pa.table({"prompt_id": spans.column("prompt_id"), "prompt": prompt_min, "category": category_min})
    return table.group_by(["prompt_id", "prompt", "category"], use_threads=False).aggregate([])


def _read_embedllm(source: Path, opts: dict[str, Any], report: Report, files: dict[str, str]) -> _Raw:
    """EmbedLLM CSVs, streamed: compact (model_id, prompt_id, label) arrays + one prompt per prompt_id."""
    if not source.is_dir():
        raise InputError(f"{source}: the embedllm adapter reads a folder with train.csv, val.csv, test.csv, model_order.csv")
    manifest = _load_manifest(source)
    order_path = _require_file(source / "model_order.csv", "model order file")
    _record_file(order_path, report, files, manifest)
    order = pd.read_csv(order_path)
    _require_columns(order_path, list(order.columns), ["model_id", "model_name"])
    if order["model_id"].duplicated().any():
        raise InputError(f"{order_path}: column 'model_id' must be unique")
    id_to_name = pd.Series(order["model_name"].astype(str).to_numpy(), index=order["model_id"].astype(np.int64))

    split_files = [(s, source / f"{s}.csv") for s in io.SPLITS if (source / f"{s}.csv").exists()]
    missing = [f"{s}.csv" for s in ("train", "test") if not (source / f"{s}.csv").exists()]
    if missing:
        raise InputError(f"{source}: missing {missing[0]} (the EmbedLLM layout has train.csv, val.csv, test.csv)")
    block = int(float(opts.get("block_size_mb", 16)) * (1 << 20))
    mids, pids, labs, codes, prompt_tables = [], [], [], [], []
    file_names = []
    # the sha256 of a file the manifest does not list (provenance only) runs in the background
    # while the files are parsed; a listed file is verified before it is parsed
    hasher = ThreadPoolExecutor(max_workers=2)
    digests = {p: hasher.submit(io.file_sha256, p) for _, p in split_files if p.is_file() and p.name not in manifest}
    hasher.shutdown(wait=False)
    for code, (split, path) in enumerate(split_files):
        _require_file(path)
        if path not in digests:
            _record_file(path, report, files, manifest)
        _check_complete(path)
        _require_columns(path, _csv_header(path), EMBEDLLM_COLUMNS)
        file_names.append(path.name)
        n_rows = 0
        try:
            reader = pacsv.open_csv(
                path,
                read_options=pacsv.ReadOptions(block_size=block),
                parse_options=pacsv.ParseOptions(newlines_in_values=True),  # prompts span lines
                convert_options=pacsv.ConvertOptions(
                    include_columns=EMBEDLLM_COLUMNS,
                    column_types={
                        "model_id": pa.int64(),
                        "prompt_id": pa.int64(),
                        "label": pa.float64(),
                        "prompt": pa.string(),
                        "category": pa.string(),
                    },
                ),
            )
            for batch in reader:
                if batch.num_rows == 0:
                    continue
                for column in ("model_id", "prompt_id"):
                    if batch.column(column).null_count:
                        raise InputError(f"{path}: column '{column}' has empty values")
                n_rows += batch.num_rows
                mids.append(batch.column("model_id").to_numpy().astype(np.int64))
                pids.append(batch.column("prompt_id").to_numpy())
                labs.append(batch.column("label").to_numpy(zero_copy_only=False).astype(np.float32))
                codes.append(np.full(batch.num_rows, code, dtype=np.int8))
                distinct = _distinct_prompts(batch)
                prompt_tables.append(distinct.append_column("file", pa.array([path.name] * distinct.num_rows)))
                prompt_tables[-1] = prompt_tables[-1].append_column("split", pa.array([split] * distinct.num_rows))
        except pa.ArrowInvalid as exc:
            raise InputError(
                f"{path}: not a readable CSV in the EmbedLLM layout ({exc}); the file may be truncated or corrupt"
            ) from None
        if n_rows == 0:
            raise InputError(f"{path}: no data rows (only a header)")
        if path in digests:
            _record_file(path, report, files, manifest, digests[path].result())
        report.add(f"rows_read:file:{path.name}", n_rows, f"split {split}")
    model_id = np.concatenate(mids)
    unknown = np.setdiff1d(np.unique(model_id), id_to_name.index.to_numpy())
    if len(unknown):
        raise InputError(f"{order_path}: model_id(s) {unknown[:5].tolist()} used in the data are not listed")
    report.add("rows_read", len(model_id), f"{len(split_files)} files")
    report.add("label_cells_read", len(model_id), "one label per row")

    occ = pa.concat_tables(prompt_tables).to_pandas()
    # a prompt spans several blocks: keep one row per distinct (file, id, text, category); what
    # repeats after that is a genuine conflict, counted in the assembly step
    occ = occ.drop_duplicates(["file", "prompt_id", "prompt", "category"])
    occ = occ.sort_values(["file", "prompt_id"], kind="stable")  # deterministic whatever the block size
    occ = pd.DataFrame(
        {
            "query_id": occ["prompt_id"].astype(str).to_numpy(),
            "prompt": occ["prompt"].astype("string").to_numpy(),
            "category": occ["category"].astype("string").to_numpy(),
            "split": occ["split"].to_numpy(),
            "file": occ["file"].to_numpy(),
        }
    )
    name_of = id_to_name.reindex(np.unique(model_id))
    labels = pd.DataFrame(
        {
            "query_id": pd.Series(np.concatenate(pids)).astype(str).array,
            "model": pd.Categorical.from_codes(
                np.searchsorted(name_of.index.to_numpy(), model_id), categories=name_of.to_numpy()
            ),
            "label": np.concatenate(labs),
            "file": pd.Categorical.from_codes(np.concatenate(codes), categories=file_names),
        }
    )
    table_path = opts["models_table"]
    models, rename = _costed_models(
        pd.Series(name_of.to_numpy()), read_models_table(table_path), table_path, ("params_b",), str(order_path), report
    )
    labels["model"] = labels["model"].cat.rename_categories(lambda n: rename.get(n, n))
    return _Raw(occ, labels, models, "column 'label'")


# --------------------------------------------------------------------------- routerbench


def _parse_prompt(value: Any, counts: dict[str, int]) -> Any:
    """RouterBench prompts: a list of strings (or its Python repr). Identical parts collapse; others join."""
    if isinstance(value, str):
        text = value.strip()
        if not (text.startswith("[") and text.endswith("]")):
            return value
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            counts["prompt_unparsed"] += 1
            return value
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        parts = [str(p) for p in value]
        if not parts:
            return pd.NA
        if len(parts) > 1 and all(p == parts[0] for p in parts):
            counts["prompt_repeated_parts"] += 1
            return parts[0]
        if len(parts) > 1:
            counts["prompt_multi_part"] += 1
        return "\n".join(parts)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return pd.NA
    return str(value)


def _routerbench_frames(source: Path, fmt: str, report: Report, files: dict[str, str]) -> list[tuple[str, str | None, pd.DataFrame]]:
    """(file name, split or None, wide frame) for every source file."""
    manifest = _load_manifest(source) if source.is_dir() else {}
    pkl: Path | None = None
    if source.is_file():
        if fmt == "csv" or (fmt == "auto" and source.suffix.lower() == ".csv"):
            csvs = [source]
        else:
            pkl, csvs = source, []
    elif source.is_dir():
        pkls = sorted(source.glob("*.pkl"))
        csvs = sorted(source.glob("*.csv"))
        if fmt == "pkl" or (fmt == "auto" and pkls and not csvs):
            if len(pkls) != 1:
                raise InputError(f"{source}: expected exactly one .pkl file, found {[p.name for p in pkls]}")
            pkl, csvs = pkls[0], []
        elif not csvs:
            raise InputError(f"{source}: no RouterBench .pkl or .csv files found")
    else:
        raise InputError(f"{source}: does not exist")
    if pkl is not None:
        _record_file(_require_file(pkl), report, files, manifest)
        return [(pkl.name, None, read_pickled_frame(pkl))]
    split_of = {p.name: _split_from_name(p.name) for p in csvs}
    if any(split_of.values()) and not all(split_of.values()):
        raise InputError(
            f"{source}: some CSVs name a split (_train/_val/_test) and some do not: "
            f"{[n for n, s in split_of.items() if not s][:3]}"
        )
    frames = []
    for path in csvs:
        _record_file(_require_file(path), report, files, manifest)
        _check_complete(path)
        try:
            frame = pd.read_csv(path, usecols=lambda c: not str(c).endswith("|model_response"))
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: not a readable CSV ({exc}); the file may be truncated") from None
        frames.append((path.name, split_of[path.name], frame))
    return frames


def _read_routerbench(source: Path, opts: dict[str, Any], report: Report, files: dict[str, str]) -> _Raw:
    """RouterBench wide layout -> occurrences + long labels with each row's USD cost (``cost_usd`` =
    ``<model>|total_cost``); the model's constant usd_per_query = its mean total_cost over labelled rows."""
    frames = _routerbench_frames(source, opts["format"], report, files)
    counts = {"prompt_unparsed": 0, "prompt_repeated_parts": 0, "prompt_multi_part": 0}
    occ_parts, label_models, label_values, cost_values = [], [], [], []
    all_models: list[str] = []
    for file, split, frame in frames:
        columns = [str(c) for c in frame.columns]
        _require_columns(Path(file), columns, ["sample_id", "prompt", "eval_name"])
        models = [c for c in columns if f"{c}|total_cost" in columns]
        if not models:
            raise InputError(f"{file}: no model columns (a 0/1 column '<model>' with a matching '<model>|total_cost')")
        if not all_models:
            all_models = models
        elif set(models) != set(all_models):
            raise InputError(f"{file}: model columns {sorted(set(models) ^ set(all_models))} differ from the other files")
        models = all_models
        if frame.empty:
            raise InputError(f"{file}: no data rows")
        if frame["sample_id"].isna().any():
            raise InputError(f"{file}: column 'sample_id' has {int(frame['sample_id'].isna().sum())} empty values")
        report.add(f"rows_read:file:{file}", len(frame), f"split {split}" if split else "no split in the source")
        occ_parts.append(
            pd.DataFrame(
                {
                    "sample_id": frame["sample_id"].astype(str).to_numpy(),
                    "prompt": frame["prompt"].map(lambda v: _parse_prompt(v, counts)).astype("string").to_numpy(),
                    "category": frame["eval_name"].astype("string").to_numpy(),
                    "split": split,
                    "file": file,
                }
            )
        )
        try:
            values = frame[models].apply(pd.to_numeric).to_numpy(dtype=np.float64)
            costs = frame[[f"{m}|total_cost" for m in models]].apply(pd.to_numeric).to_numpy(dtype=np.float64)
        except (ValueError, TypeError) as exc:
            raise InputError(f"{file}: model columns and '<model>|total_cost' columns must be numeric ({exc})") from None
        negative = costs < 0
        if negative.any():
            row, col = np.argwhere(negative)[0]
            raise InputError(f"{file}: column '{models[col]}|total_cost' must be >= 0; row {row} has {costs[row, col]}")
        label_models.append(np.tile(np.asarray(models, dtype=object), len(frame)))
        label_values.append(values.ravel())
        cost_values.append(costs.ravel())

    occ = pd.concat(occ_parts, ignore_index=True)
    report.add("rows_read", len(occ), f"{len(frames)} files")
    report.add("prompt_lists_repeated_parts", counts["prompt_repeated_parts"], "prompt lists whose parts are all identical: one part kept")
    report.add("prompt_lists_joined", counts["prompt_multi_part"], "multi-part prompt lists joined with a newline")
    report.add("prompt_unparsed", counts["prompt_unparsed"], "prompt cells that look like a list but do not parse: kept verbatim")

    # query id = sample_id; the same sample_id with a different prompt is another query ('<id>#2', ...)
    pairs = occ[["sample_id", "prompt"]].drop_duplicates()
    rank = pairs.groupby("sample_id", sort=False).cumcount()
    pairs["query_id"] = pairs["sample_id"].where(rank == 0, pairs["sample_id"] + "#" + (rank + 1).astype(str))
    with_ids = occ.merge(pairs, on=["sample_id", "prompt"], how="left", sort=False)
    if len(with_ids) != len(occ) or with_ids["query_id"].isna().any():  # pragma: no cover - merge invariant
        raise RuntimeError("routerbench: query id assignment lost rows")
    occ = with_ids.drop(columns=["sample_id"])
    renamed = int((rank > 0).sum())
    report.add(
        "repeated_id_different_prompt",
        renamed,
        "sample_ids reused for a different prompt: kept as separate queries '<id>#2', ..." if renamed else "none",
    )

    rows = np.repeat(np.arange(len(occ)), len(all_models))
    cost = np.concatenate(cost_values)
    labels = pd.DataFrame(
        {
            "query_id": occ["query_id"].to_numpy()[rows],
            "model": np.concatenate(label_models),
            "label": np.concatenate(label_values),
            "file": pd.Categorical(occ["file"].to_numpy()[rows]),
            io.QUERY_COST_COLUMNS["usd"]: cost,
        }
    )
    report.add("label_cells_read", len(labels), f"{len(all_models)} model columns x {len(occ)} rows")

    # USD cost: kept per query (labels column cost_usd); the model's constant is its mean total_cost
    # over the cells whose label is observed
    observed = ~np.isnan(labels["label"].to_numpy())
    usable = observed & ~np.isnan(cost)
    report.add(
        "query_costs:usd",
        int(usable.sum()),
        "labelled cells whose own '<model>|total_cost' is kept as the labels column cost_usd (per-query budget)",
    )
    usd = pd.Series(cost[usable]).groupby(labels["model"].to_numpy()[usable]).mean()
    report.add(
        "cost_cells_missing",
        int((observed & np.isnan(cost)).sum()),
        "NaN '<model>|total_cost' where a label exists: left out of the mean; the pair uses the model's mean",
    )
    zero = [m for m in all_models if not usd.get(m, 0) > 0]
    if zero:
        raise InputError(f"{frames[0][0]}: column '{zero[0]}|total_cost' has no positive cost; usd_per_query must be > 0")
    models = pd.DataFrame({"model": all_models, "usd_per_query": usd.reindex(all_models).to_numpy()})
    report.add("cost_usd", 0, "usd_per_query = mean of '<model>|total_cost' over the model's labelled rows")
    table_path = opts.get("models_table")
    if table_path:
        table, rename = _costed_models(
            pd.Series(all_models), read_models_table(table_path), table_path, (), frames[0][0], report
        )
        models["model"] = models["model"].map(rename)
        labels["model"] = labels["model"].map(rename)
        models = models.merge(table.drop(columns=["usd_per_query"]), on="model", how="left")
    return _Raw(occ, labels, models, "model columns")


# --------------------------------------------------------------------------- mixinstruct


def _read_mixinstruct(source: Path, opts: dict[str, Any], report: Report, files: dict[str, str]) -> _Raw:
    """MixInstruct jsonl, streamed with pyarrow.json (candidate texts are never parsed into memory)."""
    score_key = opts["score"]
    if source.is_dir():
        paths = sorted(source.glob("*.jsonl"))
        if not paths:
            raise InputError(f"{source}: no .jsonl files (expected train/val/test_data_prepared.jsonl)")
    else:
        paths = [source]
    manifest = _load_manifest(source) if source.is_dir() else {}
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("instruction", pa.string()),
            ("input", pa.string()),
            (
                "candidates",
                pa.list_(pa.struct([("model", pa.string()), ("scores", pa.struct([(score_key, pa.float64())]))])),
            ),
        ]
    )
    block = int(float(opts.get("block_size_mb", 16)) * (1 << 20))
    occ_parts, label_parts = [], []
    n_clipped = 0
    for path in paths:
        _require_file(path)
        _record_file(path, report, files, manifest)
        _check_complete(path)
        split = _split_from_name(path.name)
        n_rows = 0
        try:
            reader = pajson.open_json(
                path,
                read_options=pajson.ReadOptions(block_size=block),
                parse_options=pajson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"),
            )
            for batch in reader:
                if batch.num_rows == 0:
                    continue
                ids = batch.column("id")
                if ids.null_count:
                    raise InputError(f"{path}: {ids.null_count} example(s) without an 'id'")
                n_rows += batch.num_rows
                instruction = pc.fill_null(batch.column("instruction"), "")
                given = pc.fill_null(batch.column("input"), "")
                both = pc.binary_join_element_wise(instruction, given, "\n")
                prompt = pc.if_else(
                    pc.equal(pc.utf8_length(instruction), 0),
                    given,
                    pc.if_else(pc.equal(pc.utf8_length(given), 0), instruction, both),
                )
                has_prefix = pc.match_substring(ids, "/")
                prefix = pc.list_element(pc.split_pattern(ids, "/", max_splits=1), 0)
                category = pc.if_else(has_prefix, prefix, pa.scalar("unknown"))
                occ_parts.append(
                    pd.DataFrame(
                        {
                            "query_id": ids.to_pandas().astype(str).to_numpy(),
                            "prompt": prompt.to_pandas().astype("string").to_numpy(),
                            "category": category.to_pandas().astype("string").to_numpy(),
                            "split": split,
                            "file": path.name,
                        }
                    )
                )
                candidates = batch.column("candidates")
                parent = pc.list_parent_indices(candidates).to_numpy()
                flat = pc.list_flatten(candidates)
                model = pc.struct_field(flat, "model")
                if model.null_count:
                    raise InputError(f"{path}: {model.null_count} candidate(s) without a 'model'")
                score = pc.struct_field(pc.struct_field(flat, "scores"), score_key).to_numpy(zero_copy_only=False)
                with np.errstate(over="ignore"):
                    label = np.exp(score)
                n_clipped += int((label > 1).sum())
                label_parts.append(
                    pd.DataFrame(
                        {
                            "query_id": ids.take(pa.array(parent)).to_pandas().astype(str).to_numpy(),
                            "model": model.to_pandas().astype(str).to_numpy(),
                            "label": np.minimum(label, 1.0),
                            "file": path.name,
                        }
                    )
                )
        except pa.ArrowInvalid as exc:
            raise InputError(
                f"{path}: not readable as MixInstruct jsonl ({exc}); the file may be truncated, or a line longer "
                "than options.block_size_mb"
            ) from None
        if n_rows == 0:
            raise InputError(f"{path}: no examples")
        report.add(f"rows_read:file:{path.name}", n_rows, f"split {split}" if split else "no split in the file name")
    occ = pd.concat(occ_parts, ignore_index=True)
    labels = pd.concat(label_parts, ignore_index=True)
    labels["file"] = pd.Categorical(labels["file"])
    report.add("rows_read", len(occ), f"{len(paths)} files (examples)")
    report.add("label_cells_read", len(labels), "candidates")
    report.add("labels_out_of_range_clipped", n_clipped, f"exp({score_key}) > 1 clipped to 1 (score > 0)")
    report.add("label_transform", 0, f"label = min(1, exp(candidates[].scores.{score_key}))")
    no_prefix = int((occ["category"] == "unknown").sum())
    report.add("ids_without_category_prefix", no_prefix, "category 'unknown' (id has no '<source>/' prefix)")
    table_path = opts["models_table"]
    models, rename = _costed_models(
        labels["model"], read_models_table(table_path), table_path, ("params_b",), paths[0].name, report
    )
    labels["model"] = labels["model"].map(rename)
    return _Raw(occ, labels, models, f"candidates[].scores.{score_key}")


# --------------------------------------------------------------------------- long


def _read_long(source: Path, opts: dict[str, Any], report: Report, files: dict[str, str]) -> _Raw:
    """A long table (CSV/TSV/Parquet) with a column map: one row per (model, query)."""
    path = _require_file(source, "long-format file")
    manifest = _load_manifest(path.parent)
    _record_file(path, report, files, manifest)
    cmap = opts["columns"]
    needed = list(dict.fromkeys([*cmap["query_id"], *(cmap[k] for k in LONG_COLUMNS[1:] if cmap[k])]))
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            found = pq.read_schema(path).names
            _require_columns(path, found, needed)
            df = pq.read_table(path, columns=needed).to_pandas()
        elif suffix in (".csv", ".tsv"):
            _check_complete(path)
            sep = "\t" if suffix == ".tsv" else ","
            found = list(pd.read_csv(path, sep=sep, nrows=0).columns)
            _require_columns(path, found, needed)
            df = pd.read_csv(path, sep=sep, usecols=needed, dtype={c: str for c in needed if c != cmap["label"]})
        else:
            raise InputError(f"{path}: unsupported file type '{suffix}'; expected .csv, .tsv or .parquet")
    except (pa.ArrowException, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable table ({exc}); the file may be truncated or corrupt") from None
    if df.empty:
        raise InputError(f"{path}: no data rows")
    report.add("rows_read", len(df), path.name)
    report.add("label_cells_read", len(df), "one label per row")

    for key in ("query_id", "model", "category"):
        for column in cmap[key] if key == "query_id" else [cmap[key]]:
            empty = int(df[column].isna().sum())
            if empty:
                raise InputError(f"{path}: column '{column}' ({key}) has {empty} empty value(s)")
    parts = [df[c].astype(str) for c in cmap["query_id"]]
    query_id = reduce(lambda a, b: a + opts["id_separator"] + b, parts)
    raw_label = df[cmap["label"]]
    label = pd.to_numeric(raw_label, errors="coerce").astype("float64")
    not_numeric = label.isna() & raw_label.notna()
    if not_numeric.any():
        raise InputError(
            f"{path}: column '{cmap['label']}' (label) must be numeric in [0, 1]; found e.g. "
            f"{raw_label[not_numeric].head(3).tolist()}"
        )
    split = pd.Series(pd.NA, index=df.index, dtype="string")
    if cmap["split"]:
        split = df[cmap["split"]].astype("string").str.strip().str.lower()
        bad = split.notna() & ~split.isin(io.SPLITS)
        if bad.any():
            raise InputError(
                f"{path}: column '{cmap['split']}' (split) must be one of {list(io.SPLITS)}; found "
                f"{sorted(split[bad].unique())[:5]}"
            )
    prompt = df[cmap["prompt"]].astype("string") if cmap["prompt"] else pd.Series(pd.NA, index=df.index, dtype="string")
    occ = pd.DataFrame(
        {
            "query_id": query_id.to_numpy(),
            "prompt": prompt.to_numpy(),
            "category": df[cmap["category"]].astype("string").to_numpy(),
            "split": split.to_numpy(),
            "file": path.name,
        }
    )
    # one occurrence per (query, prompt, category, split) is enough: rows of other models repeat it
    occ = occ.drop_duplicates(["query_id", "prompt", "category", "split"]).reset_index(drop=True)
    table_path = opts["models_table"]
    models, rename = _costed_models(
        df[cmap["model"]], read_models_table(table_path), table_path, ("params_b",), path.name, report
    )
    model = df[cmap["model"]].astype(str).map(rename).to_numpy()
    costs = _long_query_costs(df, cmap, path, model, label.to_numpy(), models, report)
    labels = pd.DataFrame(
        {
            "query_id": query_id.to_numpy(),
            "model": model,
            "label": label.to_numpy(),
            "file": pd.Categorical([path.name] * len(df)),
            **costs,
        }
    )
    return _Raw(occ, labels, models, f"column '{cmap['label']}'")


def _long_query_costs(
    df: pd.DataFrame,
    cmap: Mapping[str, Any],
    path: Path,
    model: np.ndarray,
    label: np.ndarray,
    models: pd.DataFrame,
    report: Report,
) -> dict[str, np.ndarray]:
    """Per-row costs of a long table: {labels cost column: float64 per row}, NaN where not given.

    The columns mapped to ``cost_usd``, ``cost_tokens``, ``cost_latency_s`` are read as numbers
    >= 0 (empty cells allowed). Where ``cost_usd`` is empty (or not mapped), a row with tokens and a
    model price (models table ``usd_per_million_tokens``) gets tokens x price / 1e6. Each model's
    constant cost (models table ``usd_per_query`` / ``tokens`` / ``latency_s``, the fallback and the
    one per-model number) is the table's value where given, else the mean of its rows' costs over
    rows with an observed label. ``models`` is updated in place.
    """
    costs: dict[str, np.ndarray] = {}
    for column in io.QUERY_COST_COLUMNS.values():
        source = cmap[column]
        if not source:
            continue
        raw = df[source]
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
        not_numeric = np.isnan(values) & raw.notna().to_numpy()
        bad = ~np.isnan(values) & ~(np.isfinite(values) & (values >= 0))
        if not_numeric.any() or bad.any():
            found = raw[not_numeric].head(3).tolist() if not_numeric.any() else values[bad][:3].tolist()
            raise InputError(
                f"{path}: column '{source}' ({column}, a per-row cost) must be a number >= 0 or empty; found e.g. {found}"
            )
        costs[column] = values
    usd_column, token_column = io.QUERY_COST_COLUMNS["usd"], io.QUERY_COST_COLUMNS["tokens"]
    if token_column in costs and PRICE_COLUMN in models.columns and models[PRICE_COLUMN].notna().any():
        price = pd.Series(model).map(models.set_index("model")[PRICE_COLUMN]).to_numpy(dtype=np.float64)
        usd = costs.get(usd_column, np.full(len(df), np.nan))
        derived = costs[token_column] * price / 1e6
        fill = np.isnan(usd) & ~np.isnan(derived)
        costs[usd_column] = np.where(fill, derived, usd)
        report.add(
            "query_costs_from_tokens:usd",
            int(fill.sum()),
            f"rows whose cost_usd = column '{cmap[token_column]}' x {PRICE_COLUMN} / 1e6 (no USD given; "
            f"{int(models[PRICE_COLUMN].notna().sum())} models with a price)",
        )
    observed = ~np.isnan(label)
    for cost_type, column in io.QUERY_COST_COLUMNS.items():
        if column not in costs:
            continue
        use = observed & ~np.isnan(costs[column])
        mean = models["model"].map(pd.Series(costs[column][use]).groupby(model[use]).mean())
        constant = io.COST_COLUMNS[cost_type]
        given = models[constant].notna()  # read_models_table gives every cost column (NaN: empty)
        fill = ~given & mean.notna()
        zero = models.loc[fill & ~(mean > 0), "model"].tolist()
        if zero:
            raise InputError(
                f"{path}: the per-row {column} of model(s) {zero[:3]} average 0; a model's constant cost "
                f"({constant}) must be > 0: give it in the models table"
            )
        models[constant] = models[constant].where(~fill, mean)
        report.add(
            f"query_costs:{cost_type}",
            int(use.sum()),
            f"labelled rows with their own {column}; the others use the model's constant {constant}",
        )
        report.add(
            f"cost_constant_from_rows:{cost_type}",
            int(fill.sum()),
            f"models whose {constant} is the mean of their rows' {column} "
            f"(the models table's value is kept for {int(given.sum())})",
        )
    return costs


# --------------------------------------------------------------------------- entry points

ADAPTERS: dict[str, Callable[[Path, dict[str, Any], Report, dict[str, str]], _Raw]] = {
    "embedllm": _read_embedllm,
    "routerbench": _read_routerbench,
    "mixinstruct": _read_mixinstruct,
    "long": _read_long,
}


def _package_reader(adapter: str) -> Callable[[Path, dict[str, Any], Report, dict[str, str]], _Raw]:
    """The reader of an adapter of ``routerbench_plus.adapters`` (imported on first use: it imports this module)."""

    def read(source: Path, opts: dict[str, Any], report: Report, files: dict[str, str]) -> _Raw:
        from . import adapters

        return adapters.READERS[adapter](source, opts, report, files)

    return read


ADAPTERS.update({adapter: _package_reader(adapter) for adapter in PACKAGE_ADAPTERS})


def ingest(
    adapter: str,
    source: str | os.PathLike,
    options: Mapping[str, Any] | None,
    nan_labels: str = "drop",
    split_cfg: Mapping[str, Any] | None = None,
    name: str = "benchmark",
    conflicts: str = "mean",
    blank_prompts: str = "error",
) -> IngestResult:
    """Read ``source`` with ``adapter`` into a validated Benchmark plus its ingest report.

    ``conflicts`` (config ``ingest.conflicts``) merges repeated (query, model) labels; ``blank_prompts``
    (``ingest.blank_prompts``) decides what a missing or blank prompt does (module docstring).
    """
    if nan_labels not in NAN_POLICIES:
        raise ConfigError(f"ingest.nan_labels: expected one of {list(NAN_POLICIES)}, got {nan_labels!r}")
    if conflicts not in CONFLICT_POLICIES:
        raise ConfigError(f"ingest.conflicts: expected one of {list(CONFLICT_POLICIES)}, got {conflicts!r}")
    if blank_prompts not in BLANK_PROMPT_POLICIES:
        raise ConfigError(f"ingest.blank_prompts: expected one of {list(BLANK_PROMPT_POLICIES)}, got {blank_prompts!r}")
    opts = check_options(adapter, options, name)
    source = Path(source)
    if not source.exists():
        raise InputError(f"{source}: source does not exist (config benchmarks.{name}.source)")
    report = Report()
    files: dict[str, str] = {}
    raw = ADAPTERS[adapter](source, opts, report, files)
    bench = _assemble(
        raw, report, nan_labels, split_cfg, opts["exclude_categories"], name, adapter, conflicts, blank_prompts
    )
    log.info(
        "ingested %s with adapter %s: %d queries, %d models, %d labels",
        name, adapter, len(bench.queries), len(bench.models), len(bench.labels),
    )
    return IngestResult(benchmark=bench, report=report.frame(), files=files)


def _git_blob_sha1(path: Path) -> str:
    """The git object id of a file (how the Hub identifies small, non-LFS files)."""
    digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with open(path, "rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def download(adapter: str, dest: str | os.PathLike, revision: str | None = None) -> pd.DataFrame:
    """Fetch an adapter's source files from the Hugging Face Hub into ``dest`` and verify them.

    Each file's size is checked against the Hub's metadata, and its content against the LFS sha256
    (large files) or the git blob id (small files); a mismatch (e.g. a truncated transfer) is an
    InputError. ``manifest.json`` with the verified sizes and sha256 is written last, so ingest
    re-checks the files every time it reads them. The adapters of ``routerbench_plus.adapters``
    fetch their pinned upstream files instead (``adapters.download``: commit-pinned URLs, size and
    sha256 checked, the same manifest).
    """
    if adapter in PACKAGE_ADAPTERS:
        from . import adapters

        return adapters.download(adapter, dest, revision=revision)
    if adapter not in HF_DATASETS:
        raise ConfigError(f"source 'hf' is available for adapters {sorted(HF_DATASETS)}, not '{adapter}'")
    from huggingface_hub import HfApi, hf_hub_download  # network only here

    repo_id, names = HF_DATASETS[adapter]
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    infos = {i.path: i for i in HfApi().get_paths_info(repo_id, list(names), repo_type="dataset", revision=revision)}
    missing = [n for n in names if n not in infos]
    if missing:
        raise InputError(f"Hugging Face dataset {repo_id} (revision {revision or 'main'}) has no file {missing[0]}")
    rows = []
    for file in names:
        local = Path(hf_hub_download(repo_id, file, repo_type="dataset", revision=revision, local_dir=dest))
        info = infos[file]
        size, digest = local.stat().st_size, io.file_sha256(local)
        lfs = getattr(info, "lfs", None)
        if lfs is not None:
            ok, expected = size == info.size and digest == lfs.sha256, f"{info.size} bytes, sha256 {lfs.sha256}"
        else:
            blob = _git_blob_sha1(local)
            ok, expected = size == info.size and blob == info.blob_id, f"{info.size} bytes, git blob {info.blob_id}"
        if not ok:
            raise InputError(
                f"{local}: downloaded {size} bytes (sha256 {digest}) but the Hub lists {expected}: the transfer is "
                "incomplete or corrupt; delete the file and run the download rule again"
            )
        rows.append({"file": file, "bytes": size, "sha256": digest})
        log.info("downloaded %s/%s (%d bytes, sha256 %s)", repo_id, file, size, digest)
    manifest = {"repo_id": repo_id, "revision": revision, "files": {r["file"]: r for r in rows}}
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return pd.DataFrame(rows)
