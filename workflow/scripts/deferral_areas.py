"""Rule deferral_areas: areas (three axes), peak, curve mean (paired-bootstrap intervals), AIQ and pairwise
differences."""

from routerbench_plus import curves, deferral, store

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, params, wc = snakemake.input, snakemake.params, snakemake.wildcards
    queries = store.read(inp.queries, ["query_id", "split"])
    models = store.read(inp.models, ["model"])
    picks = curves.read_picks_by(inp.picks, params.methods)
    min_budget, max_budget = curves.pool_cost_range(models, wc.cost, where=inp.models)
    areas, pairwise, bands = deferral.evaluate_curves(
        picks,
        max_budget=max_budget,
        min_budget=min_budget,
        n_resamples=params.resamples,
        seed=params.seed,
        confidence=params.confidence,
        test_ids=queries.loc[queries["split"] == "test", "query_id"],
        tags={"benchmark": wc.benchmark, "split": wc.split, "cost_type": wc.cost},
        threads=snakemake.threads,
    )
    settings = {"methods": list(params.methods), "resamples": params.resamples, "confidence": params.confidence}
    provenance = store.make_provenance(settings, list(inp), seed=params.seed)
    store.write(areas, snakemake.output.areas, provenance)
    store.write(pairwise, snakemake.output.pairwise, provenance)
    store.write(bands, snakemake.output.bands, provenance)
