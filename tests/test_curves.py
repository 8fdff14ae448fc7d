"""Deferral curves, area/peak (three area axes), AIQ, single-model points."""

import numpy as np
import pandas as pd
import pytest

from routerbench_plus import curves, store
from routerbench_plus.errors import InputError


def make_picks(budgets, query_ids, models, quality, cost):
    """Long picks table from (B, Q) arrays (models may hold None = unrouted)."""
    b, q = np.meshgrid(budgets, query_ids, indexing="ij")
    return pd.DataFrame(
        {
            "budget": b.ravel().astype(float),
            "query_id": q.ravel(),
            "model": pd.Series(np.asarray(models, dtype=object).ravel(), dtype="string"),
            "quality": np.asarray(quality, dtype=np.float32).ravel(),
            "cost": np.asarray(cost, dtype=float).ravel(),
        }
    )


def test_area_and_peak_hand_computed():
    # x = 0.2, 0.4, 0.8; trapezoids 0.2*(0.5+0.6)/2 + 0.4*(0.6+0.9)/2 = 0.11 + 0.30; flat 0.9*0.2
    area, peak = curves.area_and_peak(np.array([2.0, 4.0, 8.0]), np.array([0.5, 0.6, 0.9]), 10.0)
    assert area == pytest.approx(0.11 + 0.30 + 0.18)
    assert peak == pytest.approx(0.9)


def test_area_nothing_before_first_point_and_unsorted_budgets():
    # one point at x = 0.5: flat from 0.5 to 1, nothing on [0, 0.5)
    area, _ = curves.area_and_peak(np.array([5.0]), np.array([0.8]), 10.0)
    assert area == pytest.approx(0.4)
    area2, _ = curves.area_and_peak(np.array([8.0, 2.0, 4.0]), np.array([0.9, 0.5, 0.6]), 10.0)
    assert area2 == pytest.approx(0.59)


def test_area_budgets_past_the_max_cost_are_clipped():
    # x = 0.5, 1, 1 (20 > max cost 10): only the first trapezoid counts
    area, peak = curves.area_and_peak(np.array([5.0, 10.0, 20.0]), np.array([0.4, 0.8, 0.8]), 10.0)
    assert area == pytest.approx(0.5 * (0.4 + 0.8) / 2)
    assert peak == pytest.approx(0.8)


def test_area_axes_hand_computed():
    # pool costs 2..8; budgets 1 (below the cheapest model), 2, 4, 8, 16 (above the largest)
    budgets, y = np.array([1.0, 2.0, 4.0, 8.0, 16.0]), np.array([0.0, 0.4, 0.6, 0.8, 0.8])
    w = curves.area_weight_matrix(budgets, 2.0, 8.0)
    assert list(w) == ["area", "area_span", "area_log"]
    # study: x = 1/8, 1/4, 1/2, 1, 1: 0.125*0.2 + 0.25*0.5 + 0.5*0.7 = 0.5 (0 before 1/8, nothing after 1)
    assert y @ w["area"] == pytest.approx(0.5)
    assert w["area"] == pytest.approx(curves.trapezoid_weights(curves.normalise_budgets(budgets, 8.0)))
    # span: budget 1 is off the axis; x = 0, 1/3, 1, 1 (16 clipped): (1/3)*0.5 + (2/3)*0.7
    assert w["area_span"][0] == 0.0
    assert y @ w["area_span"] == pytest.approx(1 / 6 + 1.4 / 3)
    # log: x = 0, 1/2, 1, 1: 0.5*0.5 + 0.5*0.7
    assert y @ w["area_log"] == pytest.approx(0.6)
    # a grid that starts above the cheapest model: 0 on [0, x_first), as in the study's rule
    w2 = curves.area_weight_matrix(np.array([3.0, 8.0]), 2.0, 8.0)
    assert np.array([0.6, 0.8]) @ w2["area_span"] == pytest.approx((5 / 6) * 0.7)
    assert np.array([0.6, 0.8]) @ w2["area_log"] == pytest.approx((1 - np.log(1.5) / np.log(4)) * 0.7)
    # one cost in the pool: the span and log axes are a point; the area is the quality there
    w3 = curves.area_weight_matrix(np.array([8.0, 16.0]), 8.0, 8.0)
    assert np.array([0.7, 0.7]) @ w3["area_span"] == pytest.approx(0.7)
    assert np.array([0.7, 0.7]) @ w3["area_log"] == pytest.approx(0.7)
    with pytest.raises(InputError, match="min cost <= max cost"):
        curves.area_weights(budgets, 9.0, 8.0, "span")


def test_close_costs_squash_the_study_area_but_not_the_span_and_log_areas():
    # RouterDC-like pool: costs 7.2..8 B; the curve climbs from 0.40 to 0.50 across that span
    budgets, y = np.array([7.2, 7.6, 8.0]), np.array([0.40, 0.45, 0.50])
    w = curves.area_weight_matrix(budgets, 7.2, 8.0)
    assert y @ w["area"] == pytest.approx(0.05 * 0.425 + 0.05 * 0.475)  # 90 % of the axis is 0
    assert y @ w["area_span"] == pytest.approx(0.45)
    assert 0.4 < y @ w["area_log"] < 0.5


def test_pool_cost_range_reads_the_cost_column():
    models = pd.DataFrame({"model": ["a", "b", "c"], "params_b": [7.0, 1.0, 70.0]})
    assert curves.pool_cost_range(models, "params") == (1.0, 70.0)
    with pytest.raises(InputError, match="must be > 0"):
        curves.pool_cost_range(models.assign(params_b=[0.0, 1.0, 2.0]), "params")


def test_area_is_vectorised_over_leading_axes():
    rng = np.random.default_rng(0)
    y = rng.random((4, 3, 6))
    budgets = np.array([1, 2, 3, 5, 8, 13.0])
    area, peak = curves.area_and_peak(budgets, y, 13.0)
    for i in range(4):
        for j in range(3):
            a, p = curves.area_and_peak(budgets, y[i, j], 13.0)
            assert area[i, j] == pytest.approx(a)
            assert peak[i, j] == pytest.approx(p)
    # a constant curve from x = 0 ... has area = its value times the covered share
    assert curves.area_and_peak(budgets, np.full(6, 0.7), 13.0)[0] == pytest.approx(0.7 * (1 - 1 / 13))


def test_deferral_curve_counts_unrouted_as_zero():
    picks = make_picks(
        [1.0, 2.0],
        ["q1", "q2"],
        [[None, "a"], ["b", "a"]],
        [[np.nan, 1.0], [1.0, 0.0]],
        [[np.nan, 1.0], [2.0, 1.0]],
    )
    checked = curves.check_picks(picks, ["q1", "q2"])
    curve = curves.deferral_curve(checked)
    assert curve["budget"].tolist() == [1.0, 2.0]
    assert curve["quality"].tolist() == pytest.approx([0.5, 0.5])
    assert curve["realised_cost"].tolist() == pytest.approx([0.5, 1.5])
    assert curve["n_unrouted"].tolist() == [1, 0]
    assert curve["n_queries"].tolist() == [2, 2]


def test_check_picks_rejects_bad_tables():
    good = make_picks([1.0], ["q1", "q2"], [["a", "a"]], [[1.0, 0.0]], [[1.0, 1.0]])
    with pytest.raises(InputError, match="not test queries"):
        curves.check_picks(good, ["q1"], where="picks.parquet")
    with pytest.raises(InputError, match="have no pick"):
        curves.check_picks(good, ["q1", "q2", "q3"])
    with pytest.raises(InputError, match="missing required column"):
        curves.check_picks(good.drop(columns="cost"))
    with pytest.raises(InputError, match="unique"):
        curves.check_picks(pd.concat([good, good]))
    no_quality = good.assign(quality=[np.nan, 0.0])
    with pytest.raises(InputError, match="no 'quality'"):
        curves.check_picks(no_quality)
    ragged = pd.concat([good, good.iloc[:1].assign(budget=2.0)])
    with pytest.raises(InputError, match="same queries"):
        curves.check_picks(ragged)


def test_upper_hull_and_aiq_hand_computed():
    x = np.array([0.1, 0.2, 0.3, 0.5, 0.6])
    y = np.array([0.2, 0.5, 0.4, 0.7, 0.6])
    hx, hy = curves.upper_hull(x, y)
    assert hx.tolist() == [0.1, 0.2, 0.5, 0.6]  # (0.3, 0.4) lies below the hull
    nx, ny = curves.non_decreasing_hull(x, y)
    assert nx.tolist() == [0.1, 0.2, 0.5]  # cut at the highest point, flat after
    # 0.1*(0.2+0.5)/2 + 0.3*(0.5+0.7)/2 + 0.7*(1-0.5) = 0.035 + 0.18 + 0.35
    assert curves.aiq(x * 10, y, max_cost=10.0) == pytest.approx(0.565)
    # a collinear middle point is not a hull vertex; duplicates in x keep the best y
    hx, hy = curves.upper_hull(np.array([0.0, 0.5, 1.0, 1.0]), np.array([0.0, 0.5, 1.0, 0.2]))
    assert hx.tolist() == [0.0, 1.0] and hy.tolist() == [0.0, 1.0]


def test_aiq_dominates_the_plain_area_of_the_same_points():
    rng = np.random.default_rng(3)
    x = np.sort(rng.random(30))
    y = rng.random(30)
    hx, hy = curves.non_decreasing_hull(x, y)
    plain = float(y @ curves.trapezoid_weights(x))
    assert curves.aiq(x, y, 1.0) >= plain
    assert np.all(np.diff(hy) >= 0)


def test_read_picks_by_cost_round_trip_and_file_named_errors(tmp_path):
    paths = []
    for cost in ("params", "usd"):
        for method in ("knn", "heuristic"):
            path = tmp_path / f"{method}_{cost}.parquet"
            q = 1.0 if method == "knn" else 0.0
            store.write(make_picks([1.0], ["q1"], [["a"]], [[q]], [[1.0]]), path)
            paths.append(str(path))
    nested = curves.read_picks_by_cost(paths, ["params", "usd"], ["knn", "heuristic"])
    assert list(nested) == ["params", "usd"] and list(nested["usd"]) == ["knn", "heuristic"]
    assert nested["usd"]["knn"]["quality"].tolist() == [1.0]
    bad = tmp_path / "bad.parquet"
    store.write(make_picks([1.0], ["q1"], [["a"]], [[1.0]], [[1.0]]).drop(columns="model"), bad)
    with pytest.raises(InputError, match="bad.parquet"):
        curves.read_picks(str(bad))


def test_aiq_ignores_budgets_where_nothing_was_routed():
    table = pd.DataFrame(
        {
            "method": "knn",
            "budget": [0.5, 1.0, 2.0],
            "budget_norm": [0.25, 0.5, 1.0],
            "quality": [0.0, 0.6, 0.8],
            "realised_cost": [0.0, 1.0, 2.0],
            "n_queries": 10,
            "n_unrouted": [10, 0, 0],
        }
    )
    # hull points (0.5, 0.6), (1, 0.8): 0.5 * (0.6 + 0.8) / 2, no point at cost 0
    assert curves.aiq_by_method(table, 2.0)["knn"] == pytest.approx(0.35)
