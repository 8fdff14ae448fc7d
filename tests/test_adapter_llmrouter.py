"""Adapter `llmrouter`: the shared LLMRouter sample (real defects counted) and hand-made folders
for each policy (cross-split conflicts, several task names, unknown task, costs)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import shared_data

from routerbench_plus import ingest
from routerbench_plus.errors import ConfigError, InputError
from routerbench_plus.ingest.adapters import json_records

SPLIT = {"val_fraction": 0.1, "test_fraction": 0.2, "seed": 0}


def value(result: ingest.IngestResult, key: str) -> int:
    return ingest.report_value(result.report, key)


def detail(result: ingest.IngestResult, key: str) -> str:
    return str(result.report.set_index("key").loc[key, "detail"])


# --------------------------------------------------------------------------- the shared sample


@pytest.fixture(scope="module")
def sample() -> Path:
    return shared_data("llmrouter_sample")


@pytest.fixture(scope="module")
def sample_result(sample: Path) -> ingest.IngestResult:
    return ingest.ingest("llmrouter", sample, {}, "drop", SPLIT, "llmrouter_sample")


def _raw(sample: Path):
    train = json.loads((sample / "train.json").read_text())
    test = json.loads((sample / "test.json").read_text())
    return train, test


def test_sample_counts(sample, sample_result):
    r, train, test = sample_result, *_raw(sample)
    texts_train = {x["question"] for x in train}
    texts_test = {x["question"] for x in test}
    both = texts_train & texts_test
    assert value(r, "rows_read") == len(train) + len(test) == 750
    assert value(r, "ids_in_multiple_splits") == len(both) == 15  # the README's 15 cross-split questions
    assert value(r, "n_queries") == len(texts_train | texts_test) == 735
    assert value(r, "n_models") == 9 and value(r, "n_categories") == 14
    # cross-split conflicts: (question, model) pairs whose train and test scores differ
    by_train = {x["question"]: x["scores"] for x in train}
    disagree = sum(by_train[x["question"]][m] != s for x in test if x["question"] in both for m, s in x["scores"].items())
    assert value(r, "conflicting_duplicate_pairs") == value(r, "conflicting_pairs_across_splits") == disagree == 4
    assert value(r, "duplicate_pairs") == 15 * 9 and value(r, "conflicting_pairs_within_file") == 0
    assert value(r, "blank_prompts") == 0 and value(r, "queries_without_labels") == 0
    # commongen's continuous scores beside 0/1 (all 9 models x 27 questions: 235 non-binary cells)
    soft = sum(1 for x in train + test for s in x["scores"].values() if s not in (0, 1))
    assert value(r, "labels_non_binary") == value(r, "labels_non_binary:category:commongen") == soft == 235
    assert value(r, "query_lines_repeated") == 1 and value(r, "texts_with_several_task_names") == 0
    assert value(r, "questions_without_task") == 0 and value(r, "query_lines_unused") == 0
    assert value(r, "models_in_table_without_data") == 5  # default_llm.json lists 14 models
    # cross-split questions are kept in test; test is test.json exactly
    assert value(r, "n_test") == len(texts_test) == 150
    assert value(r, "n_train") + value(r, "n_val") == len(texts_train - texts_test)


def test_sample_validation_is_carved_per_category(sample_result):
    q = sample_result.benchmark.queries
    training = q[q["split"].isin(["train", "val"])]
    per = training.groupby("category")["split"].agg(n="size", val=lambda s: int((s == "val").sum()))
    expected = np.minimum(np.round(per["n"] * 0.1), per["n"] - 1).astype(int)
    assert (per["val"] == expected).all()
    assert value(sample_result, "val_carved") == value(sample_result, "n_val") == int(expected.sum()) > 0


def test_sample_costs(sample, sample_result):
    models = sample_result.benchmark.models.set_index("model")
    llm = json.loads((sample / "default_llm.json").read_text())
    for name in models.index:
        assert models.loc[name, "params_b"] == float(llm[name]["size"].rstrip("B"))
    # hand check of the USD estimate for one model: mean over its records of ceil(chars / 4) x price / 1e6
    train, test = _raw(sample)
    name = "gemma-2-9b-it"
    tokens = [math.ceil(len(x["question"]) / 4) for x in train + test if name in x["scores"]]
    expected = np.mean(tokens) * llm[name]["input_price"] / 1e6
    assert models.loc[name, "usd_per_query"] == pytest.approx(expected)
    assert "estimate" in detail(sample_result, "cost_usd")


def test_sample_categories_come_from_task_names(sample, sample_result):
    lines = pd.read_json(sample / "default_query_train.jsonl", lines=True)
    q = sample_result.benchmark.queries.set_index("prompt")
    joined = lines.drop_duplicates("query").set_index("query")["task_name"]
    common = joined.index.intersection(q.index)
    assert len(common) > 500
    assert (q.loc[common, "category"] == joined.loc[common]).all()


# --------------------------------------------------------------------------- hand-made folders

MODELS = {"small": {"size": "7B", "input_price": 0.2, "output_price": 0.4},
          "big": {"size": "70B", "input_price": 0.9, "output_price": 1.8}}


def write_folder(folder: Path, train, test, query_train, query_test, llm=None) -> Path:
    """An LLMRouter folder: scored records [(question, {model: score})], query lines [(query, task)]."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, records in (("train.json", train), ("test.json", test)):
        data = [{"question": q, "scores": s, "cluster_id": 0} for q, s in records]
        (folder / name).write_text(json.dumps(data))
    for name, lines in (("default_query_train.jsonl", query_train), ("default_query_test.jsonl", query_test)):
        text = "".join(json.dumps({"task_name": t, "query": q, "ground_truth": "", "metric": "em"}) + "\n" for q, t in lines)
        (folder / name).write_text(text)
    (folder / "default_llm.json").write_text(json.dumps(llm or MODELS))
    return folder


def small_folder(tmp_path: Path, **kw) -> Path:
    """Two tasks x a few questions; 'shared q' is in train (small=0) and test (small=1): a cross-split conflict."""
    train = [(f"math q{i}", {"small": float(i % 2), "big": 1.0}) for i in range(6)]
    train += [(f"code q{i}", {"small": 0.0, "big": 1.0}) for i in range(6)]
    train += [("shared q", {"small": 0.0, "big": 1.0})]
    test = [("math t0", {"small": 1.0, "big": 1.0}), ("code t0", {"small": 0.0, "big": 0.5}),
            ("shared q", {"small": 1.0, "big": 1.0})]
    query_train = [(q, "math" if q.startswith("math") else "code") for q, _ in train[:-1]] + [("shared q", "math")]
    query_test = [("math t0", "math"), ("code t0", "code"), ("shared q", "math")]
    return write_folder(tmp_path / "llmrouter", kw.get("train", train), kw.get("test", test),
                        kw.get("query_train", query_train), kw.get("query_test", query_test), kw.get("llm"))


def label(result: ingest.IngestResult, text: str, model: str) -> float:
    b = result.benchmark
    qid = b.queries.loc[b.queries["prompt"] == text, "query_id"].item()
    return float(b.labels.set_index(["query_id", "model"]).loc[(qid, model), "label"])


@pytest.mark.parametrize("policy, expected", [("mean", 0.5), ("max", 1.0), ("first", 0.0)])
def test_cross_split_conflict_merged_by_policy(tmp_path, policy, expected):
    folder = small_folder(tmp_path)
    r = ingest.ingest("llmrouter", folder, {}, "drop", SPLIT, "lr", conflicts=policy)
    assert label(r, "shared q", "small") == expected  # train.json says 0, test.json 1 (first: file order)
    assert label(r, "shared q", "big") == 1.0  # agreeing rows: one label whatever the policy
    assert value(r, "ids_in_multiple_splits") == 1 and value(r, "duplicate_pairs") == 2
    assert value(r, "conflicting_duplicate_pairs") == value(r, "conflicting_pairs_across_splits") == 1
    assert detail(r, "conflict_policy") == f"ingest.conflicts: {policy}"
    q = r.benchmark.queries.set_index("prompt")
    assert q.loc["shared q", "split"] == "test"


def test_cross_split_conflict_error_policy(tmp_path):
    folder = small_folder(tmp_path)
    with pytest.raises(InputError, match=r"model 'small'.*values \[0.0, 1.0\].*\['test.json', 'train.json'\].*ingest.conflicts"):
        ingest.ingest("llmrouter", folder, {}, "drop", SPLIT, "lr", conflicts="error")


def test_repeated_question_within_a_file(tmp_path):
    train = [(f"math q{i}", {"small": 0.0, "big": 1.0}) for i in range(6)] + [("math q0", {"small": 1.0, "big": 1.0})]
    folder = small_folder(tmp_path, train=train, query_train=[(q, "math") for q, _ in train])
    r = ingest.ingest("llmrouter", folder, {}, "drop", SPLIT, "lr")
    assert value(r, "repeated_ids") == 1 and "train.json: 1 ids in 2 rows" in detail(r, "repeated_ids")
    assert value(r, "conflicting_pairs_within_file") == 1 and value(r, "conflicting_pairs_across_splits") == 0
    assert label(r, "math q0", "small") == 0.5


def test_task_names_several_and_missing(tmp_path):
    # 'shared q' is 'math' in the train query file and 'logic' in the test one: a train record takes
    # its own split's name; 'lonely q' is on no query line: category 'unknown'
    folder = small_folder(
        tmp_path,
        train=[(f"math q{i}", {"small": 0.0, "big": 1.0}) for i in range(4)] + [("lonely q", {"small": 1.0, "big": 1.0}),
                                                                                ("shared q", {"small": 0.0, "big": 1.0})],
        test=[("math t0", {"small": 1.0, "big": 1.0}), ("other t", {"small": 1.0, "big": 0.0})],
        query_train=[(f"math q{i}", "math") for i in range(4)] + [("shared q", "math"), ("never used", "math")],
        query_test=[("math t0", "math"), ("other t", "logic"), ("shared q", "logic")],
    )
    r = ingest.ingest("llmrouter", folder, {}, "drop", SPLIT, "lr")
    assert value(r, "texts_with_several_task_names") == 1 and "['logic', 'math']" in detail(r, "texts_with_several_task_names")
    assert value(r, "questions_without_task") == 1 and value(r, "query_lines_unused") == 1
    q = r.benchmark.queries.set_index("prompt")
    assert q.loc["shared q", "category"] == "math" and q.loc["lonely q", "category"] == "unknown"
    assert q.loc["other t", "category"] == "logic"


def test_blank_question_reported_at_ingest(tmp_path):
    train = [(f"math q{i}", {"small": 0.0, "big": 1.0}) for i in range(6)] + [("   ", {"small": 1.0, "big": 1.0})]
    train.append((None, {"small": 1.0, "big": 0.0}))
    folder = small_folder(tmp_path, train=train, query_train=[(f"math q{i}", "math") for i in range(6)])
    with pytest.raises(InputError, match=r"2 queries have a missing or blank prompt.*train.json#6.*ingest.blank_prompts"):
        ingest.ingest("llmrouter", folder, {}, "drop", SPLIT, "lr")
    r = ingest.ingest("llmrouter", folder, {}, "drop", SPLIT, "lr", blank_prompts="drop")
    assert value(r, "blank_prompts") == 2 and value(r, "blank_prompt_label_rows_dropped") == 4
    assert r.benchmark.queries["prompt"].notna().all() and value(r, "n_dropped_rows") == 4


def test_null_score_is_a_nan_label_and_absent_model_is_absent(tmp_path):
    train = [(f"math q{i}", {"small": 0.0, "big": 1.0}) for i in range(6)]
    train[0] = ("math q0", {"small": None, "big": 1.0})
    train[1] = ("math q1", {"big": 0.3})  # small not run on it
    folder = small_folder(tmp_path, train=train, query_train=[(q, "math") for q, _ in train])
    r = ingest.ingest("llmrouter", folder, {}, "drop", SPLIT, "lr")
    assert value(r, "nan_labels") == 1
    assert value(r, "label_cells_read") == 2 * 6 - 1 + 2 * 3  # the absent cell is never read
    assert value(r, "labels_non_binary") == 1 + 1  # 0.3 in train, 0.5 for 'code t0' in test
    with pytest.raises(InputError, match="NaN label"):
        ingest.ingest("llmrouter", folder, {}, "error", SPLIT, "lr")


def test_costs_from_prices_and_options(tmp_path):
    folder = small_folder(tmp_path)
    r = ingest.ingest("llmrouter", folder, {"chars_per_token": 2, "output_tokens": 10}, "drop", SPLIT, "lr")
    m = r.benchmark.models.set_index("model")
    texts = [f"math q{i}" for i in range(6)] + [f"code q{i}" for i in range(6)] + ["shared q", "math t0", "code t0", "shared q"]
    tokens = np.array([math.ceil(len(t) / 2) for t in texts])
    assert m.loc["small", "usd_per_query"] == pytest.approx(np.mean(tokens * 0.2 + 10 * 0.4) / 1e6)
    assert m.loc["big", "usd_per_query"] == pytest.approx(np.mean(tokens * 0.9 + 10 * 1.8) / 1e6)
    assert m.loc["small", "params_b"] == 7.0 and m.loc["big", "params_b"] == 70.0
    # a models table overrides the parameters it gives
    table = tmp_path / "models.csv"
    table.write_text("model,params_b\nsmall,7.6\n")
    r = ingest.ingest("llmrouter", folder, {"models_table": str(table)}, "drop", SPLIT, "lr")
    m = r.benchmark.models.set_index("model")
    assert m.loc["small", "params_b"] == 7.6 and m.loc["big", "params_b"] == 70.0


def test_unparsed_size_and_unknown_model(tmp_path):
    llm = {**MODELS, "big": {**MODELS["big"], "size": "8x7B"}}
    r = ingest.ingest("llmrouter", small_folder(tmp_path / "a", llm=llm), {}, "drop", SPLIT, "lr")
    assert value(r, "params_unparsed") == 1 and math.isnan(r.benchmark.models.set_index("model").loc["big", "params_b"])
    with pytest.raises(InputError, match=r"default_llm.json: model\(s\) \['big'\]"):
        ingest.ingest("llmrouter", small_folder(tmp_path / "b", llm={"small": MODELS["small"]}), {}, "drop", SPLIT, "lr")


def test_bad_files_and_options(tmp_path):
    folder = small_folder(tmp_path)
    with pytest.raises(ConfigError, match=r"options.chars_per_token: expected a number > 0"):
        ingest.ingest("llmrouter", folder, {"chars_per_token": 0}, "drop", SPLIT, "lr")
    with pytest.raises(ConfigError, match="unknown key 'format' for adapter 'llmrouter'"):
        ingest.ingest("llmrouter", folder, {"format": "csv"}, "drop", SPLIT, "lr")
    (folder / "test.json").write_text((folder / "test.json").read_text()[:-20])
    with pytest.raises(InputError, match=r"test.json: not valid JSON.*truncated"):
        ingest.ingest("llmrouter", folder, {}, "drop", SPLIT, "lr")
    (folder / "test.json").write_text(json.dumps([{"question": "x", "scores": [1, 0]}]))
    with pytest.raises(InputError, match=r"test.json: record 0.*'scores' object"):
        ingest.ingest("llmrouter", folder, {}, "drop", SPLIT, "lr")
    (folder / "test.json").unlink()
    with pytest.raises(InputError, match="test.json: LLMRouter file does not exist"):
        ingest.ingest("llmrouter", folder, {}, "drop", SPLIT, "lr")


def test_text_ids_are_the_text_hash():
    text = pd.Series(["a", "b", "a", None, " "], dtype="string")
    ids = json_records.text_ids(text, "f.json")
    assert ids[0] == ids[2] != ids[1] and ids[0].startswith("q") and len(ids[0]) == 17
    assert ids[3] == "f.json#3" and ids[4] == "f.json#4"  # each blank record is its own query
