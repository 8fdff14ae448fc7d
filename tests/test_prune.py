"""Jaccard similarity and greedy pruning: hand-computed cases, brute force, the demo's planted truth, openllm."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_specialist_score import make_bench

from routerbench_plus.errors import ConfigError, InputError
from routerbench_plus.prune import greedy_prune, jaccard, jaccard_table, prune
from routerbench_plus.store import label_matrix

TASKS = {"q1": "t", "q2": "t", "q3": "t", "q4": "t"}
# A: 1100, B: 1010, C: 1110 -> J(A,B) = 1/3, J(A,C) = 2/3, J(B,C) = 2/3
LABELS = {
    "A": {"q1": 1, "q2": 1, "q3": 0, "q4": 0},
    "B": {"q1": 1, "q2": 0, "q3": 1, "q4": 0},
    "C": {"q1": 1, "q2": 1, "q3": 1, "q4": 0},
}
COSTS = {"A": 1.0, "B": 1.0, "C": 1.0}


def test_jaccard_three_models_hand_computed():
    sim, models = jaccard(make_bench(LABELS, TASKS, COSTS).matrix)
    assert list(models) == ["A", "B", "C"]
    expected = np.array([[1, 1 / 3, 2 / 3], [1 / 3, 1, 2 / 3], [2 / 3, 2 / 3, 1]])
    np.testing.assert_allclose(sim, expected)


def test_jaccard_uses_jointly_observed_queries_only():
    labels = {m: dict(v) for m, v in LABELS.items()}
    del labels["B"]["q2"]  # pairs with B now use q1, q3, q4 only
    sim, _ = jaccard(make_bench(labels, TASKS, COSTS).matrix)
    assert sim[0, 1] == pytest.approx(1 / 2)  # A 100 vs B 110 on q1, q3, q4
    assert sim[1, 2] == pytest.approx(1.0)  # B 110 vs C 110
    assert sim[0, 2] == pytest.approx(2 / 3)  # unaffected
    table = jaccard_table(make_bench(labels, TASKS, COSTS).matrix).set_index(["model_a", "model_b"])
    assert table.loc[("A", "B"), "n_joint"] == 3 and table.loc[("A", "C"), "n_joint"] == 4
    assert not table["binarised"].any()


def test_soft_labels_are_binarised_and_flagged():
    soft = {m: {q: 0.7 if v else 0.2 for q, v in per.items()} for m, per in LABELS.items()}
    matrix = make_bench(soft, TASKS, COSTS).matrix
    np.testing.assert_allclose(jaccard(matrix, 0.5)[0], jaccard(make_bench(LABELS, TASKS, COSTS).matrix)[0])
    assert jaccard_table(matrix, 0.5)["binarised"].all()
    assert jaccard(matrix, 0.8)[0][0, 1] == 0.0  # nothing correct at 0.8: empty union -> 0


def test_greedy_hand_computed_with_name_tie_break():
    # acc: A .5, B .5, C .75; AvgSim: A .5, B .5, C 2/3; lam .5 -> A 0, B 0, C .0417: tie -> A.
    # then B: .25 - .5 * 2/3 = -.0833 < C: .375 - .5 * 2/3 = .0417 -> B.
    result = prune(make_bench(LABELS, TASKS, COSTS), lam=0.5, target=1)
    steps = result.steps
    assert steps["removed_model"].tolist() == ["A", "B"]
    assert steps["score"].tolist() == pytest.approx([0.0, 0.25 - 1 / 3])
    assert steps["avg_sim"].tolist() == pytest.approx([0.5, 2 / 3])
    assert steps["pool_size_after"].tolist() == [2, 1]
    assert result.kept["model"].tolist() == ["C"]


def test_greedy_matches_brute_force_recomputation():
    rng = np.random.default_rng(0)
    n = 12
    values = (rng.random((n, 300)) < rng.uniform(0.2, 0.8, (n, 1))).astype(np.float32)
    names = [f"m{i:02d}" for i in range(n)]
    lab = pd.DataFrame(
        {"model": np.repeat(names, 300), "query_id": np.tile([f"q{j}" for j in range(300)], n), "label": values.ravel()}
    )
    matrix = label_matrix(lab)
    sim, models = jaccard(matrix)
    acc = pd.Series(values.mean(axis=1), index=models)
    lam, target = 0.3, 4
    steps = greedy_prune(acc, sim, lam, target)
    alive = list(models)
    for _, row in steps.iterrows():
        idx = [models.get_loc(m) for m in alive]
        sub = sim[np.ix_(idx, idx)]
        avg = (sub.sum(axis=1) - 1.0) / (len(idx) - 1)
        score = lam * acc.to_numpy()[idx] - (1 - lam) * avg
        worst = alive[int(np.argmin(score))]
        assert row["removed_model"] == worst
        assert row["score"] == pytest.approx(score.min())
        alive.remove(worst)
    assert len(alive) == target


def test_config_errors():
    bench = make_bench(LABELS, TASKS, COSTS)
    with pytest.raises(ConfigError, match="prune.lambda"):
        prune(bench, lam=1.5, target=1)
    with pytest.raises(ConfigError, match="prune.target"):
        prune(bench, lam=0.5, target=3)


@pytest.mark.parametrize("seed", [7, 3])
def test_demo_near_copies_removed_first_and_specialists_survive(seed):
    # Accuracy and similarity are strongly correlated on a pool of generalists, so a
    # similarity-leaning lambda is what exposes redundancy (at 0.5 the two terms nearly cancel).
    from routerbench_plus import demo

    generated = demo.generate(n_categories=24, queries_per_category=100, n_duplicate_groups=0,
                              variant="specialists", seed=seed)
    bench, truth = generated.benchmark, generated.truth
    copies = truth["redundant"]
    specialists = set(truth["specialists"]["model"])
    assert len(bench.models) == 30
    result = prune(bench, lam=0.2, target=20)
    removed = result.steps["removed_model"].tolist()
    first = set(removed[: len(copies) + 1])
    for copy, original in copies[["model", "copy_of"]].itertuples(index=False):
        assert (copy in first) != (original in first), (copy, original, removed)  # exactly one of the pair
    assert specialists <= set(result.kept["model"])


def test_openllm_prune_removal_order():
    from openllm_long import openllm_benchmark

    bench = openllm_benchmark()
    target = 12
    result = prune(bench, lam=0.5, target=target)
    assert len(result.steps) == 19 - target
    assert result.steps["removed_model"].is_unique
    assert set(result.steps["removed_model"]).isdisjoint(result.kept["model"])
    assert len(result.kept) == target
    sim, _ = jaccard(bench.matrix)
    assert np.allclose(sim, sim.T) and np.allclose(np.diag(sim), 1.0)
    assert ((sim >= 0) & (sim <= 1)).all()


def test_pool_curve_hand_computed_and_oracle_monotone():
    from routerbench_plus.prune import pool_curve

    # Budgets {1, 2, 4} / 4 -> x = .25, .5, 1 -> trapezoid weights .125, .375, .25 (0 before .25).
    # Test: A 10, B 01, C 11; train: A 11, B 10, C 00 (heuristic prefers A, then B, then C).
    tasks = {"t1": "t", "t2": "t", "x1": "t", "x2": "t"}
    splits = {"t1": "test", "t2": "test", "x1": "train", "x2": "train"}
    labels = {"A": {"t1": 1, "t2": 0, "x1": 1, "x2": 1}, "B": {"t1": 0, "t2": 1, "x1": 1, "x2": 0},
              "C": {"t1": 1, "t2": 1, "x1": 0, "x2": 0}}
    bench = make_bench(labels, tasks, {"A": 1.0, "B": 2.0, "C": 4.0}, splits)
    steps = pd.DataFrame({"step": [2, 1], "removed_model": ["A", "B"], "lambda": 0.5, "target": 1})  # B, then A
    curve = pool_curve(bench, steps, "params", "model_costs")
    assert curve["pool_size"].tolist() == [3, 2, 1]
    assert curve["removed_model"].tolist()[1:] == ["B", "A"] and curve["removed_model"].isna().iloc[0]
    # oracle: full .5/1/1; without B .5/.5/1; only C 0/0/1 (nothing affordable below 4 counts 0)
    assert curve["oracle_area"].tolist() == pytest.approx([0.6875, 0.5, 0.25])
    # heuristic: A at every budget (.5) until A goes; then C at budget 4 only
    assert curve["heuristic_area"].tolist() == pytest.approx([0.375, 0.375, 0.25])
    assert curve["best_single_acc"].tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert curve["lambda"].eq(0.5).all() and curve["target"].eq(1).all() and curve["cost_type"].eq("params").all()

    # a random pool pruned greedily: removing a model never raises the oracle's area
    rng = np.random.default_rng(1)
    names, queries = [f"m{i}" for i in range(8)], [f"q{j}" for j in range(120)]
    random_labels = {m: {q: float(rng.random() < p) for q in queries} for m, p in zip(names, rng.uniform(0.2, 0.8, 8))}
    random_bench = make_bench(random_labels, {q: f"t{j % 3}" for j, q in enumerate(queries)},
                              dict(zip(names, rng.choice([1.0, 3.0, 7.0, 13.0], 8))),
                              {q: "test" if j % 3 == 0 else "train" for j, q in enumerate(queries)})
    result = prune(random_bench, lam=0.5, target=2)
    curve = pool_curve(random_bench, result.steps, "params")
    assert curve["pool_size"].tolist() == list(range(8, 1, -1))  # counts down by one
    assert curve["removed_model"].tolist()[1:] == result.steps["removed_model"].tolist()
    oracle = curve["oracle_area"].to_numpy()
    assert (np.diff(oracle) <= 1e-12).all() and oracle[0] > oracle[-1]
    assert (curve["heuristic_area"] <= curve["oracle_area"] + 1e-12).all()
    with pytest.raises(InputError, match="removed_model"):
        pool_curve(random_bench, result.steps.assign(removed_model="nope"), "params")


def test_protected_models_are_never_removed():
    # scores at lam .5: A 0, B 0, C .0417 (test above): unprotected A goes first (name tie-break);
    # protected, A stays and B goes
    bench = make_bench(LABELS, TASKS, COSTS)
    result = prune(bench, lam=0.5, target=2, protect=["A"])
    assert result.steps["removed_model"].tolist() == ["B"]
    assert sorted(result.kept["model"]) == ["A", "C"]
    with pytest.raises(ConfigError, match=r"prune\.protect names model\(s\) \['Z'\]"):
        prune(bench, lam=0.5, target=2, protect=["Z"])
    with pytest.raises(ConfigError, match=r"prune\.protect: 2 protected models do not fit in prune\.target=1"):
        prune(bench, lam=0.5, target=1, protect=["A", "C"])


def test_pair_survival_names_the_pruned_model():
    from routerbench_plus.prune import pair_survival

    result = prune(make_bench(LABELS, TASKS, COSTS), lam=0.5, target=1)  # removes A (step 1), B (step 2)
    ok = pair_survival(result.kept, result.steps, {})
    assert len(ok) == 0
    with pytest.raises(ConfigError, match=r"benchmarks\.x\.binary_pairs\.b-vs-c: the small model 'B' was removed by "
                                          r"pruning \(prune\.lambda=0\.5, prune\.target=1, step 2\)"):
        pair_survival(result.kept, result.steps, {"b-vs-c": ["B", "C"]}, key="benchmarks.x.binary_pairs")
    with pytest.raises(ConfigError, match="'nope' was not in the pool"):
        pair_survival(result.kept, result.steps, {"p": ["C", "nope"]})
    kept_two = prune(make_bench(LABELS, TASKS, COSTS), lam=0.5, target=2)  # A removed only
    table = pair_survival(kept_two.kept, kept_two.steps, {"b-vs-c": ["B", "C"]})
    assert table[["role", "model", "kept"]].values.tolist() == [["small", "B", True], ["large", "C", True]]
    assert table["removed_at_step"].isna().all()


def test_pruned_split_keeps_queries_and_restricts_the_pool():
    from routerbench_plus import demo, splits

    bench = demo.generate(n_categories=12, queries_per_category=24, n_duplicate_groups=6, seed=3).benchmark
    kept = prune(bench, lam=0.2, target=20).kept
    split, counts = splits.make_split("pruned", bench, kept_models=kept, benchmark="tiny")
    assert split.queries.equals(bench.queries)  # same queries, same roles
    assert sorted(split.models["model"]) == sorted(kept["model"])
    assert len(split.labels) == bench.labels["model"].isin(set(kept["model"])).sum()
    assert (counts["n_removed"] == 0).all() and (counts["n_models"] == 20).all()
    with pytest.raises(InputError, match="pruning's kept models"):
        splits.make_split("pruned", bench)
    with pytest.raises(InputError, match=r"column 'model' names \['ghost'\]"):
        splits.make_split("pruned", bench, kept_models=pd.DataFrame({"model": ["ghost"]}))


def test_a_share_of_the_pool_resolves_per_benchmark_and_the_tables_record_the_size():
    """prune.target in (0, 1) fits any pool: 0.73 of 30 models is 22 (the study's 112 -> 82), of 3 it is 2."""
    from routerbench_plus.prune import resolve_target

    assert resolve_target(0.73, 112) == 82 and resolve_target(0.73, 30) == 22 and resolve_target(0.73, 14) == 10
    assert resolve_target(0.1, 3) == 1 and resolve_target(0.99, 3) == 2  # at least one model, at least one removal
    assert resolve_target(20, 30) == 20
    for bad in (0, -0.5, 1.5, "half", True):
        with pytest.raises(ConfigError, match="prune.target"):
            resolve_target(bad, 30)
    bench = make_bench(LABELS, TASKS, COSTS)
    result = prune(bench, lam=0.5, target=0.5)  # 3 models -> round(1.5) = 2
    assert len(result.kept) == 2 and result.kept["target"].eq(2).all() and result.steps["target"].eq(2).all()
    assert result.kept.equals(prune(bench, lam=0.5, target=2).kept)
