"""Rule prune: greedy pruning of the model pool (I/O only; logic in routerbench_plus.prune)."""

from routerbench_plus import prune, store

with store.rule_logging(snakemake.log[0], snakemake.output) as log:
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards
    bench = store.read_benchmark(inp.queries, inp.models, inp.labels, name=wc.benchmark)
    result = prune.prune(bench, lam=params.lam, target=params.target, threshold=params.threshold,
                         protect=list(params.protect))
    log.info("removal order (%d steps):\n%s", len(result.steps), result.steps.to_string(index=False))
    provenance = store.make_provenance(
        {"lambda": params.lam, "target": params.target, "binarise_threshold": params.threshold}
        | ({"protect": list(params.protect)} if params.protect else {}),  # no prune.protect: the same hash as before
        list(inp),
    )
    store.write(result.steps, out.steps, provenance)
    store.write(result.kept, out.kept, provenance)
