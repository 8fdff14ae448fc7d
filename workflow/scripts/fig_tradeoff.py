"""Figure + table: binary trade-off curves of one (small, large) pair on every split, with bands, APGR, CPT
and pairwise area differences."""

from routerbench_plus import figures, io

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards  # noqa: F821
    curves = io.read_all(inp.curves)  # inputs in split (panel) order
    areas = io.read_all(inp.areas)
    pairwise = io.read_all(inp.pairwise)
    figures.save(figures.plot_tradeoff(curves, areas), out.png, out.pdf)
    figures.write_table(
        figures.tradeoff_table(areas), out.csv, out.html, title=f"{wc.benchmark}: binary trade-off, pair {wc.pair}",
        note=figures.TRADEOFF_NOTE,
        extra=[("Area by split", figures.area_by_split(areas)),
               ("Pairwise area differences", figures.pairwise_table(pairwise)), ("All columns", areas)],
    )
