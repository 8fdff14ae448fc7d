"""Rule dominance: average rank of every model over tasks (I/O only; logic in routerbench_plus.dominance)."""

from routerbench_plus import dominance, io

with io.rule_logging(snakemake.log[0], snakemake.output) as log:  # noqa: F821
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards  # noqa: F821
    bench = io.read_benchmark(inp.queries, inp.models, inp.labels, name=wc.benchmark)
    table = dominance.average_rank(bench)
    top = dominance.top_k(table, params.top_k)
    log.info("top %d models of %s by average rank:\n%s", params.top_k, wc.benchmark, top.to_string(index=False))
    provenance = io.make_provenance({"top_k": params.top_k}, list(inp))
    io.write(table, out.avg_rank, provenance)
    io.write(top, out.top, provenance)
