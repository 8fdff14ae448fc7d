"""Rule categories_catdrop_figure: figure + table of redundant categories dropped from training and tested as OOD."""

from routerbench_plus import store
from routerbench_plus.figures import categories, ood, style

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards
    table = store.read(inp.table)
    fig = ood.plot_ood_heatmap(table, title="Redundant categories dropped from training")
    style.save(fig, out.png, out.pdf)
    style.write_table(table, out.csv, out.html, title=f"{wc.benchmark}: redundant categories held out of training",
                      note=categories.CATDROP_NOTE, digits=2)
