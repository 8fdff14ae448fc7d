"""Figure + table: area and peak of every router on every split with bootstrap intervals, pairwise differences."""

from routerbench_plus import figures, io

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards  # noqa: F821
    areas = io.read_all(inp.areas)  # inputs in split order
    pairwise = io.read_all(inp.pairwise)
    figures.save(figures.plot_area_peak(areas, cost_type=wc.cost), out.png, out.pdf)
    figures.write_table(
        areas, out.csv, out.html, title=f"{wc.benchmark}: area and peak per split, cost {wc.cost}",
        note=figures.AREA_NOTE, show_raw=False,
        extra=[("Area by split", figures.area_by_split(areas)), ("Peak by split", figures.area_by_split(areas, "peak")),
               ("Area, peak and AIQ", figures.area_table(areas)), ("Pairwise differences", figures.pairwise_table(pairwise))],
    )
