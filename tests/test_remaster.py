"""Remastered benchmark: weighted sampling, dedup/prune/pseudo steps and consistent counts on the demo."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routerbench_plus import demo
from routerbench_plus.errors import ConfigError
from routerbench_plus.prune import prune
from routerbench_plus.remaster import keep_rates, remaster, sample_queries, task_weights
from routerbench_plus.specialist import specialist_scores

PSEUDO = {"n_targets": 2, "max_best_minus_mean": 0.5, "min_share": 0.01, "targets": "auto",
          "boost": 0.25, "cost_params_b": 1.0, "seed": 0}


def test_keep_rates_water_filling():
    sizes = np.array([100, 100, 100, 700])
    weights = np.array([1.0, 0.5, 0.2, 0.2])
    rates = keep_rates(sizes, weights, 0.5)
    assert (rates * sizes).sum() == pytest.approx(500)
    assert rates.max() <= 1.0 and rates[0] == 1.0  # saturated, the rest re-distributed
    assert rates[1] / rates[2] == pytest.approx(0.5 / 0.2)
    assert keep_rates(sizes, weights, 1.0).tolist() == [1, 1, 1, 1]
    with pytest.raises(ConfigError, match="remaster.query_fraction"):
        keep_rates(sizes, weights, 0.0)


def test_task_weights_floor_and_normalisation():
    scores = pd.DataFrame({"task": ["a", "b", "c", "d"], "specialist_score": [-0.2, 0.0, 0.3, np.nan]})
    w = task_weights(scores, 0.25)
    assert w.to_dict() == pytest.approx({"a": 0.25, "b": 0.4, "c": 1.0, "d": 0.25})
    with pytest.raises(ConfigError, match="remaster.min_weight"):
        task_weights(scores, 1.5)


def test_sampling_keeps_splits_and_is_seeded():
    queries = pd.DataFrame(
        {
            "query_id": [f"q{i:03d}" for i in range(200)],
            "category": ["a"] * 100 + ["b"] * 100,
            "split": (["train"] * 7 + ["val"] + ["test"] * 2) * 20,
        }
    )
    weights = pd.Series({"a": 1.0, "b": 0.2})
    kept, table = sample_queries(queries, weights, 0.6, seed=1)
    again, _ = sample_queries(queries, weights, 0.6, seed=1)
    pd.testing.assert_frame_equal(kept, again)
    assert table.set_index("task")["n_kept"].to_dict() == {"a": 100, "b": 20}
    b = kept[kept["category"] == "b"]["split"].value_counts()
    assert b.to_dict() == {"train": 14, "test": 4, "val": 2}  # the task's split proportions


@pytest.fixture(scope="module")
def demo_bench():
    return demo.generate(n_categories=24, queries_per_category=100, n_duplicate_groups=40,
                         variant="specialists", seed=7)


def test_remaster_demo(demo_bench):
    bench, truth = demo_bench.benchmark, demo_bench.truth
    scores = specialist_scores(bench).scores
    dup = truth["duplicates"]
    drop = set(dup["query_id"]) - set(dup.groupby("group_id")["query_id"].min())  # one representative per group
    reduced_ids = bench.queries.loc[~bench.queries["query_id"].isin(drop), "query_id"].tolist()
    kept_pool = prune(bench, lam=0.2, target=20).kept["model"].tolist()
    out = remaster(bench, scores, query_fraction=0.6, min_weight=0.2, seed=0,
                   dedup_query_ids=reduced_ids, kept_models=kept_pool, pseudo_options=dict(PSEUDO))
    rb, summary = out.benchmark, out.summary.set_index("step")

    # specialist-demanding categories keep a larger share than generalist-sufficient ones
    share = out.sampling.set_index("task").eval("n_kept / n_queries")
    spec_cats = set(truth["specialists"]["category"])
    assert share[list(spec_cats)].min() > share.drop(list(spec_cats)).median()
    assert summary.loc["sampled", "n_queries"] == pytest.approx(0.6 * len(bench.queries), abs=24)

    # counts consistent with the benchmark written and with each step
    assert list(summary.index) == ["source", "sampled", "deduplicated", "pruned", "pseudo"]
    assert summary.loc["pseudo", "n_queries"] == len(rb.queries) and summary.loc["pseudo", "n_labels"] == len(rb.labels)
    assert summary.loc["pseudo", "n_models"] == len(rb.models) == 20 + 2
    assert summary.loc["source", "n_labels"] == len(bench.labels)
    assert (summary["n_queries"].diff().dropna() <= 0).all()
    assert summary.loc["pruned", "n_models"] == 20
    assert not rb.queries["query_id"].isin(drop).any()
    assert summary.loc["sampled", "n_queries"] > summary.loc["deduplicated", "n_queries"]

    # pseudo models present and flagged, queries keep their source split
    assert rb.models["is_pseudo"].sum() == 2 and rb.models["model"].str.startswith("pseudo-").sum() == 2
    split = bench.queries.set_index("query_id")["split"]
    assert (rb.queries.set_index("query_id")["split"] == split.reindex(rb.queries["query_id"])).all()
    assert set(rb.models.loc[~rb.models["is_pseudo"], "model"]) == set(kept_pool)


def test_remaster_without_prompts_skips_dedup(demo_bench):
    bench = demo_bench.benchmark
    scores = specialist_scores(bench).scores
    out = remaster(bench, scores, query_fraction=0.8, seed=0, dedup_query_ids=None, kept_models=None,
                   pseudo_options=None)
    summary = out.summary.set_index("step")
    assert "no prompts" in summary.loc["deduplicated", "note"]
    assert summary.loc["deduplicated", "n_queries"] == summary.loc["sampled", "n_queries"]
    assert len(out.benchmark.models) == len(bench.models)
