"""Test helper: the Open LLM Leaderboard v2 (CARROT) per-item data as a canonical Benchmark.

Built directly with pandas (independent of the ingestion adapter): leaderboard_ifeval is excluded
(its labels are instruction scores, not per-item correctness), query_id = task + "/" + item_idx,
category = task, a seeded stratified split is drawn, model names use "/" for the file's "__",
and the cost is the public parameter count in billions.
"""

from __future__ import annotations

import functools

import pandas as pd
import pytest
from conftest import shared_data

from routerbench_plus.splits import assign_random_split
from routerbench_plus.store import Benchmark

GENERALIST = "Qwen/Qwen2.5-72B-Instruct"
EXCLUDED_TASK = "leaderboard_ifeval"

# Public parameter counts (billions) of the 19 models (same values as config/models/openllm_v2.csv).
PARAMS_B = {
    "NousResearch/Nous-Hermes-2-Mixtral-8x7B-DPO": 46.7,
    "01-ai/Yi-34B-Chat": 34.39,
    "Qwen/QwQ-32B-Preview": 32.76,
    "Qwen/Qwen2-72B-Instruct": 72.71,
    "Qwen/Qwen2.5-7B-Instruct": 7.62,
    "Qwen/Qwen2.5-72B-Instruct": 72.71,
    "alpindale/WizardLM-2-8x22B": 140.62,
    "deepseek-ai/deepseek-llm-67b-chat": 67.0,
    "google/gemma-2-27b-it": 27.23,
    "google/gemma-2-9b-it": 9.24,
    "google/gemma-2b-it": 2.51,
    "meta-llama/Llama-2-13b-chat-hf": 13.02,
    "meta-llama/Meta-Llama-3.1-70B-Instruct": 70.55,
    "mistralai/Mistral-7B-Instruct-v0.1": 7.24,
    "mistralai/Mistral-7B-Instruct-v0.2": 7.24,
    "mistralai/Mistral-7B-Instruct-v0.3": 7.25,
    "mistralai/Mixtral-8x7B-Instruct-v0.1": 46.7,
    "nvidia/Llama-3.1-Nemotron-70B-Instruct-HF": 70.55,
    "upstage/SOLAR-10.7B-Instruct-v1.0": 10.73,
}


@functools.lru_cache(maxsize=1)
def _load(path: str) -> Benchmark:
    raw = pd.read_parquet(path, columns=["model", "task", "item_idx", "correct"])
    raw = raw[raw["task"] != EXCLUDED_TASK]
    raw = raw.assign(
        query_id=raw["task"].astype(str) + "/" + raw["item_idx"].astype(str),
        model=raw["model"].astype(str).str.replace("__", "/", n=1, regex=False),
    )
    queries = raw[["query_id", "task"]].drop_duplicates("query_id").rename(columns={"task": "category"})
    queries = queries.sort_values("query_id").reset_index(drop=True)
    queries["split"] = assign_random_split(queries["category"], 0.1, 0.2, seed=0).to_numpy()
    queries["source"] = "openllm_v2_raw_long"
    models = pd.DataFrame({"model": list(PARAMS_B), "params_b": list(PARAMS_B.values())})
    labels = raw[["query_id", "model", "correct"]].rename(columns={"correct": "label"})
    return Benchmark.from_frames(queries, models, labels, name="openllm")


def openllm_benchmark() -> Benchmark:
    """The benchmark, or skip the test when ../shared/data is absent."""
    path = shared_data("openllm_leaderboard_v2_carrot", "openllm_v2_raw_long.parquet")
    bench = _load(str(path))
    if set(bench.models["model"]) != set(PARAMS_B):
        pytest.fail("openllm test data: model names differ from the parameter table")
    return bench
