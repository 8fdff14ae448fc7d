"""OOD table: per held-out category, ID vs OOD quality and delta (hand-computed)."""

import numpy as np
import pandas as pd
import pytest

from routerbench_plus import bootstrap, ood
from routerbench_plus.errors import ConfigError, InputError

QUERIES = pd.DataFrame(
    {
        "query_id": ["a1", "a2", "b1", "b2", "c1", "a0"],
        "category": ["A", "A", "B", "B", "C", "A"],
        "split": ["test", "test", "test", "test", "test", "train"],
    }
)
IDS = ["a1", "a2", "b1", "b2", "c1"]


def picks(quality):
    """quality: {query: [q at budget 1, q at budget 2]}."""
    rows = [(b, q, "m", v[i], b) for q, v in quality.items() for i, b in enumerate([1.0, 2.0])]
    return pd.DataFrame(rows, columns=["budget", "query_id", "model", "quality", "cost"])


STANDARD = {"knn": picks({"a1": [1, 1], "a2": [0, 1], "b1": [1, 1], "b2": [1, 1], "c1": [0, 0]})}
OOD = {"knn": picks({"a1": [0, 1], "a2": [0, 0], "b1": [1, 1], "b2": [0, 1], "c1": [1, 1]})}


def test_ood_table_hand_computed():
    table = ood.ood_table(
        STANDARD, OOD, QUERIES, ["A", "B"], split_ood="ood-planted", tags={"benchmark": "demo", "group": "planted", "cost_type": "params"}
    )
    t = table.set_index("category")
    assert list(t.index) == ["A", "B", ood.POOLED]
    # A: ID per budget 0.5, 1 -> mean 0.75, max-budget 1; OOD 0, 0.5 -> 0.25, 0.5
    assert t.loc["A", "curve_mean_id_pts"] == pytest.approx(75.0)
    assert t.loc["A", "curve_mean_ood_pts"] == pytest.approx(25.0)
    assert t.loc["A", "curve_mean_delta_pts"] == pytest.approx(-50.0)
    assert t.loc["A", "at_max_budget_delta_pts"] == pytest.approx(-50.0)
    assert t.loc["B", "curve_mean_delta_pts"] == pytest.approx(-25.0)
    assert t.loc["B", "at_max_budget_delta_pts"] == pytest.approx(0.0)
    # pooled over A and B: ID 0.75, 1 -> 0.875; OOD 0.25, 0.75 -> 0.5
    assert t.loc[ood.POOLED, "curve_mean_delta_pts"] == pytest.approx(-37.5)
    assert t.loc[ood.POOLED, "at_max_budget_delta_pts"] == pytest.approx(-25.0)
    assert t.loc[ood.POOLED, "n_test_queries"] == 4 and t.loc["A", "n_test_queries"] == 2
    assert bool(t.loc[ood.POOLED, "pooled"]) and not bool(t.loc["A", "pooled"])
    assert table["split_ood"].eq("ood-planted").all() and table["benchmark"].eq("demo").all()
    assert list(table.columns[:4]) == ["benchmark", "group", "cost_type", "method"]


def test_ood_table_errors():
    with pytest.raises(ConfigError, match=r"benchmarks\.demo\.ood_groups\.g.*'Z'"):
        ood.ood_table(STANDARD, OOD, QUERIES, ["A", "Z"], config_key="benchmarks.demo.ood_groups.g")
    fewer = {"knn": OOD["knn"][OOD["knn"]["query_id"] != "c1"]}
    with pytest.raises(InputError, match="have no pick"):
        ood.ood_table(STANDARD, fewer, QUERIES, ["A"])
    with pytest.raises(InputError, match="methods differ"):
        ood.ood_table(STANDARD, {"mlp": OOD["knn"]}, QUERIES, ["A"])


def test_category_without_test_queries_is_kept_as_nan():
    queries = pd.concat([QUERIES, pd.DataFrame({"query_id": ["d0"], "category": ["D"], "split": ["train"]})])
    table = ood.ood_table(STANDARD, OOD, queries, ["A", "D"]).set_index("category")
    assert np.isnan(table.loc["D", "curve_mean_delta_pts"]) and table.loc["D", "n_test_queries"] == 0


def test_ood_delta_intervals_resample_each_category_paired_across_trainings():
    table = ood.ood_table(STANDARD, OOD, QUERIES, ["A", "B"], n_resamples=400, seed=5).set_index("category")
    # category A: per-query curve-mean deltas (a1: 0.5 - 1 = -0.5, a2: 0 - 0.5 = -0.5): every resample -50
    assert table.loc["A", ["curve_mean_delta_lo_pts", "curve_mean_delta_hi_pts"]].tolist() == pytest.approx([-50, -50])
    assert table.loc["A", "curve_mean_significant"]
    # category B: deltas b1: 0, b2: -0.5 over B's own two test queries (same resamples for both trainings)
    counts = np.concatenate(list(bootstrap.iter_resample_counts(2, 400, seed=5)))
    want = np.quantile(100 * counts @ np.array([0.0, -0.5]) / 2, [0.025, 0.975])
    assert table.loc["B", ["curve_mean_delta_lo_pts", "curve_mean_delta_hi_pts"]].tolist() == pytest.approx(want)
    assert not table.loc["B", "curve_mean_significant"]  # a resample may draw b1 twice: delta 0
    # at the largest budget B does not change: a zero-width interval at 0
    assert table.loc["B", ["at_max_budget_delta_lo_pts", "at_max_budget_delta_hi_pts"]].tolist() == [0, 0]
    assert (table["n_resamples"] == 400).all() and (table["seed"] == 5).all()
    # pooled: A and B's four queries resampled together
    pooled = table.loc[ood.POOLED]
    assert pooled["curve_mean_delta_lo_pts"] <= pooled["curve_mean_delta_pts"] <= pooled["curve_mean_delta_hi_pts"]


def test_ood_planted_drop_is_significant_on_many_queries():
    rng = np.random.default_rng(0)
    ids = [f"q{i:03d}" for i in range(200)]
    queries = pd.DataFrame({"query_id": ids, "category": ["A"] * 100 + ["B"] * 100, "split": "test"})
    good = rng.random((200, 2)) < 0.8
    worse = good & (rng.random((200, 2)) < np.r_[np.full(100, 0.5), np.ones(100)][:, None])  # A loses half
    to_picks = lambda q: pd.DataFrame(  # noqa: E731
        [(b, ids[i], "m", float(q[i, j]), b) for j, b in enumerate([1.0, 2.0]) for i in range(200)],
        columns=["budget", "query_id", "model", "quality", "cost"],
    )
    table = ood.ood_table({"knn": to_picks(good)}, {"knn": to_picks(worse)}, queries, ["A", "B"], n_resamples=500)
    t = table.set_index("category")
    assert t.loc["A", "curve_mean_delta_hi_pts"] < 0 and t.loc["A", "curve_mean_significant"]
    assert t.loc["B", "curve_mean_delta_pts"] == 0 and not t.loc["B", "curve_mean_significant"]
