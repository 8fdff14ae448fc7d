"""Rule near_duplicates_contamination: test queries with a train/val near-duplicate (I/O only; logic in
routerbench_plus.near_duplicates.contamination)."""

from routerbench_plus import near_duplicates, store
from routerbench_plus.near_duplicates import contamination

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, wc, params = snakemake.input, snakemake.output, snakemake.wildcards, snakemake.params
    delta = float(wc.delta)
    bench = store.read_benchmark(inp.queries, inp.models, inp.labels, name=wc.benchmark)
    emb = store.read_embeddings(inp.embeddings)
    pairs = contamination.cross_split_pairs(emb, bench.queries, delta, threads=snakemake.threads)
    table, summary = contamination.audit(pairs, bench, delta, near_duplicates.LabelRule.from_config(params.label_rule))
    provenance = store.make_provenance({"delta": delta, "label_rule": dict(params.label_rule)}, list(inp))
    store.write(table, out.pairs, provenance)
    store.write(summary, out.summary, provenance)
