"""Rule prune_pairs: both models of every binary pair survive pruning (I/O only; logic in routerbench_plus.prune)."""

from routerbench_plus import prune, store, tradeoff

with store.rule_logging(snakemake.log[0], snakemake.output) as log:
    inp, params, wc = snakemake.input, snakemake.params, snakemake.wildcards
    pairs = {name: list(models) for name, models in dict(params.pairs).items()}
    if params.auto_pair_cost:  # binary_pairs: auto
        pairs = {tradeoff.AUTO_PAIR: list(tradeoff.auto_pair(store.read(inp.models), params.auto_pair_cost, params.key))}
    table = prune.pair_survival(store.read(inp.kept, ["model"]), store.read(inp.steps), pairs, key=params.key,
                                splits=list(params.splits))
    log.info("binary-pair models after pruning:\n%s", table.to_string(index=False))
    table.insert(0, "benchmark", wc.benchmark)
    provenance = store.make_provenance({"pairs": pairs, "lambda": wc.lam, "target": wc.target}, list(inp))
    store.write(table, snakemake.output.pairs, provenance)
