"""Rule near_duplicates: groups, summary and reduced benchmark (I/O only; logic in routerbench_plus.dedup)."""

from routerbench_plus import dedup, io

with io.rule_logging(snakemake.log[0], snakemake.output) as log:  # noqa: F821
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards  # noqa: F821
    delta = float(wc.delta)
    bench = io.read_benchmark(inp.queries, inp.models, inp.labels, name=wc.benchmark)
    emb = io.read_embeddings(inp.embeddings)
    groups = dedup.find_groups(emb, delta, queries=bench.queries, threads=snakemake.threads)  # noqa: F821
    summary = dedup.summarise(groups, bench)
    reduced = dedup.reduce(bench, groups)
    log.info("near-duplicates of %s at delta=%s:\n%s", wc.benchmark, delta, summary.T.to_string(header=False))
    provenance = io.make_provenance({"delta": delta}, list(inp))
    io.write(groups.table, out.groups, provenance)
    io.write(summary, out.summary, provenance)
    io.write_benchmark(reduced, out.queries, out.models, out.labels, provenance)
