"""Sweep summaries: hand-computed gathers, and (Snakemake) a changed sweep value re-runs only
the jobs that depend on it."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import run_snakemake

from routerbench_plus import sweeps
from routerbench_plus.errors import InputError
from routerbench_plus.figures import style
from routerbench_plus.figures import sweeps as sweep_figures


def test_dedup_sweep_one_row_per_delta_sorted():
    summaries = {
        0.999: pd.DataFrame({"benchmark": ["b"], "delta": [0.999], "n_groups": [40], "share_covered": [0.05]}),
        0.99: pd.DataFrame({"benchmark": ["b"], "delta": [0.99], "n_groups": [60], "share_covered": [0.1]}),
    }
    table = sweeps.dedup_sweep(summaries)
    assert table.columns.tolist() == ["delta", "n_groups", "share_covered"]  # text columns dropped
    assert table["delta"].tolist() == [0.99, 0.999] and table["n_groups"].tolist() == [60, 40]
    with pytest.raises(InputError, match="delta=0.5: expected one row, found 2"):
        sweeps.dedup_sweep({0.5: pd.concat([summaries[0.99]] * 2)})


def test_dedup_sweep_keeps_one_row_per_scope():
    summary = lambda d, g: pd.DataFrame({"benchmark": ["b", "b"], "scope": ["training", "all"],  # noqa: E731
                                         "delta": [d, d], "n_groups": g})
    table = sweeps.dedup_sweep({0.999: summary(0.999, [30, 40]), 0.99: summary(0.99, [50, 60])})
    assert table.columns.tolist() == ["delta", "scope", "n_groups"]
    assert list(zip(table["delta"], table["scope"], table["n_groups"])) == [
        (0.99, "training", 50), (0.99, "all", 60), (0.999, "training", 30), (0.999, "all", 40)]
    fig = sweep_figures.plot_sweep_summary(table, "delta")
    assert len(fig.axes[0].get_lines()) == 2  # one line per scope
    with pytest.raises(InputError, match="one row per scope"):
        sweeps.dedup_sweep({0.5: pd.concat([summary(0.5, [1, 2])] * 2)})


def test_prune_sweep_means_of_kept_and_removed():
    kept = {(0.5, 2): pd.DataFrame({"model": ["a", "b"], "acc": [0.6, 0.8], "avg_sim": [0.2, 0.4]}),
            (0.3, 2): pd.DataFrame({"model": ["a", "c"], "acc": [0.6, 0.4], "avg_sim": [0.1, 0.1]})}
    steps = {(0.5, 2): pd.DataFrame({"removed_model": ["c"], "acc": [0.4], "avg_sim": [0.5]}),
             (0.3, 2): pd.DataFrame({"removed_model": ["b"], "acc": [0.8], "avg_sim": [0.3]})}
    table = sweeps.prune_sweep(kept, steps)
    assert table["lambda"].tolist() == [0.3, 0.5]
    row = table.set_index("lambda").loc[0.5]
    assert row["n_kept"] == 2 and row["mean_acc_kept"] == pytest.approx(0.7)
    assert row["mean_avg_sim_kept"] == pytest.approx(0.3) and row["mean_acc_removed"] == pytest.approx(0.4)
    with pytest.raises(InputError, match=r"steps for \(lambda=0.5, target=2\) missing"):
        sweeps.prune_sweep(kept, {(0.3, 2): steps[(0.3, 2)]})


def test_prune_sweep_records_the_resolved_size_of_a_share_of_the_pool():
    kept = {(0.5, 0.67): pd.DataFrame({"model": ["a", "b"], "acc": [0.6, 0.8], "avg_sim": [0.2, 0.4], "target": 2})}
    steps = {(0.5, 0.67): pd.DataFrame({"removed_model": ["c"], "acc": [0.4], "avg_sim": [0.5]})}
    row = sweeps.prune_sweep(kept, steps).iloc[0]
    assert row["target"] == 2 and row["target_setting"] == pytest.approx(0.67)
    table = sweeps.summarise("prune", {"kept": {(0.5, "0.67"): kept[(0.5, 0.67)]},
                                       "steps": {(0.5, "0.67"): steps[(0.5, 0.67)]}})
    assert table["target"].tolist() == [2]


def test_boost_sweep_only_selected_tasks():
    def selection(boost: float) -> pd.DataFrame:
        return pd.DataFrame({"task": ["t1", "t2", "t3"], "selected": [True, True, False],
                             "best_acc": [0.4, 0.6, 0.9], "pseudo_acc": [0.4 + boost, 0.6 + boost, np.nan],
                             "realised_acc": [0.41 + boost, 0.59 + boost, np.nan]})

    table = sweeps.summarise("boost", {"selection": {(0.3,): selection(0.3), (0.1,): selection(0.1)}})
    assert table["boost"].tolist() == [0.1, 0.3] and table["n_targets"].tolist() == [2, 2]
    assert table["mean_pseudo_acc"].tolist() == pytest.approx([0.6, 0.8])
    assert table["mean_best_acc"].tolist() == pytest.approx([0.5, 0.5])
    fig = sweep_figures.plot_sweep_summary(table, "boost")
    visible = [a for a in fig.axes if a.get_visible()]
    assert len(visible) == 3 and visible[0].get_xlabel() == sweep_figures.SWEEP_LABELS["boost"]
    assert list(visible[0].get_lines()[0].get_ydata()) == pytest.approx([0.6, 0.8])
    assert style.layout_problems(fig) == []


def test_summarise_unknown_param():
    with pytest.raises(InputError, match="sweep 'k'"):
        sweeps.summarise("k", {})


def _jobs(dry_run_stdout: str) -> dict[str, int]:
    """rule -> job count from the 'Job stats' table of a dry run."""
    jobs = {}
    for line in dry_run_stdout.splitlines():
        match = re.fullmatch(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s+(\d+)\s*", line)
        if match and match.group(1) != "total":
            jobs[match.group(1)] = int(match.group(2))
    return jobs


@pytest.mark.slow
def test_changing_dedup_delta_reruns_only_what_depends_on_it(workflow_copy):
    """After a finished run, a new dedup.delta value plans near_duplicates + its figures only."""
    targets = ["results/tiny/sweeps/delta.parquet", "results/tiny/figures/specialist_scores.png"]
    done = run_snakemake(workflow_copy, *targets, "--cores", "2", "--configfile", "tests/tiny.yaml")
    assert done.returncode == 0, done.stderr[-3000:]
    assert (workflow_copy / "results/tiny/figures/sweeps/delta.png").exists()

    unchanged = run_snakemake(workflow_copy, *targets, "-n", "--configfile", "tests/tiny.yaml")
    assert unchanged.returncode == 0, unchanged.stderr[-3000:]
    assert _jobs(unchanged.stdout) == {}, unchanged.stdout[-2000:]

    swept = yaml.safe_load((workflow_copy / "config/config.yaml").read_text())["dedup"]["delta"]
    assert 0.98 not in swept
    (workflow_copy / "sweep.yaml").write_text(yaml.safe_dump({"dedup": {"delta": [0.98, *swept]}}))
    changed = run_snakemake(workflow_copy, "results/tiny/figures/dedup/delta~0.98/group_sizes.png", *targets,
                            "-n", "--configfile", "tests/tiny.yaml", "sweep.yaml")
    assert changed.returncode == 0, changed.stderr[-3000:]
    jobs = _jobs(changed.stdout)
    # the new value's duplicate groups, its figure, and the sweep summary that gathers the values
    assert jobs == {"near_duplicates": 1, "near_duplicates_figure": 1, "sweeps": 1}, changed.stdout[-3000:]


# --------------------------------------------------------------------------- pseudo-cost sweep


def _picks(budgets, models_by_budget, quality_by_budget, costs):
    """A picks table: per budget, the pick and its true label for test queries q1..q4."""
    rows = []
    for b, models, quality in zip(budgets, models_by_budget, quality_by_budget):
        rows += [(float(b), f"q{i + 1}", m, float(y), costs[m]) for i, (m, y) in enumerate(zip(models, quality))]
    return pd.DataFrame(rows, columns=["budget", "query_id", "model", "quality", "cost"])


def _sweep_inputs():
    """Hand case: A (cost 1) and B (10) on 4 test queries (t1, t1, t2, t2); pseudo P on target t2 costs
    1 (label '1') or 70 (label '70'); routers heuristic (the reference) and knn."""
    queries = pd.DataFrame({"query_id": ["q1", "q2", "q3", "q4", "q5"], "category": ["t1", "t1", "t2", "t2", "t1"],
                            "split": ["test"] * 4 + ["train"]})
    models = pd.DataFrame({"model": ["A", "B"], "params_b": [1.0, 10.0], "is_pseudo": [False, False]})
    costs = {"A": 1.0, "B": 10.0}
    standard = {"params": {
        "heuristic": _picks([1, 10], [["A"] * 4, ["B"] * 4], [[1, 0, 1, 0], [1, 1, 0, 0]], costs),
        "knn": _picks([1, 10], [["A"] * 4, ["B", "B", "A", "A"]], [[1, 0, 1, 0], [1, 1, 1, 0]], costs),
    }}
    swept, tables = {}, {"queries": {}, "models": {}, "selection": {}}
    for label, cost in (("1", 1.0), ("70", 70.0)):
        c = {**costs, "P": cost}
        if label == "1":
            heuristic = _picks([1, 10], [["P"] * 4, ["P"] * 4], [[0, 0, 1, 1], [0, 0, 1, 1]], c)
            knn = _picks([1, 10], [["A", "A", "P", "P"], ["B", "B", "P", "P"]], [[1, 0, 1, 1], [1, 1, 1, 1]], c)
        else:
            heuristic = _picks([1, 10, 70], [["A"] * 4, ["B"] * 4, ["P"] * 4], [[1, 0, 1, 0], [1, 1, 0, 0], [0, 0, 1, 1]], c)
            knn = _picks([1, 10, 70], [["A"] * 4, ["B", "B", "A", "A"], ["B", "B", "P", "P"]],
                         [[1, 0, 1, 0], [1, 1, 1, 0], [1, 1, 1, 1]], c)
        swept[label] = {"params": {"heuristic": heuristic, "knn": knn}}
        tables["queries"][label] = queries
        tables["models"][label] = pd.concat(
            [models, pd.DataFrame({"model": ["P"], "params_b": [cost], "is_pseudo": [True]})], ignore_index=True)
        tables["selection"][label] = pd.DataFrame({"task": ["t1", "t2"], "selected": [False, True]})
    return standard, swept, queries, models, tables


def test_pseudo_cost_sweep_hand_computed():
    standard, swept, queries, models, tables = _sweep_inputs()
    table = sweeps.pseudo_cost_sweep(standard, swept, queries, models, tables["queries"], tables["models"],
                                     tables["selection"], reference="heuristic", default="70", benchmark="demo",
                                     n_resamples=200, seed=1)
    t = table.set_index(["cost_setting", "method"])
    knn = table[table["method"] == "knn"]
    for change in ("agreement_change", "agreement_targets_change"):  # each change inside its paired interval
        assert (knn[f"{change}_lo_pts"] <= knn[f"{change}_pts"] + 1e-9).all()
        assert (knn[f"{change}_pts"] <= knn[f"{change}_hi_pts"] + 1e-9).all()
    assert (knn["agreement_change_hi_pts"] > knn["agreement_change_lo_pts"]).all()
    assert len(table) == 4 and (table["n_targets"] == 1).all() and (table["cost_type"] == "params").all()
    # standard: budgets 1, 10 of max 10 -> x = .1, 1 -> area = .45 (y1 + y2)
    assert t.loc[("1", "knn"), "area_standard"] == pytest.approx(0.45 * (0.5 + 0.75))
    assert t.loc[("1", "heuristic"), "area_standard"] == pytest.approx(0.45)
    assert t.loc[("1", "knn"), "area"] == pytest.approx(0.45 * (0.75 + 1.0))  # the cheap P is a free win
    # P at 70: budgets 1, 10, 70 of max 70 -> weights 9/140, 69/140, 60/140
    assert t.loc[("70", "knn"), "area"] == pytest.approx((0.5 * 9 + 0.75 * 69 + 1.0 * 60) / 140)
    assert t.loc[("70", "knn"), "peak"] == 1.0 and t.loc[("70", "knn"), "peak_standard"] == 0.75
    # agreement of knn with the heuristic: standard (4/4 + 2/4) / 2 = 75 points, t2: (1 + 0) / 2 = 50
    assert t.loc[("1", "knn"), "agreement_after_pts"] == pytest.approx(50.0)
    assert t.loc[("1", "knn"), "agreement_change_pts"] == pytest.approx(-25.0)
    assert t.loc[("1", "knn"), "agreement_targets_change_pts"] == pytest.approx(100.0 - 50.0)
    assert t.loc[("70", "knn"), "agreement_change_pts"] == pytest.approx((1 + 0.5 + 0.5) / 3 * 100 - 75)
    assert t.loc[("70", "knn"), "agreement_targets_change_pts"] == pytest.approx(200 / 3 - 50)
    assert np.isnan(t.loc[("70", "heuristic"), "agreement_change_pts"])  # the reference itself
    assert t.loc[("70", "knn"), "pseudo_cost"] == 70.0 and t.loc[("70", "knn"), "pseudo_cost_rank"] == 1.0
    assert t.loc[("1", "knn"), "pseudo_cost_rank"] == 0.0  # as cheap as the cheapest real model
    assert table.loc[table["is_default"], "cost_setting"].unique().tolist() == ["70"]
    fig = sweep_figures.plot_pseudo_cost_sweep(table)
    assert style.layout_problems(fig) == []
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 3


def test_pseudo_cost_sweep_checks_its_inputs():
    standard, swept, queries, models, tables = _sweep_inputs()
    with pytest.raises(InputError, match="pseudo.cost_sweep is empty"):
        sweeps.pseudo_cost_sweep(standard, {}, queries, models, {}, {}, {}, reference="heuristic")
    moved = {**tables["queries"], "1": queries.assign(split=["test", "test", "test", "train", "test"])}
    with pytest.raises(InputError, match="test queries of pseudo.cost=1 differ"):
        sweeps.pseudo_cost_sweep(standard, swept, queries, models, moved, tables["models"], tables["selection"],
                                 reference="heuristic")
