"""Rule near_duplicates_original_vs_reduced_figure: figure + table of routers trained on the original vs the
deduplicated data (the study's Table 1)."""

from routerbench_plus import store
from routerbench_plus.figures import near_duplicates, style

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards
    table = store.read(inp.table)
    style.save(near_duplicates.plot_original_vs_reduced(table), out.png, out.pdf)
    style.write_table(table, out.csv, out.html, title=f"{wc.benchmark}: original vs deduplicated training data",
                      note=near_duplicates.REDUCED_NOTE, digits=2)
