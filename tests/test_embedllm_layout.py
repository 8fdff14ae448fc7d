"""bench/embedllm_layout.py: the full-scale EmbedLLM-layout writer, on a small size."""

from __future__ import annotations

import importlib.util

import pandas as pd
from conftest import REPO


def _load_layout_module():
    spec = importlib.util.spec_from_file_location("embedllm_layout", REPO / "bench" / "embedllm_layout.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


embedllm_layout = _load_layout_module()


def test_embedllm_layout_small(tmp_path):
    rows = embedllm_layout.write_embedllm_layout(tmp_path / "a", n_prompts=200, n_models=5, seed=0, n_categories=8, n_conflicts=6, chunk_prompts=37)
    out = tmp_path / "a"
    assert sorted(p.name for p in out.iterdir()) == [
        "model_order.csv", "model_params.csv", "question_order.csv", "test.csv", "train.csv", "val.csv"
    ]
    splits = {s: pd.read_csv(out / f"{s}.csv") for s in ("train", "val", "test")}
    for s, df in splits.items():
        assert list(df.columns) == ["model_id", "prompt_id", "prompt", "category", "label"]
        assert rows[f"{s}.csv"] == len(df)
        assert set(df["label"]) <= {0, 1}
    models = pd.read_csv(out / "model_order.csv")
    assert list(models.columns) == ["model_id", "model_name"] and len(models) == 5
    params = pd.read_csv(out / "model_params.csv")
    assert list(params.columns) == ["model", "params_b"] and params["model"].tolist() == models["model_name"].tolist()
    assert params["params_b"].between(0.5, 70).all()
    questions = pd.read_csv(out / "question_order.csv")
    assert list(questions.columns) == ["prompt_id", "prompt"]
    assert questions["prompt_id"].tolist() == list(range(200))
    assert questions["prompt"].str.split().str.len().between(30, 300).all()
    # every prompt in exactly one split; val and test ~ EmbedLLM's 3000/35673 share each
    ids = {s: set(df["prompt_id"]) for s, df in splits.items()}
    assert set().union(*ids.values()) == set(range(200))
    assert not (ids["train"] & ids["val"]) and not (ids["train"] & ids["test"]) and not (ids["val"] & ids["test"])
    assert len(ids["val"]) == len(ids["test"]) == round(200 * 3000 / 35673)
    # one row per model x prompt, plus the planted conflicting duplicates in train
    for s in ("val", "test"):
        assert len(splits[s]) == 5 * len(ids[s]) and not splits[s].duplicated(["model_id", "prompt_id"]).any()
    train = splits["train"]
    assert len(train) == 5 * len(ids["train"]) + 6 and rows["n_conflicting_duplicates"] == 6
    dup = train[train.duplicated(["model_id", "prompt_id"], keep=False)]
    assert len(dup) == 12
    assert (dup.groupby(["model_id", "prompt_id"])["label"].nunique() == 2).all()
    # prompt text in the split files matches question_order; categories are consistent per prompt
    merged = train.merge(questions, on="prompt_id", suffixes=("", "_q"))
    assert (merged["prompt"] == merged["prompt_q"]).all()
    assert (train.groupby("prompt_id")["category"].nunique() == 1).all()
    # deterministic: same seed (and chunking) -> identical bytes
    embedllm_layout.write_embedllm_layout(tmp_path / "b", n_prompts=200, n_models=5, seed=0, n_categories=8, n_conflicts=6, chunk_prompts=37)
    for name in ("train.csv", "question_order.csv", "model_order.csv"):
        assert (out / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
