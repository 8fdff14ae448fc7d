"""OOD table: per held-out category, ID vs OOD quality and delta (hand-computed)."""

import numpy as np
import pandas as pd
import pytest

from routerbench_plus import ood
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
