"""MixInstruct (llm-blender/mix-instruct): jsonl files (id, instruction, input, candidates[model,
scores]), streamed with pyarrow.json (candidate texts are never parsed into memory).

label = exp(``candidates[].scores.<options.score>``) clipped to [0, 1] (default score: bartscore);
prompt = instruction and input joined by a newline; category = the id's ``<source>/`` prefix
(``unknown`` without one); split from the file name. Cost: ``options.models_table`` (params_b).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from ...errors import ConfigError, InputError
from .. import base
from ..base import CommonOptions, Raw, Report
from ..download import HubSource

REMOTE = HubSource(
    "llm-blender/mix-instruct",
    ("train_data_prepared.jsonl", "val_data_prepared.jsonl", "test_data_prepared.jsonl"),
)


@dataclass(frozen=True)
class Options(CommonOptions):
    score: str = "bartscore"
    block_size_mb: float = 16
    revision: str | None = None

    @classmethod
    def from_config(cls, opts: dict[str, Any], where: str) -> Options:
        score = opts.get("score", cls.score)
        if not isinstance(score, str) or not score:
            raise ConfigError(f"{where}.score: expected the name of a candidate score, got {score!r}")
        return cls(**opts)


def _schema(score_key: str) -> pa.Schema:
    candidate = pa.struct([("model", pa.string()), ("scores", pa.struct([(score_key, pa.float64())]))])
    return pa.schema(
        [("id", pa.string()), ("instruction", pa.string()), ("input", pa.string()), ("candidates", pa.list_(candidate))]
    )


def _occurrences(batch: pa.RecordBatch, split: str | None, file: str) -> pd.DataFrame:
    """One row per example: id, prompt (instruction + input), category (the id's prefix)."""
    ids = batch.column("id")
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
    return pd.DataFrame(
        {
            "query_id": ids.to_pandas().astype(str).to_numpy(),
            "prompt": prompt.to_pandas().astype("string").to_numpy(),
            "category": category.to_pandas().astype("string").to_numpy(),
            "split": split,
            "file": file,
        }
    )


def _labels(batch: pa.RecordBatch, score_key: str, path: Path) -> tuple[pd.DataFrame, int]:
    """One row per candidate: (labels = min(1, exp(score)), number of labels clipped)."""
    candidates = batch.column("candidates")
    parent = pc.list_parent_indices(candidates).to_numpy()
    flat = pc.list_flatten(candidates)
    model = pc.struct_field(flat, "model")
    if model.null_count:
        raise InputError(f"{path}: {model.null_count} candidate(s) without a 'model'")
    score = pc.struct_field(pc.struct_field(flat, "scores"), score_key).to_numpy(zero_copy_only=False)
    with np.errstate(over="ignore"):
        label = np.exp(score)
    frame = pd.DataFrame(
        {
            "query_id": batch.column("id").take(pa.array(parent)).to_pandas().astype(str).to_numpy(),
            "model": model.to_pandas().astype(str).to_numpy(),
            "label": np.minimum(label, 1.0),
            "file": path.name,
        }
    )
    return frame, int((label > 1).sum())


def read(source: Path, opts: Options, report: Report, files: dict[str, str]) -> Raw:
    """MixInstruct jsonl, streamed: occurrences per example, labels per candidate."""
    score_key = opts.score
    if source.is_dir():
        paths = sorted(source.glob("*.jsonl"))
        if not paths:
            raise InputError(f"{source}: no .jsonl files (expected train/val/test_data_prepared.jsonl)")
    else:
        paths = [source]
    manifest = base.load_manifest(source) if source.is_dir() else {}
    block = int(float(opts.block_size_mb) * (1 << 20))
    occ_parts, label_parts = [], []
    n_clipped = 0
    for path in paths:
        base.require_file(path)
        base.record_file(path, report, files, manifest)
        base.check_complete(path)
        split = base.split_from_name(path.name)
        n_rows = 0
        try:
            reader = pajson.open_json(
                path,
                read_options=pajson.ReadOptions(block_size=block),
                parse_options=pajson.ParseOptions(explicit_schema=_schema(score_key), unexpected_field_behavior="ignore"),
            )
            for batch in reader:
                if batch.num_rows == 0:
                    continue
                if batch.column("id").null_count:
                    raise InputError(f"{path}: {batch.column('id').null_count} example(s) without an 'id'")
                n_rows += batch.num_rows
                occ_parts.append(_occurrences(batch, split, path.name))
                labels, clipped = _labels(batch, score_key, path)
                label_parts.append(labels)
                n_clipped += clipped
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
    models, labels = base.costed_labels(labels, opts.models_table, paths[0].name, report)
    return Raw(occ, labels, models, f"candidates[].scores.{score_key}")
