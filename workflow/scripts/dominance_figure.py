"""Rule dominance_figure: figure + table of the models with the lowest average rank over tasks."""

from routerbench_plus import io
from routerbench_plus.figures import dominance, style

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards  # noqa: F821
    table = io.read(inp.avg_rank)
    style.save(dominance.plot_average_rank(table, top_k=params.top_k), out.png, out.pdf)
    style.write_table(table, out.csv, out.html, title=f"{wc.benchmark}: average rank over tasks",
                      note=dominance.RANK_NOTE, digits=2)
