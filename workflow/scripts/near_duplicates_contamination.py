"""Rule near_duplicates_contamination: test queries with a train/val near-duplicate (I/O only; logic in
routerbench_plus.near_duplicates.contamination)."""

from routerbench_plus import io, near_duplicates
from routerbench_plus.near_duplicates import contamination

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out, wc, params = snakemake.input, snakemake.output, snakemake.wildcards, snakemake.params  # noqa: F821
    delta = float(wc.delta)
    bench = io.read_benchmark(inp.queries, inp.models, inp.labels, name=wc.benchmark)
    emb = io.read_embeddings(inp.embeddings)
    pairs = contamination.cross_split_pairs(emb, bench.queries, delta, threads=snakemake.threads)  # noqa: F821
    table, summary = contamination.audit(pairs, bench, delta, near_duplicates.LabelRule.from_config(params.label_rule))
    provenance = io.make_provenance({"delta": delta, "label_rule": dict(params.label_rule)}, list(inp))
    io.write(table, out.pairs, provenance)
    io.write(summary, out.summary, provenance)
