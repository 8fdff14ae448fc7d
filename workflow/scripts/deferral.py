"""Rule deferral: every router's deferral curve on a split and the pool's models as points; areas (three axes),
peak, curve mean (paired-bootstrap intervals), AIQ and pairwise differences (logic in routerbench_plus.deferral)."""

from routerbench_plus import curves, deferral, store

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards
    bench = store.read_benchmark(inp.queries, inp.models, inp.labels, name=f"{wc.benchmark} (split {wc.split})")
    picks = curves.read_picks_by(inp.picks, params.methods)
    tags = {"benchmark": wc.benchmark, "split": wc.split, "cost_type": wc.cost}
    test_ids = bench.queries.loc[bench.queries["split"] == "test", "query_id"]
    max_budget = curves.pool_max_cost(bench.models, wc.cost, where=inp.models)
    provenance = store.make_provenance({"methods": list(params.methods), "cost": wc.cost}, list(inp))
    store.write(deferral.curve_table(picks, max_budget, test_ids, tags), out.curves, provenance)
    store.write(deferral.model_points(bench, wc.cost, tags), out.models, provenance)

    queries = store.read(inp.queries, ["query_id", "split"])
    min_budget, max_budget = curves.pool_cost_range(store.read(inp.models, ["model"]), wc.cost, where=inp.models)
    areas, pairwise, bands = deferral.evaluate_curves(
        curves.read_picks_by(inp.picks, params.methods),
        max_budget=max_budget,
        min_budget=min_budget,
        n_resamples=params.resamples,
        seed=params.seed,
        confidence=params.confidence,
        test_ids=queries.loc[queries["split"] == "test", "query_id"],
        tags=tags,
        threads=snakemake.threads,
    )
    settings = {"methods": list(params.methods), "resamples": params.resamples, "confidence": params.confidence}
    provenance = store.make_provenance(settings, list(inp), seed=params.seed)
    store.write(areas, out.areas, provenance)
    store.write(pairwise, out.pairwise, provenance)
    store.write(bands, out.bands, provenance)
