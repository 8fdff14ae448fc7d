"""The ingestion adapters, one module per source layout, and their one registry.

Each module has ``read(source, options, report, files) -> base.Raw`` (the shared assembly's inputs),
an ``Options`` dataclass (its fields are the allowed keys of ``benchmarks.<name>.options``; its
``from_config`` checks the adapter's own keys) and, where the data can be fetched, ``REMOTE``: a
Hugging Face dataset or a GitHub repository at a pinned commit (``download.fetch``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import ConfigError
from ..base import CommonOptions, Raw, Report
from ..download import GitHubSource, HubSource
from . import carrot, embedllm, llmrouter, long, mixinstruct, routerbench, routerdc


@dataclass(frozen=True)
class Adapter:
    """One source layout: its reader, its options, where its files can be fetched."""

    read: Callable[[Path, Any, Report, dict[str, str]], Raw]
    options: type[CommonOptions]
    remote: HubSource | GitHubSource | None = None
    needs_models_table: bool = True  # False: the data gives a cost of its own
    cost_types: tuple[str, ...] = ("params",)  # benchmarks.<b>.cost_types: auto (the source's own cost first)


REGISTRY: dict[str, Adapter] = {
    "embedllm": Adapter(embedllm.read, embedllm.Options, embedllm.REMOTE),
    "routerbench": Adapter(routerbench.read, routerbench.Options, routerbench.REMOTE, needs_models_table=False,
                           cost_types=("usd",)),  # the study's RouterBench cost; closed models have no parameter count
    "mixinstruct": Adapter(mixinstruct.read, mixinstruct.Options, mixinstruct.REMOTE),
    "long": Adapter(long.read, long.Options),
    "llmrouter": Adapter(llmrouter.read, llmrouter.Options, llmrouter.REMOTE, needs_models_table=False,
                         cost_types=("params", "usd")),
    "routerdc": Adapter(routerdc.read, routerdc.Options, routerdc.REMOTE),
    "carrot": Adapter(carrot.read, carrot.Options, carrot.REMOTE),
}


def default_cost_types(adapter: str) -> list[str]:
    """``benchmarks.<b>.cost_types: auto``: the cost types the adapter's source gives every model (the demo: params)."""
    return list(REGISTRY[adapter].cost_types) if adapter in REGISTRY else ["params"]


def check_options(adapter: str, options: Mapping[str, Any] | None, name: str = "benchmark") -> CommonOptions:
    """Validate an adapter's options into its ``Options``: unknown keys and wrong types are
    ConfigErrors naming the key (``benchmarks.<name>.options.<key>``)."""
    if adapter not in REGISTRY:
        raise ConfigError(
            f"benchmarks.{name}.adapter: unknown ingestion adapter '{adapter}'; expected one of "
            f"{sorted(REGISTRY)} (or 'demo', handled by the demo rule)"
        )
    spec = REGISTRY[adapter]
    opts = dict(options or {})
    where = f"benchmarks.{name}.options"
    allowed = spec.options.allowed_keys()
    unknown = sorted(set(opts) - set(allowed))
    if unknown:
        raise ConfigError(
            f"{where}: unknown key '{unknown[0]}' for adapter '{adapter}'; allowed keys: {list(allowed)}"
        )
    table = opts.get("models_table")
    if table is not None and not isinstance(table, str):
        raise ConfigError(f"{where}.models_table: expected a path to a CSV file, got {table!r}")
    if spec.needs_models_table and not table:
        raise ConfigError(
            f"{where}.models_table: required for adapter '{adapter}' (a CSV with columns model, params_b)"
        )
    exclude = opts.get("exclude_categories", [])
    if not isinstance(exclude, (list, tuple)) or not all(isinstance(c, str) for c in exclude):
        raise ConfigError(f"{where}.exclude_categories: expected a list of category names, got {exclude!r}")
    opts["exclude_categories"] = tuple(exclude)
    revision = opts.get("revision")
    if revision is not None and not isinstance(revision, str):
        raise ConfigError(f"{where}.revision: expected a Hub revision (branch, tag or commit) string, got {revision!r}")
    if "block_size_mb" in opts:
        spec.options.number(opts, "block_size_mb", lambda size: 0 < size <= 4096, "a number in (0, 4096]", where)
    return spec.options.from_config(opts, where)
