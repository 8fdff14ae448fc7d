"""Category-redundancy experiments: catdrop table (dropped categories as OOD) and the
within-category training-fraction table, on hand-computed cases."""

import pandas as pd
import pytest

from routerbench_plus import categories, ood

QUERIES = pd.DataFrame(
    {
        "query_id": ["a1", "a2", "b1", "b2"],
        "category": ["A", "A", "B", "B"],
        "split": ["test"] * 4,
    }
)


def picks(quality):
    """quality: {query: [q at budget 1, q at budget 2]}."""
    rows = [(b, q, "m", v[i], b) for q, v in quality.items() for i, b in enumerate([1.0, 2.0])]
    return pd.DataFrame(rows, columns=["budget", "query_id", "model", "quality", "cost"])


STANDARD = {"params": {"knn": picks({"a1": [1, 1], "a2": [1, 1], "b1": [1, 0], "b2": [0, 1]})}}
CATDROP = {"params": {"knn": picks({"a1": [0, 1], "a2": [0, 0], "b1": [1, 0], "b2": [0, 1]})}}


def redundant(dropped_a: bool) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "category": ["A", "B"],
            "dropped": [dropped_a, False],
            "kept_partner": ["B", None],
            "kept_partner_cosine": [0.97, None],
        }
    )


def test_catdrop_table_reports_only_dropped_categories():
    table = categories.catdrop_table(STANDARD, CATDROP, QUERIES, redundant(True), tags={"benchmark": "t"})
    t = table.set_index("category")
    assert list(t.index) == ["A", ood.POOLED]
    # A: ID 1, 1 -> 100; catdrop 0, 0.5 -> 25 points
    assert t.loc["A", "curve_mean_delta_pts"] == pytest.approx(-75.0)
    assert t.loc["A", "kept_partner"] == "B"
    assert t.loc["A", "kept_partner_cosine"] == pytest.approx(0.97)
    assert table["split_ood"].eq("catdrop").all()


def test_catdrop_table_empty_when_nothing_is_redundant():
    table = categories.catdrop_table(STANDARD, CATDROP, QUERIES, redundant(False))
    assert table.empty
    assert {"curve_mean_delta_pts", "kept_partner", "method"} <= set(table.columns)


def curve(method: str, quality: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "method": method,
            "cost_type": "params",
            "split": "x",
            "budget": [1.0, 2.0],
            "budget_norm": [0.5, 1.0],
            "quality": quality,
        }
    )


def test_train_fraction_table_hand_computed():
    table = categories.train_fraction_table(
        {1.0: curve("knn", [0.6, 0.8]), 0.5: curve("knn", [0.4, 0.6])}
    )
    assert list(table["train_fraction"]) == [0.5, 1.0]
    full = table.set_index("train_fraction").loc[1.0]
    assert full["curve_mean_pts"] == pytest.approx(70.0)
    assert full["peak_pts"] == pytest.approx(80.0)
    # area: trapezoid on [0.5, 1] = 0.5 * (0.6 + 0.8) / 2, nothing before the first point
    assert full["area"] == pytest.approx(0.35)
