"""Rule ood: per held-out category, quality after OOD training vs in-distribution training."""

from routerbench_plus import curves, ood, splits, store

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, params, wc = snakemake.input, snakemake.params, snakemake.wildcards
    standard = curves.read_picks_by_cost(inp.standard, params.cost_types, params.methods)
    held_out = curves.read_picks_by_cost(inp.ood, params.cost_types, params.methods)
    queries = store.read(inp.queries, ["query_id", "category", "split"])
    categories = list(params.categories) if params.categories != "auto" else splits.auto_ood_categories(
        queries, params.ood_auto["share"], params.ood_auto["seed"], params.config_key)  # the split rule's choice
    table = ood.ood_table_by_cost(
        standard, held_out, queries, categories, params.config_key, params.split_ood,
        tags={"benchmark": wc.benchmark, "group": wc.group},
        n_resamples=params.resamples, seed=params.seed, confidence=params.confidence,
        threads=snakemake.threads,
    )
    settings = {k: params[k] for k in ("methods", "cost_types", "split_ood", "resamples", "confidence")} | {"categories": categories}
    store.write(table, snakemake.output.table, store.make_provenance(settings, list(inp), seed=params.seed))
