"""Rule deferral_areas_figure: figure + table of areas (three axes), peak and curve mean of every router on every
split with bootstrap intervals, pairwise differences."""

from routerbench_plus import store
from routerbench_plus.figures import deferral, style

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, wc, params = snakemake.input, snakemake.output, snakemake.wildcards, snakemake.params
    areas = store.read_all(inp.areas)  # inputs in split order
    pairwise = store.read_all(inp.pairwise)
    style.save(deferral.plot_area_peak(areas, cost_type=wc.cost, area=params.area), out.png, out.pdf)
    by_split = [(deferral.AREA_AXIS_LABELS[c].replace("\n", " ") + " by split", style.area_by_split(areas, c))
                for c in deferral.AREA_AXIS_LABELS if c in areas.columns]
    style.write_table(
        areas, out.csv, out.html, title=f"{wc.benchmark}: area and peak per split, cost {wc.cost}",
        note=deferral.AREA_NOTE + f" The figure shows '{params.area}' (evaluation.figure_area).", show_raw=False,
        extra=[*by_split, ("Peak by split", style.area_by_split(areas, "peak")),
               ("Areas, peak, curve mean and AIQ", deferral.area_table(areas)),
               ("Pairwise differences", style.pairwise_table(pairwise))],
    )
