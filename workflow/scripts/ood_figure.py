"""Rule ood_figure: figure + table of OOD quality change per router and held-out category of one group."""

from routerbench_plus import store
from routerbench_plus.figures import ood, style

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards
    table = store.read(inp.table)
    style.save(ood.plot_ood_heatmap(table), out.png, out.pdf)
    style.write_table(table, out.csv, out.html, title=f"{wc.benchmark}: OOD hold-out group {wc.group}",
                      note=ood.OOD_NOTE, digits=2)
