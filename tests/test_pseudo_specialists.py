"""Pseudo-specialists: target selection criteria, injected accuracy, determinism, flags, costs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routerbench_plus.accuracy import task_accuracy
from routerbench_plus.errors import ConfigError
from routerbench_plus.pseudo_specialists import (
    PseudoOptions,
    check_options,
    cost_rules,
    inject,
    pseudo_costs,
    pseudo_specialists,
    select_targets,
    task_statistics,
)
from routerbench_plus.store import Benchmark

# Per-task accuracy of 4 models (rows), task sizes, chosen so that the criteria separate them.
TASK_ACC = {
    "easy": ([0.9, 0.8, 0.85, 0.95], 300),  # not hard
    "dominated": ([0.1, 0.1, 0.1, 0.9], 300),  # hardest mean but one model dominates (gap .6)
    "hard_a": ([0.2, 0.3, 0.25, 0.35], 300),  # hard, gap .075
    "hard_b": ([0.4, 0.5, 0.45, 0.45], 300),  # hard-ish, gap .05
    "tiny": ([0.05, 0.1, 0.05, 0.1], 10),  # hardest non-dominated but tiny (share < 1 %)
}
MODELS = ["m1", "m2", "m3", "m4"]


def synthetic(soft: bool = False, seed: int = 0) -> Benchmark:
    """Exactly the accuracies of TASK_ACC (binary: exact counts; soft: constant scores)."""
    rng = np.random.default_rng(seed)
    q_rows, l_rows = [], []
    for task, (accs, n) in TASK_ACC.items():
        ids = [f"{task}/{i:03d}" for i in range(n)]
        q_rows += [(q, task, "train" if i % 5 else "test") for i, q in enumerate(ids)]
        for model, acc in zip(MODELS, accs):
            if soft:
                vals = np.clip(acc + rng.normal(0, 0.05, n), 0, 1)
                vals = np.clip(vals - vals.mean() + acc, 0, 1)
            else:
                vals = np.zeros(n)
                vals[rng.permutation(n)[: round(acc * n)]] = 1.0
            l_rows += list(zip(ids, [model] * n, vals))
    queries = pd.DataFrame(q_rows, columns=["query_id", "category", "split"])
    models = pd.DataFrame({"model": MODELS, "params_b": [7.0, 13.0, 2.0, 70.0], "usd_per_query": [2e-4, 3e-4, 1e-4, 9e-4]})
    labels = pd.DataFrame(l_rows, columns=["query_id", "model", "label"])
    return Benchmark.from_frames(queries, models, labels)


def test_selection_criteria():
    sel = select_targets(synthetic(), PseudoOptions(n_targets=2, max_best_minus_mean=0.25, min_share=0.01, boost=0.25))
    sel = sel.set_index("task")
    assert sel.loc["dominated", "best_minus_mean"] == pytest.approx(0.6)
    assert not sel.loc["dominated", "non_dominated"] and not sel.loc["tiny", "not_tiny"]
    assert sel.index[sel["selected"]].tolist() == ["hard_a", "hard_b"]  # hardest eligible first
    assert sel.loc["hard_a", "pseudo_acc"] == pytest.approx(0.35 + 0.25)
    assert sel.loc["hard_a", "share_of_prompts"] == pytest.approx(300 / 1210)
    assert sel.loc["hard_a", "mean_acc"] == pytest.approx(0.275)
    assert sel.loc["hard_a", "pseudo_model"] == "pseudo-hard_a"
    assert np.isnan(sel.loc["easy", "pseudo_acc"])
    assert sel["hard_rank"].tolist() == [1, 2, 3, 4, 5]


def test_explicit_targets_and_errors():
    bench = synthetic()
    sel = select_targets(bench, PseudoOptions(targets=["easy"]))
    assert sel.loc[sel["selected"], "task"].tolist() == ["easy"]
    with pytest.raises(ConfigError, match="pseudo.targets"):
        select_targets(bench, PseudoOptions(targets=["no-such-task"]))
    with pytest.raises(ConfigError, match="pseudo.min_share"):
        select_targets(bench, PseudoOptions(min_share=0.9))


@pytest.mark.parametrize("soft", [False, True])
def test_injected_accuracy_flags_and_costs(soft):
    bench = synthetic(soft=soft)
    selection, injected = pseudo_specialists(bench, PseudoOptions(n_targets=2, boost=0.25, cost=1.5, seed=3))
    acc = task_accuracy(injected)
    pool = task_accuracy(bench).mean(axis=1)
    for task in ("hard_a", "hard_b"):
        name = f"pseudo-{task}"
        target = min(1.0, max(TASK_ACC[task][0]) + 0.25)
        assert acc.at[task, name] == pytest.approx(target, abs=0.05)
        others = acc[name].drop(task)
        np.testing.assert_allclose(others.to_numpy(), pool.drop(task).to_numpy(), atol=0.08)
    assert selection.loc[selection["selected"], "realised_acc"].to_numpy() == pytest.approx(
        selection.loc[selection["selected"], "pseudo_acc"].to_numpy(), abs=0.05
    )
    models = injected.models.set_index("model")
    assert models["is_pseudo"].sum() == 2 and models.loc["pseudo-hard_a", "is_pseudo"]
    assert not models.loc[MODELS, "is_pseudo"].any()
    assert models.loc["pseudo-hard_a", "params_b"] == 1.5  # a number sets params_b
    # every other cost column follows 'average': the average model's (m2, see test_cost_average)
    assert models.loc["pseudo-hard_a", "usd_per_query"] == pytest.approx(3e-4)
    assert selection.loc[selection["selected"], "pseudo_params_b"].tolist() == [1.5, 1.5]
    assert np.isnan(models.loc["pseudo-hard_a", "tokens"])  # cost the pool does not have stays unknown
    # labelled on every query, labels valid; the original labels are untouched
    per_model = injected.labels.groupby("model").size()
    assert per_model["pseudo-hard_a"] == len(bench.queries)
    pd.testing.assert_frame_equal(
        injected.labels[injected.labels["model"].isin(MODELS)].reset_index(drop=True), bench.labels
    )
    if not soft:
        assert set(np.unique(injected.labels["label"])) <= {0.0, 1.0}


def test_seed_determinism():
    bench = synthetic()
    sel = select_targets(bench, PseudoOptions(n_targets=1))
    a = inject(bench, sel, PseudoOptions(seed=5)).labels
    b = inject(bench, sel, PseudoOptions(seed=5)).labels
    c = inject(bench, sel, PseudoOptions(seed=6)).labels
    assert a.equals(inject(bench, sel, PseudoOptions(cost="median", seed=5)).labels)  # the cost does not touch labels
    pd.testing.assert_frame_equal(a, b)
    assert not a["label"].equals(c["label"])


def test_pseudo_models_are_left_out_of_statistics_and_not_injected_twice():
    bench = synthetic()
    sel = select_targets(bench, PseudoOptions(n_targets=1))
    injected = inject(bench, select_targets(bench, PseudoOptions(n_targets=1, boost=0.5)))
    pd.testing.assert_frame_equal(task_statistics(injected), task_statistics(bench))
    with pytest.raises(ConfigError, match="already exist"):
        inject(injected, sel)


def test_openllm_selection():
    from openllm_long import openllm_benchmark

    bench = openllm_benchmark()
    options = PseudoOptions(n_targets=3, max_best_minus_mean=0.25, min_share=0.01, boost=0.25, seed=0)
    selection, injected = pseudo_specialists(bench, options)
    chosen = selection[selection["selected"]]
    assert len(chosen) == 3
    assert (chosen["best_minus_mean"] <= 0.25).all() and (chosen["share_of_prompts"] >= 0.01).all()
    eligible = selection[selection["eligible"]]
    assert chosen["mean_acc"].max() <= eligible.drop(chosen.index)["mean_acc"].min()  # the hardest eligible
    assert (abs(chosen["realised_acc"] - chosen["pseudo_acc"]) <= 0.01).all()
    assert len(injected.models) == 22 and injected.models["is_pseudo"].sum() == 3


# Overall accuracy of each synthetic model: its correct answers (round(acc * n) per task) over 1210 queries.
OVERALL = {m: sum(round(accs[i] * n) for accs, n in TASK_ACC.values()) / 1210 for i, m in enumerate(MODELS)}


def test_cost_average_is_the_cost_of_the_model_closest_to_the_pool_average():
    bench = synthetic()
    pool_mean = np.mean(list(OVERALL.values()))
    closest = min(MODELS, key=lambda m: abs(OVERALL[m] - pool_mean))
    assert closest == "m2"  # 0.4223 vs pool mean 0.4715 (m1: 0.3967, m3: 0.4091, m4: 0.6579)
    costs = pseudo_costs(bench).set_index("cost_type")
    assert costs.loc["params", "value"] == 13.0 and costs.loc["usd", "value"] == pytest.approx(3e-4)
    assert costs.loc["params", "reference_model"] == "m2"
    assert costs.loc["params", "pool_mean_acc"] == pytest.approx(pool_mean)
    assert costs.loc["params", "reference_acc"] == pytest.approx(OVERALL["m2"])
    assert np.isnan(costs.loc["tokens", "value"])  # a cost the pool does not have stays unknown
    median = pseudo_costs(bench, "median").set_index("cost_type")["value"]
    assert median["params"] == 10.0 and median["usd"] == pytest.approx(2.5e-4)  # medians of 2, 7, 13, 70
    mixed = pseudo_costs(bench, {"params": 3, "usd": "median"}).set_index("cost_type")
    assert mixed.loc["params", "value"] == 3.0 and mixed.loc["params", "rule"] == "fixed"
    assert mixed.loc["usd", "value"] == pytest.approx(2.5e-4)
    # pseudo models already in the pool take no part in choosing the average model
    injected = inject(bench, select_targets(bench, PseudoOptions(n_targets=2)), PseudoOptions(cost="median"))
    assert pseudo_costs(injected).equals(pseudo_costs(bench))


def test_average_cost_pseudo_model_is_no_free_generalist_on_the_demo():
    """Old default (1 B): the pseudo models, pool-average everywhere, cost less than every real model
    of that accuracy. Now they cost what the model of average accuracy costs."""
    from routerbench_plus import demo

    bench = demo.generate(n_categories=24, queries_per_category=100, n_duplicate_groups=40,
                          variant="specialists", seed=7).benchmark
    selection, injected = pseudo_specialists(bench, PseudoOptions(n_targets=3, max_best_minus_mean=0.4, seed=0))
    acc = bench.labels.groupby("model")["label"].mean()  # every demo model is labelled on every query
    average_model = (acc - acc.mean()).abs().idxmin()
    models = injected.models.set_index("model")
    pseudo = models[models["is_pseudo"]]
    assert len(pseudo) == 3
    assert (pseudo["params_b"] == models.loc[average_model, "params_b"]).all()
    assert (pseudo["usd_per_query"] == models.loc[average_model, "usd_per_query"]).all()
    assert (selection.loc[selection["selected"], "cost_reference_model"] == average_model).all()
    # a real model at most as expensive is at least as accurate overall as a pseudo model (no free generalist)
    pseudo_acc = injected.labels.groupby("model")["label"].mean()[pseudo.index]
    cost = models["params_b"]
    affordable = acc[cost[acc.index] <= pseudo["params_b"].iloc[0]]
    assert affordable.max() >= pseudo_acc.max()


@pytest.mark.parametrize(
    "cost, key",
    [("cheap", "pseudo.cost"), (0, "pseudo.cost"), (True, "pseudo.cost"), ({"euros": 1}, "pseudo.cost.euros"),
     ({"params": -1}, "pseudo.cost.params"), ({"usd": "max"}, "pseudo.cost.usd")],
)
def test_bad_cost_names_the_key(cost, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        cost_rules(cost)


def test_removed_cost_params_b_is_a_config_error_naming_the_replacement():
    with pytest.raises(ConfigError, match=r"pseudo\.cost_params_b was removed; use pseudo\.cost"):
        check_options({"targets": "auto", "cost_params_b": 1.0})
    check_options({"targets": "auto", "cost": "average"})


def test_pinned_accuracy_overrides_best_plus_boost():
    bench = synthetic()
    options = PseudoOptions(targets=["hard_a", "easy"], boost=0.25, accuracy={"hard_a": 0.7}, seed=1)
    selection, injected = pseudo_specialists(bench, options)
    sel = selection.set_index("task")
    assert sel.loc["hard_a", "pseudo_acc"] == 0.7 and sel.loc["hard_a", "pseudo_acc_source"] == "pinned"
    assert sel.loc["easy", "pseudo_acc"] == pytest.approx(1.0) and sel.loc["easy", "pseudo_acc_source"] == "best+boost"
    assert sel.loc["hard_a", "realised_acc"] == pytest.approx(0.7)  # exactly round(0.7 * 300) correct
    with pytest.raises(ConfigError, match=r"pseudo\.accuracy names task\(s\) \['hard_b'\]"):
        select_targets(bench, PseudoOptions(targets=["hard_a"], accuracy={"hard_b": 0.6}))
    with pytest.raises(ConfigError, match=r"pseudo\.accuracy\.hard_a"):
        select_targets(bench, PseudoOptions(targets=["hard_a"], accuracy={"hard_a": 1.5}))


def test_snakemake_stops_on_the_removed_cost_params_b_key(workflow_copy):
    from conftest import run_snakemake

    (workflow_copy / "old.yaml").write_text("pseudo:\n  cost_params_b: 1.0\n")
    result = run_snakemake(workflow_copy, "-n", "--configfile", "old.yaml")
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if "RouterBench+ config error" in line]
    assert lines and lines[0].startswith("RouterBench+ config error: config key pseudo.cost_params_b was removed; "
                                         "use pseudo.cost (average | median"), result.stderr[-2000:]
    assert "Traceback" not in result.stderr


def test_n_targets_auto_or_a_share_fits_the_number_of_tasks():
    """auto: the study's 3 of 80 tasks, at most one per ten tasks; a share rounds; the table records the count."""
    from routerbench_plus.pseudo_specialists import resolve_n_targets

    assert [resolve_n_targets("auto", n) for n in (3, 12, 24, 38, 80, 200)] == [1, 1, 2, 3, 3, 3]
    assert resolve_n_targets(0.25, 12) == 3 and resolve_n_targets(0.01, 12) == 1 and resolve_n_targets(5, 12) == 5
    for bad in (0, 2.5, "some", True):
        with pytest.raises(ConfigError, match="pseudo.n_targets"):
            resolve_n_targets(bad, 12)
    bench = synthetic()
    sel = select_targets(bench, PseudoOptions(n_targets=0.99, max_best_minus_mean=1.0, min_share=0.0))
    n_tasks = bench.queries["category"].nunique()
    assert sel["selected"].sum() == n_tasks == sel["n_targets"].iloc[0]
    sel = select_targets(bench, PseudoOptions(max_best_minus_mean=1.0, min_share=0.0))  # auto
    assert sel["selected"].sum() == resolve_n_targets("auto", n_tasks) == sel["n_targets"].iloc[0]
