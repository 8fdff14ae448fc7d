"""The budgeted pick with per-query costs (routing.pick / route on (models x queries) costs):
hand-computed cases, a brute-force reference, and the real RouterBench subset."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, shared_data

from routerbench_plus import curves, deferral, ingest, routing, store
from routerbench_plus.errors import InputError

# --------------------------------------------------------------------------- hand-computed cases


def three_query_benchmark(per_query: bool) -> store.Benchmark:
    """Models A (cheap) and B; 3 test queries (+1 train query). B costs 2, 6, 4 USD on the three
    test queries (mean 4 over them; 4 on the train query too): its constant is 4 either way."""
    ids = ["q0", "q1", "q2", "t0"]
    queries = pd.DataFrame({"query_id": ids, "category": "c", "split": ["test", "test", "test", "train"]})
    models = pd.DataFrame({"model": ["A", "B"], "params_b": [1.0, 2.0], "usd_per_query": [1.0, 4.0]})
    labels = pd.DataFrame(
        {
            "query_id": ids * 2,
            "model": ["A"] * 4 + ["B"] * 4,
            "label": [0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
        }
    )
    if per_query:
        labels["cost_usd"] = [1.0, 1.0, 1.0, 1.0, 2.0, 6.0, 4.0, 4.0]
    return store.Benchmark.from_frames(queries, models, labels, name="three")


def scores_preferring_b(bench: store.Benchmark) -> pd.DataFrame:
    test = bench.queries.loc[bench.queries["split"] == "test", "query_id"]
    return routing.scores_table(np.array([[0.2, 0.2, 0.2], [0.8, 0.8, 0.8]]), ["A", "B"], list(test))


def test_three_query_curve_differs_from_the_per_model_mean_version_as_computed_by_hand():
    # Budget grid = the distinct model constants {1, 4}; c_max = 4 (the largest constant).
    # Per-model mean costs: b=1 -> A on every query (quality 1/3, cost 1);
    #                       b=4 -> B on every query (quality 1,   cost 4).
    # Per-query costs:      b=1 -> A everywhere (B costs 2, 6, 4 > 1): quality 1/3, cost 1;
    #                       b=4 -> q0: B (2 <= 4), q1: A (6 > 4), q2: B (4 <= 4, at the budget):
    #                              quality 2/3, realised cost (2 + 1 + 4) / 3 = 7/3.
    # Areas over x = b / 4 = (0.25, 1): 0.75 * (1/3 + 1) / 2 = 0.5 vs 0.75 * (1/3 + 2/3) / 2 = 0.375.
    tables = {}
    for per_query in (False, True):
        bench = three_query_benchmark(per_query)
        assert bench.has_query_costs("usd") is per_query
        picks = routing.route(scores_preferring_b(bench), bench, "usd", "model_costs")
        tables[per_query] = picks
    mean_picks, query_picks = tables[False], tables[True]
    at4 = query_picks[query_picks["budget"] == 4.0].set_index("query_id")
    assert at4["model"].tolist() == ["B", "A", "B"]
    assert at4["cost"].tolist() == [2.0, 1.0, 4.0]  # each pick's own cost, not the mean
    assert mean_picks.loc[mean_picks["budget"] == 4.0, "model"].tolist() == ["B", "B", "B"]
    assert mean_picks.loc[mean_picks["budget"] == 4.0, "cost"].tolist() == [4.0, 4.0, 4.0]

    table = deferral.curve_table({"m": mean_picks}, 4.0)
    per_query_table = deferral.curve_table({"m": query_picks}, 4.0)
    np.testing.assert_allclose(table["quality"], [1 / 3, 1.0])
    np.testing.assert_allclose(per_query_table["quality"], [1 / 3, 2 / 3])
    np.testing.assert_allclose(table["realised_cost"], [1.0, 4.0])
    np.testing.assert_allclose(per_query_table["realised_cost"], [1.0, 7 / 3])
    np.testing.assert_allclose(per_query_table["budget_norm"], [0.25, 1.0])
    area = curves.curve_summary(table)["area"].item()
    per_query_area = curves.curve_summary(per_query_table)["area"].item()
    assert area == pytest.approx(0.5) and per_query_area == pytest.approx(0.375)


def test_ties_go_to_the_model_cheaper_for_that_query_then_lower_index():
    scores = np.full((3, 3), 0.5)
    costs = np.array([[1.0, 3.0, 2.0], [2.0, 2.0, 2.0], [3.0, 1.0, 2.0]])  # every model's mean is 2
    got = routing.pick(scores, costs, np.array([3.0]), np.ones((3, 3), bool))
    np.testing.assert_array_equal(got, [[0, 2, 0]])  # q0: m0 cheapest; q1: m2 cheapest; q2: equal -> m0
    # with the per-model means (all 2) every tie goes to the lowest index
    np.testing.assert_array_equal(routing.pick(scores, costs.mean(axis=1), np.array([3.0]), np.ones((3, 3), bool)),
                                  [[0, 0, 0]])


def test_per_query_pick_and_random_expectation_match_brute_force():
    rng = np.random.default_rng(7)
    budgets = np.array([0.5, 1.0, 2.0, 2.5, 3.0])
    for _ in range(100):
        m, q = rng.integers(1, 6), rng.integers(1, 7)
        costs = rng.integers(1, 4, (m, q)).astype(float)
        scores = rng.integers(0, 3, (m, q)).astype(float)
        scores[rng.random((m, q)) < 0.1] = np.nan
        mask = rng.random((m, q)) < 0.7
        labels = rng.random((m, q))
        got = routing.pick(scores, costs, budgets, mask)
        expected = routing.expected_random_quality(labels, costs, budgets, mask)
        for bi, b in enumerate(budgets):
            for j in range(q):
                eligible = [i for i in range(m) if costs[i, j] <= b and mask[i, j]]
                rank = np.nan_to_num(scores[:, j], nan=-np.inf)
                want = min(eligible, key=lambda i: (-rank[i], costs[i, j], i)) if eligible else -1
                assert got[bi, j] == want
                if eligible:
                    assert expected[bi, j] == pytest.approx(labels[eligible, j].mean())
                else:
                    assert np.isnan(expected[bi, j])


def test_constant_rows_give_the_per_model_result():
    rng = np.random.default_rng(3)
    scores, mask = rng.random((6, 40)), rng.random((6, 40)) < 0.8
    costs = np.array([3.0, 1.0, 2.0, 2.0, 8.0, 5.0])
    budgets = np.array([0.5, 1.0, 2.0, 4.0, 8.0])
    matrix = np.repeat(costs[:, None], 40, axis=1)
    np.testing.assert_array_equal(routing.pick(scores, matrix, budgets, mask), routing.pick(scores, costs, budgets, mask))
    np.testing.assert_array_equal(
        routing.expected_random_quality(scores, matrix, budgets, mask),
        routing.expected_random_quality(scores, costs, budgets, mask),
    )


def test_per_query_costs_must_match_the_scores():
    with pytest.raises(InputError, match="per-query costs"):
        routing.pick(np.zeros((2, 3)), np.ones((2, 4)), np.array([1.0]), np.ones((2, 3), bool))


# --------------------------------------------------------------------------- real RouterBench subset


@pytest.fixture(scope="module")
def routerbench() -> store.Benchmark:
    source = shared_data("routerbench_routerdc_subset")
    options = {"models_table": str(REPO / "config/models/routerbench.csv")}
    split = {"val_fraction": 0.1, "test_fraction": 0.2, "seed": 0}
    return ingest.ingest("routerbench", source, options, "drop", split, "rb").benchmark


def test_routerbench_picks_respect_each_rows_cost(routerbench):
    bench = routerbench
    test = (bench.queries["split"] == "test").to_numpy()
    test_ids = bench.queries.loc[test, "query_id"]
    cost = bench.cost_matrix("usd")[:, test]
    # the oracle's scores (true labels) and a fixed preference for the most expensive model on average
    oracle = routing.scores_table(bench.matrix.values[:, test], bench.models["model"], test_ids)
    means = bench.costs("usd")
    priced = routing.scores_table(np.repeat(means[:, None], test.sum(), axis=1), bench.models["model"], test_ids)
    models = pd.Index(bench.models["model"], dtype=object)
    cols = pd.Index(test_ids, dtype=object)
    for scores in (oracle, priced):  # the last loop leaves `picks` of the expensive-first router
        picks = routing.route(scores, bench, "usd", "model_costs")
        routed = picks[picks["model"].notna()]
        own = cost[models.get_indexer(routed["model"]), cols.get_indexer(routed["query_id"])]
        np.testing.assert_array_equal(routed["cost"].to_numpy(), own)  # the pick's cost for that query
        assert (routed["cost"] <= routed["budget"]).all()  # affordable for that query
    # the expensive-first router is limited by each query's own price: at the top budget (GPT-4's
    # mean) it takes GPT-4 exactly on the queries where GPT-4 costs at most its mean
    gpt4 = models.get_loc("gpt-4-1106-preview")
    top = picks[picks["budget"] == picks["budget"].max()].set_index("query_id").loc[list(test_ids)]
    took = (top["model"] == "gpt-4-1106-preview").to_numpy()
    np.testing.assert_array_equal(took, bench.matrix.mask[gpt4, test] & (cost[gpt4] <= means[gpt4]))
    assert 0 < took.sum() < took.size


def test_routerbench_per_query_usd_differs_per_row(routerbench):
    cost = routerbench.cost_matrix("usd")
    means = routerbench.costs("usd")
    # every model's cost varies with the query; its constant is its mean (all pairs are labelled)
    assert all(len(np.unique(row)) > 10 for row in cost)
    np.testing.assert_allclose(cost.mean(axis=1), means, rtol=0.02)
