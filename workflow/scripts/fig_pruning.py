"""Figure: pool size vs oracle/heuristic routing area, and the greedy removal order, for one (lambda, target)."""

from routerbench_plus import figures, io

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out = snakemake.input, snakemake.output  # noqa: F821
    figures.save(figures.plot_pruning(io.read(inp.steps), io.read(inp.curve)), out.png, out.pdf)
