"""Rule categories_train_fraction_figure: figure + table of routers retrained on a share of each category's
training queries."""

from routerbench_plus import store
from routerbench_plus.figures import categories, style

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards
    table = store.read(inp.table)
    style.save(categories.plot_train_fraction(table), out.png, out.pdf)
    style.write_table(table, out.csv, out.html, title=f"{wc.benchmark}: quality vs share of training data kept",
                      note=categories.TRAIN_FRACTION_NOTE, digits=2)
