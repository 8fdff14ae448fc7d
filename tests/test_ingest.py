"""Ingestion adapters on small files in each source's real layout, the real shared data, and bad inputs."""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, run_snakemake, shared_data

from routerbench_plus import ingest, store
from routerbench_plus.errors import ConfigError, InputError
from routerbench_plus.ingest.download import git_blob_sha1

SPLIT = {"val_fraction": 0.1, "test_fraction": 0.2, "seed": 0}
OPENLLM_OPTIONS = {
    "columns": {
        "query_id": ["task", "item_idx"],
        "category": "task",
        "model": "model",
        "label": "correct",
        "prompt": None,
        "split": None,
    },
    "models_table": str(REPO / "config/models/openllm_v2.csv"),
    "exclude_categories": ["leaderboard_ifeval"],
}


def value(result: ingest.IngestResult, key: str) -> int:
    return ingest.report_value(result.report, key)


# --------------------------------------------------------------------------- routerbench (real subset)


@pytest.fixture(scope="module")
def routerbench_dc() -> ingest.IngestResult:
    source = shared_data("routerbench_routerdc_subset")
    return ingest.ingest(
        "routerbench", source, {"models_table": str(REPO / "config/models/routerbench.csv")}, "drop", SPLIT, "rb"
    )


def test_routerbench_subset_reports_the_real_defects(routerbench_dc):
    r = routerbench_dc
    # NaN label cells: 92 in the ARC train file, 62 in the ARC test file, dropped and counted
    assert value(r, "nan_labels:file:arc_challenge_train.csv") == 92
    assert value(r, "nan_labels:file:arc_challenge_test.csv") == 62
    assert value(r, "nan_labels:split:train") == 92
    assert value(r, "nan_labels:split:test") == 62
    assert value(r, "nan_labels") == 154
    # sample_ids repeated inside a file: 7 in ARC train (14 rows), 1 in ARC test (2 rows)
    assert value(r, "repeated_ids") == 8
    detail = r.report.set_index("key").loc["repeated_ids", "detail"]
    assert "arc_challenge_train.csv: 7 ids in 14 rows" in detail
    assert "arc_challenge_test.csv: 1 ids in 2 rows" in detail
    # 6 sample_ids in both ARC train and test: kept in test only
    assert value(r, "ids_in_multiple_splits") == 6
    assert value(r, "rows_read") == 3178
    assert value(r, "n_queries") == 3178 - 8 - 6 == 3164
    assert value(r, "n_train") + value(r, "n_val") == 1039 + 299 + 887 - 7 - 6
    # train and test but no val: 10 % of each category's training queries carved out as val
    assert value(r, "n_val") == value(r, "val_carved") == round(0.1 * (1039 - 7 - 6)) + round(0.1 * 299) + round(0.1 * 887)
    assert value(r, "n_test") == 445 + 128 + 380 - 1
    assert value(r, "category:arc-challenge") == 1039 + 445 - 8 - 6
    assert value(r, "prompt_lists_repeated_parts") == 14


def test_routerbench_subset_policies_applied(routerbench_dc):
    b = routerbench_dc.benchmark
    q = b.queries.set_index("query_id")
    assert q.index.is_unique
    for sid in ["arc-challenge.val.136", "arc-challenge.val.137", "arc-challenge.val.19",
                "arc-challenge.val.26", "arc-challenge.val.287", "arc-challenge.val.297"]:
        assert q.loc[sid, "split"] == "test"
    # the repeated / cross-split rows hold complementary halves of the models (one has only
    # gpt-3.5, the other the ten others): merged, every query has all 11 labels, none invented
    assert len(b.labels) == 3164 * 11
    assert b.labels.groupby("query_id").size().eq(11).all()
    assert set(np.unique(b.labels["label"])) <= {0.0, 1.0}
    # prompts are the parsed strings, not the list repr
    assert not q["prompt"].str.startswith("['").any()
    assert q.loc["mbpp.dev.1", "prompt"] == "Write a python function to identify non-prime numbers."


def test_routerbench_subset_usd_costs(routerbench_dc):
    m = routerbench_dc.benchmark.models.set_index("model")
    assert len(m) == 11
    assert (m["usd_per_query"] > 0).all()
    assert m.loc["gpt-4-1106-preview", "usd_per_query"] > 10 * m.loc["mistralai/mistral-7b-chat", "usd_per_query"]
    assert math.isnan(m.loc["gpt-4-1106-preview", "params_b"])
    assert m.loc["mistralai/mixtral-8x7b-chat", "params_b"] == pytest.approx(46.7)
    # hand check: mean of the column over the model's labelled rows of all six files
    frames = [pd.read_csv(p) for p in sorted(shared_data("routerbench_routerdc_subset").glob("*.csv"))]
    raw = pd.concat(frames)
    model = "gpt-3.5-turbo-1106"
    expected = raw.loc[raw[model].notna(), f"{model}|total_cost"].mean()
    assert m.loc[model, "usd_per_query"] == pytest.approx(expected)


def test_routerbench_subset_keeps_each_rows_usd(routerbench_dc):
    b = routerbench_dc.benchmark
    assert b.has_query_costs("usd")
    frames = [pd.read_csv(p) for p in sorted(shared_data("routerbench_routerdc_subset").glob("*.csv"))]
    raw = pd.concat(frames).drop_duplicates("sample_id", keep=False).set_index("sample_id")  # ids seen once
    model = "gpt-4-1106-preview"
    kept = b.labels[b.labels["model"] == model].set_index("query_id")["cost_usd"]
    shared = kept.index.intersection(raw.index)
    assert len(shared) > 3000
    np.testing.assert_array_equal(kept[shared].to_numpy(), raw.loc[shared, f"{model}|total_cost"].to_numpy())
    assert kept.nunique() > 100  # the cost differs per row, it is not the model's mean
    assert kept.notna().all() and value(routerbench_dc, "query_costs:usd") == 3178 * 11 - 154
    # the model's constant (the fallback and its one number) is still the mean
    assert b.models.set_index("model").loc[model, "usd_per_query"] == pytest.approx(kept.mean(), rel=0.01)


def test_routerbench_nan_policy_error_names_count_and_file():
    source = shared_data("routerbench_routerdc_subset")
    with pytest.raises(InputError) as exc:
        ingest.ingest("routerbench", source, {}, "error", SPLIT, "rb")
    message = str(exc.value)
    assert "154 NaN label(s)" in message
    assert "arc_challenge_train.csv: 92" in message and "arc_challenge_test.csv: 62" in message


def test_ingest_is_deterministic(routerbench_dc, tmp_path):
    again = ingest.ingest(
        "routerbench",
        shared_data("routerbench_routerdc_subset"),
        {"models_table": str(REPO / "config/models/routerbench.csv")},
        "drop",
        SPLIT,
        "rb",
    )
    for i, result in enumerate((routerbench_dc, again)):
        store.write_benchmark(result.benchmark, *(tmp_path / f"{n}{i}.parquet" for n in store.BENCHMARK_FILES))
        store.write(result.report, tmp_path / f"report{i}.parquet")
    for name in (*store.BENCHMARK_FILES, "report"):
        assert store.file_sha256(tmp_path / f"{name}0.parquet") == store.file_sha256(tmp_path / f"{name}1.parquet")


# --------------------------------------------------------------------------- routerbench (pickle)


def routerbench_wide() -> pd.DataFrame:
    """A small frame in RouterBench's wide layout (prompts as list objects, as in the pickle)."""
    n = 10
    rows = {
        "sample_id": [f"task{i % 2}.dev.{i}" for i in range(n)],
        "prompt": [[f"question {i}?"] for i in range(n)],
        "eval_name": [f"task{i % 2}" for i in range(n)],
        "small": [float(i % 2) for i in range(n)],
        "small|model_response": ["r"] * n,
        "small|total_cost": [0.001] * n,
        "big": [1.0] * n,
        "big|model_response": ["r"] * n,
        "big|total_cost": [0.01 + 0.001 * i for i in range(n)],
        "oracle_model_to_route_to": ["small"] * n,
    }
    rows["prompt"][3] = ["few-shot examples\n", "question 3?"]
    return pd.DataFrame(rows)


def test_routerbench_pickle_with_random_split(tmp_path):
    frame = routerbench_wide()
    path = tmp_path / "routerbench_0shot.pkl"
    frame.to_pickle(path)
    result = ingest.ingest("routerbench", tmp_path, {"format": "pkl"}, "drop", SPLIT, "rbp")
    b = result.benchmark
    assert len(b.queries) == 10 and len(b.labels) == 20
    assert value(result, "split_source") == 0
    assert "seeded split" in result.report.set_index("key").loc["split_source", "detail"]
    assert b.queries.groupby("category")["split"].apply(lambda s: (s == "test").sum()).ge(1).all()
    q = b.queries.set_index("query_id")
    assert q.loc["task1.dev.3", "prompt"] == "few-shot examples\n\nquestion 3?"
    assert value(result, "prompt_lists_joined") == 1
    m = b.models.set_index("model")
    assert m.loc["big", "usd_per_query"] == pytest.approx(np.mean([0.01 + 0.001 * i for i in range(10)]))
    big = b.labels[b.labels["model"] == "big"].set_index("query_id")["cost_usd"]
    for i in range(10):  # each row keeps its own total_cost
        assert big[f"task{i % 2}.dev.{i}"] == pytest.approx(0.01 + 0.001 * i)
    assert result.files["routerbench_0shot.pkl"] == hashlib.sha256(path.read_bytes()).hexdigest()


class _Exploit:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_restricted_unpickler_loads_dataframe(tmp_path):
    frame = routerbench_wide()
    for protocol in (2, 4, 5):
        path = tmp_path / f"frame{protocol}.pkl"
        path.write_bytes(pickle.dumps(frame, protocol=protocol))
        pd.testing.assert_frame_equal(ingest.read_pickled_frame(path), frame)


@pytest.mark.parametrize("payload", ["system", "eval", "nested"])
def test_restricted_unpickler_rejects_code(tmp_path, payload):
    marker = tmp_path / "pwned"
    if payload == "system":
        obj, rejected = _Exploit(marker), f"{os.system.__module__}.system"
    elif payload == "eval":
        obj, rejected = _EvalExploit(marker), "builtins.eval"
    else:  # hidden inside an otherwise valid DataFrame
        obj, rejected = pd.DataFrame({"a": [_Exploit(marker)]}), f"{os.system.__module__}.system"
    path = tmp_path / "routerbench_0shot.pkl"
    path.write_bytes(pickle.dumps(obj))
    with pytest.raises(InputError) as exc:
        ingest.read_pickled_frame(path)
    assert str(path) in str(exc.value)
    assert f"'{rejected}'" in str(exc.value)
    assert not marker.exists()
    with pytest.raises(InputError):
        ingest.ingest("routerbench", tmp_path, {}, "drop", SPLIT, "evil")
    assert not marker.exists()


class _EvalExploit:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (eval, (f"open({str(self.marker)!r}, 'w')",))


def test_truncated_pickle_is_an_input_error(tmp_path):
    path = tmp_path / "routerbench_0shot.pkl"
    data = pickle.dumps(routerbench_wide())
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated"):
        ingest.read_pickled_frame(path)


# --------------------------------------------------------------------------- embedllm layout

EMBEDLLM_MODELS = {0: "meta-llama/Llama-2-7b-chat-hf", 1: "mistralai/Mistral-7B-Instruct-v0.1", 2: "CausalLM/34b-beta"}


def write_embedllm(folder: Path, rows: dict[str, list[tuple]], models=EMBEDLLM_MODELS) -> Path:
    """EmbedLLM layout: {split}.csv with model_id, prompt_id, prompt, category, label + model_order.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "model_order.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["model_id", "model_name"])
        writer.writerows(models.items())
    for split, split_rows in rows.items():
        with open(folder / f"{split}.csv", "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["prompt_id", "model_id", "category", "label", "prompt"])
            writer.writerows(split_rows)
    return folder


def embedllm_rows() -> dict[str, list[tuple]]:
    def block(pids, category):
        return [
            (pid, mid, category, int((pid + mid) % 2), f'Question {pid}, with "quotes",\nand a newline?')
            for pid in pids
            for mid in EMBEDLLM_MODELS
        ]

    train = block(range(0, 8), "mathqa") + block(range(8, 16), "gsm8k")
    # duplicate (model, prompt) rows: (model 0, prompt 0) repeats with a conflicting label,
    # (model 1, prompt 1) repeats with the same label
    train += [(0, 0, "mathqa", 1, 'Question 0, with "quotes",\nand a newline?'),
              (1, 1, "mathqa", 0, 'Question 1, with "quotes",\nand a newline?')]
    return {"train": train, "val": block(range(16, 18), "mathqa"), "test": block(range(18, 22), "gsm8k")}


def test_embedllm_layout(tmp_path):
    folder = write_embedllm(tmp_path / "embedllm", embedllm_rows())
    options = {"models_table": str(REPO / "config/models/embedllm.csv"), "block_size_mb": 0.002}
    result = ingest.ingest("embedllm", folder, options, "drop", SPLIT, "emb")
    b = result.benchmark
    assert len(b.queries) == 22 and len(b.models) == 3 and len(b.labels) == 22 * 3
    assert value(result, "rows_read:file:train.csv") == 16 * 3 + 2
    # small blocks split a prompt's rows across batches: still one query, no false repeats
    assert value(result, "repeated_ids") == 0 and value(result, "prompt_conflicts") == 0
    assert value(result, "duplicate_pairs") == 2
    assert value(result, "duplicate_rows_collapsed") == 2
    assert value(result, "conflicting_duplicate_pairs") == 1
    lab = b.labels.set_index(["model", "query_id"])["label"]
    assert lab[("meta-llama/Llama-2-7b-chat-hf", "0")] == 0.5  # mean(0, 1): ingest.conflicts default
    assert lab[("mistralai/Mistral-7B-Instruct-v0.1", "1")] == 0.0  # (1 + 1) % 2, repeated unchanged
    q = b.queries.set_index("query_id")
    assert q.loc["17", "split"] == "val" and q.loc["20", "split"] == "test" and q.loc["3", "split"] == "train"
    assert q.loc["5", "prompt"] == 'Question 5, with "quotes",\nand a newline?'
    assert q.loc["9", "category"] == "gsm8k"
    m = b.models.set_index("model")
    assert m.loc["CausalLM/34b-beta", "params_b"] == pytest.approx(34.39)
    assert value(result, "file:train.csv") == (folder / "train.csv").stat().st_size
    digest = hashlib.sha256((folder / "train.csv").read_bytes()).hexdigest()
    assert result.report.set_index("key").loc["file:train.csv", "detail"] == f"sha256:{digest}"
    # same result whatever the streaming block size
    big = ingest.ingest("embedllm", folder, {**options, "block_size_mb": 64}, "drop", SPLIT, "emb")
    pd.testing.assert_frame_equal(big.benchmark.labels, b.labels)
    pd.testing.assert_frame_equal(big.benchmark.queries, b.queries)


@pytest.mark.parametrize("block_size_mb", [0.002, 64])
def test_embedllm_conflicting_prompt_text(tmp_path, block_size_mb):
    """A prompt id whose rows carry two texts or two categories is one query (first text kept),
    counted as a conflict, whether its rows share a block or not."""
    rows = embedllm_rows()
    pid, mid, category, label, text = rows["train"][3 * 3]  # prompt 3, first model
    rows["train"][3 * 3] = (pid, mid, category, label, text + " (edited)")
    pid, mid, category, label, text = rows["train"][4 * 3 + 1]  # prompt 4, second model
    rows["train"][4 * 3 + 1] = (pid, mid, "gsm8k", label, text)
    folder = write_embedllm(tmp_path / "e", rows)
    options = {"models_table": str(REPO / "config/models/embedllm.csv"), "block_size_mb": block_size_mb}
    result = ingest.ingest("embedllm", folder, options, "drop", SPLIT, "emb")
    assert value(result, "prompt_conflicts") == 1 and value(result, "category_conflicts") == 1
    q = result.benchmark.queries.set_index("query_id")
    assert len(q) == 22 and q.loc["3", "prompt"] == text.replace("Question 4", "Question 3") + " (edited)"
    assert q.loc["4", "category"] == "mathqa"


def test_embedllm_model_without_cost(tmp_path):
    models = {**EMBEDLLM_MODELS, 2: "acme/unknown-13b"}
    folder = write_embedllm(tmp_path / "e", embedllm_rows(), models)
    table = str(REPO / "config/models/embedllm.csv")
    with pytest.raises(InputError) as exc:
        ingest.ingest("embedllm", folder, {"models_table": table}, "drop", SPLIT, "emb")
    assert "acme/unknown-13b" in str(exc.value) and table in str(exc.value)


def test_embedllm_truncated_csv(tmp_path):
    folder = write_embedllm(tmp_path / "e", embedllm_rows())
    data = (folder / "train.csv").read_bytes()
    (folder / "train.csv").write_bytes(data[: len(data) - 25])  # cut inside the last row's quoted prompt
    with pytest.raises(InputError) as exc:
        ingest.ingest("embedllm", folder, {"models_table": str(REPO / "config/models/embedllm.csv")}, "drop", SPLIT)
    assert "train.csv" in str(exc.value) and "truncated" in str(exc.value)


def test_download_manifest_mismatch_is_an_error(tmp_path):
    folder = write_embedllm(tmp_path / "e", embedllm_rows())
    files = {p.name: {"file": p.name, "bytes": p.stat().st_size, "sha256": store.file_sha256(p)} for p in folder.glob("*.csv")}
    (folder / ingest.MANIFEST).write_text(json.dumps({"files": files}))
    options = {"models_table": str(REPO / "config/models/embedllm.csv")}
    ok = ingest.ingest("embedllm", folder, options, "drop", SPLIT)
    assert "matches download manifest" in ok.report.set_index("key").loc["file:test.csv", "detail"]
    with open(folder / "test.csv", "a") as handle:  # a modified / different file
        handle.write("99,0,gsm8k,1,extra\n")
    with pytest.raises(InputError, match="test.csv.*download manifest"):
        ingest.ingest("embedllm", folder, options, "drop", SPLIT)


def test_download_verification_helpers(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\n1,2\n")
    assert git_blob_sha1(path) == "cfa20f81071245f292f0b52b37beb7adf9259a26"  # `git hash-object`
    with pytest.raises(ConfigError, match="source 'hf'"):
        ingest.download("long", tmp_path / "dl")


# --------------------------------------------------------------------------- mixinstruct layout

MIX_MODELS = ["vicuna-13b-1.1", "flan-t5-xxl", "mpt-7b"]


def write_mixinstruct(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    sources = ["unified_chip2", "laion", "dolly_15k", "sharegpt", "itwgpt4"]
    for split, n in (("train", 10), ("val", 5), ("test", 5)):
        with open(folder / f"{split}_data_prepared.jsonl", "w") as handle:
            for i in range(n):
                ex_id = f"{sources[i % 5]}/{split}{i}"
                candidates = [
                    {
                        "decoding_method": "top_p_sampling",
                        "model": model,
                        "text": "some long candidate text " * 20,
                        "scores": {"logprobs": -1.0, "bleu": 3.0, "bartscore": -0.5 * (k + 1) - 0.1 * i},
                    }
                    for k, model in enumerate(MIX_MODELS)
                ]
                if split == "train" and i == 0:
                    candidates[0]["scores"]["bartscore"] = 0.3  # exp > 1: clipped to 1
                if split == "train" and i == 1:
                    del candidates[2]["scores"]["bartscore"]  # no score: NaN label
                example = {
                    "id": ex_id,
                    "instruction": "Summarise:" if i % 2 else "",
                    "input": f"text {split} {i}",
                    "output": "reference",
                    "candidates": candidates,
                }
                handle.write(json.dumps(example) + "\n")
    return folder


def test_mixinstruct_layout(tmp_path):
    folder = write_mixinstruct(tmp_path / "mix")
    options = {"models_table": str(REPO / "config/models/mixinstruct.csv"), "block_size_mb": 0.004}
    result = ingest.ingest("mixinstruct", folder, options, "drop", SPLIT, "mix")
    b = result.benchmark
    assert len(b.queries) == 20 and len(b.models) == 3
    assert len(b.labels) == 20 * 3 - 1
    assert value(result, "nan_labels") == 1 and value(result, "nan_labels:split:train") == 1
    assert value(result, "labels_out_of_range_clipped") == 1
    lab = b.labels.set_index(["model", "query_id"])["label"]
    assert lab[("vicuna-13b-1.1", "unified_chip2/train0")] == 1.0
    assert lab[("flan-t5-xxl", "laion/test1")] == pytest.approx(math.exp(-1.0 - 0.1), rel=1e-6)
    assert ("mpt-7b", "laion/train1") not in lab.index  # missing score stays absent, not 0
    q = b.queries.set_index("query_id")
    assert q.loc["laion/train1", "prompt"] == "Summarise:\ntext train 1"
    assert q.loc["unified_chip2/train0", "prompt"] == "text train 0"
    assert q.loc["laion/val1", "split"] == "val"
    assert sorted(q["category"].unique()) == sorted(["unified_chip2", "laion", "dolly_15k", "sharegpt", "itwgpt4"])
    assert b.models.set_index("model").loc["flan-t5-xxl", "params_b"] == pytest.approx(11.3)


# --------------------------------------------------------------------------- long (real leaderboard data)


@pytest.fixture(scope="module")
def openllm() -> ingest.IngestResult:
    path = shared_data("openllm_leaderboard_v2_carrot", "openllm_v2_raw_long.parquet")
    return ingest.ingest("long", path, OPENLLM_OPTIONS, "drop", SPLIT, "openllm")


def test_long_openllm(openllm):
    b = openllm.benchmark
    assert len(b.models) == 19
    assert b.queries["category"].nunique() == 38
    assert "leaderboard_ifeval" not in set(b.queries["category"])
    assert value(openllm, "excluded_category:leaderboard_ifeval") == 10279
    assert len(b.queries) == 21606 - 541
    assert "Qwen/Qwen2.5-72B-Instruct" in set(b.models["model"])
    assert b.models["params_b"].notna().all()
    # SOLAR has no mmlu_pro rows: its labels there are absent (mask False), never 0
    solar = "upstage/SOLAR-10.7B-Instruct-v1.0"
    mmlu = b.queries.loc[b.queries["category"] == "leaderboard_mmlu_pro", "query_id"]
    assert not ((b.labels["model"] == solar) & b.labels["query_id"].isin(mmlu.unique())).any()
    matrix = b.matrix
    row = matrix.models.get_loc(solar)
    cols = matrix.query_ids.get_indexer(mmlu)
    assert not matrix.mask[row, cols].any() and np.isnan(matrix.values[row, cols]).all()
    assert matrix.mask[matrix.models.get_loc("google/gemma-2b-it"), cols].all()
    assert value(openllm, "n_missing_labels") == len(mmlu)


def test_long_matches_independent_reference(openllm):
    from openllm_long import openllm_benchmark

    ref = openllm_benchmark()
    cols = ["query_id", "category", "split"]
    pd.testing.assert_frame_equal(openllm.benchmark.queries[cols], ref.queries[cols])
    pd.testing.assert_frame_equal(openllm.benchmark.labels, ref.labels)


# --------------------------------------------------------------------------- bad inputs (long adapter)


def long_files(tmp_path: Path, rows=None, models=None) -> tuple[Path, dict]:
    rows = rows or [
        ("t1", 0, "m1", 1.0), ("t1", 0, "m2", 0.0), ("t1", 1, "m1", 0.0), ("t1", 1, "m2", 1.0),
        ("t2", 0, "m1", 1.0), ("t2", 0, "m2", 1.0), ("t2", 1, "m1", 0.0), ("t2", 1, "m2", 0.0),
    ]
    data = tmp_path / "long.csv"
    pd.DataFrame(rows, columns=["task", "item", "model", "correct"]).to_csv(data, index=False)
    table = tmp_path / "models.csv"
    table.write_text(models or "model,params_b\nm1,1.0\nm2,7.0\n")
    options = {
        "columns": {"query_id": ["task", "item"], "category": "task", "model": "model", "label": "correct"},
        "models_table": str(table),
    }
    return data, options


def test_long_small_file_with_duplicates(tmp_path):
    rows = [("t1", 0, "m1", 0.0), ("t1", 0, "m1", 1.0), ("t1", 0, "m2", 0.0), ("t1", 1, "m1", 1.0),
            ("t2", 0, "m1", 1.0), ("t2", 1, "m2", 0.0)]
    data, options = long_files(tmp_path, rows)
    result = ingest.ingest("long", data, options, "drop", SPLIT, "tiny")
    assert value(result, "duplicate_pairs") == 1 and value(result, "conflicting_duplicate_pairs") == 1
    lab = result.benchmark.labels.set_index(["model", "query_id"])["label"]
    assert lab[("m1", "t1/0")] == 0.5  # mean(0, 1)
    assert len(lab) == 5 and value(result, "n_missing_labels") == 4 * 2 - 5


def long_costed(tmp_path: Path, models: str) -> tuple[Path, dict]:
    """4 queries x 2 models with per-row USD (m2 only; q t1/1 repeated with two costs) and tokens."""
    rows = [
        ("t1", 0, "m1", 1.0, None, 100), ("t1", 0, "m2", 1.0, 0.03, 400),
        ("t1", 1, "m1", 0.0, None, 300), ("t1", 1, "m2", 1.0, 0.02, 200), ("t1", 1, "m2", 1.0, 0.04, 200),
        ("t2", 0, "m1", 1.0, None, 100), ("t2", 0, "m2", 0.0, None, 500),
        ("t2", 1, "m1", 0.0, None, 100), ("t2", 1, "m2", 1.0, 0.05, 100),
    ]
    data = tmp_path / "long.csv"
    pd.DataFrame(rows, columns=["task", "item", "model", "correct", "usd", "tok"]).to_csv(data, index=False)
    table = tmp_path / "models.csv"
    table.write_text(models)
    columns = {"query_id": ["task", "item"], "category": "task", "model": "model", "label": "correct",
               "cost_usd": "usd", "cost_tokens": "tok"}
    return data, {"columns": columns, "models_table": str(table)}


def test_long_per_row_costs_and_tokens_times_price(tmp_path):
    data, options = long_costed(tmp_path, "model,params_b,usd_per_million_tokens\nm1,1.0,2.0\nm2,7.0,\n")
    result = ingest.ingest("long", data, options, "drop", SPLIT, "costed")
    b = result.benchmark
    lab = b.labels.set_index(["model", "query_id"])
    # m1 has no USD column value but a price: tokens x 2 USD / 1e6 tokens
    assert lab.loc[("m1", "t1/1"), "cost_usd"] == pytest.approx(300 * 2.0 / 1e6)
    assert value(result, "query_costs_from_tokens:usd") == 4
    # m2: its own USD where given; the repeated pair t1/1 costs the mean of its rows; no price, no USD -> NaN
    assert lab.loc[("m2", "t1/1"), "cost_usd"] == pytest.approx(0.03)
    assert np.isnan(lab.loc[("m2", "t2/0"), "cost_usd"])
    assert lab.loc[("m2", "t2/0"), "cost_tokens"] == 500.0
    # constants: the mean of the model's labelled rows (models table has none)
    m = b.models.set_index("model")
    assert m.loc["m1", "usd_per_query"] == pytest.approx(np.mean([100, 300, 100, 100]) * 2.0 / 1e6)
    assert m.loc["m2", "usd_per_query"] == pytest.approx(np.mean([0.03, 0.02, 0.04, 0.05]))
    assert m.loc["m2", "tokens"] == pytest.approx(np.mean([400, 200, 200, 500, 100]))
    assert value(result, "cost_constant_from_rows:usd") == 2
    # the NaN cell falls back to m2's constant in the cost matrix
    matrix = b.cost_matrix("usd")
    row, col = b.models["model"].tolist().index("m2"), b.queries["query_id"].tolist().index("t2/0")
    assert matrix[row, col] == pytest.approx(m.loc["m2", "usd_per_query"])


def test_long_models_table_constant_is_kept(tmp_path):
    data, options = long_costed(tmp_path, "model,params_b,usd_per_query,tokens\nm1,1.0,0.5,\nm2,7.0,0.9,1000\n")
    options["columns"].pop("cost_tokens")
    result = ingest.ingest("long", data, options, "drop", SPLIT, "costed")
    m = result.benchmark.models.set_index("model")
    assert m.loc["m2", "usd_per_query"] == 0.9 and m.loc["m1", "usd_per_query"] == 0.5
    assert value(result, "cost_constant_from_rows:usd") == 0
    assert "cost_tokens" not in result.benchmark.labels.columns


def test_bad_per_row_cost(tmp_path):
    data, options = long_costed(tmp_path, "model,params_b\nm1,1.0\nm2,7.0\n")
    frame = pd.read_csv(data)
    frame.loc[3, "usd"] = -0.5
    frame.to_csv(data, index=False)
    with pytest.raises(InputError) as exc:
        ingest.ingest("long", data, options, "drop", SPLIT)
    assert str(data) in str(exc.value) and "'usd' (cost_usd" in str(exc.value) and ">= 0" in str(exc.value)


def test_bad_missing_column(tmp_path):
    data, options = long_files(tmp_path)
    options["columns"]["label"] = "is_correct"
    with pytest.raises(InputError) as exc:
        ingest.ingest("long", data, options, "drop", SPLIT)
    assert str(data) in str(exc.value) and "'is_correct'" in str(exc.value)


def test_bad_nan_label_with_error_policy(tmp_path):
    data, options = long_files(tmp_path)
    frame = pd.read_csv(data)
    frame.loc[[1, 5], "correct"] = np.nan
    frame.to_csv(data, index=False)
    with pytest.raises(InputError) as exc:
        ingest.ingest("long", data, options, "error", SPLIT)
    assert "2 NaN label(s)" in str(exc.value) and "long.csv" in str(exc.value) and "'correct'" in str(exc.value)
    dropped = ingest.ingest("long", data, options, "drop", SPLIT)
    assert value(dropped, "nan_labels") == 2 and len(dropped.benchmark.labels) == 6


def test_bad_label_outside_unit_interval(tmp_path):
    data, options = long_files(tmp_path)
    frame = pd.read_csv(data)
    frame.loc[2, "correct"] = 1.5
    frame.to_csv(data, index=False)
    with pytest.raises(InputError) as exc:
        ingest.ingest("long", data, options, "drop", SPLIT)
    assert "long.csv" in str(exc.value) and "'correct'" in str(exc.value) and "[0, 1]" in str(exc.value)


def test_bad_model_without_cost(tmp_path):
    data, options = long_files(tmp_path, models="model,params_b\nm1,1.0\n")
    with pytest.raises(InputError) as exc:
        ingest.ingest("long", data, options, "drop", SPLIT)
    assert "'m2'" in str(exc.value) and options["models_table"] in str(exc.value)


@pytest.mark.parametrize("cost", ["0", "-3.5"])
def test_bad_zero_or_negative_cost(tmp_path, cost):
    data, options = long_files(tmp_path, models=f"model,params_b\nm1,1.0\nm2,{cost}\n")
    with pytest.raises(InputError) as exc:
        ingest.ingest("long", data, options, "drop", SPLIT)
    message = str(exc.value)
    assert options["models_table"] in message and "'params_b'" in message and "'m2'" in message and "> 0" in message


def test_bad_empty_file(tmp_path):
    data, options = long_files(tmp_path)
    data.write_text("")
    with pytest.raises(InputError, match="empty"):
        ingest.ingest("long", data, options, "drop", SPLIT)
    data.write_text("task,item,model,correct\n")
    with pytest.raises(InputError, match="no data rows"):
        ingest.ingest("long", data, options, "drop", SPLIT)


def test_bad_unknown_option_key(tmp_path):
    data, options = long_files(tmp_path)
    with pytest.raises(ConfigError) as exc:
        ingest.ingest("long", data, {**options, "colums": {}}, "drop", SPLIT, "mybench")
    message = str(exc.value)
    assert "benchmarks.mybench.options" in message and "'colums'" in message and "columns" in message
    with pytest.raises(ConfigError, match="options.columns: unknown key 'labl'"):
        ingest.ingest("long", data, {**options, "columns": {**options["columns"], "labl": "x"}}, "drop", SPLIT)


def test_bad_unknown_excluded_category(tmp_path):
    data, options = long_files(tmp_path)
    with pytest.raises(ConfigError, match="exclude_categories: category 't3'"):
        ingest.ingest("long", data, {**options, "exclude_categories": ["t3"]}, "drop", SPLIT)


def test_bad_nan_policy_value(tmp_path):
    data, options = long_files(tmp_path)
    with pytest.raises(ConfigError, match="ingest.nan_labels"):
        ingest.ingest("long", data, options, "zero", SPLIT)


# --------------------------------------------------------------------------- Snakemake


@pytest.mark.slow
def test_snakemake_openllm_runs_every_label_only_stage(workflow_copy):
    """The leaderboard has no prompts: the whole DAG of its config runs the label-only stages."""
    source = shared_data("openllm_leaderboard_v2_carrot", "openllm_v2_raw_long.parquet")
    override = workflow_copy / "source.yaml"
    override.write_text(f"benchmarks:\n  openllm:\n    source: {source}\n")
    proc = run_snakemake(
        workflow_copy, "--cores", "2", "--configfile", "config/openllm.yaml", str(override), timeout=1200,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = workflow_copy / "results/openllm"
    data = results / "data"
    bench = store.read_benchmark(data / "queries.parquet", data / "models.parquet", data / "labels.parquet")
    assert len(bench.models) == 19 and bench.queries["category"].nunique() == 38
    report = store.read(data / "ingest_report.parquet")
    assert ingest.report_value(report, "n_labels") == len(bench.labels) == 388203
    prov = store.read_provenance(data / "labels.parquet")
    assert prov["inputs"]["openllm_v2_raw_long.parquet:source"] == store.file_sha256(source)
    # stages that need labels and costs only
    scores = store.read(results / "specialist/scores.parquet")
    assert len(scores) == 38 and (scores["generalist_mode"] != "heuristic").all()  # the fixed Qwen generalist
    ranks = store.read(results / "dominance/avg_rank.parquet")
    assert len(ranks) == 19 and ranks["avg_rank"].between(1, 19).all()
    assert not (results / "embed").exists()
    steps = next(results.glob("prune/lambda~*/target~*/steps.parquet"))
    target = int(steps.parent.name.split("~")[1])
    assert len(store.read(steps)) == 19 - target
    areas = store.read(results / "eval/split~standard/cost~params/areas.parquet").set_index("method")
    assert set(areas.index) == {"heuristic", "oracle", "random"}
    assert areas.loc["oracle", "area"] > areas.loc["heuristic", "area"] > areas.loc["random", "area"]
