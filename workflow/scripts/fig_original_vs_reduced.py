"""Figure + table: routers trained on the original vs the deduplicated data (the study's Table 1)."""

from routerbench_plus import figures, io

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards  # noqa: F821
    table = io.read(inp.table)
    figures.save(figures.plot_original_vs_reduced(table), out.png, out.pdf)
    figures.write_table(table, out.csv, out.html, title=f"{wc.benchmark}: original vs deduplicated training data",
                        note=figures.REDUCED_NOTE, digits=2)
