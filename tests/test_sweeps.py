"""Sweep summaries: hand-computed gathers, and (Snakemake) a changed sweep value re-runs only
the jobs that depend on it."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import yaml

from routerbench_plus import figures, sweeps
from routerbench_plus.errors import InputError

from conftest import run_snakemake


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
    fig = figures.plot_sweep_summary(table, "delta")
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


def test_boost_sweep_only_selected_tasks():
    def selection(boost: float) -> pd.DataFrame:
        return pd.DataFrame({"task": ["t1", "t2", "t3"], "selected": [True, True, False],
                             "best_acc": [0.4, 0.6, 0.9], "pseudo_acc": [0.4 + boost, 0.6 + boost, np.nan],
                             "realised_acc": [0.41 + boost, 0.59 + boost, np.nan]})

    table = sweeps.summarise("boost", {"selection": {(0.3,): selection(0.3), (0.1,): selection(0.1)}})
    assert table["boost"].tolist() == [0.1, 0.3] and table["n_targets"].tolist() == [2, 2]
    assert table["mean_pseudo_acc"].tolist() == pytest.approx([0.6, 0.8])
    assert table["mean_best_acc"].tolist() == pytest.approx([0.5, 0.5])
    fig = figures.plot_sweep_summary(table, "boost")
    visible = [a for a in fig.axes if a.get_visible()]
    assert len(visible) == 3 and visible[0].get_xlabel() == figures.SWEEP_LABELS["boost"]
    assert list(visible[0].get_lines()[0].get_ydata()) == pytest.approx([0.6, 0.8])
    assert figures.layout_problems(fig) == []


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
    assert jobs == {"near_duplicates": 1, "fig_duplicate_groups": 1, "sweep_summary": 1}, changed.stdout[-3000:]
