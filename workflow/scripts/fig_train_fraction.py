"""Figure + table: routers retrained on a share of each category's training queries."""

from routerbench_plus import figures, io

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards  # noqa: F821
    table = io.read(inp.table)
    figures.save(figures.plot_train_fraction(table), out.png, out.pdf)
    figures.write_table(table, out.csv, out.html, title=f"{wc.benchmark}: quality vs share of training data kept",
                        note=figures.TRAIN_FRACTION_NOTE, digits=2)
