"""Rule deferral_curves: every router's deferral curve on a split and the pool's models as points."""

from routerbench_plus import curves, deferral, store

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, params, wc = snakemake.input, snakemake.params, snakemake.wildcards
    bench = store.read_benchmark(inp.queries, inp.models, inp.labels, name=f"{wc.benchmark} (split {wc.split})")
    picks = curves.read_picks_by(inp.picks, params.methods)
    tags = {"benchmark": wc.benchmark, "split": wc.split, "cost_type": wc.cost}
    test_ids = bench.queries.loc[bench.queries["split"] == "test", "query_id"]
    max_budget = curves.pool_max_cost(bench.models, wc.cost, where=inp.models)
    provenance = store.make_provenance({"methods": list(params.methods), "cost": wc.cost}, list(inp))
    store.write(deferral.curve_table(picks, max_budget, test_ids, tags), snakemake.output.curves, provenance)
    store.write(deferral.model_points(bench, wc.cost, tags), snakemake.output.models, provenance)
