"""Rule prune_jaccard: Jaccard similarity of every model pair on correct answers (I/O only; logic in
routerbench_plus.prune)."""

from routerbench_plus import prune, store

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards
    bench = store.read_benchmark(inp.queries, inp.models, inp.labels, name=wc.benchmark)
    table = prune.jaccard_table(bench.matrix, params.threshold, benchmark=wc.benchmark)
    store.write(table, out.jaccard, store.make_provenance({"binarise_threshold": params.threshold}, list(inp)))
