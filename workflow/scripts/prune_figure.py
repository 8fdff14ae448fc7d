"""Rule prune_figure: figure of pool size vs oracle/heuristic routing area, and the greedy removal order, for one
(lambda, target)."""

from routerbench_plus import io
from routerbench_plus.figures import prune, style

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out = snakemake.input, snakemake.output  # noqa: F821
    style.save(prune.plot_pruning(io.read(inp.steps), io.read(inp.curve)), out.png, out.pdf)
