"""Rule compare: routers trained on two splits, scored on the same test queries (paired intervals)."""

from routerbench_plus import compare, curves, store

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, params, wc = snakemake.input, snakemake.params, snakemake.wildcards

    def test_ids(path):
        queries = store.read(path, ["query_id", "split"])
        return queries.loc[queries["split"] == "test", "query_id"]

    table = compare.compare_splits(
        curves.read_picks_by(inp.base, params.methods),
        curves.read_picks_by(inp.split, params.methods),
        base_costs=curves.pool_cost_range(store.read(inp.base_models, ["model"]), wc.cost, where=inp.base_models),
        other_costs=curves.pool_cost_range(store.read(inp.models, ["model"]), wc.cost, where=inp.models),
        splits=(wc.base, wc.split),
        base_test_ids=test_ids(inp.base_queries),
        other_test_ids=test_ids(inp.queries),
        n_resamples=params.resamples,
        seed=params.seed,
        confidence=params.confidence,
        tags={"benchmark": wc.benchmark, "split_base": wc.base, "split": wc.split, "cost_type": wc.cost},
        threads=snakemake.threads,
    )
    settings = {k: params[k] for k in ("methods", "resamples", "confidence")}
    store.write(table, snakemake.output.table, store.make_provenance(settings, list(inp), seed=params.seed))
