"""Shared ingest policies the adapters rely on, on hand-made long tables: the validation share carved
out of train when a source has train and test only, and the conflict / blank-prompt policy keys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from routerbench_plus import ingest
from routerbench_plus.errors import ConfigError

SPLIT = {"val_fraction": 0.1, "test_fraction": 0.2, "seed": 0}


def value(result: ingest.IngestResult, key: str) -> int:
    return ingest.report_value(result.report, key)


def long_with_split(tmp: Path, sizes: dict[str, int], test_per_category: int = 2, val: bool = False) -> tuple[Path, dict]:
    """Two models x (train queries per category from ``sizes`` + test ones); a split column."""
    rows = []
    for category, n_train in sizes.items():
        for i in range(n_train + test_per_category):
            split = "train" if i < n_train else "test"
            if val and i == 0:
                split = "val"
            for model, label in (("m1", float(i % 2)), ("m2", 1.0)):
                rows.append((category, i, model, label, split, f"{category} question {i}"))
    data = tmp / "long.csv"
    pd.DataFrame(rows, columns=["task", "item", "model", "correct", "split", "prompt"]).to_csv(data, index=False)
    table = tmp / "models.csv"
    table.write_text("model,params_b\nm1,1.0\nm2,7.0\n")
    columns = {"query_id": ["task", "item"], "category": "task", "model": "model", "label": "correct",
               "split": "split", "prompt": "prompt"}
    return data, {"columns": columns, "models_table": str(table)}


def test_val_carved_per_category_from_train(tmp_path):
    data, options = long_with_split(tmp_path, {"a": 20, "b": 10, "c": 1, "d": 4})
    r = ingest.ingest("long", data, options, "drop", {**SPLIT, "val_fraction": 0.25}, "b")
    q = r.benchmark.queries
    val = q[q["split"] == "val"].groupby("category").size().reindex(list("abcd"), fill_value=0)
    # round(0.25 n), at least one training query kept: a 20 -> 5, b 10 -> 2 (2.5 rounds to even), c 1 -> 0, d 4 -> 1
    assert val.tolist() == [5, 2, 0, 1]
    assert value(r, "val_carved") == value(r, "n_val") == 8 and value(r, "n_train") == 35 - 8
    assert value(r, "n_test") == 4 * 2  # test untouched
    assert (q.groupby("category")["split"].apply(lambda s: (s == "train").sum()) >= 1).all()
    # seeded: the same seed gives the same val set, another seed another one
    again = ingest.ingest("long", data, options, "drop", {**SPLIT, "val_fraction": 0.25}, "b").benchmark.queries
    other = ingest.ingest("long", data, options, "drop", {**SPLIT, "val_fraction": 0.25, "seed": 1}, "b").benchmark.queries
    pd.testing.assert_frame_equal(again, q)
    assert set(other.loc[other["split"] == "val", "query_id"]) != set(q.loc[q["split"] == "val", "query_id"])


def test_no_carving_when_val_is_given_or_fraction_zero(tmp_path):
    data, options = long_with_split(tmp_path, {"a": 20, "b": 10}, val=True)
    r = ingest.ingest("long", data, options, "drop", SPLIT, "b")
    assert value(r, "val_carved") == 0 and "has a val split" in r.report.set_index("key").loc["val_carved", "detail"]
    assert value(r, "n_val") == 2
    data, options = long_with_split(tmp_path, {"a": 20, "b": 10})
    r = ingest.ingest("long", data, options, "drop", {**SPLIT, "val_fraction": 0.0}, "b")
    assert value(r, "val_carved") == 0 and value(r, "n_val") == 0


def test_policy_values_are_checked(tmp_path):
    data, options = long_with_split(tmp_path, {"a": 4})
    with pytest.raises(ConfigError, match=r"ingest.conflicts: expected one of \['mean', 'max', 'first', 'error'\], got 'min'"):
        ingest.ingest("long", data, options, "drop", SPLIT, "b", conflicts="min")
    with pytest.raises(ConfigError, match=r"ingest.blank_prompts: expected one of \['error', 'drop'\], got 'keep'"):
        ingest.ingest("long", data, options, "drop", SPLIT, "b", blank_prompts="keep")


def test_label_only_source_passes_the_blank_prompt_check(tmp_path):
    data, options = long_with_split(tmp_path, {"a": 4, "b": 4})
    options["columns"]["prompt"] = None
    r = ingest.ingest("long", data, options, "drop", SPLIT, "b")
    assert value(r, "blank_prompts") == 0 and r.benchmark.queries["prompt"].isna().all()


def test_mean_keeps_the_row_average_max_inflates(tmp_path):
    """Every pair twice, labels 0 and 1 for m1: mean keeps m1's row accuracy (0.5), max makes it 1."""
    data, options = long_with_split(tmp_path, {"a": 6})
    df = pd.read_csv(data)
    twice = df[df["model"] == "m1"].assign(correct=lambda d: 1.0 - d["correct"])
    pd.concat([df, twice]).to_csv(data, index=False)
    accuracy = {}
    for policy in ("mean", "max", "first"):
        r = ingest.ingest("long", data, options, "drop", SPLIT, "b", conflicts=policy)
        lab = r.benchmark.labels
        accuracy[policy] = float(lab.loc[lab["model"] == "m1", "label"].mean())
        assert value(r, "conflicting_duplicate_pairs") == value(r, "conflicting_pairs_within_file") == 8
    rows = pd.concat([df, twice])
    assert accuracy["mean"] == pytest.approx(rows.loc[rows["model"] == "m1", "correct"].mean()) == 0.5
    assert accuracy["max"] == 1.0
    assert accuracy["first"] == pytest.approx(np.mean([i % 2 for i in range(8)]))
