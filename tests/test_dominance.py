"""Average rank: hand-computed ties, missing labels, top-k, and the openllm data."""

from __future__ import annotations

import pytest
from test_specialist_score import make_bench

from routerbench_plus.dominance import average_rank, top_k
from routerbench_plus.errors import ConfigError

# Task x accuracies: A 1.0, B 0.5, C 0.5, D 0.0  -> ranks 1, 2.5, 2.5, 4
# Task y accuracies: A 0.0, B 1.0, C 0.5, D 0.5  -> ranks 4, 1, 2.5, 2.5
# Task z: D has no label; A 1, B 1, C 0         -> ranks 1.5, 1.5, 3 (D not ranked)
TASKS = {"x1": "x", "x2": "x", "y1": "y", "y2": "y", "z1": "z"}
LABELS = {
    "A": {"x1": 1, "x2": 1, "y1": 0, "y2": 0, "z1": 1},
    "B": {"x1": 1, "x2": 0, "y1": 1, "y2": 1, "z1": 1},
    "C": {"x1": 0, "x2": 1, "y1": 1, "y2": 0, "z1": 0},
    "D": {"x1": 0, "x2": 0, "y1": 0, "y2": 1},
}
COSTS = {"A": 1.0, "B": 2.0, "C": 3.0, "D": 4.0}


def test_average_rank_with_ties_and_missing():
    table = average_rank(make_bench(LABELS, TASKS, COSTS)).set_index("model")
    expected = {"A": (1 + 4 + 1.5) / 3, "B": (2.5 + 1 + 1.5) / 3, "C": (2.5 + 2.5 + 3) / 3, "D": (4 + 2.5) / 2}
    assert table["avg_rank"].to_dict() == pytest.approx(expected)
    assert table["n_tasks"].to_dict() == {"A": 3, "B": 3, "C": 3, "D": 2}
    assert table["n_first"].to_dict() == {"A": 2, "B": 2, "C": 0, "D": 0}
    assert table.loc["A", "mean_acc"] == pytest.approx((1 + 0 + 1) / 3)
    assert not table["is_pseudo"].any()


def test_sorted_best_first_and_top_k():
    table = average_rank(make_bench(LABELS, TASKS, COSTS))
    assert table["model"].tolist() == ["B", "A", "C", "D"]  # 1.67, 2.17, 2.67, 3.25
    assert table["avg_rank"].is_monotonic_increasing
    top = top_k(table, 2)
    assert top["model"].tolist() == ["B", "A"] and top["position"].tolist() == [1, 2]
    with pytest.raises(ConfigError, match="dominance.top_k"):
        top_k(table, 0)


def test_openllm_average_ranks():
    from openllm_long import openllm_benchmark

    bench = openllm_benchmark()
    table = average_rank(bench)
    n_models = len(bench.models)
    assert len(table) == n_models == 19
    assert table["avg_rank"].between(1, n_models).all()
    # each task ranks the models observed on it: ranks sum to n_t (n_t + 1) / 2
    n_per_task = bench.labels.merge(bench.queries, on="query_id").groupby("category")["model"].nunique()
    assert len(n_per_task) == 38
    assert (table["avg_rank"] * table["n_tasks"]).sum() == pytest.approx((n_per_task * (n_per_task + 1) / 2).sum())
    # SOLAR has no mmlu_pro labels: ranked on 37 tasks, everyone else on 38
    n_tasks = table.set_index("model")["n_tasks"]
    assert n_tasks["upstage/SOLAR-10.7B-Instruct-v1.0"] == 37 and (n_tasks.drop("upstage/SOLAR-10.7B-Instruct-v1.0") == 38).all()
    assert table["model"].iloc[0] == "Qwen/Qwen2-72B-Instruct"
