"""Rule dominance_figure: figure + table of the models with the lowest average rank over tasks."""

from routerbench_plus import store
from routerbench_plus.figures import dominance, style

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards
    table = store.read(inp.avg_rank)
    style.save(dominance.plot_average_rank(table, top_k=params.top_k), out.png, out.pdf)
    style.write_table(table, out.csv, out.html, title=f"{wc.benchmark}: average rank over tasks",
                      note=dominance.RANK_NOTE, digits=2)
