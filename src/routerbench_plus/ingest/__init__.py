"""Ingestion: read a benchmark in its source layout, return the canonical tables + a report.

``ingest(adapter, source, options, nan_labels, split_cfg)`` reads ``source`` with one adapter of
``adapters.REGISTRY`` (one module each in ``ingest/adapters/``):

* ``embedllm``    RZ412/EmbedLLM: ``{train,val,test}.csv`` + ``model_order.csv``, streamed in blocks.
* ``routerbench`` RouterBench's wide layout, from ``routerbench_0shot.pkl`` (``safe_pickle``) or from
  ``*_{train,test}.csv`` files (the RouterDC split); each row's USD cost kept per query.
* ``mixinstruct`` llm-blender/mix-instruct jsonl; label = exp(bartscore) clipped to [0, 1].
* ``long``        any long table (CSV/Parquet) with a column map in the options (per-row costs too).
* ``llmrouter``, ``routerdc``, ``carrot``: the layouts of LLMRouter, RouterDC and CARROT's
  open-leaderboard-v2 pickle.

Every adapter produces *occurrences* (one row per source row of a query: query_id, prompt, category,
split, file) and long *labels* (query_id, model, label, file; NaN kept); ``assemble`` then applies
the same documented policies to all of them (NaN labels, repeated ids, ids in several splits,
conflicting labels, blank prompts, excluded categories, the split; see its docstring).
``download(adapter, dest)`` fetches an adapter's files, verified (``download`` module).

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

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from .. import store
from ..errors import ConfigError, InputError
from .adapters import REGISTRY, check_options
from .assemble import BLANK_PROMPT_POLICIES, CONFLICT_POLICIES, NAN_POLICIES, Policies, assemble
from .base import MANIFEST, PRICE_COLUMN, Report, read_models_table, report_value
from .download import fetch
from .safe_pickle import NumpyUnpickler, RestrictedUnpickler, read_pickled_frame

__all__ = [
    "BLANK_PROMPT_POLICIES", "CONFLICT_POLICIES", "MANIFEST", "NAN_POLICIES", "PRICE_COLUMN", "REGISTRY",
    "IngestResult", "NumpyUnpickler", "Policies", "Report", "RestrictedUnpickler", "check_options",
    "download", "ingest", "read_models_table", "read_pickled_frame", "report_value",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    """A validated benchmark, its ingest report, and the sha256 of every input file read."""

    benchmark: store.Benchmark
    report: pd.DataFrame
    files: dict[str, str] = field(default_factory=dict)


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

    ``nan_labels``, ``conflicts`` and ``blank_prompts`` are config ``ingest``; ``split_cfg`` is config
    ``split`` (``assemble`` module docstring).
    """
    policies = Policies(nan_labels, conflicts, blank_prompts, dict(split_cfg or {}))
    opts = check_options(adapter, options, name)
    source = Path(source)
    if not source.exists():
        raise InputError(f"{source}: source does not exist (config benchmarks.{name}.source)")
    report = Report()
    files: dict[str, str] = {}
    raw = REGISTRY[adapter].read(source, opts, report, files)
    bench = assemble(raw, report, replace(policies, exclude_categories=opts.exclude_categories), name, adapter)
    log.info(
        "ingested %s with adapter %s: %d queries, %d models, %d labels",
        name, adapter, len(bench.queries), len(bench.models), len(bench.labels),
    )
    return IngestResult(benchmark=bench, report=report.frame(), files=files)


def download(
    adapter: str,
    dest: str | os.PathLike,
    revision: str | None = None,
    raw_url: str | None = None,
    api_url: str | None = None,
) -> pd.DataFrame:
    """Fetch an adapter's source files (Hugging Face Hub, or GitHub at a pinned commit) into ``dest``,
    verified, with ``manifest.json`` (``download`` module). ``revision`` replaces the Hub revision or
    the pinned commit; ``raw_url`` / ``api_url`` point a GitHub download at a mirror."""
    remote = REGISTRY[adapter].remote if adapter in REGISTRY else None
    if remote is None:
        with_remote = sorted(a for a, spec in REGISTRY.items() if spec.remote is not None)
        raise ConfigError(
            f"source 'hf' / 'download' (a verified download) is available for adapters {with_remote}, not '{adapter}'"
        )
    return fetch(remote, dest, revision=revision, raw_url=raw_url, api_url=api_url)
