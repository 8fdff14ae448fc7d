"""Rule categories_catdrop: redundant categories dropped from training, tested as OOD."""

from routerbench_plus import categories, curves, store

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, params = snakemake.input, snakemake.params
    table = categories.catdrop_table(
        curves.read_picks_by_cost(inp.standard, params.cost_types, params.methods),
        curves.read_picks_by_cost(inp.catdrop, params.cost_types, params.methods),
        store.read(inp.queries, ["query_id", "category", "split"]),
        store.read(inp.redundant, ["category", "dropped"]),
        tags={"benchmark": snakemake.wildcards.benchmark},
        n_resamples=params.resamples, seed=params.seed, confidence=params.confidence, threads=snakemake.threads,
    )
    settings = {k: params[k] for k in ("methods", "cost_types", "resamples", "confidence")}
    store.write(table, snakemake.output.table, store.make_provenance(settings, list(inp), seed=params.seed))
