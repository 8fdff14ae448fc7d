"""Rule categories_train_fraction_figure: figure + table of routers retrained on a share of each category's
training queries."""

from routerbench_plus import io
from routerbench_plus.figures import categories, style

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards  # noqa: F821
    table = io.read(inp.table)
    style.save(categories.plot_train_fraction(table), out.png, out.pdf)
    style.write_table(table, out.csv, out.html, title=f"{wc.benchmark}: quality vs share of training data kept",
                      note=categories.TRAIN_FRACTION_NOTE, digits=2)
