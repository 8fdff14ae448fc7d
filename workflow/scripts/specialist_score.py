"""Rule specialist_score: per-task specialist scores and their counts (I/O only; logic in
routerbench_plus.specialist_score)."""

from routerbench_plus import specialist_score, store

with store.rule_logging(snakemake.log[0], snakemake.output) as log:
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards
    bench = store.read_benchmark(inp.queries, inp.models, inp.labels, name=wc.benchmark)
    result = specialist_score.specialist_scores(
        bench, cost=params.cost, budgets=params.budgets, generalist=params.generalist
    )
    counts = specialist_score.score_counts(result.scores, params.thresholds)
    log.info("specialist score counts of %s:\n%s", wc.benchmark, counts.to_string(index=False))
    provenance = store.make_provenance(
        {"cost": params.cost, "budgets": params.budgets, "generalist": params.generalist,
         "thresholds": list(params.thresholds)},
        list(inp),
    )
    store.write(result.scores, out.scores, provenance)
    store.write(counts, out.counts, provenance)
    store.write(result.detail, out.detail, provenance)
