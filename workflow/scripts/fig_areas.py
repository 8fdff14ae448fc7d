"""Figure + table: area and peak of every router with bootstrap intervals, pairwise differences."""

from routerbench_plus import figures, io

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards  # noqa: F821
    areas, pairwise = io.read(inp.areas), io.read(inp.pairwise)
    figures.save(figures.plot_area_peak(areas, cost_type=wc.cost), out.png, out.pdf)
    figures.write_table(
        areas, out.csv, out.html,
        title=f"{wc.benchmark}: area and peak, split {wc.split}, cost {wc.cost}",
        note=figures.AREA_NOTE,
        extra=[("Formatted", figures.area_table(areas)), ("Pairwise differences", figures.pairwise_table(pairwise))],
    )
