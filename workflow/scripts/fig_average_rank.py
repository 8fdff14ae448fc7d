"""Figure + table: the models with the lowest average rank over tasks."""

from routerbench_plus import figures, io

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards  # noqa: F821
    table = io.read(inp.avg_rank)
    figures.save(figures.plot_average_rank(table, top_k=params.top_k), out.png, out.pdf)
    figures.write_table(table, out.csv, out.html, title=f"{wc.benchmark}: average rank over tasks",
                        note=figures.RANK_NOTE, digits=2)
