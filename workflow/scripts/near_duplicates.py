"""Rule near_duplicates: groups (training pool and whole benchmark), summary and reduced benchmark
(I/O only; logic in routerbench_plus.near_duplicates)."""

from routerbench_plus import io, near_duplicates

with io.rule_logging(snakemake.log[0], snakemake.output) as log:  # noqa: F821
    inp, out, wc, params = snakemake.input, snakemake.output, snakemake.wildcards, snakemake.params  # noqa: F821
    delta = float(wc.delta)
    bench = io.read_benchmark(inp.queries, inp.models, inp.labels, name=wc.benchmark)
    emb = io.read_embeddings(inp.embeddings)
    lengths = io.read(inp.lengths, list(near_duplicates.LENGTH_COLUMNS))
    rule = near_duplicates.LabelRule.from_config(params.label_rule)
    result = near_duplicates.deduplicate(bench, emb, delta, lengths=lengths, rule=rule, threads=snakemake.threads)  # noqa: F821
    log.info("near-duplicates of %s at delta=%s:\n%s", wc.benchmark, delta, result.summary.T.to_string(header=False))
    provenance = io.make_provenance({"delta": delta, "label_rule": dict(params.label_rule)}, list(inp))
    io.write(result.table, out.groups, provenance)
    io.write(result.summary, out.summary, provenance)
    io.write_benchmark(result.reduced, out.queries, out.models, out.labels, provenance)
