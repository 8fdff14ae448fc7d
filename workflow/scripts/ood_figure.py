"""Rule ood_figure: figure + table of OOD quality change per router and held-out category of one group."""

from routerbench_plus import io
from routerbench_plus.figures import ood, style

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards  # noqa: F821
    table = io.read(inp.table)
    style.save(ood.plot_ood_heatmap(table), out.png, out.pdf)
    style.write_table(table, out.csv, out.html, title=f"{wc.benchmark}: OOD hold-out group {wc.group}",
                      note=ood.OOD_NOTE, digits=2)
