"""Deferral stage: the curve table, the pool's models as points, and the areas with paired-bootstrap
intervals (hand-computed small cases)."""

import numpy as np
import pandas as pd
import pytest
from test_bootstrap import picks_from, simulate
from test_curves import make_picks

from routerbench_plus import curves, deferral, store
from routerbench_plus.errors import InputError


def test_evaluate_curves_tables():
    quality, _ = simulate(300, seed=2)
    budgets = np.array([1.0, 2.0, 4.0])
    picks = {m: picks_from(quality[i], budgets) for i, m in enumerate(["knn", "heuristic", "random"])}
    tags = {"benchmark": "demo", "split": "standard", "cost_type": "params"}
    areas, pairwise, bands = deferral.evaluate_curves(picks, 4.0, n_resamples=500, seed=0, tags=tags)
    metrics = [f"{m}{s}" for m in ("area", "area_span", "area_log", "peak", "curve_mean") for s in ("", "_lo", "_hi")]
    assert list(areas.columns) == [
        "benchmark", "split", "cost_type", "method", *metrics, "aiq", "min_budget", "max_budget", "n_queries",
        "n_budgets", "n_resamples", "confidence", "seed",
    ]
    # min_budget defaults to the first budget: x = 0, 1/3, 1 on the span axis, 0, 1/2, 1 on log
    curve = quality.mean(axis=1).astype(np.float64)  # (methods, budgets)
    assert areas["area_span"].to_numpy() == pytest.approx(curve @ np.array([1 / 6, 1 / 2, 1 / 3]))
    assert areas["area_log"].to_numpy() == pytest.approx(curve @ np.array([1 / 4, 1 / 2, 1 / 4]))
    assert areas["curve_mean"].to_numpy() == pytest.approx(curve.mean(axis=1))
    for m in ("area", "area_span", "area_log", "peak", "curve_mean"):
        assert (areas[f"{m}_lo"] <= areas[m] + 1e-12).all() and (areas[m] <= areas[f"{m}_hi"] + 1e-12).all()
    assert {"area_span_diff_lo", "area_log_significant", "curve_mean_diff"} <= set(pairwise.columns)
    span = deferral.evaluate_curves(picks, 4.0, n_resamples=500, seed=0, min_budget=2.0)[0]
    assert span["area_span"].to_numpy() == pytest.approx(curve[:, 1:] @ np.array([0.5, 0.5]))  # budget 1 off the axis
    assert areas["n_queries"].eq(300).all() and areas["n_resamples"].eq(500).all()
    want = curves.area_and_peak(budgets, quality.mean(axis=1), 4.0)
    assert areas["area"].to_numpy() == pytest.approx(want[0])
    assert areas["aiq"].notna().all()
    assert len(pairwise) == 6 and pairwise["benchmark"].eq("demo").all()
    # per-budget bands: one row per method x budget, containing the full-sample curve
    assert len(bands) == 3 * len(budgets)
    full = bands.assign(quality=[quality[i].mean(axis=0)[j] for i in range(3) for j in range(len(budgets))])
    assert (full["quality_lo"] <= full["quality"] + 1e-12).all() and (full["quality"] <= full["quality_hi"] + 1e-12).all()
    assert (full["quality_hi"] > full["quality_lo"]).any()
    bad = dict(picks, random=picks_from(quality[2][:, :2], budgets[:2]))
    with pytest.raises(InputError, match="budgets"):
        deferral.evaluate_curves(bad, 4.0, n_resamples=100)


def small_bench():
    queries = pd.DataFrame(
        {"query_id": ["t1", "t2", "t3", "r1"], "category": ["c"] * 4, "split": ["test", "test", "test", "train"]}
    )
    models = pd.DataFrame({"model": ["a", "b"], "params_b": [1.0, 4.0], "is_pseudo": [False, True]})
    labels = pd.DataFrame(
        {
            "query_id": ["t1", "t2", "t3", "r1", "t1", "t2", "r1"],
            "model": ["a", "a", "a", "a", "b", "b", "b"],
            "label": [1, 0, 0, 1, 1, 1, 0],
        }
    )
    return store.Benchmark.from_frames(queries, models, labels, name="tiny")


def test_model_points_use_test_labels_only():
    pts = deferral.model_points(small_bench(), "params", tags={"benchmark": "tiny", "split": "standard", "cost_type": "params"})
    pts = pts.set_index("model")
    assert pts.loc["a", "quality"] == pytest.approx(1 / 3)  # the train label of 'a' is ignored
    assert pts.loc["b", "quality"] == pytest.approx(1.0)  # t3 missing for 'b': mean over observed
    assert pts.loc["b", "n_test_labels"] == 2
    assert pts.loc["b", "cost_norm"] == pytest.approx(1.0) and pts.loc["a", "cost_norm"] == pytest.approx(0.25)
    assert bool(pts.loc["b", "is_pseudo"]) and pts["benchmark"].eq("tiny").all()


def test_curve_table_columns_and_normalisation():
    picks = make_picks([1.0, 4.0], ["q1", "q2"], [["a", "a"], ["b", "b"]], [[1.0, 0.0], [1.0, 1.0]], [[1.0, 1.0], [4.0, 4.0]])
    table = deferral.curve_table({"knn": picks}, 4.0, tags={"benchmark": "x", "split": "standard", "cost_type": "params"})
    assert list(table.columns) == [
        "benchmark", "split", "cost_type", "method", "budget", "budget_norm",
        "quality", "realised_cost", "n_queries", "n_unrouted",
    ]
    assert table["budget_norm"].tolist() == [0.25, 1.0]
    assert table["quality"].tolist() == [0.5, 1.0]
