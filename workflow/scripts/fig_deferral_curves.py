"""Figure: deferral curves of every router on one split and cost type (I/O only; logic in figures)."""

from routerbench_plus import figures, io

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards  # noqa: F821
    fig = figures.plot_deferral_curves(io.read(inp.curves), io.read(inp.models), cost_type=wc.cost)
    figures.save(fig, out.png, out.pdf)
