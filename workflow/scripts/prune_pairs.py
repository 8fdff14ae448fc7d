"""Rule prune_pairs: both models of every binary pair survive pruning (I/O only; logic in routerbench_plus.prune)."""

from routerbench_plus import io, prune

with io.rule_logging(snakemake.log[0], snakemake.output) as log:  # noqa: F821
    inp, params, wc = snakemake.input, snakemake.params, snakemake.wildcards  # noqa: F821
    pairs = {name: list(models) for name, models in dict(params.pairs).items()}
    table = prune.pair_survival(io.read(inp.kept, ["model"]), io.read(inp.steps), pairs, key=params.key,
                                splits=list(params.splits))
    log.info("binary-pair models after pruning:\n%s", table.to_string(index=False))
    table.insert(0, "benchmark", wc.benchmark)
    provenance = io.make_provenance({"pairs": pairs, "lambda": wc.lam, "target": wc.target}, list(inp))
    io.write(table, snakemake.output.pairs, provenance)  # noqa: F821
