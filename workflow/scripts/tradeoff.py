"""Rule tradeoff: accuracy vs share routed to the large model of a (small, large) pair, with intervals."""

from routerbench_plus import store, tradeoff

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, params, wc = snakemake.input, snakemake.params, snakemake.wildcards
    bench = store.read_benchmark(inp.queries, inp.models, inp.labels, name=f"{wc.benchmark} (split {wc.split})")
    scores = {m: store.read(p, ["query_id", "model", "score"]) for m, p in zip(params.methods, inp.scores)}
    small, large = (params.small, params.large) if wc.pair != tradeoff.AUTO_PAIR or params.small != "auto" else \
        tradeoff.auto_pair(bench.models, params.pair_cost, params.config_key)  # binary_pairs: auto
    curves_table, areas, pairwise = tradeoff.evaluate_pair(
        scores,
        bench,
        small=small,
        large=large,
        n_points=params.points,
        n_resamples=params.resamples,
        seed=params.seed,
        confidence=params.confidence,
        config_key=params.config_key,
        tags={"benchmark": wc.benchmark, "split": wc.split, "pair": wc.pair},
        threads=snakemake.threads,
        tie_tolerance=params.tie_tolerance,
    )
    settings = {k: params[k] for k in ("methods", "points", "resamples", "confidence", "tie_tolerance")} | {
        "small": small, "large": large}
    provenance = store.make_provenance(settings, list(inp), seed=params.seed)
    store.write(curves_table, snakemake.output.curves, provenance)
    store.write(areas, snakemake.output.areas, provenance)
    store.write(pairwise, snakemake.output.pairwise, provenance)
