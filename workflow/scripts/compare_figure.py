"""Rule compare_figure: figure + table of routers trained on two splits, scored on the same test queries (paired
intervals)."""

from routerbench_plus import store
from routerbench_plus.figures import compare, style

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, wc, params = snakemake.input, snakemake.output, snakemake.wildcards, snakemake.params
    table = store.read(inp.table)
    style.save(compare.plot_split_comparison(table, area=params.area), out.png, out.pdf)
    style.write_table(
        table, out.csv, out.html, title=f"{wc.benchmark}: split {wc.split} vs split {wc.base}, cost {wc.cost}",
        note=compare.COMPARE_NOTE + f" The figure shows '{params.area}' (evaluation.figure_area).", show_raw=False,
        extra=[("Per router", compare.comparison_table(table)), ("All columns", table)],
    )
