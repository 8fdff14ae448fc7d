"""Figure + table: areas (three axes), peak and curve mean of every router on every split with bootstrap
intervals, pairwise differences."""

from routerbench_plus import figures, io

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out, wc, params = snakemake.input, snakemake.output, snakemake.wildcards, snakemake.params  # noqa: F821
    areas = io.read_all(inp.areas)  # inputs in split order
    pairwise = io.read_all(inp.pairwise)
    figures.save(figures.plot_area_peak(areas, cost_type=wc.cost, area=params.area), out.png, out.pdf)
    by_split = [(figures.AREA_AXIS_LABELS[c].replace("\n", " ") + " by split", figures.area_by_split(areas, c))
                for c in figures.AREA_AXIS_LABELS if c in areas.columns]
    figures.write_table(
        areas, out.csv, out.html, title=f"{wc.benchmark}: area and peak per split, cost {wc.cost}",
        note=figures.AREA_NOTE + f" The figure shows '{params.area}' (evaluation.figure_area).", show_raw=False,
        extra=[*by_split, ("Peak by split", figures.area_by_split(areas, "peak")),
               ("Areas, peak, curve mean and AIQ", figures.area_table(areas)),
               ("Pairwise differences", figures.pairwise_table(pairwise))],
    )
