"""Experiment splits: role counts, held-out categories, seeded fractions, error messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routerbench_plus import demo, splits
from routerbench_plus.errors import ConfigError, InputError


@pytest.fixture(scope="module")
def bench():
    return demo.generate(n_categories=10, queries_per_category=40, n_duplicate_groups=4, seed=1).benchmark


def roles(b):
    return b.queries["split"].value_counts().to_dict()


def role_ids(b, role):
    return set(b.queries.loc[b.queries["split"] == role, "query_id"])


def test_parse_split_names():
    assert splits.parse_split("standard") == ("standard", None)
    assert splits.parse_split("ood-math") == ("ood", "math")
    assert splits.parse_split("frac-0.25") == ("frac", 0.25)
    assert splits.parse_split("decontaminated") == ("decontaminated", None)
    for bad in ("frac-1.5", "frac-x", "bogus", "ood-"):
        with pytest.raises(ConfigError, match="config key splits"):
            splits.parse_split(bad)


@pytest.mark.parametrize("name", ["standard", "remastered", "pseudo"])
def test_copy_splits_keep_the_benchmark(bench, name):
    out, counts = splits.make_split(name, bench)
    pd.testing.assert_frame_equal(out.queries, bench.queries)
    assert (counts["n_removed"] == 0).all() and counts["n_after"].sum() == len(bench.queries)


def test_ood_split_removes_held_out_categories_from_training_only(bench):
    held = ["cat-00", "cat-03"]
    out, counts = splits.make_split("ood-math", bench, ood_groups={"math": held}, ood_key="benchmarks.demo.ood_groups")
    q = out.queries
    assert not q.loc[q["split"].isin(["train", "val"]), "category"].isin(held).any()
    assert role_ids(out, "test") == role_ids(bench, "test")  # test unchanged, held-out categories included
    assert q.loc[q["split"] == "test", "category"].isin(held).sum() > 0
    before = bench.queries
    n_held_train = int((before["category"].isin(held) & (before["split"] == "train")).sum())
    by_role = counts.set_index("role")
    assert by_role.loc["train", "n_removed"] == n_held_train > 0
    assert by_role.loc["train", "n_after"] == roles(bench)["train"] - n_held_train
    assert by_role.loc["test", "n_removed"] == 0
    assert set(out.labels["query_id"]) == set(q["query_id"])  # labels follow the queries


def test_ood_group_named_like_the_split_is_accepted(bench):
    out, _ = splits.make_split("ood-planted", bench, ood_groups={"ood-planted": ["cat-01"]})
    assert not out.queries.loc[out.queries["split"] == "train", "category"].eq("cat-01").any()


def test_unknown_ood_category_or_group_is_config_error(bench):
    with pytest.raises(ConfigError, match=r"benchmarks\.demo\.ood_groups\.math.*'algebra'"):
        splits.make_split("ood-math", bench, ood_groups={"math": ["cat-00", "algebra"]},
                          ood_key="benchmarks.demo.ood_groups")
    with pytest.raises(ConfigError, match=r"benchmarks\.demo\.ood_groups.*'medical'"):
        splits.make_split("ood-medical", bench, ood_groups={"math": ["cat-00"]}, ood_key="benchmarks.demo.ood_groups")


def test_frac_split_keeps_about_half_per_category_seeded(bench):
    out, counts = splits.make_split("frac-0.5", bench, seed=3)
    train_before = bench.queries[bench.queries["split"] == "train"].groupby("category").size()
    train_after = out.queries[out.queries["split"] == "train"].groupby("category").size()
    expected = np.maximum(1, np.round(train_before * 0.5)).astype(int)
    pd.testing.assert_series_equal(train_after, expected, check_names=False, check_dtype=False)
    assert role_ids(out, "val") == role_ids(bench, "val") and role_ids(out, "test") == role_ids(bench, "test")
    assert role_ids(out, "train") <= role_ids(bench, "train")
    again, _ = splits.make_split("frac-0.5", bench, seed=3)
    other, _ = splits.make_split("frac-0.5", bench, seed=4)
    assert role_ids(again, "train") == role_ids(out, "train") != role_ids(other, "train")
    assert counts.set_index("role").loc["train", "n_removed"] == train_before.sum() - train_after.sum()


def test_reduced_split_restricts_training_to_representatives(bench):
    q = bench.queries
    train = q.loc[q["split"] == "train", "query_id"].tolist()
    test = q.loc[q["split"] == "test", "query_id"].tolist()
    dropped = set(train[:7]) | set(test[:3])  # the reduced table lacks some test ids too
    reduced = q[~q["query_id"].isin(dropped)][["query_id"]]
    out, counts = splits.make_split("reduced", bench, reduced_queries=reduced)
    assert role_ids(out, "train") == set(train) - dropped
    assert role_ids(out, "test") == set(test)  # test unchanged
    assert counts.set_index("role").loc["train", "n_removed"] == 7


def test_catdrop_split_removes_dropped_categories_from_training(bench):
    redundant = pd.DataFrame({"category": ["cat-02", "cat-05", "cat-07"], "dropped": [True, False, True]})
    out, _ = splits.make_split("catdrop", bench, redundant=redundant)
    train_cats = set(out.queries.loc[out.queries["split"] != "test", "category"])
    assert "cat-02" not in train_cats and "cat-07" not in train_cats and "cat-05" in train_cats
    assert role_ids(out, "test") == role_ids(bench, "test")
    with pytest.raises(InputError, match="dropped"):
        splits.make_split("catdrop", bench, redundant=redundant[["category"]])


def test_decontaminated_split_removes_training_duplicates_of_test_queries(bench):
    q = bench.queries
    train = q.loc[q["split"] == "train", "query_id"].tolist()
    val = q.loc[q["split"] == "val", "query_id"].tolist()
    test = q.loc[q["split"] == "test", "query_id"].tolist()
    pairs = pd.DataFrame({"query_id": [test[0], test[0], test[1], test[2]],
                          "dup_query_id": [train[0], val[0], train[0], train[5]]})
    out, counts = splits.make_split("decontaminated", bench, contamination=pairs)
    assert role_ids(out, "train") == set(train) - {train[0], train[5]}
    assert role_ids(out, "val") == set(val) - {val[0]}
    assert role_ids(out, "test") == set(test)  # the contaminated test queries stay
    by_role = counts.set_index("role")["n_removed"]
    assert (by_role["train"], by_role["val"], by_role["test"]) == (2, 1, 0)
    assert set(counts["split"]) == {"decontaminated"}


def test_ood_auto_holds_out_a_seeded_share_of_the_categories(bench):
    """ood_groups: auto: round(share x categories) categories (at least one), seeded, the same from the split
    rule (its benchmark) and the OOD table (the standard split's queries)."""
    chosen = splits.auto_ood_categories(bench.queries, 0.2, seed=0)
    assert len(chosen) == 2 and set(chosen) <= set(bench.queries["category"])  # 0.2 of 10 categories
    assert chosen == splits.auto_ood_categories(bench.queries.sample(frac=1, random_state=3), 0.2, seed=0)
    others = {tuple(splits.auto_ood_categories(bench.queries, 0.2, seed=s)) for s in range(6)}
    assert len(others) > 1  # the seed chooses
    assert len(splits.auto_ood_categories(bench.queries, 0.01, seed=0)) == 1
    assert len(splits.auto_ood_categories(bench.queries, 0.99, seed=0)) == 9  # one category stays in training
    out, counts = splits.make_split("ood-auto", bench, ood_groups="auto", ood_share=0.2, ood_seed=0)
    q = out.queries
    assert not q.loc[q["split"].isin(["train", "val"]), "category"].isin(chosen).any()
    assert q.loc[q["split"].isin(["train", "val"]), "category"].nunique() == 8
    assert role_ids(out, "test") == role_ids(bench, "test")
    with pytest.raises(ConfigError, match="defines split 'ood-auto' only"):
        splits.make_split("ood-math", bench, ood_groups="auto")
    one = bench.queries.assign(category="only")
    with pytest.raises(ConfigError, match="at least two categories"):
        splits.auto_ood_categories(one, 0.2, seed=0)
