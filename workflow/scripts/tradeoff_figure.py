"""Rule tradeoff_figure: figure + table of binary trade-off curves of one (small, large) pair on every split,
with bands, APGR, CPT and pairwise area differences."""

from routerbench_plus import store
from routerbench_plus.figures import style, tradeoff

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards
    curves = store.read_all(inp.curves)  # inputs in split (panel) order
    areas = store.read_all(inp.areas)
    pairwise = store.read_all(inp.pairwise)
    style.save(tradeoff.plot_tradeoff(curves, areas), out.png, out.pdf)
    style.write_table(
        tradeoff.tradeoff_table(areas), out.csv, out.html, title=f"{wc.benchmark}: binary trade-off, pair {wc.pair}",
        note=tradeoff.TRADEOFF_NOTE,
        extra=[("Area by split", style.area_by_split(areas)),
               ("Pairwise area differences", style.pairwise_table(pairwise)), ("All columns", areas)],
    )
