"""Rule dominance: average rank of every model over tasks (I/O only; logic in routerbench_plus.dominance)."""

from routerbench_plus import dominance, store

with store.rule_logging(snakemake.log[0], snakemake.output) as log:
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards
    bench = store.read_benchmark(inp.queries, inp.models, inp.labels, name=wc.benchmark)
    table = dominance.average_rank(bench)
    top = dominance.top_k(table, params.top_k)
    log.info("top %d models of %s by average rank:\n%s", params.top_k, wc.benchmark, top.to_string(index=False))
    provenance = store.make_provenance({"top_k": params.top_k}, list(inp))
    store.write(table, out.avg_rank, provenance)
    store.write(top, out.top, provenance)
