"""Specialist score: hand-computed cases, missing labels, budgets, counts, and the openllm data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routerbench_plus.accuracy import task_accuracy
from routerbench_plus.errors import ConfigError
from routerbench_plus.specialist_score import score_counts, specialist_scores
from routerbench_plus.store import Benchmark


def make_bench(labels: dict[str, dict[str, float]], tasks: dict[str, str], costs: dict[str, float],
               splits: dict[str, str] | None = None) -> Benchmark:
    """labels: model -> {query_id: label} (absent pairs are missing); tasks: query_id -> task."""
    queries = pd.DataFrame(
        {
            "query_id": list(tasks),
            "category": list(tasks.values()),
            "split": [(splits or {}).get(q, "train") for q in tasks],
        }
    )
    models = pd.DataFrame({"model": list(costs), "params_b": list(costs.values())})
    rows = [(q, m, v) for m, per in labels.items() for q, v in per.items()]
    return Benchmark.from_frames(queries, models, pd.DataFrame(rows, columns=["query_id", "model", "label"]))


# Task x: A = .5, B = 1, C = 0.  Task y: A = 0, B = 0, C = 1.  Train accuracy: A .25, B .5, C .5.
TASKS = {"x1": "x", "x2": "x", "y1": "y", "y2": "y"}
LABELS = {
    "A": {"x1": 1, "x2": 0, "y1": 0, "y2": 0},
    "B": {"x1": 1, "x2": 1, "y1": 0, "y2": 0},
    "C": {"x1": 0, "x2": 0, "y1": 1, "y2": 1},
}
COSTS = {"A": 1.0, "B": 2.0, "C": 3.0}


def test_heuristic_generalist_hand_computed():
    # b=1: only A affordable -> skipped. b=2: gen B (.5 > .25); x: .5-1, y: 0-0.
    # b=3: B and C tie at .5 -> the cheaper B; x: max(.5, 0)-1, y: max(0, 1)-0.
    result = specialist_scores(make_bench(LABELS, TASKS, COSTS), cost="params")
    scores = result.scores.set_index("task")
    assert scores.loc["x", "specialist_score"] == pytest.approx(-0.5)
    assert scores.loc["y", "specialist_score"] == pytest.approx(0.5)
    assert (scores["n_budgets_used"] == 2).all() and (scores["n_budgets"] == 3).all()
    detail = result.detail.set_index(["task", "budget"])
    assert not detail.loc[("x", 1.0), "used"]
    assert detail.loc[("y", 3.0), "generalist"] == "B"
    assert detail.loc[("y", 3.0), "best_specialist"] == "C"
    assert detail.loc[("y", 3.0), "gap"] == pytest.approx(1.0)


def test_fixed_generalist_hand_computed():
    # C fixed at every budget; non-generalists: {A}, {A, B}, {A, B}.
    result = specialist_scores(make_bench(LABELS, TASKS, COSTS), cost="params", generalist="C")
    scores = result.scores.set_index("task")["specialist_score"]
    assert scores["x"] == pytest.approx((0.5 + 1 + 1) / 3)
    assert scores["y"] == pytest.approx(-1.0)
    assert (result.scores["generalist_mode"] == "C").all()


def test_budget_list_and_unknown_generalist():
    bench = make_bench(LABELS, TASKS, COSTS)
    result = specialist_scores(bench, cost="params", budgets=[2.5])  # A, B affordable; gen B
    assert result.scores.set_index("task")["specialist_score"].to_dict() == pytest.approx({"x": -0.5, "y": 0.0})
    with pytest.raises(ConfigError, match="generalist"):
        specialist_scores(bench, generalist="nope")
    with pytest.raises(ConfigError, match="specialist.budgets"):
        specialist_scores(bench, budgets=[0.0])


def test_missing_labels_are_not_zero():
    labels = {m: dict(v) for m, v in LABELS.items()}
    del labels["A"]["x2"]  # A is now 1/1 on x, not 1/2
    bench = make_bench(labels, TASKS, COSTS)
    acc = task_accuracy(bench)
    assert acc.loc["x", "A"] == 1.0
    # b=2: gen B (train acc 2/4 vs A 1/3); x: 1 - 1 = 0. b=3: x: max(1, 0) - 1 = 0.
    assert specialist_scores(bench).scores.set_index("task").loc["x", "specialist_score"] == pytest.approx(0.0)


def test_generalist_chosen_on_train_split_only():
    # On train B beats A; on test A is perfect: the generalist must still be B.
    tasks = {"t1": "x", "t2": "x", "t3": "x"}
    labels = {"A": {"t1": 0, "t2": 1, "t3": 1}, "B": {"t1": 1, "t2": 0, "t3": 0}}
    bench = make_bench(labels, tasks, {"A": 1.0, "B": 1.0}, splits={"t2": "test", "t3": "test"})
    detail = specialist_scores(bench).detail
    assert detail["generalist"].tolist() == ["B"]
    assert detail["gap"].iloc[0] == pytest.approx(2 / 3 - 1 / 3)


def test_score_counts_bins_and_total():
    scores = pd.DataFrame({"task": list("abcdef"), "specialist_score": [-0.2, 0.0, 0.01, 0.05, 0.3, np.nan]})
    counts = score_counts(scores, [0.0, 0.05]).set_index("bin")["n_tasks"]
    assert counts.to_dict() == {"< 0": 1, "[0, 0.05)": 2, ">= 0.05": 2, "undefined": 1}


def test_openllm_qwen_generalist():
    from openllm_long import GENERALIST, openllm_benchmark

    bench = openllm_benchmark()
    result = specialist_scores(bench, cost="params", budgets="model_costs", generalist=GENERALIST)
    scores = result.scores
    assert len(scores) == 38 and "leaderboard_ifeval" not in set(scores["task"])
    counts = score_counts(scores).set_index("bin")["n_tasks"]
    assert counts.sum() == 38 and counts["undefined"] == 0
    n_budgets = bench.models["params_b"].nunique()
    assert (scores["n_budgets_used"] == n_budgets).all()  # the fixed generalist is always defined
    # recompute one task by brute force from the long labels
    task = "leaderboard_math_algebra_hard"
    lab = bench.labels.merge(bench.queries[["query_id", "category"]], on="query_id")
    acc = lab[lab["category"] == task].groupby("model")["label"].mean()
    cost = bench.models.set_index("model")["params_b"]
    gaps = [acc[[m for m in acc.index if cost[m] <= b and m != GENERALIST]].max() - acc[GENERALIST]
            for b in sorted(cost.unique())]
    assert scores.set_index("task").loc[task, "specialist_score"] == pytest.approx(np.mean(gaps))
    # a long right tail: most tasks <= 0 with the strong fixed generalist, a few clearly positive
    assert counts["< 0"] > counts[">= 0.05"] > 0
