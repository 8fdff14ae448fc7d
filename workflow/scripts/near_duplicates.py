"""Rule near_duplicates: groups (training pool and whole benchmark), summary and reduced benchmark; then
the test queries with a train/val near-duplicate (I/O only; logic in routerbench_plus.near_duplicates
and routerbench_plus.near_duplicates.contamination)."""

from routerbench_plus import near_duplicates, store
from routerbench_plus.near_duplicates import contamination

with store.rule_logging(snakemake.log[0], snakemake.output) as log:
    inp, out, wc, params = snakemake.input, snakemake.output, snakemake.wildcards, snakemake.params
    delta = float(wc.delta)
    bench = store.read_benchmark(inp.queries, inp.models, inp.labels, name=wc.benchmark)
    emb = store.read_embeddings(inp.embeddings)
    lengths = store.read(inp.lengths, list(near_duplicates.LENGTH_COLUMNS))
    rule = near_duplicates.LabelRule.from_config(params.label_rule)
    result = near_duplicates.deduplicate(bench, emb, delta, lengths=lengths, rule=rule, threads=snakemake.threads)
    log.info("near-duplicates of %s at delta=%s:\n%s", wc.benchmark, delta, result.summary.T.to_string(header=False))
    settings = {"delta": delta, "label_rule": dict(params.label_rule)}
    provenance = store.make_provenance(settings, list(inp))
    store.write(result.table, out.groups, provenance)
    store.write(result.summary, out.summary, provenance)
    store.write_benchmark(result.reduced, out.queries, out.models, out.labels, provenance)

    pairs = contamination.cross_split_pairs(emb, bench.queries, delta, threads=snakemake.threads)
    table, summary = contamination.audit(pairs, bench, delta, rule)
    provenance = store.make_provenance(settings, [inp.embeddings, inp.queries, inp.models, inp.labels])  # its inputs
    store.write(table, out.contamination, provenance)
    store.write(summary, out.contamination_summary, provenance)
