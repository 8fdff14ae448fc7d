"""Rule prune_curve: oracle/heuristic routing area of every pool along the removal order (I/O only)."""

from routerbench_plus import prune, store

with store.rule_logging(snakemake.log[0], snakemake.output) as log:
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards
    bench = store.read_benchmark(inp.queries, inp.models, inp.labels, name=wc.benchmark)
    curve = prune.pool_curve(bench, store.read(inp.steps), cost=params.cost, budgets=params.budgets)
    log.info("pool size vs routing area:\n%s", curve.to_string(index=False))
    provenance = store.make_provenance({"cost": params.cost, "budgets": params.budgets}, list(inp))
    store.write(curve, out.curve, provenance)
