"""Rule prune_jaccard: Jaccard similarity of every model pair on correct answers (I/O only; logic in
routerbench_plus.prune)."""

from routerbench_plus import io, prune

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards  # noqa: F821
    bench = io.read_benchmark(inp.queries, inp.models, inp.labels, name=wc.benchmark)
    table = prune.jaccard_table(bench.matrix, params.threshold, benchmark=wc.benchmark)
    io.write(table, out.jaccard, io.make_provenance({"binarise_threshold": params.threshold}, list(inp)))
