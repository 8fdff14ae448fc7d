"""Rule sweeps_pseudo_cost_figure: figure + table of the pseudo-cost sweep (no computation; the table is
routerbench_plus.sweeps.pseudo_cost_sweep)."""

from routerbench_plus import store
from routerbench_plus.figures import style, sweeps

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards
    table = store.read(inp.table)
    style.save(sweeps.plot_pseudo_cost_sweep(table), out.png, out.pdf)
    style.write_table(table, out.csv, out.html, title=f"{wc.benchmark}: sweep over pseudo.cost",
                      note=sweeps.PSEUDO_COST_NOTE)
