"""Rule prune_curve: oracle/heuristic routing area of every pool along the removal order (I/O only)."""

from routerbench_plus import io, prune

with io.rule_logging(snakemake.log[0], snakemake.output) as log:  # noqa: F821
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards  # noqa: F821
    bench = io.read_benchmark(inp.queries, inp.models, inp.labels, name=wc.benchmark)
    curve = prune.pool_curve(bench, io.read(inp.steps), cost=params.cost, budgets=params.budgets)
    log.info("pool size vs routing area:\n%s", curve.to_string(index=False))
    provenance = io.make_provenance({"cost": params.cost, "budgets": params.budgets}, list(inp))
    io.write(curve, out.curve, provenance)
