"""Adapter `routerdc`: the shared RouterDC sample (split and task from file names, repeats counted)
and a hand-made folder with RouterDC's full-data defects (a prompt in a train and a test file under
two categories, a repeated question with different scores, test-only tasks)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, shared_data

from routerbench_plus import ingest
from routerbench_plus.errors import ConfigError, InputError
from routerbench_plus.ingest.adapters import routerdc
from routerbench_plus.ingest.base import split_from_name

SPLIT = {"val_fraction": 0.1, "test_fraction": 0.2, "seed": 0}
TABLE = str(REPO / "config/models/routerdc.csv")
MODELS = ["mistralai/Mistral-7B-v0.1", "meta-math/MetaMath-Mistral-7B", "itpossible/Chinese-Mistral-7B-v0.1",
          "HuggingFaceH4/zephyr-7b-beta", "cognitivecomputations/dolphin-2.6-mistral-7b",
          "meta-llama/Meta-Llama-3-8B", "cognitivecomputations/dolphin-2.9-llama3-8b"]


def value(result: ingest.IngestResult, key: str) -> int:
    return ingest.report_value(result.report, key)


def detail(result: ingest.IngestResult, key: str) -> str:
    return str(result.report.set_index("key").loc[key, "detail"])


@pytest.mark.parametrize(
    "name, category, split",
    [("gsm8k-train.json", "gsm8k", "train"), ("gsm8k-test.json", "gsm8k", "test"),
     ("arc_easy_train.json", "arc_easy", "train"), ("MATH_prealgebra.json", "MATH_prealgebra", None),
     ("humaneval_test.json", "humaneval", "test"), ("ceval.json", "ceval", None)],
)
def test_split_and_category_from_the_file_name(name, category, split):
    assert routerdc.category_of(name) == category
    assert split_from_name(name) == split


# --------------------------------------------------------------------------- the shared sample


@pytest.fixture(scope="module")
def sample() -> Path:
    return shared_data("routerdc_sample")


@pytest.fixture(scope="module")
def sample_result(sample: Path) -> ingest.IngestResult:
    return ingest.ingest("routerdc", sample, {"models_table": TABLE}, "drop", SPLIT, "routerdc_sample")


def test_sample_counts(sample, sample_result):
    r = sample_result
    files = {p.name: json.loads(p.read_text()) for p in sorted(sample.glob("*.json"))}
    assert len(files) == 16 and value(r, "rows_read") == sum(map(len, files.values())) == 1099
    assert value(r, "n_models") == 7 and set(r.benchmark.models["model"]) == set(MODELS)
    assert value(r, "n_categories") == 10
    assert value(r, "test_only_files") == 4
    assert "MATH_prealgebra.json" in detail(r, "test_only_files") and "mbpp.json" in detail(r, "test_only_files")
    # questions repeated inside a file: one query each, their scores merged by ingest.conflicts
    repeats = {n: sum(c - 1 for c in Counter(x["question"] for x in d).values()) for n, d in files.items()}
    assert value(r, "repeated_ids") == sum(1 for n in repeats.values() if n) == 4
    disagree = 0
    for data in files.values():
        seen: dict[str, dict] = {}
        for x in data:
            if x["question"] in seen:
                disagree += sum(seen[x["question"]][m] != s for m, s in x["scores"].items())
            seen.setdefault(x["question"], x["scores"])
    assert value(r, "conflicting_duplicate_pairs") == value(r, "conflicting_pairs_within_file") == disagree > 0
    assert value(r, "n_queries") == 1099 - 4 and value(r, "ids_in_multiple_splits") == 0
    assert value(r, "blank_prompts") == 0 and value(r, "category_conflicts") == 0
    soft = sum(1 for d in files.values() for x in d for s in x["scores"].values() if s not in (0, 1))
    assert value(r, "labels_non_binary") == soft and "MATH_prealgebra" not in detail(r, "labels_non_binary")
    q = r.benchmark.queries
    assert set(q.loc[q["category"].isin(["MATH_prealgebra", "ceval", "javascript", "mbpp"]), "split"]) == {"test"}
    assert value(r, "n_val") == value(r, "val_carved") > 0 and value(r, "n_test") == len(q[q["split"] == "test"])
    assert r.benchmark.models.set_index("model").loc["meta-llama/Meta-Llama-3-8B", "params_b"] == 8.03


# --------------------------------------------------------------------------- RouterDC's full-data defects, hand-made


def scores(value_: float) -> dict[str, float]:
    return {m: value_ for m in MODELS}


def write_routerdc(folder: Path, files: dict[str, list[tuple[str | None, dict]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, records in files.items():
        (folder / name).write_text(json.dumps([{"question": q, "scores": s} for q, s in records]))
    return folder


@pytest.fixture
def defects(tmp_path: Path) -> Path:
    """'Which is a metal?' is in arc_easy_train and in arc_challenge_test (two categories, two splits,
    labels differ for every model); 'What is 2+2?' is twice in gsm8k-train with different scores."""
    return write_routerdc(tmp_path / "rdc", {
        "arc_easy_train.json": [("Which is a metal?", scores(0.2))] + [(f"easy {i}", scores(0.9)) for i in range(9)],
        "arc_challenge_test.json": [("Which is a metal?", scores(0.6)), ("hard 0", scores(0.1))],
        "arc_challenge_train.json": [(f"hard train {i}", scores(0.3)) for i in range(5)],
        "gsm8k-train.json": [("What is 2+2?", scores(1.0)), ("What is 2+2?", scores(0.0))]
        + [(f"sum {i}", scores(0.5)) for i in range(8)],
        "gsm8k-test.json": [("sum test", scores(1.0))],
        "mbpp.json": [("def f(): pass", scores(0.0)), ("def g(): pass", scores(1.0))],
    })


def test_full_data_defects_are_counted(defects):
    r = ingest.ingest("routerdc", defects, {"models_table": TABLE}, "drop", SPLIT, "rdc")
    q = r.benchmark.queries.set_index("prompt")
    # one prompt in a train and a test file, under two categories: one query, in test, first category
    # by file order (arc_challenge_test.json sorts before arc_easy_train.json), labels merged (mean)
    assert value(r, "ids_in_multiple_splits") == 1 and value(r, "category_conflicts") == 1
    assert q.loc["Which is a metal?", "split"] == "test" and q.loc["Which is a metal?", "category"] == "arc_challenge"
    assert value(r, "conflicting_pairs_across_splits") == 7
    assert value(r, "repeated_ids") == 1 and value(r, "conflicting_pairs_within_file") == 7
    assert value(r, "conflicting_duplicate_pairs") == 14
    lab = r.benchmark.labels.merge(r.benchmark.queries[["query_id", "prompt"]], on="query_id").set_index("prompt")
    assert np.allclose(lab.loc["Which is a metal?", "label"], 0.4)
    assert (lab.loc["What is 2+2?", "label"] == 0.5).all()
    assert value(r, "test_only_files") == 1 and q.loc["def f(): pass", "split"] == "test"
    assert value(r, "n_queries") == 10 + 2 + 5 + 9 + 1 + 2 - 1  # the shared prompt once
    r = ingest.ingest("routerdc", defects, {"models_table": TABLE}, "drop", SPLIT, "rdc", conflicts="first")
    lab = r.benchmark.labels.merge(r.benchmark.queries[["query_id", "prompt"]], on="query_id").set_index("prompt")
    assert np.allclose(lab.loc["Which is a metal?", "label"], 0.6)  # first file: arc_challenge_test
    assert (lab.loc["What is 2+2?", "label"] == 1.0).all()


def test_bad_inputs(tmp_path, defects):
    with pytest.raises(ConfigError, match=r"options.models_table: required for adapter 'routerdc'"):
        ingest.ingest("routerdc", defects, {}, "drop", SPLIT, "rdc")
    table = tmp_path / "models.csv"
    table.write_text("model,params_b\n" + "\n".join(f"{m},7" for m in MODELS[:-1]) + "\n")
    with pytest.raises(InputError, match=r"dolphin-2.9-llama3-8b.*not in the model cost table"):
        ingest.ingest("routerdc", defects, {"models_table": str(table)}, "drop", SPLIT, "rdc")
    (defects / "mbpp.json").write_text(json.dumps({"question": "x"}))
    with pytest.raises(InputError, match=r"mbpp.json: expected a JSON list"):
        ingest.ingest("routerdc", defects, {"models_table": TABLE}, "drop", SPLIT, "rdc")
    (defects / "mbpp.json").write_text(json.dumps([{"question": "x", "scores": {MODELS[0]: "high"}}]))
    with pytest.raises(InputError, match=r"mbpp.json: record 0: score of model 'mistralai/Mistral-7B-v0.1'.*'high'"):
        ingest.ingest("routerdc", defects, {"models_table": TABLE}, "drop", SPLIT, "rdc")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no .json files"):
        ingest.ingest("routerdc", empty, {"models_table": TABLE}, "drop", SPLIT, "rdc")


def test_models_table_covers_the_seven_models():
    table = ingest.read_models_table(TABLE)
    assert sorted(table["model"]) == sorted(MODELS)
    assert table["params_b"].between(7, 8.1).all()
    assert pd.notna(table["params_b"]).all()
