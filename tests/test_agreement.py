"""Agreement with the heuristic router before/after pseudo-specialists (hand-computed)."""

import numpy as np
import pandas as pd
import pytest

from routerbench_plus import agreement, bootstrap
from routerbench_plus.errors import ConfigError, InputError

QUERIES = pd.DataFrame(
    {"query_id": ["t1", "t2", "t3", "t4", "r1"], "category": ["X", "X", "Y", "Y", "X"], "split": ["test"] * 4 + ["train"]}
)


def picks(by_budget):
    """by_budget: {budget: [pick of t1..t4]} (None = no affordable model)."""
    rows = [
        (b, f"t{i + 1}", m, None if m is None else 1.0, None if m is None else b)
        for b, ms in by_budget.items()
        for i, m in enumerate(ms)
    ]
    return pd.DataFrame(rows, columns=["budget", "query_id", "model", "quality", "cost"])


HEURISTIC = picks({1.0: [None] * 4, 2.0: ["a"] * 4, 3.0: ["b"] * 4})
BEFORE = {"heuristic": HEURISTIC, "knn": picks({1.0: [None] * 4, 2.0: ["a", "a", "b", "a"], 3.0: ["b"] * 4})}
AFTER = {"heuristic": HEURISTIC, "knn": picks({1.0: [None] * 4, 2.0: ["a", "a", "p", "p"], 3.0: ["b", "b", "p", None]})}


def test_agreement_hand_computed():
    table = agreement.agreement_table(BEFORE, AFTER, QUERIES, QUERIES, tags={"benchmark": "demo", "cost_type": "params"})
    t = table.set_index("task")
    assert table["method"].eq("knn").all()  # the reference gets no row
    assert list(t.index) == ["overall", "X", "Y"]
    # budget 1 skipped (heuristic routes nothing); before: budget 2 -> 3/4, budget 3 -> 1
    assert t.loc["overall", "agreement_before_pts"] == pytest.approx(87.5)
    assert t.loc["overall", "agreement_after_pts"] == pytest.approx(50.0)
    assert t.loc["overall", "change_pts"] == pytest.approx(-37.5)
    assert t.loc["X", "change_pts"] == pytest.approx(0.0)
    assert t.loc["Y", "agreement_before_pts"] == pytest.approx(75.0)
    assert t.loc["Y", "agreement_after_pts"] == pytest.approx(0.0)  # an unrouted query disagrees
    assert t.loc["Y", "n_test_queries_before"] == 2 and t.loc["overall", "n_test_queries_before"] == 4
    assert t["split_before"].eq("standard").all() and t["split_after"].eq("pseudo").all()


def test_missing_reference_is_a_config_error():
    with pytest.raises(ConfigError, match="reference router 'heuristic'"):
        agreement.agreement_table({"knn": BEFORE["knn"]}, {"knn": AFTER["knn"]}, QUERIES, QUERIES)


def test_change_interval_is_a_paired_bootstrap_over_the_scope_queries():
    table = agreement.agreement_table(BEFORE, AFTER, QUERIES, QUERIES, n_resamples=400, seed=2).set_index("task")
    # the heuristic routes every query at budgets 2 and 3, so the change is the resampled mean of the
    # per-query change in agreement: t1 0, t2 0, t3 (0 + 0)/2 - (0 + 1)/2 = -0.5, t4 0 - 1 = -1
    counts = np.concatenate(list(bootstrap.iter_resample_counts(4, 400, seed=2)))
    want = np.quantile(100 * counts @ np.array([0.0, 0.0, -0.5, -1.0]) / 4, [0.025, 0.975])
    assert table.loc["overall", ["change_lo_pts", "change_hi_pts"]].tolist() == pytest.approx(want)
    # task Y resamples its own two queries: every resample loses agreement
    assert table.loc["Y", "change_hi_pts"] <= -50 and table.loc["Y", "change_significant"]
    assert table.loc["X", ["change_lo_pts", "change_hi_pts"]].tolist() == [0, 0]
    assert not table.loc["X", "change_significant"]
    assert (table["n_resamples"] == 400).all()


def test_different_test_queries_cannot_be_paired():
    other = QUERIES.assign(split=["test", "test", "test", "train", "test"])
    with pytest.raises(InputError, match="split standard and split pseudo have different test queries"):
        agreement.agreement_table(BEFORE, AFTER, QUERIES, other)


def test_target_tasks_pooled_get_their_own_paired_interval():
    """Scope 'targets': the target tasks' test queries pooled, resampled together like a task."""
    table = agreement.agreement_table(BEFORE, AFTER, QUERIES, QUERIES, n_resamples=400, seed=2, targets=["Y", "Z"])
    assert table["scope"].tolist() == ["overall", "targets", "task", "task"]
    pooled, y = table[table["scope"] == "targets"].iloc[0], table[table["task"] == "Y"].iloc[0]
    columns = ["agreement_before_pts", "agreement_after_pts", "change_pts", "change_lo_pts", "change_hi_pts"]
    assert pooled["task"] == "targets" and pooled["n_test_queries_before"] == 2
    assert pooled[columns].tolist() == pytest.approx(y[columns].tolist())  # Z has no test query
    both = agreement.agreement_table(BEFORE, AFTER, QUERIES, QUERIES, n_resamples=400, seed=2, targets=["X", "Y"])
    both = both.set_index("scope")
    # every test query is a target's: the pooled scope is the overall one, interval included
    assert both.loc["targets", columns].tolist() == pytest.approx(both.loc["overall", columns].tolist())
    assert both.loc["targets", "change_pts"] == pytest.approx(-37.5)
    plain = agreement.agreement_table(BEFORE, AFTER, QUERIES, QUERIES, n_resamples=100)
    assert "targets" not in set(plain["scope"])
