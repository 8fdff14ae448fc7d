"""What every ingestion adapter shares: the report, the hand-over to the assembly, the common
options, file checks (existence, download manifest, truncation, columns) and the model cost table."""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import store
from ..errors import ConfigError, InputError

REPORT_COLUMNS = {"key": "string", "value": "int64", "detail": "string"}
MANIFEST = "manifest.json"  # written last by a download, sizes and sha256 of its files
PRICE_COLUMN = "usd_per_million_tokens"  # optional price column of a models table (long adapter)


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


def report_label_kinds(labels: pd.DataFrame, category_of: pd.Series, report: Report, source: str) -> None:
    """Count labels that are neither 0 nor 1 (continuous scores beside binary ones), per category."""
    lab = labels["label"].to_numpy(dtype=np.float64)
    soft = ~np.isnan(lab) & (lab != 0) & (lab != 1)
    per = labels.loc[soft, "query_id"].map(category_of).value_counts().sort_index()
    detail = (
        f"continuous scores in {source} kept as soft labels in [0, 1] (stages that need 0/1 binarise at "
        f"prune.binarise_threshold); by category: { {str(k): int(v) for k, v in per.items()} }"
        if soft.any()
        else "none: every label is 0 or 1"
    )
    report.add("labels_non_binary", int(soft.sum()), detail)
    for category, n in per.items():
        report.add(f"labels_non_binary:category:{category}", int(n))


@dataclass
class Raw:
    """What an adapter hands to the shared assembly step."""

    occurrences: pd.DataFrame  # query_id, prompt, category, split (NA: none given), file
    labels: pd.DataFrame  # query_id, model, label (float, NaN kept), file
    models: pd.DataFrame  # model + cost columns, one row per model of the data
    label_source: str  # where labels live, for messages: "column 'label'", "model columns", ...


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class CommonOptions:
    """Options every adapter takes (``benchmarks.<name>.options``); each adapter subclasses it.

    The field names are the allowed option keys. ``from_config`` checks the adapter's own keys and
    fills their defaults; the common keys are checked by ``adapters.check_options``.
    """

    models_table: str | None = None
    exclude_categories: tuple[str, ...] = ()

    @classmethod
    def allowed_keys(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def from_config(cls, opts: dict[str, Any], where: str) -> CommonOptions:
        return cls(**opts)

    @classmethod
    def choice(cls, opts: Mapping[str, Any], key: str, allowed: tuple[str, ...], where: str) -> str:
        """``opts[key]`` (default: the field's default), which must be one of ``allowed``."""
        value = opts.get(key, getattr(cls, key))
        if value not in allowed:
            raise ConfigError(f"{where}.{key}: expected one of {list(allowed)}, got {value!r}")
        return value

    @classmethod
    def number(cls, opts: Mapping[str, Any], key: str, ok: Callable[[float], bool], expected: str, where: str) -> float:
        """``opts[key]`` (default: the field's default): a number (not a bool) with ``ok(value)`` true."""
        value = opts.get(key, getattr(cls, key))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not ok(value):
            raise ConfigError(f"{where}.{key}: expected {expected}, got {value!r}")
        return value


# --------------------------------------------------------------------------- files


def require_file(path: Path, what: str = "file") -> Path:
    if not path.exists():
        raise InputError(f"{path}: {what} does not exist")
    if path.is_dir():
        raise InputError(f"{path}: expected a {what}, found a folder")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: file is empty")
    return path


def load_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    """The files of a download's ``manifest.json`` in ``folder`` ({} without one)."""
    path = folder / MANIFEST
    if not path.exists():
        return {}
    try:
        return dict(json.loads(path.read_text())["files"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not a readable download manifest ({exc})") from None


def record_file(
    path: Path, report: Report, files: dict[str, str], manifest: Mapping[str, Any], digest: str | None = None
) -> None:
    """Report a file's size and sha256; check them against the download manifest if there is one.

    ``digest``: the file's sha256 when the caller already computed it (e.g. in the background
    while parsing); otherwise it is computed here.
    """
    size = path.stat().st_size
    digest = digest or store.file_sha256(path)
    expected = manifest.get(path.name)
    if expected is not None and (int(expected["bytes"]) != size or expected["sha256"] != digest):
        raise InputError(
            f"{path}: {size} bytes, sha256 {digest[:16]}... differ from the download manifest "
            f"({expected['bytes']} bytes, sha256 {str(expected['sha256'])[:16]}...): the file is truncated "
            "or was modified; delete it and run the download rule again"
        )
    files[path.name] = digest
    report.add(f"file:{path.name}", size, f"sha256:{digest}" + (" (matches download manifest)" if expected else ""))


def check_complete(path: Path) -> None:
    """Text tables written by CSV/JSON-lines writers end with a line break; a cut file usually does not."""
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        if handle.read(1) not in (b"\n", b"\r"):
            raise InputError(
                f"{path}: does not end with a line break, so its last row is incomplete: the file looks "
                "truncated (download or copy it again)"
            )


def csv_header(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8", errors="replace") as handle:
        try:
            return next(csv.reader(handle))
        except StopIteration:
            raise InputError(f"{path}: file is empty") from None


def require_columns(path: Path, found: list[str], required: list[str]) -> None:
    missing = [c for c in required if c not in found]
    if missing:
        raise InputError(f"{path}: missing required column '{missing[0]}' (all missing: {missing}); found {found}")


def split_from_name(name: str) -> str | None:
    """The split a file name states (``gsm8k-train.json`` -> train), None without one."""
    match = re.search(r"(?:^|[_.\-])(train|val|test)(?=[_.\-]|$)", Path(name).stem)
    return match.group(1) if match else None


# --------------------------------------------------------------------------- models table


def read_models_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a model cost table (CSV: model, params_b[, usd_per_query, tokens, latency_s,
    usd_per_million_tokens, source_model]).

    ``source_model`` (optional) is the model's name in the data file when it differs from ``model``.
    ``usd_per_million_tokens`` (optional) is a price, used by the ``long`` adapter to turn per-row
    tokens into per-row USD. Costs must be numbers > 0 where given (empty cells are allowed: unknown cost).
    """
    path = require_file(Path(path), "model cost table")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable CSV model table ({exc})") from None
    require_columns(path, list(df.columns), ["model", "params_b"])
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


def costed_models(
    data_models: pd.Series,
    table_path: str,
    data_file: str,
    report: Report,
    required: tuple[str, ...] = ("params_b",),
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Match the data's model names to the cost table at ``table_path``; returns (models frame, data
    name -> model). Every column in ``required`` must be given for every model of the data."""
    table = read_models_table(table_path)
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


def costed_labels(
    labels: pd.DataFrame, table_path: str, data_file: str, report: Report
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(models with params_b from the cost table, labels with the table's model names)."""
    models, rename = costed_models(labels["model"], table_path, data_file, report)
    return models, labels.assign(model=labels["model"].astype(str).map(rename))
