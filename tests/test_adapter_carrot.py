"""Adapter `carrot`: CARROT's open-leaderboard-v2 pickle (shared copy, unchanged), its split
reproduced from CARROT's own code path, ifeval's dict-valued correctness, and the numpy-only
restricted unpickler."""

from __future__ import annotations

import os
import pickle
from functools import reduce
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, shared_data

from routerbench_plus import ingest
from routerbench_plus.errors import ConfigError, InputError
from routerbench_plus.ingest.adapters import carrot

SPLIT = {"val_fraction": 0.1, "test_fraction": 0.2, "seed": 0}
TABLE = str(REPO / "config/models/openllm_v2.csv")


def value(result: ingest.IngestResult, key: str) -> int:
    return ingest.report_value(result.report, key)


def detail(result: ingest.IngestResult, key: str) -> str:
    return str(result.report.set_index("key").loc[key, "detail"])


@pytest.fixture(scope="module")
def folder() -> Path:
    path = shared_data("openllm_leaderboard_v2_carrot")
    if not list(path.glob(carrot.PICKLE_GLOB)):
        pytest.skip(f"real data not available: no {carrot.PICKLE_GLOB} in {path}")
    return path


@pytest.fixture(scope="module")
def study(folder) -> ingest.IngestResult:
    options = {"models_table": TABLE, "split": "carrot", "ifeval": "exclude"}
    return ingest.ingest("carrot", folder, options, "drop", SPLIT, "carrot")


def test_study_split_counts(study):
    r = study
    assert value(r, "rows_read") == 21065 and value(r, "n_queries") == 21065
    assert value(r, "n_categories") == 38 and value(r, "n_models") == 19
    assert value(r, "carrot_split") == value(r, "n_test") == 4213
    assert value(r, "n_train") + value(r, "n_val") == 16852 and value(r, "val_carved") == value(r, "n_val") > 0
    # SOLAR has no mmlu_pro: absent there (12,032 items), never 0
    assert value(r, "models_not_in_every_task") == 1 and value(r, "n_missing_labels") == 12032
    assert value(r, "blank_prompts") == 0 and "label-only" in detail(r, "blank_prompts")
    assert value(r, "duplicate_pairs") == 0 and value(r, "nan_labels") == 0 and value(r, "labels_non_binary") == 0
    assert "excluded" in detail(r, "ifeval")


def test_study_split_matches_carrots_code_path(folder, study):
    """CARROT's gen script: models common to all tasks, Y = hstack over OPEN_BENCHMARKS['all'],
    train_test_split(..., test_size=0.2, random_state=42) over the rows of Y.T."""
    from sklearn.model_selection import train_test_split

    with open(next(folder.glob(carrot.PICKLE_GLOB)), "rb") as handle:
        data = carrot.NumpyUnpickler(handle).load()
    families = {f: sorted(t for t in data if carrot.family_of(t) == f) for f in carrot.FAMILIES}
    tasks = [t for f in ("bbh", "gpqa", "math", "mmlu_pro", "musr") for t in families[f]]
    models = np.sort(list(reduce(set.intersection, (set(data[t]["models"]) for t in tasks)))).tolist()
    y = np.hstack([data[t]["correctness"][[data[t]["models"].index(m) for m in models]] for t in tasks]).T
    ids = [f"{t}/{i}" for t in tasks for i in range(data[t]["correctness"].shape[1])]
    _, ids_test, _, y_test = train_test_split(ids, y, test_size=0.2, random_state=42)
    q = study.benchmark.queries
    assert set(q.loc[q["split"] == "test", "query_id"]) == set(ids_test)
    # and the labels of a test item are CARROT's row for it
    lab = study.benchmark.labels.set_index(["query_id", "model"])["label"]
    table = ingest.read_models_table(TABLE).set_index("source_model")["model"]
    name = table[models[3].removeprefix(carrot.MODEL_PREFIX).removesuffix(carrot.MODEL_SUFFIX)]
    assert [lab[(i, name)] for i in ids_test[:50]] == y_test[:50, 3].tolist()


def test_labels_equal_the_long_format_export(folder, study):
    long = pd.read_parquet(folder / "openllm_v2_raw_long.parquet", columns=["model", "task", "item_idx", "correct"])
    long = long[long["task"] != carrot.IFEVAL]
    table = ingest.read_models_table(TABLE).set_index("source_model")["model"]
    expected = pd.Series(
        long["correct"].to_numpy(),
        index=pd.MultiIndex.from_arrays([long["task"] + "/" + long["item_idx"].astype(str), long["model"].map(table)]),
    ).sort_index()
    got = study.benchmark.labels.set_index(["query_id", "model"])["label"].sort_index()
    assert len(got) == len(expected) == 388203
    assert (got.index == expected.index).all() and np.array_equal(got.to_numpy(), expected.to_numpy())


def test_ifeval_options(folder):
    prompt = ingest.ingest("carrot", folder, {"models_table": TABLE}, "drop", SPLIT, "c")
    assert value(prompt, "n_categories") == 39 and value(prompt, "ifeval") == 541
    assert value(prompt, "labels_non_binary") == 0
    labels = prompt.benchmark.labels
    ifeval = labels[labels["query_id"].str.startswith(carrot.IFEVAL + "/")]
    assert len(ifeval) == 19 * 541 and set(np.unique(ifeval["label"])) == {0.0, 1.0}
    inst = ingest.ingest("carrot", folder, {"models_table": TABLE, "ifeval": "instruction"}, "drop", SPLIT, "c")
    soft = inst.benchmark.labels
    soft = soft[soft["query_id"].str.startswith(carrot.IFEVAL + "/")]
    n_soft = int(((soft["label"] > 0) & (soft["label"] < 1)).sum())
    assert n_soft > 0 and value(inst, "labels_non_binary") == value(inst, f"labels_non_binary:category:{carrot.IFEVAL}") == n_soft
    # prompt-level 1 means every instruction followed: the instruction share is 1 there too
    both = ifeval.merge(soft, on=["query_id", "model"], suffixes=("_p", "_i"))
    assert (both.loc[both["label_p"] == 1, "label_i"] == 1).all()
    assert value(prompt, "split_source") == 0 and "seeded split" in detail(prompt, "split_source")


def test_common_models_option(folder):
    r = ingest.ingest("carrot", folder, {"models_table": TABLE, "models": "common", "ifeval": "exclude"}, "drop", SPLIT, "c")
    assert value(r, "n_models") == 18 and value(r, "n_missing_labels") == 0
    assert "dropped with their 9033 label cells" in detail(r, "models_not_in_every_task")  # SOLAR x 21,065 - 12,032


# --------------------------------------------------------------------------- hand-made pickles


def tiny_pickle(path: Path, with_ifeval: bool = True) -> Path:
    data = {
        "leaderboard_bbh_navigate": {"correctness": np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]),
                                     "models": ["open-llm-leaderboard/org__a-details", "open-llm-leaderboard/org__b-details"]},
        "leaderboard_gpqa_main": {"correctness": np.array([[1.0, 1.0], [0.0, 1.0]]),
                                  "models": ["open-llm-leaderboard/org__b-details", "open-llm-leaderboard/org__a-details"]},
    }
    if with_ifeval:
        data[carrot.IFEVAL] = {"correctness": {"correctness_prompt": np.array([[1.0, 0.0], [0.0, 0.0]]),
                                               "correctness_inst": np.array([[1.0, 0.5], [0.25, 0.0]]),
                                               "weights_prompt": np.ones(2), "weights_inst": np.array([1.0, 1.0])},
                               "models": ["open-llm-leaderboard/org__a-details", "open-llm-leaderboard/org__b-details"]}
    path.write_bytes(pickle.dumps(data))
    return path


@pytest.fixture
def tiny(tmp_path) -> tuple[Path, str]:
    table = tmp_path / "models.csv"
    table.write_text("model,source_model,params_b\norg/a,org__a,1.0\norg/b,org__b,7.0\n")
    folder = tmp_path / "c"
    folder.mkdir()
    tiny_pickle(folder / "new_leaderboard_processed_20990101.pickle")
    return folder, str(table)


def test_tiny_pickle_ids_labels_and_ifeval(tiny):
    folder, table = tiny
    r = ingest.ingest("carrot", folder, {"models_table": table, "ifeval": "instruction"}, "drop", SPLIT, "c")
    lab = r.benchmark.labels.set_index(["query_id", "model"])["label"]
    assert lab[("leaderboard_bbh_navigate/1", "org/a")] == 0.0 and lab[("leaderboard_bbh_navigate/2", "org/b")] == 1.0
    assert lab[("leaderboard_gpqa_main/0", "org/b")] == 1.0 and lab[("leaderboard_gpqa_main/0", "org/a")] == 0.0
    assert lab[("leaderboard_ifeval/0", "org/b")] == 0.25 and lab[("leaderboard_ifeval/1", "org/a")] == 0.5
    assert len(lab) == 2 * (3 + 2 + 2) and r.benchmark.queries["prompt"].isna().all()


def test_carrot_split_needs_ifeval_excluded(tiny):
    folder, table = tiny
    with pytest.raises(ConfigError, match=r"options.split: 'carrot'.*ifeval: exclude"):
        ingest.ingest("carrot", folder, {"models_table": table, "split": "carrot"}, "drop", SPLIT, "c")
    with pytest.raises(ConfigError, match=r"options.ifeval: expected one of"):
        ingest.ingest("carrot", folder, {"models_table": table, "ifeval": "strict"}, "drop", SPLIT, "c")


def test_carrot_split_concatenates_families_in_carrots_order(tiny, tmp_path):
    """Whatever the pickle's dict order: bbh items first, then gpqa; positions split by sklearn."""
    from sklearn.model_selection import train_test_split

    _, table = tiny
    folder = tmp_path / "ordered"
    folder.mkdir()
    path = tiny_pickle(folder / "new_leaderboard_processed_1.pickle", with_ifeval=False)
    data = pickle.loads(path.read_bytes())
    path.write_bytes(pickle.dumps({k: data[k] for k in reversed(list(data))}))  # gpqa first in the file
    r = ingest.ingest("carrot", folder, {"models_table": table, "split": "carrot", "ifeval": "exclude"}, "drop",
                      {**SPLIT, "val_fraction": 0.0}, "c")
    order = [f"leaderboard_bbh_navigate/{i}" for i in range(3)] + [f"leaderboard_gpqa_main/{i}" for i in range(2)]
    _, test = train_test_split(order, test_size=0.2, random_state=42)
    q = r.benchmark.queries
    assert sorted(q.loc[q["split"] == "test", "query_id"]) == sorted(test) and value(r, "carrot_split") == 1
    data["leaderboard_other_task"] = data["leaderboard_gpqa_main"]
    path.write_bytes(pickle.dumps(data))
    with pytest.raises(InputError, match=r"\['leaderboard_other_task'\] are outside CARROT's five families"):
        ingest.ingest("carrot", folder, {"models_table": table, "split": "carrot", "ifeval": "exclude"}, "drop", SPLIT, "c")


def test_numpy_only_unpickler_refuses_other_globals(tmp_path, tiny):
    _, table = tiny
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    bad = tmp_path / "x"
    bad.mkdir()
    (bad / "new_leaderboard_processed_1.pickle").write_bytes(pickle.dumps({"t": Exploit()}))
    with pytest.raises(InputError, match=r"refused to unpickle global '(posix|os).system'"):
        ingest.ingest("carrot", bad, {"models_table": table}, "drop", SPLIT, "c")
    assert not marker.exists()
    # a pandas object is fine for the DataFrame unpickler, not for CARROT's numpy-only file
    (bad / "new_leaderboard_processed_1.pickle").write_bytes(pickle.dumps({"t": pd.DataFrame({"a": [1]})}))
    with pytest.raises(InputError, match=r"refused to unpickle global 'pandas"):
        ingest.ingest("carrot", bad, {"models_table": table}, "drop", SPLIT, "c")


def test_malformed_pickles(tmp_path, tiny):
    _, table = tiny
    bad = tmp_path / "y"
    bad.mkdir()
    path = bad / "new_leaderboard_processed_1.pickle"
    path.write_bytes(pickle.dumps({"t": {"correctness": np.zeros((3, 4)), "models": ["org__a", "org__b"]}}))
    with pytest.raises(InputError, match=r"task 't': 'correctness' must be a numeric array of shape \(models, items\) with 2 rows"):
        ingest.ingest("carrot", bad, {"models_table": table}, "drop", SPLIT, "c")
    tiny_pickle(path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(InputError, match="not a readable pickle.*truncated"):
        ingest.ingest("carrot", bad, {"models_table": table}, "drop", SPLIT, "c")
    (bad / "new_leaderboard_processed_2.pickle").write_bytes(b"x")
    with pytest.raises(InputError, match="expected exactly one"):
        ingest.ingest("carrot", bad, {"models_table": table}, "drop", SPLIT, "c")
