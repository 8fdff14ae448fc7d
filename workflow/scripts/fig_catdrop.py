"""Figure + table: redundant categories dropped from training and tested as OOD."""

from routerbench_plus import figures, io

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards  # noqa: F821
    table = io.read(inp.table)
    fig = figures.plot_ood_heatmap(table, title="Redundant categories dropped from training")
    figures.save(fig, out.png, out.pdf)
    figures.write_table(table, out.csv, out.html, title=f"{wc.benchmark}: redundant categories held out of training",
                        note=figures.CATDROP_NOTE, digits=2)
