"""Rule sweeps_pseudo_cost: agreement and areas of the sweep's routers per pseudo.cost (logic in
routerbench_plus.sweeps)."""

from routerbench_plus import curves, store, sweeps

with store.rule_logging(snakemake.log[0], snakemake.output) as log:
    inp, params, wc = snakemake.input, snakemake.params, snakemake.wildcards
    labels, methods, cost_types = list(params.labels), list(params.methods), list(params.cost_types)
    n = len(cost_types) * len(methods)
    swept = {label: curves.read_picks_by_cost(inp.swept[i * n : (i + 1) * n], cost_types, methods)
             for i, label in enumerate(labels)}
    columns = {"queries": ["query_id", "category", "split"], "models": ["model", "is_pseudo"], "selection": ["task", "selected"]}
    tables = {kind: {label: store.read(path, need) for label, path in zip(labels, getattr(inp, kind))}
              for kind, need in columns.items()}
    table = sweeps.pseudo_cost_sweep(
        curves.read_picks_by_cost(inp.standard, cost_types, methods),
        swept,
        store.read(inp.queries_standard, ["query_id", "category", "split"]),
        store.read(inp.models_standard),
        tables["queries"],
        tables["models"],
        tables["selection"],
        reference=params.reference,
        default=params.default,
        benchmark=wc.benchmark,
        n_resamples=params.resamples, seed=params.seed, confidence=params.confidence, threads=snakemake.threads,
    )
    log.info("pseudo-cost sweep of %s:\n%s", wc.benchmark, table.to_string(index=False))
    settings = {k: params[k] for k in ("labels", "default", "methods", "cost_types", "reference", "resamples", "confidence")}
    store.write(table, snakemake.output.table, store.make_provenance(settings, list(inp), seed=params.seed))
