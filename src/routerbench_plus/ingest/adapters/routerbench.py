"""RouterBench (withmartian/routerbench): the wide layout (a 0/1 column per model, ``<model>|total_cost``
in USD, ``sample_id``, ``prompt``, ``eval_name``), from ``routerbench_0shot.pkl`` (restricted
unpickler) or from ``*_{train,test}.csv`` files (the RouterDC split; the split is in the file name).

* Prompts are lists of strings (or their Python repr): identical parts collapse, others join with a
  newline (``prompt_lists_repeated_parts``, ``prompt_lists_joined``, ``prompt_unparsed``).
* Query id = ``sample_id``; the same sample_id with a different prompt is another query
  ``'<id>#2'``, ... (``repeated_id_different_prompt``).
* Cost: each row's ``<model>|total_cost`` is kept as the labels column ``cost_usd``; a model's
  constant ``usd_per_query`` is the mean of its total_cost over its labelled rows.
  ``options.models_table`` (optional) adds parameters.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ... import store
from ...errors import InputError
from .. import base
from ..base import CommonOptions, Raw, Report
from ..download import HubSource
from ..safe_pickle import read_pickled_frame

FORMATS = ("auto", "pkl", "csv")
REMOTE = HubSource("withmartian/routerbench", ("routerbench_0shot.pkl",))


@dataclass(frozen=True)
class Options(CommonOptions):
    format: str = "auto"
    revision: str | None = None

    @classmethod
    def from_config(cls, opts: dict[str, Any], where: str) -> Options:
        return cls(**{**opts, "format": cls.choice(opts, "format", FORMATS, where)})


def parse_prompt(value: Any, counts: dict[str, int]) -> Any:
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


def _source_files(source: Path, fmt: str) -> tuple[Path | None, list[Path]]:
    """(the pickle, or None; the CSV files) that ``source`` and ``options.format`` name."""
    if source.is_file():
        if fmt == "csv" or (fmt == "auto" and source.suffix.lower() == ".csv"):
            return None, [source]
        return source, []
    if not source.is_dir():
        raise InputError(f"{source}: does not exist")
    pkls = sorted(source.glob("*.pkl"))
    csvs = sorted(source.glob("*.csv"))
    if fmt == "pkl" or (fmt == "auto" and pkls and not csvs):
        if len(pkls) != 1:
            raise InputError(f"{source}: expected exactly one .pkl file, found {[p.name for p in pkls]}")
        return pkls[0], []
    if not csvs:
        raise InputError(f"{source}: no RouterBench .pkl or .csv files found")
    return None, csvs


def frames(source: Path, fmt: str, report: Report, files: dict[str, str]) -> list[tuple[str, str | None, pd.DataFrame]]:
    """(file name, split or None, wide frame) for every source file."""
    manifest = base.load_manifest(source) if source.is_dir() else {}
    pkl, csvs = _source_files(source, fmt)
    if pkl is not None:
        base.record_file(base.require_file(pkl), report, files, manifest)
        return [(pkl.name, None, read_pickled_frame(pkl))]
    split_of = {p.name: base.split_from_name(p.name) for p in csvs}
    if any(split_of.values()) and not all(split_of.values()):
        raise InputError(
            f"{source}: some CSVs name a split (_train/_val/_test) and some do not: "
            f"{[n for n, s in split_of.items() if not s][:3]}"
        )
    out = []
    for path in csvs:
        base.record_file(base.require_file(path), report, files, manifest)
        base.check_complete(path)
        try:
            frame = pd.read_csv(path, usecols=lambda c: not str(c).endswith("|model_response"))
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: not a readable CSV ({exc}); the file may be truncated") from None
        out.append((path.name, split_of[path.name], frame))
    return out


def _model_columns(file: str, frame: pd.DataFrame, known: list[str]) -> list[str]:
    """The models of one wide frame (a column '<model>' with a '<model>|total_cost'), the same in every file."""
    columns = [str(c) for c in frame.columns]
    base.require_columns(Path(file), columns, ["sample_id", "prompt", "eval_name"])
    models = [c for c in columns if f"{c}|total_cost" in columns]
    if not models:
        raise InputError(f"{file}: no model columns (a 0/1 column '<model>' with a matching '<model>|total_cost')")
    if known and set(models) != set(known):
        raise InputError(f"{file}: model columns {sorted(set(models) ^ set(known))} differ from the other files")
    return known or models


def _cells(file: str, frame: pd.DataFrame, models: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(labels, USD costs) of one wide frame, rows x models, as float64."""
    try:
        values = frame[models].apply(pd.to_numeric).to_numpy(dtype=np.float64)
        costs = frame[[f"{m}|total_cost" for m in models]].apply(pd.to_numeric).to_numpy(dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{file}: model columns and '<model>|total_cost' columns must be numeric ({exc})") from None
    negative = costs < 0
    if negative.any():
        row, col = np.argwhere(negative)[0]
        raise InputError(f"{file}: column '{models[col]}|total_cost' must be >= 0; row {row} has {costs[row, col]}")
    return values, costs


def _query_ids(occ: pd.DataFrame, report: Report) -> pd.DataFrame:
    """query id = sample_id; the same sample_id with a different prompt is another query ('<id>#2', ...)."""
    pairs = occ[["sample_id", "prompt"]].drop_duplicates()
    rank = pairs.groupby("sample_id", sort=False).cumcount()
    pairs["query_id"] = pairs["sample_id"].where(rank == 0, pairs["sample_id"] + "#" + (rank + 1).astype(str))
    with_ids = occ.merge(pairs, on=["sample_id", "prompt"], how="left", sort=False)
    if len(with_ids) != len(occ) or with_ids["query_id"].isna().any():  # pragma: no cover - merge invariant
        raise RuntimeError("routerbench: query id assignment lost rows")
    renamed = int((rank > 0).sum())
    report.add(
        "repeated_id_different_prompt",
        renamed,
        "sample_ids reused for a different prompt: kept as separate queries '<id>#2', ..." if renamed else "none",
    )
    return with_ids.drop(columns=["sample_id"])


def read(source: Path, opts: Options, report: Report, files: dict[str, str]) -> Raw:
    """RouterBench wide layout -> occurrences + long labels with each row's USD cost (``cost_usd`` =
    ``<model>|total_cost``); the model's constant usd_per_query = its mean total_cost over labelled rows."""
    wide = frames(source, opts.format, report, files)
    counts = {"prompt_unparsed": 0, "prompt_repeated_parts": 0, "prompt_multi_part": 0}
    occ_parts, label_values, cost_values = [], [], []
    all_models: list[str] = []
    for file, split, frame in wide:
        all_models = _model_columns(file, frame, all_models)
        if frame.empty:
            raise InputError(f"{file}: no data rows")
        if frame["sample_id"].isna().any():
            raise InputError(f"{file}: column 'sample_id' has {int(frame['sample_id'].isna().sum())} empty values")
        report.add(f"rows_read:file:{file}", len(frame), f"split {split}" if split else "no split in the source")
        occ_parts.append(
            pd.DataFrame(
                {
                    "sample_id": frame["sample_id"].astype(str).to_numpy(),
                    "prompt": frame["prompt"].map(lambda v: parse_prompt(v, counts)).astype("string").to_numpy(),
                    "category": frame["eval_name"].astype("string").to_numpy(),
                    "split": split,
                    "file": file,
                }
            )
        )
        values, costs = _cells(file, frame, all_models)
        label_values.append(values.ravel())
        cost_values.append(costs.ravel())

    occ = pd.concat(occ_parts, ignore_index=True)
    report.add("rows_read", len(occ), f"{len(wide)} files")
    report.add("prompt_lists_repeated_parts", counts["prompt_repeated_parts"], "prompt lists whose parts are all identical: one part kept")
    report.add("prompt_lists_joined", counts["prompt_multi_part"], "multi-part prompt lists joined with a newline")
    report.add("prompt_unparsed", counts["prompt_unparsed"], "prompt cells that look like a list but do not parse: kept verbatim")
    occ = _query_ids(occ, report)

    rows = np.repeat(np.arange(len(occ)), len(all_models))
    cost = np.concatenate(cost_values)
    labels = pd.DataFrame(
        {
            "query_id": occ["query_id"].to_numpy()[rows],
            "model": np.tile(np.asarray(all_models, dtype=object), len(occ)),
            "label": np.concatenate(label_values),
            "file": pd.Categorical(occ["file"].to_numpy()[rows]),
            store.QUERY_COST_COLUMNS["usd"]: cost,
        }
    )
    report.add("label_cells_read", len(labels), f"{len(all_models)} model columns x {len(occ)} rows")
    models = _usd_models(labels, cost, all_models, wide[0][0], report)
    if opts.models_table:
        table, rename = base.costed_models(pd.Series(all_models), opts.models_table, wide[0][0], report, required=())
        models["model"] = models["model"].map(rename)
        labels["model"] = labels["model"].map(rename)
        models = models.merge(table.drop(columns=["usd_per_query"]), on="model", how="left")
    return Raw(occ, labels, models, "model columns")


def _usd_models(labels: pd.DataFrame, cost: np.ndarray, all_models: list[str], first_file: str, report: Report) -> pd.DataFrame:
    """model, usd_per_query: each model's mean total_cost over the cells whose label is observed."""
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
        raise InputError(f"{first_file}: column '{zero[0]}|total_cost' has no positive cost; usd_per_query must be > 0")
    report.add("cost_usd", 0, "usd_per_query = mean of '<model>|total_cost' over the model's labelled rows")
    return pd.DataFrame({"model": all_models, "usd_per_query": usd.reindex(all_models).to_numpy()})
