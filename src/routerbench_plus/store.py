"""The canonical benchmark layout, read and written in one place.

A benchmark is three Parquet tables (see docs/layout.md):

* queries: query_id, prompt, category, split (train/val/test), source
* models:  model, params_b, usd_per_query, tokens, latency_s, is_pseudo
* labels:  query_id, model, label (float32 in [0, 1]); missing pairs are simply absent;
  optional per-(query, model) costs cost_usd, cost_tokens, cost_latency_s (float64, NaN: the
  model's constant cost from the models table)

Every Parquet file written here is written atomically (temp file + rename, so a killed
job leaves nothing partial) and carries a provenance record in its schema metadata.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import logging
import os
import sys
import tempfile
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import InputError, RouterBenchError

log = logging.getLogger("routerbench_plus")

PROVENANCE_KEY = b"routerbench_plus"
SPLITS = ("train", "val", "test")

QUERY_COLUMNS: dict[str, str] = {
    "query_id": "string",
    "prompt": "string",
    "category": "string",
    "split": "string",
    "source": "string",
}
MODEL_COLUMNS: dict[str, str] = {
    "model": "string",
    "params_b": "float64",
    "usd_per_query": "float64",
    "tokens": "float64",
    "latency_s": "float64",
    "is_pseudo": "bool",
}
LABEL_COLUMNS: dict[str, str] = {"query_id": "string", "model": "string", "label": "float32"}

# Cost type (config name) -> column of the models table that holds it.
COST_COLUMNS: dict[str, str] = {
    "params": "params_b",
    "usd": "usd_per_query",
    "tokens": "tokens",
    "latency": "latency_s",
}
# Cost type -> optional per-(query, model) cost column of the labels table. An absent column or a
# NaN cell means the model's constant cost (COST_COLUMNS of the models table). Parameter counts are a
# property of the model: there is no per-query column for them.
QUERY_COST_COLUMNS: dict[str, str] = {
    "usd": "cost_usd",
    "tokens": "cost_tokens",
    "latency": "cost_latency_s",
}
COST_UNITS: dict[str, str] = {
    "params": "parameters (billions)",
    "usd": "USD per query",
    "tokens": "tokens per query",
    "latency": "latency (s per query)",
}


def package_version() -> str:
    try:
        return metadata.version("routerbench-plus")
    except metadata.PackageNotFoundError:  # running from a source tree
        return "0+unknown"


# --------------------------------------------------------------------------- Parquet I/O


def file_sha256(path: str | os.PathLike, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def config_hash(config: Any) -> str:
    """Stable hash of a JSON-able config fragment (keys sorted)."""
    text = json.dumps(config, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def make_provenance(
    params: Mapping[str, Any] | None = None,
    inputs: Sequence[str | os.PathLike] = (),
    seed: int | None = None,
) -> dict[str, Any]:
    """Provenance record: package version, hash of the rule's params, seed, input hashes."""
    return {
        "package_version": package_version(),
        "config_hash": config_hash(dict(params or {})),
        "seed": seed,
        "inputs": {Path(p).name + ":" + str(i): file_sha256(p) for i, p in enumerate(inputs)},
    }


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp path next to ``path``; rename onto it only if the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def remove_stale_temp_files(outputs: Sequence[str | os.PathLike]) -> int:
    """Delete the temp files of :func:`atomic_path` that a killed earlier write of ``outputs`` left.

    Only safe where no other process writes the same files (a Snakemake job owns its outputs);
    returns how many were removed.
    """
    removed = 0
    for output in outputs:
        target = Path(output)
        for stale in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
                removed += 1
    return removed


def write(
    df: pd.DataFrame,
    path: str | os.PathLike,
    provenance: Mapping[str, Any] | None = None,
) -> None:
    """Write ``df`` to Parquet atomically, index dropped, provenance in the metadata."""
    table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[PROVENANCE_KEY] = json.dumps(dict(provenance or {}), sort_keys=True).encode()
    table = table.replace_schema_metadata(meta)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def read(path: str | os.PathLike, required: Sequence[str] = ()) -> pd.DataFrame:
    """Read a Parquet table; a corrupt file or a missing column is one clear InputError."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file does not exist")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: file is empty, expected a Parquet table")
    try:
        df = pq.read_table(path).to_pandas()
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(
            f"{path}: missing required column(s) {missing}; found {list(df.columns)}"
        )
    return df


def read_all(paths: Sequence[str | os.PathLike], required: Sequence[str] = ()) -> pd.DataFrame:
    """Several tables of one kind (e.g. one per split), read with :func:`read` and stacked in the
    order given (a fresh 0..n-1 index)."""
    return pd.concat([read(path, required) for path in paths], ignore_index=True)


def read_provenance(path: str | os.PathLike) -> dict[str, Any]:
    meta = pq.read_schema(path).metadata or {}
    return json.loads(meta.get(PROVENANCE_KEY, b"{}"))


# --------------------------------------------------------------------------- canonical layout


def _coerce(df: pd.DataFrame, spec: Mapping[str, str], where: str) -> pd.DataFrame:
    missing = [c for c in spec if c not in df.columns]
    if missing:
        raise InputError(f"{where}: missing required column(s) {missing}; found {list(df.columns)}")
    out = df[list(spec)].copy()
    for column, dtype in spec.items():
        try:
            out[column] = out[column].astype(dtype)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{where}: column '{column}' cannot be read as {dtype} ({exc})") from None
    return out


def normalise_queries(df: pd.DataFrame, where: str = "queries") -> pd.DataFrame:
    """Check and type a queries table; fill optional columns."""
    df = df.copy()
    if "prompt" not in df.columns:
        df["prompt"] = pd.NA
    if "source" not in df.columns:
        df["source"] = ""
    out = _coerce(df, QUERY_COLUMNS, where)
    if out["query_id"].isna().any():
        raise InputError(f"{where}: column 'query_id' has missing values")
    dup = out["query_id"].duplicated()
    if dup.any():
        raise InputError(
            f"{where}: column 'query_id' must be unique; repeated ids e.g. "
            f"{out.loc[dup, 'query_id'].head(3).tolist()}"
        )
    bad = ~out["split"].isin(SPLITS)
    if bad.any():
        raise InputError(
            f"{where}: column 'split' must be one of {list(SPLITS)}; found "
            f"{sorted(out.loc[bad, 'split'].astype(str).unique())[:5]}"
        )
    return out.sort_values("query_id", kind="stable").reset_index(drop=True)


def normalise_models(df: pd.DataFrame, where: str = "models") -> pd.DataFrame:
    """Check and type a models table; costs must be positive where given."""
    df = df.copy()
    for column in ("usd_per_query", "tokens", "latency_s", "params_b"):
        if column not in df.columns:
            df[column] = np.nan
    if "is_pseudo" not in df.columns:
        df["is_pseudo"] = False
    out = _coerce(df, MODEL_COLUMNS, where)
    dup = out["model"].duplicated()
    if dup.any():
        raise InputError(f"{where}: column 'model' must be unique; repeated {out.loc[dup, 'model'].tolist()[:3]}")
    for column in COST_COLUMNS.values():
        bad = out[column].notna() & ~(out[column] > 0)
        if bad.any():
            raise InputError(
                f"{where}: column '{column}' must be > 0 (a cost); model(s) "
                f"{out.loc[bad, 'model'].tolist()[:3]} have {out.loc[bad, column].tolist()[:3]}"
            )
    return out.sort_values("model", kind="stable").reset_index(drop=True)


def normalise_labels(df: pd.DataFrame, where: str = "labels") -> pd.DataFrame:
    """Check and type a long labels table: no NaN, values in [0, 1], unique (model, query).

    The optional per-query cost columns (QUERY_COST_COLUMNS) are kept as float64 (NaN allowed:
    the model's constant cost); other extra columns are dropped.
    """
    out = _coerce(df, LABEL_COLUMNS, where)
    for column in QUERY_COST_COLUMNS.values():
        if column in df.columns:
            out[column] = _query_cost_column(df[column], column, where)
    if out["label"].isna().any():
        raise InputError(
            f"{where}: column 'label' has {int(out['label'].isna().sum())} NaN value(s); "
            "missing labels must be absent rows, not NaN (set ingest.nan_labels to 'drop' to drop them)"
        )
    bad = (out["label"] < 0) | (out["label"] > 1)
    if bad.any():
        raise InputError(
            f"{where}: column 'label' must be in [0, 1]; found e.g. {out.loc[bad, 'label'].head(3).tolist()}"
        )
    # integer codes instead of string comparisons: this runs on millions of labels
    model_codes, _ = pd.factorize(out["model"], sort=True)
    query_codes, query_uniques = pd.factorize(out["query_id"], sort=True)
    pair = model_codes.astype(np.int64) * max(len(query_uniques), 1) + query_codes
    order = np.argsort(pair, kind="stable")
    repeated = np.flatnonzero(np.diff(pair[order]) == 0)
    if len(repeated):
        first = out.iloc[order[repeated[0]]]
        raise InputError(
            f"{where}: (model, query_id) pairs must be unique (one label per pair); {len(repeated)} repeated "
            f"row(s), e.g. ({first['model']}, {first['query_id']}) (ingestion merges repeats by ingest.conflicts)"
        )
    return out.iloc[order].reset_index(drop=True)


def _query_cost_column(values: pd.Series, column: str, where: str) -> np.ndarray:
    """A per-query cost column as float64: finite and >= 0 where given, NaN where not."""
    try:
        out = pd.to_numeric(values, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{where}: column '{column}' (per-query cost) must be numeric ({exc})") from None
    bad = ~np.isnan(out) & ~(np.isfinite(out) & (out >= 0))
    if bad.any():
        raise InputError(
            f"{where}: column '{column}' (per-query cost) must be a finite number >= 0 or empty (the model's "
            f"constant cost); found {int(bad.sum())} value(s) like {out[bad][:3].tolist()}"
        )
    return out


@dataclass(frozen=True)
class LabelMatrix:
    """Dense models x queries labels; ``mask`` is True where a label was observed.

    Missing entries hold NaN in ``values`` so that no stage can read them as 0 by accident.
    """

    values: np.ndarray  # float32 (n_models, n_queries), NaN where missing
    mask: np.ndarray  # bool (n_models, n_queries)
    models: pd.Index
    query_ids: pd.Index

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape  # type: ignore[return-value]

    def filled(self, value: float = 0.0) -> np.ndarray:
        """Values with missing entries set to ``value`` (callers must also use ``mask``)."""
        return np.where(self.mask, self.values, np.float32(value)).astype(np.float32)

    def subset(
        self, models: Sequence[str] | None = None, query_ids: Sequence[str] | None = None
    ) -> LabelMatrix:
        rows = np.arange(len(self.models)) if models is None else self.models.get_indexer(models)
        cols = np.arange(len(self.query_ids)) if query_ids is None else self.query_ids.get_indexer(query_ids)
        if (rows < 0).any() or (cols < 0).any():
            raise InputError("label matrix subset names models or queries that are not in the benchmark")
        return LabelMatrix(
            values=self.values[np.ix_(rows, cols)],
            mask=self.mask[np.ix_(rows, cols)],
            models=self.models[rows],
            query_ids=self.query_ids[cols],
        )


def positions(values: pd.Series, index: pd.Index) -> np.ndarray:
    """Position of each value in ``index`` (-1 if absent); fast for long columns with few distinct values."""
    codes, uniques = pd.factorize(values)
    lookup = np.append(index.get_indexer(pd.Index(uniques, dtype=object)), -1)
    return lookup[codes]  # code -1 (missing value) maps to the appended -1


def label_matrix(
    labels: pd.DataFrame,
    models: Sequence[str] | None = None,
    query_ids: Sequence[str] | None = None,
) -> LabelMatrix:
    """Pivot a long labels table into a LabelMatrix (vectorised, no Python loop)."""
    model_index = pd.Index(sorted(labels["model"].unique()) if models is None else list(models), dtype=object)
    query_index = pd.Index(
        sorted(labels["query_id"].unique()) if query_ids is None else list(query_ids), dtype=object
    )
    rows = positions(labels["model"], model_index)
    cols = positions(labels["query_id"], query_index)
    keep = (rows >= 0) & (cols >= 0)
    values = np.full((len(model_index), len(query_index)), np.nan, dtype=np.float32)
    values[rows[keep], cols[keep]] = labels["label"].to_numpy(dtype=np.float32)[keep]
    return LabelMatrix(values=values, mask=~np.isnan(values), models=model_index, query_ids=query_index)


@dataclass(frozen=True)
class Benchmark:
    """A benchmark in the canonical layout (three typed tables)."""

    queries: pd.DataFrame
    models: pd.DataFrame
    labels: pd.DataFrame
    name: str = "benchmark"
    _matrix: list = field(default_factory=list, repr=False, compare=False)
    _cost_matrices: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_frames(
        cls, queries: pd.DataFrame, models: pd.DataFrame, labels: pd.DataFrame, name: str = "benchmark"
    ) -> Benchmark:
        """Validate the three tables against each other and return a Benchmark."""
        q = normalise_queries(queries, f"{name} queries")
        m = normalise_models(models, f"{name} models")
        lab = normalise_labels(labels, f"{name} labels")
        unknown_models = sorted(set(lab["model"].unique()) - set(m["model"]))
        if unknown_models:
            raise InputError(
                f"{name} labels: model(s) {unknown_models[:5]} are not in the models table (no cost known)"
            )
        unknown_queries = positions(lab["query_id"], pd.Index(q["query_id"], dtype=object)) < 0
        if unknown_queries.any():
            raise InputError(
                f"{name} labels: {int(unknown_queries.sum())} row(s) name query ids not in the queries "
                f"table, e.g. {lab['query_id'].to_numpy()[unknown_queries][:3].tolist()}"
            )
        unlabelled = ~q["query_id"].isin(lab["query_id"].unique())
        if unlabelled.any():
            raise InputError(
                f"{name} queries: {int(unlabelled.sum())} query id(s) have no label for any model, e.g. "
                f"{q.loc[unlabelled, 'query_id'].head(3).tolist()}"
            )
        return cls(queries=q, models=m, labels=lab, name=name)

    @property
    def matrix(self) -> LabelMatrix:
        """Dense label matrix (models in models-table order, queries in queries-table order)."""
        if not self._matrix:
            self._matrix.append(label_matrix(self.labels, self.models["model"], self.queries["query_id"]))
        return self._matrix[0]

    def costs(self, cost: str) -> np.ndarray:
        """Per-model cost vector (models-table order) for a cost type of COST_COLUMNS."""
        if cost not in COST_COLUMNS:
            raise InputError(f"unknown cost type '{cost}'; expected one of {list(COST_COLUMNS)}")
        values = self.models[COST_COLUMNS[cost]].to_numpy(dtype=np.float64)
        if np.isnan(values).any():
            missing = self.models.loc[np.isnan(values), "model"].tolist()
            raise InputError(
                f"{self.name} models: column '{COST_COLUMNS[cost]}' (cost '{cost}') is missing for {missing[:5]}"
            )
        return values

    def has_query_costs(self, cost: str) -> bool:
        """True when the labels table gives a per-query cost of this type for at least one pair."""
        column = QUERY_COST_COLUMNS.get(cost)
        return column is not None and column in self.labels.columns and bool(self.labels[column].notna().any())

    def cost_matrix(self, cost: str) -> np.ndarray:
        """(models x queries) float64 cost of a cost type, models- and queries-table order.

        The pair's own cost (labels column QUERY_COST_COLUMNS[cost]) where given, the model's
        constant cost (:meth:`costs`) where the column is absent, the cell NaN or the pair unlabelled.
        """
        if cost not in self._cost_matrices:
            constant = self.costs(cost)
            matrix = np.repeat(constant[:, None], len(self.queries), axis=1)
            if self.has_query_costs(cost):
                values = self.labels[QUERY_COST_COLUMNS[cost]].to_numpy(dtype=np.float64)
                given = ~np.isnan(values)
                rows = positions(self.labels["model"][given], pd.Index(self.models["model"], dtype=object))
                cols = positions(self.labels["query_id"][given], pd.Index(self.queries["query_id"], dtype=object))
                keep = (rows >= 0) & (cols >= 0)
                matrix[rows[keep], cols[keep]] = values[given][keep]
            matrix.flags.writeable = False  # cached and shared
            self._cost_matrices[cost] = matrix
        return self._cost_matrices[cost]

    def cost_types(self) -> list[str]:
        """Cost types known for every model of this benchmark."""
        return [c for c, col in COST_COLUMNS.items() if self.models[col].notna().all()]

    def subset(self, query_ids: Sequence[str] | None = None, models: Sequence[str] | None = None) -> Benchmark:
        """A benchmark restricted to some queries and/or models (labels follow)."""
        q, m, lab = self.queries, self.models, self.labels
        if query_ids is not None:
            q = q[q["query_id"].isin(set(query_ids))]
            lab = lab[lab["query_id"].isin(set(query_ids))]
        if models is not None:
            m = m[m["model"].isin(set(models))]
            lab = lab[lab["model"].isin(set(models))]
        q = q[q["query_id"].isin(lab["query_id"])]
        return Benchmark(q.reset_index(drop=True), m.reset_index(drop=True), lab.reset_index(drop=True), self.name)


BENCHMARK_FILES = ("queries", "models", "labels")


def read_benchmark(
    queries: str | os.PathLike, models: str | os.PathLike, labels: str | os.PathLike, name: str | None = None
) -> Benchmark:
    """Read the three canonical tables and validate them."""
    name = name or Path(queries).parent.as_posix()
    return Benchmark.from_frames(
        read(queries, ["query_id", "category", "split"]),
        read(models, ["model"]),
        read(labels, list(LABEL_COLUMNS)),
        name=name,
    )


def write_benchmark(
    bench: Benchmark,
    queries: str | os.PathLike,
    models: str | os.PathLike,
    labels: str | os.PathLike,
    provenance: Mapping[str, Any] | None = None,
) -> None:
    write(bench.queries, queries, provenance)
    write(bench.models, models, provenance)
    write(bench.labels, labels, provenance)


# --------------------------------------------------------------------------- embeddings


@dataclass(frozen=True)
class Embeddings:
    """L2-normalised float32 vectors keyed by query id."""

    query_ids: pd.Index
    vectors: np.ndarray  # float32 (n, d)
    encoder: str

    def take(self, query_ids: Sequence[str]) -> np.ndarray:
        pos = self.query_ids.get_indexer(list(query_ids))
        if (pos < 0).any():
            raise InputError(
                f"embeddings (encoder {self.encoder}) lack {int((pos < 0).sum())} query id(s), "
                f"e.g. {list(np.asarray(query_ids)[pos < 0][:3])}"
            )
        return self.vectors[pos]


def write_embeddings(emb: Embeddings, path: str | os.PathLike, provenance: Mapping[str, Any] | None = None) -> None:
    dim = emb.vectors.shape[1]
    flat = pa.array(np.ascontiguousarray(emb.vectors, dtype=np.float32).ravel())
    table = pa.table(
        {
            "query_id": pa.array(list(emb.query_ids), pa.string()),
            "embedding": pa.FixedSizeListArray.from_arrays(flat, dim),
        }
    )
    meta = {
        PROVENANCE_KEY: json.dumps(dict(provenance or {}), sort_keys=True).encode(),
        b"encoder": emb.encoder.encode(),
    }
    table = table.replace_schema_metadata(meta)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def read_embeddings(path: str | os.PathLike) -> Embeddings:
    path = Path(path)
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
    if "query_id" not in table.column_names or "embedding" not in table.column_names:
        raise InputError(f"{path}: expected columns 'query_id' and 'embedding'; found {table.column_names}")
    column = table.column("embedding").combine_chunks()
    dim = column.type.list_size
    vectors = column.flatten().to_numpy(zero_copy_only=False).astype(np.float32).reshape(-1, dim)
    encoder = (table.schema.metadata or {}).get(b"encoder", b"unknown").decode()
    return Embeddings(pd.Index(table.column("query_id").to_pylist(), dtype=object), vectors, encoder)


# --------------------------------------------------------------------------- rule logging


@contextlib.contextmanager
def rule_logging(log_path: str | os.PathLike | None, outputs: Sequence[str | os.PathLike] = ()) -> Iterator[logging.Logger]:
    """Log to the rule's log file; on error print one line, keep the traceback in the log.

    Outputs of the failing rule are removed so that nothing partial is left behind, and temp
    files an interrupted earlier run of the rule left next to its outputs are removed first.
    """
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_path, mode="w"))
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in handlers:
        handler.setFormatter(fmt)
    root = logging.getLogger()
    root.handlers[:] = handlers
    root.setLevel(logging.INFO)
    try:
        stale = remove_stale_temp_files(outputs)  # a kill -9 during an earlier run of this rule
        if stale:
            log.info("removed %d temp file(s) left by an interrupted earlier run", stale)
        yield log
    except Exception as exc:
        log_file = next((h for h in handlers if isinstance(h, logging.FileHandler)), None)
        if log_file is not None:
            log_file.stream.write(traceback.format_exc())
            log_file.flush()
        for output in outputs:
            with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                os.unlink(output)
        kind = "error" if isinstance(exc, RouterBenchError) else f"unexpected {type(exc).__name__}"
        where = f" (traceback in {log_path})" if log_path else ""
        sys.stderr.write(f"RouterBench+ {kind}: {exc}{where}\n")
        sys.stderr.flush()
        raise SystemExit(1) from None
    finally:
        for handler in handlers:
            handler.close()
        root.handlers[:] = []
