"""Any long table (CSV/TSV/Parquet), one row per (model, query), with a column map in the options.

``options.columns`` maps the canonical names to the file's columns: ``query_id`` (a column or a
list, joined by ``options.id_separator``), ``model``, ``label``, ``category`` (required),
``prompt``, ``split`` and the per-row costs ``cost_usd``, ``cost_tokens``, ``cost_latency_s``
(optional). Per-row costs are kept as the labels' cost columns; where ``cost_usd`` is empty and the
models table gives ``usd_per_million_tokens``, it is tokens x price / 1e6. A model's constant cost
is the models table's value, else the mean of its rows' costs (docs/layout.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ... import store
from ...errors import ConfigError, InputError
from .. import base
from ..base import PRICE_COLUMN, CommonOptions, Raw, Report

COLUMNS = ("query_id", "model", "label", "category", "prompt", "split", *store.QUERY_COST_COLUMNS.values())
REQUIRED = ("query_id", "model", "label", "category")


@dataclass(frozen=True)
class Options(CommonOptions):
    columns: Mapping[str, Any] | None = None  # canonical name -> file column (query_id: a list)
    id_separator: str = "/"

    @classmethod
    def from_config(cls, opts: dict[str, Any], where: str) -> Options:
        sep = opts.get("id_separator", cls.id_separator)
        columns = check_columns(opts.get("columns"), f"{where}.columns")
        if not isinstance(sep, str):
            raise ConfigError(f"{where}.id_separator: expected a string, got {sep!r}")
        return cls(**{**opts, "columns": columns, "id_separator": sep})


def check_columns(columns: Any, where: str) -> dict[str, Any]:
    """The column map with every canonical name (None where not mapped; query_id a list of columns)."""
    if not isinstance(columns, Mapping):
        raise ConfigError(
            f"{where}: required mapping of canonical names to file columns, e.g. "
            "{query_id: [task, item_idx], category: task, model: model, label: correct}"
        )
    unknown = sorted(set(columns) - set(COLUMNS))
    if unknown:
        raise ConfigError(f"{where}: unknown key '{unknown[0]}'; allowed keys: {list(COLUMNS)}")
    out: dict[str, Any] = {}
    for key in COLUMNS:
        value = columns.get(key)
        if value is None:
            if key in REQUIRED:
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


def _read_table(path: Path, cmap: Mapping[str, Any]) -> pd.DataFrame:
    """The mapped columns of a CSV/TSV/Parquet file (text columns as strings)."""
    needed = list(dict.fromkeys([*cmap["query_id"], *(cmap[k] for k in COLUMNS[1:] if cmap[k])]))
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            base.require_columns(path, pq.read_schema(path).names, needed)
            df = pq.read_table(path, columns=needed).to_pandas()
        elif suffix in (".csv", ".tsv"):
            base.check_complete(path)
            sep = "\t" if suffix == ".tsv" else ","
            base.require_columns(path, list(pd.read_csv(path, sep=sep, nrows=0).columns), needed)
            df = pd.read_csv(path, sep=sep, usecols=needed, dtype={c: str for c in needed if c != cmap["label"]})
        else:
            raise InputError(f"{path}: unsupported file type '{suffix}'; expected .csv, .tsv or .parquet")
    except (pa.ArrowException, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable table ({exc}); the file may be truncated or corrupt") from None
    if df.empty:
        raise InputError(f"{path}: no data rows")
    return df


def _labels_and_splits(df: pd.DataFrame, cmap: Mapping[str, Any], path: Path) -> tuple[pd.Series, pd.Series]:
    """(numeric labels, NaN kept; split per row, NA where the file gives none), checked."""
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
        bad = split.notna() & ~split.isin(store.SPLITS)
        if bad.any():
            raise InputError(
                f"{path}: column '{cmap['split']}' (split) must be one of {list(store.SPLITS)}; found "
                f"{sorted(split[bad].unique())[:5]}"
            )
    return label, split


def read(source: Path, opts: Options, report: Report, files: dict[str, str]) -> Raw:
    """A long table (CSV/TSV/Parquet) with a column map: one row per (model, query)."""
    path = base.require_file(source, "long-format file")
    base.record_file(path, report, files, base.load_manifest(path.parent))
    cmap = opts.columns
    df = _read_table(path, cmap)
    report.add("rows_read", len(df), path.name)
    report.add("label_cells_read", len(df), "one label per row")

    for key in ("query_id", "model", "category"):
        for column in cmap[key] if key == "query_id" else [cmap[key]]:
            empty = int(df[column].isna().sum())
            if empty:
                raise InputError(f"{path}: column '{column}' ({key}) has {empty} empty value(s)")
    parts = [df[c].astype(str) for c in cmap["query_id"]]
    query_id = reduce(lambda a, b: a + opts.id_separator + b, parts)
    label, split = _labels_and_splits(df, cmap, path)
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
    models, rename = base.costed_models(df[cmap["model"]], opts.models_table, path.name, report)
    model = df[cmap["model"]].astype(str).map(rename).to_numpy()
    costs = query_costs(df, cmap, path, model, label.to_numpy(), models, report)
    labels = pd.DataFrame(
        {
            "query_id": query_id.to_numpy(),
            "model": model,
            "label": label.to_numpy(),
            "file": pd.Categorical([path.name] * len(df)),
            **costs,
        }
    )
    return Raw(occ, labels, models, f"column '{cmap['label']}'")


def _row_costs(df: pd.DataFrame, cmap: Mapping[str, Any], path: Path) -> dict[str, np.ndarray]:
    """The mapped per-row cost columns as float64 (NaN where empty); each a number >= 0."""
    costs: dict[str, np.ndarray] = {}
    for column in store.QUERY_COST_COLUMNS.values():
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
    return costs


def query_costs(
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
    costs = _row_costs(df, cmap, path)
    usd_column, token_column = store.QUERY_COST_COLUMNS["usd"], store.QUERY_COST_COLUMNS["tokens"]
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
    for cost_type, column in store.QUERY_COST_COLUMNS.items():
        if column not in costs:
            continue
        use = observed & ~np.isnan(costs[column])
        mean = models["model"].map(pd.Series(costs[column][use]).groupby(model[use]).mean())
        constant = store.COST_COLUMNS[cost_type]
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
