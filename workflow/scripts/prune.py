"""Rule prune: greedy pruning of the model pool (I/O only; logic in routerbench_plus.prune)."""

from routerbench_plus import prune, store, tradeoff

with store.rule_logging(snakemake.log[0], snakemake.output) as log:
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards
    bench = store.read_benchmark(inp.queries, inp.models, inp.labels, name=wc.benchmark)
    pair = list(tradeoff.auto_pair(bench.models, params.auto_pair_cost)) if params.auto_pair_cost else []
    protect = list(dict.fromkeys([*params.protect, *pair]))  # binary_pairs: auto -> its models survive pruning
    result = prune.prune(bench, lam=params.lam, target=params.target, threshold=params.threshold, protect=protect)
    log.info("removal order (%d steps):\n%s", len(result.steps), result.steps.to_string(index=False))
    provenance = store.make_provenance(
        {"lambda": params.lam, "target": params.target, "binarise_threshold": params.threshold}
        | ({"protect": protect} if protect else {}),  # no prune.protect: the same hash as before
        list(inp),
    )
    store.write(result.steps, out.steps, provenance)
    store.write(result.kept, out.kept, provenance)
