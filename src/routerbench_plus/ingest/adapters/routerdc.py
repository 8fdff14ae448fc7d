"""RouterDC (shuhao02/RouterDC) seven-model data -> occurrences + long labels + costed models.

A folder of JSON files (``datasets/split2_model7/*.json`` upstream), one per task and split, each a
list of ``{question, scores: {model: score}[, cluster_id]}``:

* The split comes from the file name: ``*_train`` / ``*-train`` -> train, ``*_test`` / ``*-test`` ->
  test; a file with neither (MATH_prealgebra, ceval, javascript, mbpp) is a test-only task: test
  (``test_only_files``).
* The category is the file name without the split suffix (``gsm8k-test`` -> ``gsm8k``).
* Query ids are 'q' + 16 hex digits of sha1(text): a question repeated inside a file, or present in
  a train and a test file, or under two categories (arc_easy and arc_challenge) is one query; the
  shared assembly keeps it in its most held-out split, keeps the first category (file order, files
  sorted by name) and merges its labels by ``ingest.conflicts``, counting each case.
* Scores are mostly continuous (soft labels, ``labels_non_binary``); ``cluster_id`` is not used.
* Cost: parameters from ``options.models_table`` (``config/models/routerdc.csv``); the data has no
  prices or token counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ...errors import InputError
from .. import base
from ..base import CommonOptions, Raw, Report
from ..download import GitHubSource, RemoteFile
from . import json_records

FILES = (
    "MATH_prealgebra.json",
    "arc_challenge_test.json",
    "arc_challenge_train.json",
    "arc_easy_test.json",
    "arc_easy_train.json",
    "ceval.json",
    "cmmlu_test.json",
    "cmmlu_train.json",
    "gsm8k-test.json",
    "gsm8k-train.json",
    "humaneval_test.json",
    "humaneval_train.json",
    "javascript.json",
    "mbpp.json",
    "mmlu_test.json",
    "mmlu_train.json",
)
REMOTE = GitHubSource(
    repo="shuhao02/RouterDC",
    commit="dadb87299f65fb8f1c1dddc30967a3907d0132dd",
    files=tuple(RemoteFile(f"datasets/split2_model7/{name}", name) for name in FILES),
)
_SUFFIX = re.compile(r"[_.\-](train|val|test)$")


@dataclass(frozen=True)
class Options(CommonOptions):
    revision: str | None = None


def category_of(name: str) -> str:
    """The task of a RouterDC file: its name without extension and split suffix."""
    return _SUFFIX.sub("", Path(name).stem)


def read(source: Path, opts: Options, report: Report, files: dict[str, str]) -> Raw:
    """RouterDC's per-task JSON files -> the shared assembly's inputs (module docstring)."""
    if source.is_dir():
        paths = sorted(p for p in source.glob("*.json") if p.name != base.MANIFEST)
        if not paths:
            raise InputError(f"{source}: no .json files (expected RouterDC's per-task files, e.g. gsm8k-train.json)")
    else:
        paths = [source]
    manifest = base.load_manifest(source) if source.is_dir() else {}
    occ_parts, label_parts, test_only, n_cluster = [], [], [], 0
    for path in paths:
        base.require_file(path, "RouterDC task file")
        base.record_file(path, report, files, manifest)
        data = json_records.load_json(path, "a JSON list of {question, scores} records")
        text, wide, named = json_records.scored_records(path, data)
        n_cluster += sum(1 for r in data if r.get("cluster_id") is not None)
        split = base.split_from_name(path.name)
        if split is None:
            split = "test"
            test_only.append(path.name)
        ids = json_records.text_ids(text, path.name)
        category = category_of(path.name)
        report.add(f"rows_read:file:{path.name}", len(text), f"split {split}, category {category}")
        occ_parts.append(pd.DataFrame({"query_id": ids, "prompt": text, "category": category, "split": split, "file": path.name}))
        label_parts.append(json_records.long_labels(ids, wide, named, path.name))
    occ = pd.concat(occ_parts, ignore_index=True)
    occ["category"] = occ["category"].astype("string")
    labels = pd.concat(label_parts, ignore_index=True)
    json_records.check_id_collisions(occ["query_id"], occ["prompt"], str(source))
    report.add("rows_read", len(occ), f"{len(paths)} files (records)")
    report.add("label_cells_read", len(labels), "(record, model) scores")
    report.add("cluster_ids_ignored", n_cluster, "records with RouterDC's cluster_id: not used")
    report.add(
        "test_only_files",
        len(test_only),
        f"no _train/_test in the name: test-only tasks {test_only}" if test_only else "none",
    )
    base.report_label_kinds(labels, occ.drop_duplicates("query_id").set_index("query_id")["category"], report, "scores")
    labels["file"] = pd.Categorical(labels["file"])
    models, labels = base.costed_labels(labels, opts.models_table, paths[0].name, report)
    return Raw(occ, labels, models, "scores")
