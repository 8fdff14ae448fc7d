"""Adapters for public routing datasets in their own layouts, one module each.

* ``llmrouter`` (:mod:`.llmrouter`): ulab-uiuc/LLMRouter's train/test JSON, query files and LLM table.
* ``routerdc`` (:mod:`.routerdc`): RouterDC's per-task JSON files (split and task from the file name).
* ``carrot`` (:mod:`.carrot`): CARROT's open-leaderboard-v2 pickle (numpy-only restricted unpickler).

Each module has ``read(source, options, report, files)`` returning the shared assembly's inputs
(``ingest._Raw``), ``check_options(options, where)`` for its own option keys, and ``REMOTE``: the
upstream repository, pinned commit and files its ``download`` path fetches (:mod:`._remote`).
``routerbench_plus.ingest`` dispatches to them (adapter names in ``ingest.PACKAGE_ADAPTERS``), so
every shared policy (NaN labels, conflicts, blank prompts, splits) applies to them unchanged.
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from ..errors import ConfigError
from . import _remote, carrot, llmrouter, routerdc

MODULES = {"llmrouter": llmrouter, "routerdc": routerdc, "carrot": carrot}
READERS = {name: module.read for name, module in MODULES.items()}
REMOTE = {name: module.REMOTE for name, module in MODULES.items()}


def check_options(adapter: str, opts: dict[str, Any], where: str) -> dict[str, Any]:
    """The adapter's own option checks (the common ones are done by ``ingest.check_options``)."""
    return MODULES[adapter].check_options(opts, where)


def download(
    adapter: str,
    dest: str | os.PathLike,
    revision: str | None = None,
    raw_url: str | None = None,
    api_url: str | None = None,
) -> pd.DataFrame:
    """Fetch the adapter's upstream files at the pinned commit (or ``revision``), verified, into ``dest``."""
    if adapter not in REMOTE:
        raise ConfigError(f"no download path for adapter '{adapter}'; adapters with one: {sorted(REMOTE)}")
    return _remote.fetch(REMOTE[adapter], dest, revision=revision, raw_url=raw_url, api_url=api_url)
