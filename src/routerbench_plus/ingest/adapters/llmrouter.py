"""LLMRouter (ulab-uiuc/LLMRouter) routing data -> occurrences + long labels + costed models.

A folder with (names as in the repository):

* ``train.json`` / ``test.json`` (``data/dcrouter_preprocessed/``): a JSON list of
  ``{question, scores: {model: score}, cluster_id}``; the file gives the split.
* ``default_query_train.jsonl`` / ``default_query_test.jsonl`` (``data/example_data/query_data/``):
  one JSON object per line with ``task_name`` (the category) and ``query`` (the same text as
  ``question``): joined on the exact text.
* ``default_llm.json`` (``data/example_data/llm_candidates/``): per model ``size`` ("7B" -> params_b
  7.0) and ``input_price`` / ``output_price`` in USD per million tokens.

Policies (all counted in the ingest report, nothing dropped silently):

* The category of a question is the ``task_name`` of its text, looked up first in the query file of
  the question's own split, then in the other one. A text listed under several task names takes the
  first one in that order (``texts_with_several_task_names``); a question whose text no query line
  has gets category ``unknown`` (``questions_without_task``). Query lines that no scored record uses
  (``query_lines_unused``) and repeated lines (``query_lines_repeated``) are counted.
* Query ids are 'q' + 16 hex digits of sha1(text), so a question in both train.json and test.json is
  one query: the shared assembly keeps it in test and merges its labels by ``ingest.conflicts``.
* ``cluster_id`` (LLMRouter's own clustering) is not used (``cluster_ids_ignored``).
* Scores that are neither 0 nor 1 (commongen's coverage) are soft labels (``labels_non_binary``).
* Costs: params_b from ``size``; usd_per_query = mean over the model's scored records of
  (prompt tokens x input_price + ``options.output_tokens`` x output_price) / 1e6, where the prompt
  tokens are estimated as ceil(characters / ``options.chars_per_token``) (default 4, the usual rule
  of thumb for English text with GPT-style tokenizers: no model's tokenizer is read and no response
  length is in the data, so the USD is an estimate; with the default ``output_tokens: 0`` it is the
  prompt side only). ``options.models_table`` (optional) overrides any cost it gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import InputError
from .. import base
from ..base import CommonOptions, Raw, Report
from ..download import GitHubSource, RemoteFile
from . import json_records

SCORED = (("train.json", "train"), ("test.json", "test"))
QUERY_FILES = (("default_query_train.jsonl", "train"), ("default_query_test.jsonl", "test"))
LLM_FILE = "default_llm.json"
UNKNOWN = "unknown"

REMOTE = GitHubSource(
    repo="ulab-uiuc/LLMRouter",
    commit="17e4c6926999cacfc1828a400667027c2027228e",
    files=(
        RemoteFile("data/dcrouter_preprocessed/train.json", "train.json"),
        RemoteFile("data/dcrouter_preprocessed/test.json", "test.json"),
        RemoteFile("data/example_data/query_data/default_query_train.jsonl", "default_query_train.jsonl"),
        RemoteFile("data/example_data/query_data/default_query_test.jsonl", "default_query_test.jsonl"),
        RemoteFile("data/example_data/llm_candidates/default_llm.json", "default_llm.json"),
    ),
)


@dataclass(frozen=True)
class Options(CommonOptions):
    revision: str | None = None
    chars_per_token: float = 4.0  # prompt tokens = ceil(characters / chars_per_token)
    output_tokens: float = 0  # assumed completion tokens per query

    @classmethod
    def from_config(cls, opts: dict[str, Any], where: str) -> Options:
        """chars_per_token (> 0, default 4) and output_tokens (>= 0, default 0)."""
        cpt = cls.number(opts, "chars_per_token", lambda v: v > 0, "a number > 0 (characters per prompt token)", where)
        out = cls.number(opts, "output_tokens", lambda v: v >= 0, "a number >= 0 (assumed completion tokens)", where)
        return cls(**{**opts, "chars_per_token": cpt, "output_tokens": out})


def _task_lines(source: Path, report: Report) -> pd.DataFrame:
    """The query files as one table: text, task, split of the file, line order."""
    parts = []
    for name, split in QUERY_FILES:
        path = source / name
        records = json_records.load_jsonl(path, "one query record per line with 'task_name' and 'query'")
        missing = [i + 1 for i, r in enumerate(records) if not isinstance(r.get("query"), str) or not r.get("task_name")]
        if missing:
            raise InputError(
                f"{path}: record {missing[0]} (of {len(missing)}) lacks a 'query' text or a 'task_name'; "
                "expected LLMRouter's query layout"
            )
        parts.append(
            pd.DataFrame(
                {
                    "text": [r["query"] for r in records],
                    "task": [str(r["task_name"]) for r in records],
                    "split": split,
                    "file": name,
                }
            )
        )
        report.add(f"rows_read:file:{name}", len(records), f"query lines (task_name per text), {split}")
    lines = pd.concat(parts, ignore_index=True)
    lines["order"] = np.arange(len(lines))
    return lines


def _categories(occ: pd.DataFrame, lines: pd.DataFrame, report: Report) -> pd.Series:
    """task_name per scored record (same-split query file first); conflicts and gaps counted."""
    repeated = int(lines.duplicated(["text", "task", "file"]).sum())
    report.add("query_lines_repeated", repeated, "identical query lines in one file: one kept" if repeated else "none")
    tasks = lines.drop_duplicates(["text", "task"])
    several = tasks.groupby("text", sort=False)["task"].agg(lambda t: sorted(set(t)))
    several = several[several.map(len) > 1]
    report.add(
        "texts_with_several_task_names",
        len(several),
        f"first task name kept (query file of the question's split first), e.g. {several.head(3).tolist()}"
        if len(several)
        else "none",
    )
    used = set(occ["prompt"].dropna())
    unused = lines.loc[~lines["text"].isin(used)]
    report.add("query_lines_unused", len(unused), "query lines whose text no scored record has: ignored")
    cand = occ[["prompt", "split"]].reset_index().merge(
        lines[["text", "task", "split", "order"]], left_on="prompt", right_on="text", how="left", suffixes=("", "_line")
    )
    cand["other"] = (cand["split_line"] != cand["split"]).astype(int)
    best = cand.sort_values(["index", "other", "order"], kind="stable").drop_duplicates("index").set_index("index")
    category = best["task"].reindex(occ.index)
    n_unknown = int(category.isna().sum())
    report.add(
        "questions_without_task",
        n_unknown,
        f"scored records whose text is on no query line: category '{UNKNOWN}'" if n_unknown else "none",
    )
    return category.fillna(UNKNOWN).astype("string")


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[bB]\s*$")


def _llm_table(path: Path, report: Report) -> pd.DataFrame:
    """default_llm.json -> model, params_b (from size), input/output USD per million tokens."""
    data = json_records.load_json(path, "an object {model: {size, input_price, output_price, ...}}")
    if not isinstance(data, dict) or not data or not all(isinstance(v, dict) for v in data.values()):
        raise InputError(f"{path}: expected an object mapping model names to {{size, input_price, output_price}}")
    rows = []
    for model, info in data.items():
        prices = []
        for key in ("input_price", "output_price"):
            value = info.get(key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise InputError(f"{path}: model '{model}': '{key}' must be a price > 0 (USD per million tokens), got {value!r}")
            prices.append(float(value))
        match = _SIZE.match(str(info.get("size", "")))
        rows.append((model, float(match.group(1)) if match else np.nan, *prices, str(info.get("size"))))
    table = pd.DataFrame(rows, columns=["model", "params_b", "input_price", "output_price", "size"])
    bad = table.loc[table["params_b"].isna(), ["model", "size"]]
    report.add(
        "params_unparsed",
        len(bad),
        f"'size' not of the form '<number>B', params_b left empty: {bad.values.tolist()[:5]}" if len(bad) else "none",
    )
    return table


def read(source: Path, opts: Options, report: Report, files: dict[str, str]) -> Raw:
    """LLMRouter's folder layout -> the shared assembly's occurrences, labels and models (module docstring)."""
    if not source.is_dir():
        raise InputError(
            f"{source}: the llmrouter adapter reads a folder with train.json, test.json, "
            "default_query_train.jsonl, default_query_test.jsonl and default_llm.json"
        )
    manifest = base.load_manifest(source)
    for name in [n for n, _ in SCORED] + [n for n, _ in QUERY_FILES] + [LLM_FILE]:
        path = base.require_file(source / name, "LLMRouter file")
        base.record_file(path, report, files, manifest)
        if name.endswith(".jsonl"):
            base.check_complete(path)

    occ_parts, label_parts, n_cluster = [], [], 0
    for name, split in SCORED:
        path = source / name
        data = json_records.load_json(path, "a JSON list of {question, scores, cluster_id} records")
        text, wide, named = json_records.scored_records(path, data)
        n_cluster += sum(1 for r in data if r.get("cluster_id") is not None)
        ids = json_records.text_ids(text, name)
        report.add(f"rows_read:file:{name}", len(text), f"scored records, split {split}")
        occ_parts.append(pd.DataFrame({"query_id": ids, "prompt": text, "split": split, "file": name}))
        label_parts.append(json_records.long_labels(ids, wide, named, name))
    occ = pd.concat(occ_parts, ignore_index=True)
    labels = pd.concat(label_parts, ignore_index=True)
    json_records.check_id_collisions(occ["query_id"], occ["prompt"], str(source))
    report.add("rows_read", len(occ), "scored records in train.json and test.json")
    report.add("label_cells_read", len(labels), "(record, model) scores")
    report.add("cluster_ids_ignored", n_cluster, "records with LLMRouter's cluster_id: not used (categories come from task_name)")

    occ["category"] = _categories(occ, _task_lines(source, report), report)
    occ = occ[["query_id", "prompt", "category", "split", "file"]]
    base.report_label_kinds(labels, occ.drop_duplicates("query_id").set_index("query_id")["category"], report, "scores")
    labels["file"] = pd.Categorical(labels["file"])
    return Raw(occ, labels, _models(source, opts, occ, labels, report), "scores")


def _models(source: Path, opts: Options, occ: pd.DataFrame, labels: pd.DataFrame, report: Report) -> pd.DataFrame:
    """Costed models of the data: params_b from size, estimated USD per query (module docstring)."""
    table = _llm_table(source / LLM_FILE, report)
    names = pd.unique(labels["model"].astype(str))
    missing = sorted(set(names) - set(table["model"]))
    if missing:
        raise InputError(
            f"{source / LLM_FILE}: model(s) {missing[:5]} scored in train.json/test.json have no entry "
            "(size, input_price, output_price)"
        )
    unused = sorted(set(table["model"]) - set(names))
    if unused:
        report.add("models_in_table_without_data", len(unused), f"in {LLM_FILE}, not scored, ignored: {unused[:10]}")
    table = table.set_index("model").loc[list(names)]

    chars = occ.drop_duplicates("query_id").set_index("query_id")["prompt"].str.len().fillna(0)
    tokens = np.ceil(chars.astype("float64") / float(opts.chars_per_token))
    observed = labels.loc[labels["label"].notna()]
    row_tokens = observed["query_id"].map(tokens).to_numpy(dtype=np.float64)
    model = observed["model"].astype(str).to_numpy()
    usd = (
        row_tokens * table["input_price"].reindex(model).to_numpy()
        + float(opts.output_tokens) * table["output_price"].reindex(model).to_numpy()
    ) / 1e6
    per_model = pd.Series(usd).groupby(model).mean().reindex(table.index)
    report.add(
        "prompt_tokens_mean",
        int(round(float(tokens.mean()))) if len(tokens) else 0,
        f"estimated prompt tokens per query: ceil(characters / {opts.chars_per_token}) (no tokenizer read)",
    )
    report.add(
        "cost_usd",
        0,
        f"usd_per_query = mean over scored records of (prompt tokens x input_price + {opts.output_tokens} output "
        f"tokens x output_price) / 1e6, prices from {LLM_FILE}: an estimate"
        + (" of the prompt side only (options.output_tokens: 0)" if not opts.output_tokens else ""),
    )
    models = pd.DataFrame(
        {"model": table.index.astype(str), "params_b": table["params_b"].to_numpy(), "usd_per_query": per_model.to_numpy()}
    )
    table_path = opts.models_table
    if table_path:
        given = base.read_models_table(table_path)
        given = given.assign(model=given["source_model"]).drop(columns=["source_model"]).set_index("model")
        models = models.set_index("model")
        for column in given.columns:
            if column not in models.columns:
                models[column] = np.nan
            override = given[column].reindex(models.index)
            models[column] = override.where(override.notna(), models[column])
        models = models.reset_index()
        report.add("models_table_overrides", int(models["model"].isin(given.index).sum()), f"costs from {table_path} win")
    return models
