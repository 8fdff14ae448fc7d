"""Figure + table: the pseudo-cost sweep (no computation; the table is routerbench_plus.sweeps.pseudo_cost_sweep)."""

from routerbench_plus import figures, io

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards  # noqa: F821
    table = io.read(inp.table)
    figures.save(figures.plot_pseudo_cost_sweep(table), out.png, out.pdf)
    figures.write_table(table, out.csv, out.html, title=f"{wc.benchmark}: sweep over pseudo.cost",
                        note=figures.PSEUDO_COST_NOTE)
