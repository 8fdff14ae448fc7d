"""EmbedLLM (RZ412/EmbedLLM): ``{train,val,test}.csv`` (model_id, prompt_id, prompt, category, label)
+ ``model_order.csv`` (model_id, model_name), streamed with pyarrow in blocks of
``options.block_size_mb``. The split is the file; the cost is ``options.models_table`` (params_b)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ... import store
from ...errors import InputError
from .. import base
from ..base import CommonOptions, Raw, Report
from ..download import HubSource

COLUMNS = ["model_id", "prompt_id", "prompt", "category", "label"]
COLUMN_TYPES = {
    "model_id": pa.int64(),
    "prompt_id": pa.int64(),
    "label": pa.float64(),
    "prompt": pa.string(),
    "category": pa.string(),
}
REMOTE = HubSource("RZ412/EmbedLLM", ("train.csv", "val.csv", "test.csv", "model_order.csv"))


@dataclass(frozen=True)
class Options(CommonOptions):
    block_size_mb: float = 16
    revision: str | None = None


def distinct_prompts(batch: pa.RecordBatch) -> pa.Table:
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


def _model_order(source: Path, report: Report, files: dict[str, str], manifest: dict) -> tuple[Path, pd.Series]:
    """model_order.csv -> (its path, model name by model_id)."""
    order_path = base.require_file(source / "model_order.csv", "model order file")
    base.record_file(order_path, report, files, manifest)
    order = pd.read_csv(order_path)
    base.require_columns(order_path, list(order.columns), ["model_id", "model_name"])
    if order["model_id"].duplicated().any():
        raise InputError(f"{order_path}: column 'model_id' must be unique")
    return order_path, pd.Series(order["model_name"].astype(str).to_numpy(), index=order["model_id"].astype(np.int64))


class _Blocks:
    """The compact arrays of every CSV block read so far (labels) and each block's distinct prompts."""

    def __init__(self) -> None:
        self.mids: list[np.ndarray] = []
        self.pids: list[np.ndarray] = []
        self.labs: list[np.ndarray] = []
        self.codes: list[np.ndarray] = []
        self.prompts: list[pa.Table] = []

    def add(self, batch: pa.RecordBatch, code: int, path: Path, split: str) -> None:
        for column in ("model_id", "prompt_id"):
            if batch.column(column).null_count:
                raise InputError(f"{path}: column '{column}' has empty values")
        self.mids.append(batch.column("model_id").to_numpy().astype(np.int64))
        self.pids.append(batch.column("prompt_id").to_numpy())
        self.labs.append(batch.column("label").to_numpy(zero_copy_only=False).astype(np.float32))
        self.codes.append(np.full(batch.num_rows, code, dtype=np.int8))
        distinct = distinct_prompts(batch)
        distinct = distinct.append_column("file", pa.array([path.name] * distinct.num_rows))
        self.prompts.append(distinct.append_column("split", pa.array([split] * distinct.num_rows)))


def _read_split(path: Path, code: int, split: str, block: int, blocks: _Blocks) -> int:
    """Stream one split file into ``blocks``; returns its number of rows."""
    n_rows = 0
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=block),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),  # prompts span lines
            convert_options=pacsv.ConvertOptions(include_columns=COLUMNS, column_types=COLUMN_TYPES),
        )
        for batch in reader:
            if batch.num_rows:
                blocks.add(batch, code, path, split)
                n_rows += batch.num_rows
    except pa.ArrowInvalid as exc:
        raise InputError(
            f"{path}: not a readable CSV in the EmbedLLM layout ({exc}); the file may be truncated or corrupt"
        ) from None
    if n_rows == 0:
        raise InputError(f"{path}: no data rows (only a header)")
    return n_rows


def read(source: Path, opts: Options, report: Report, files: dict[str, str]) -> Raw:
    """EmbedLLM CSVs, streamed: compact (model_id, prompt_id, label) arrays + one prompt per prompt_id."""
    if not source.is_dir():
        raise InputError(f"{source}: the embedllm adapter reads a folder with train.csv, val.csv, test.csv, model_order.csv")
    manifest = base.load_manifest(source)
    order_path, id_to_name = _model_order(source, report, files, manifest)
    split_files = [(s, source / f"{s}.csv") for s in store.SPLITS if (source / f"{s}.csv").exists()]
    missing = [f"{s}.csv" for s in ("train", "test") if not (source / f"{s}.csv").exists()]
    if missing:
        raise InputError(f"{source}: missing {missing[0]} (the EmbedLLM layout has train.csv, val.csv, test.csv)")
    block = int(float(opts.block_size_mb) * (1 << 20))
    blocks = _Blocks()
    # the sha256 of a file the manifest does not list (provenance only) runs in the background
    # while the files are parsed; a listed file is verified before it is parsed
    hasher = ThreadPoolExecutor(max_workers=2)
    digests = {p: hasher.submit(store.file_sha256, p) for _, p in split_files if p.is_file() and p.name not in manifest}
    hasher.shutdown(wait=False)
    for code, (split, path) in enumerate(split_files):
        base.require_file(path)
        if path not in digests:
            base.record_file(path, report, files, manifest)
        base.check_complete(path)
        base.require_columns(path, base.csv_header(path), COLUMNS)
        n_rows = _read_split(path, code, split, block, blocks)
        if path in digests:
            base.record_file(path, report, files, manifest, digests[path].result())
        report.add(f"rows_read:file:{path.name}", n_rows, f"split {split}")
    model_id = np.concatenate(blocks.mids)
    unknown = np.setdiff1d(np.unique(model_id), id_to_name.index.to_numpy())
    if len(unknown):
        raise InputError(f"{order_path}: model_id(s) {unknown[:5].tolist()} used in the data are not listed")
    report.add("rows_read", len(model_id), f"{len(split_files)} files")
    report.add("label_cells_read", len(model_id), "one label per row")

    occ = pa.concat_tables(blocks.prompts).to_pandas()
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
            "query_id": pd.Series(np.concatenate(blocks.pids)).astype(str).array,
            "model": pd.Categorical.from_codes(
                np.searchsorted(name_of.index.to_numpy(), model_id), categories=name_of.to_numpy()
            ),
            "label": np.concatenate(blocks.labs),
            "file": pd.Categorical.from_codes(np.concatenate(blocks.codes), categories=[p.name for _, p in split_files]),
        }
    )
    models, rename = base.costed_models(pd.Series(name_of.to_numpy()), opts.models_table, str(order_path), report)
    labels["model"] = labels["model"].cat.rename_categories(lambda n: rename.get(n, n))
    return Raw(occ, labels, models, "column 'label'")
