"""Remastered benchmark: the study's recipe (dedup, task selection, optional sampling, pruning, pseudo),
its step counts against hand computations on the demo and the open-leaderboard data."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from routerbench_plus import demo
from routerbench_plus.errors import ConfigError, InputError
from routerbench_plus.prune import prune
from routerbench_plus.pseudo_specialists import PseudoOptions
from routerbench_plus.remaster import keep_rates, remaster, sample_queries, select_tasks, task_weights
from routerbench_plus.specialist_score import specialist_scores

PSEUDO = PseudoOptions(n_targets=2, max_best_minus_mean=0.5, min_share=0.01, targets="auto", boost=0.25, cost="average",
                       seed=0)


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


@pytest.fixture(scope="module")
def demo_parts(demo_bench):
    """(benchmark, specialist scores, reduced query ids (one planted duplicate per group), pruned pool)."""
    bench, truth = demo_bench.benchmark, demo_bench.truth
    dup = truth["duplicates"]
    drop = set(dup["query_id"]) - set(dup.groupby("group_id")["query_id"].min())  # one representative per group
    reduced_ids = bench.queries.loc[~bench.queries["query_id"].isin(drop), "query_id"].tolist()
    kept_pool = prune(bench, lam=0.2, target=20).kept["model"].tolist()
    return bench, specialist_scores(bench).scores, reduced_ids, kept_pool


def expected_tasks(scores: pd.DataFrame, min_score=None, top=None) -> list[str]:
    """By hand: sort by score (highest first, ties by name), apply the threshold, keep the first N."""
    s = scores.dropna(subset=["specialist_score"]).sort_values(["task"]).sort_values(
        "specialist_score", ascending=False, kind="stable")
    if min_score is not None:
        s = s[s["specialist_score"] >= min_score]
    return sorted(s["task"].head(top if top is not None else len(s)))


@pytest.mark.parametrize("min_score, top, share", [(None, 20, None), (0.03, None, None), (0.03, 10, None),
                                                (None, None, None), (None, None, 0.85)])
def test_remaster_demo_counts_match_a_hand_computation(demo_parts, min_score, top, share):
    bench, scores, reduced_ids, kept_pool = demo_parts
    out = remaster(bench, scores, min_task_score=min_score, top_tasks=top, top_task_share=share,
                   dedup_query_ids=reduced_ids, kept_models=kept_pool, pseudo_options=PSEUDO)
    top = 20 if share else top  # the default share, 0.85 of 24 tasks (the study's 68 of 80): 20
    summary = out.summary.set_index("step")
    assert list(summary.index) == ["source", "deduplicated", "tasks", "sampled", "pruned", "pseudo"]

    q = bench.queries
    dedup = q[q["query_id"].isin(reduced_ids)]
    kept_tasks = expected_tasks(scores, min_score, top)
    final_q = dedup[dedup["category"].isin(kept_tasks)]
    n_models = bench.models["model"].nunique()  # the demo labels every model on every query
    expected = pd.DataFrame(
        {
            "n_queries": [2400, 2400 - 86, len(final_q), len(final_q), len(final_q), len(final_q)],
            "n_categories": [24, 24, len(kept_tasks), len(kept_tasks), len(kept_tasks), len(kept_tasks)],
            "n_models": [n_models, n_models, n_models, n_models, 20, 22],
            "n_labels": [2400 * n_models, (2400 - 86) * n_models, len(final_q) * n_models, len(final_q) * n_models,
                         len(final_q) * 20, len(final_q) * 22],
        },
        index=summary.index,
    )
    assert len(dedup) == 2400 - 86  # 40 planted groups, 126 members: 86 removed
    pd.testing.assert_frame_equal(summary[expected.columns].astype("int64"), expected, check_names=False)
    if top == 20:
        assert sorted(set(q["category"]) - set(kept_tasks)) == ["cat-09", "cat-14", "cat-18", "cat-20"]

    # the benchmark written matches the last row; every query of a kept task stays, with its split
    rb = out.benchmark
    assert (len(rb.queries), len(rb.labels)) == (len(final_q), len(final_q) * 22)
    assert set(rb.queries["query_id"]) == set(final_q["query_id"])
    split = q.set_index("query_id")["split"]
    assert (rb.queries.set_index("query_id")["split"] == split.reindex(rb.queries["query_id"])).all()
    assert set(rb.models.loc[~rb.models["is_pseudo"], "model"]) == set(kept_pool)
    assert rb.models["is_pseudo"].sum() == 2 and rb.models["model"].str.startswith("pseudo-").sum() == 2
    # the per-task table says why each task went
    tasks = out.tasks.set_index("task")
    assert sorted(tasks.index[tasks["kept"]]) == kept_tasks
    counts = final_q["category"].astype(str).value_counts()
    assert tasks.loc[kept_tasks, "n_kept"].tolist() == counts.reindex(kept_tasks).tolist()
    assert (tasks.loc[~tasks["kept"], "n_kept"] == 0).all()


def test_query_fraction_is_optional_and_samples_within_kept_tasks(demo_parts):
    bench, scores, reduced_ids, kept_pool = demo_parts
    out = remaster(bench, scores, top_tasks=20, query_fraction=0.6, min_weight=0.2, seed=0,
                   dedup_query_ids=reduced_ids, kept_models=kept_pool, pseudo_options=None)
    summary = out.summary.set_index("step")
    assert summary.loc["sampled", "n_queries"] == pytest.approx(0.6 * summary.loc["tasks", "n_queries"], abs=20)
    tasks = out.tasks.set_index("task")
    share = tasks.loc[tasks["kept"], "n_kept"] / tasks.loc[tasks["kept"], "n_queries"]
    spec_cats = ["cat-00", "cat-01", "cat-02", "cat-03", "cat-04", "cat-05", "cat-06", "cat-07"]  # planted
    assert share[spec_cats].min() > share.drop(spec_cats).median()  # specialist tasks keep a larger share
    assert "skipped" in summary.loc["pseudo", "note"] and summary.loc["pseudo", "n_models"] == 20


def test_select_tasks_ranks_ties_and_undefined_scores():
    scores = pd.DataFrame({"task": ["a", "b", "c", "d", "e"], "specialist_score": [0.1, np.nan, 0.1, -0.2, 0.3]})
    cats = pd.Series(["a"] * 3 + ["b"] * 2 + ["c", "d", "e"])
    table = select_tasks(scores, cats, top_tasks=2).set_index("task")
    assert table["score_rank"].to_dict() == {"e": 1, "a": 2, "c": 3, "d": 4, "b": 5}  # tie a/c by name, NaN last
    assert table.index[table["kept"]].tolist() == ["e", "a"]
    assert table.loc["c", "reason"] == "outside the top tasks" and table.loc["a", "n_queries"] == 3
    shared = select_tasks(scores, cats, top_task_share=0.5)  # round(0.5 * 5) = 2 tasks: the same
    assert shared["kept"].tolist() == select_tasks(scores, cats, top_tasks=2)["kept"].tolist()
    with pytest.raises(ConfigError, match="both set"):
        select_tasks(scores, cats, top_tasks=2, top_task_share=0.5)
    by_threshold = select_tasks(scores, cats, min_task_score=0.0).set_index("task")
    assert sorted(by_threshold.index[by_threshold["kept"]]) == ["a", "c", "e"]
    assert by_threshold.loc["b", "reason"] == "undefined specialist score"
    assert by_threshold.loc["d", "reason"] == "below remaster.min_task_score"
    assert select_tasks(scores, cats, top_tasks=10)["kept"].all()  # more than there are: all kept
    with pytest.raises(ConfigError, match="remaster.top_tasks"):
        select_tasks(scores, cats, top_tasks=0)
    with pytest.raises(InputError, match="lacks categories"):
        select_tasks(scores, pd.Series(["a", "zzz"]))
    forced = select_tasks(scores, cats, min_task_score=0.0, top_tasks=2, keep=["d"]).set_index("task")
    assert sorted(forced.index[forced["kept"]]) == ["d", "e"]  # d below the threshold but kept; one slot left


def test_study_reference_sits_beside_our_counts(demo_parts):
    bench, scores, reduced_ids, kept_pool = demo_parts
    reference = {"source": {"n_queries": 35673, "n_categories": 80, "n_models": 112},
                 "pruned": {"n_models": 82},
                 "pseudo": {"n_queries": 33337, "n_categories": 68, "n_models": 85, "n_labels": 3000000,
                            "note": "labels: ~3 M"}}
    out = remaster(bench, scores, top_tasks=20, dedup_query_ids=reduced_ids, kept_models=kept_pool,
                   study_reference=reference)
    s = out.summary.set_index("step")
    assert s.loc["source", "study_n_queries"] == 35673 and s.loc["pruned", "study_n_models"] == 82
    assert pd.isna(s.loc["deduplicated", "study_n_queries"]) and s.loc["pseudo", "study_note"] == "labels: ~3 M"
    assert s.loc["pseudo", "study_n_labels"] == 3000000 and s["study_n_models"].dtype == "Int64"
    assert list(s.columns[-2:]) == ["study_note", "note"]
    with pytest.raises(ConfigError, match=r"benchmarks\.demo\.study_reference\.final"):
        remaster(bench, scores, study_reference={"final": {"n_models": 85}},
                 study_reference_key="benchmarks.demo.study_reference")
    with pytest.raises(ConfigError, match=r"study_reference\.pseudo\.n_rows"):
        remaster(bench, scores, study_reference={"pseudo": {"n_rows": 85}})


def test_explicit_pseudo_targets_are_kept_and_count_in_the_top_n(demo_parts):
    bench, scores, reduced_ids, kept_pool = demo_parts
    options = replace(PSEUDO, targets=["cat-09", "cat-00"])  # cat-09 has the lowest score (rank 24)
    out = remaster(bench, scores, top_tasks=20, dedup_query_ids=reduced_ids, kept_models=kept_pool,
                   pseudo_options=options)
    tasks = out.tasks.set_index("task")
    assert tasks["kept"].sum() == 20  # still N tasks: cat-09 takes the place of the 20th (cat-19)
    assert tasks.loc["cat-09", "reason"] == "kept: pseudo-specialist target"
    assert tasks.loc["cat-00", "reason"] == "kept: pseudo-specialist target"
    assert sorted(tasks.index[~tasks["kept"]]) == ["cat-14", "cat-18", "cat-19", "cat-20"]
    assert sorted(out.benchmark.models.loc[out.benchmark.models["is_pseudo"], "model"]) == ["pseudo-cat-00", "pseudo-cat-09"]


def test_remaster_without_prompts_skips_dedup(demo_bench):
    bench = demo_bench.benchmark
    scores = specialist_scores(bench).scores
    out = remaster(bench, scores, dedup_query_ids=None, kept_models=None, pseudo_options=None)
    summary = out.summary.set_index("step")
    assert "no prompts" in summary.loc["deduplicated", "note"]
    assert summary.loc["deduplicated", "n_queries"] == summary.loc["source", "n_queries"] == len(out.benchmark.queries)
    assert len(out.benchmark.models) == len(bench.models)


def test_remaster_openllm_counts_match_a_hand_computation():
    """Label-only data (no dedup): top 30 of 38 tasks, pool 19 -> 10 -> 13; counts from the raw file."""
    from conftest import shared_data
    from openllm_long import EXCLUDED_TASK, openllm_benchmark

    bench = openllm_benchmark()
    raw = pd.read_parquet(shared_data("openllm_leaderboard_v2_carrot", "openllm_v2_raw_long.parquet"),
                          columns=["model", "task", "item_idx"])
    raw = raw[raw["task"] != EXCLUDED_TASK].assign(model=lambda d: d["model"].str.replace("__", "/", n=1))
    scores = specialist_scores(bench, generalist="Qwen/Qwen2.5-72B-Instruct").scores
    kept_pool = prune(bench, lam=0.5, target=10).kept["model"].tolist()
    out = remaster(bench, scores, top_tasks=30, kept_models=kept_pool,
                   pseudo_options=replace(PSEUDO, n_targets=3, max_best_minus_mean=0.25))
    s = out.summary.set_index("step")

    items = raw[["task", "item_idx"]].drop_duplicates()
    kept_tasks = expected_tasks(scores, top=30)
    kept_items = items[items["task"].isin(kept_tasks)]
    kept_rows = raw[raw["task"].isin(kept_tasks) & raw["model"].isin(kept_pool)]
    assert (s.loc["source", "n_queries"], s.loc["source", "n_categories"]) == (len(items), 38)
    assert s.loc["source", "n_labels"] == len(raw)
    assert (s.loc["tasks", "n_queries"], s.loc["tasks", "n_categories"]) == (len(kept_items), 30)
    assert s.loc["tasks", "n_labels"] == raw["task"].isin(kept_tasks).sum()
    assert (s.loc["pruned", "n_models"], s.loc["pruned", "n_labels"]) == (10, len(kept_rows))
    assert (s.loc["pseudo", "n_models"], s.loc["pseudo", "n_labels"]) == (13, len(kept_rows) + 3 * len(kept_items))
    assert s.loc["deduplicated", "n_queries"] == s.loc["source", "n_queries"]  # no prompts: dedup skipped


def test_embedllm_dry_run_lists_every_study_target(workflow_copy):
    """`snakemake -n --configfile config/embedllm.yaml` plans the study's results (offline: the download
    is only planned): the remastered benchmark with its stage counts, Fig. 8 on the remastered pool,
    Table 4, Fig. 12's pruned split, the per-model MLP and the pseudo-cost sweep."""
    import yaml
    from conftest import run_snakemake

    result = run_snakemake(workflow_copy, "-n", "--cores", "2", "--configfile", "config/embedllm.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    planned = result.stdout
    config = yaml.safe_load((workflow_copy / "config/embedllm.yaml").read_text())
    b = "results/embedllm"
    expected = [f"{b}/remaster/summary.parquet", f"{b}/remaster/tasks.parquet", f"{b}/tables/remaster/summary.html",
                f"{b}/eval/agreement.parquet", f"{b}/figures/agreement.png",
                f"{b}/eval/split~pruned/cost~params/areas.parquet", f"{b}/prune/lambda~0.5/target~82/pairs.parquet",
                f"{b}/sweeps/pseudo_cost.parquet", f"{b}/figures/sweeps/pseudo_cost.png"]
    expected += [f"{b}/eval/split~{s}/tradeoff/pair~{p}/areas.parquet"
                 for s in ("remastered", "pruned") for p in config["benchmarks"]["embedllm"]["binary_pairs"]]
    expected += [f"{b}/routers/split~{s}/method~{m}/picks_cost~params.parquet"
                 for s in ("standard", "remastered", "pruned") for m in ("mlp", "mlp-per-model")]
    missing = [path for path in expected if path not in planned]
    assert not missing, missing
