"""Rule prune_figure: figure of pool size vs oracle/heuristic routing area, and the greedy removal order, for one
(lambda, target)."""

from routerbench_plus import store
from routerbench_plus.figures import prune, style

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out = snakemake.input, snakemake.output
    style.save(prune.plot_pruning(store.read(inp.steps), store.read(inp.curve)), out.png, out.pdf)
