"""Rule deferral_figure: for one cost type, the figure of deferral curves of every router (one panel per
split), and the figure + table of areas (three axes), peak and curve mean of every router on every split
with bootstrap intervals, pairwise differences (I/O only; logic in routerbench_plus.figures.deferral)."""

from routerbench_plus import store
from routerbench_plus.figures import deferral, style

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, wc, params = snakemake.input, snakemake.output, snakemake.wildcards, snakemake.params
    curves = store.read_all(inp.curves)  # inputs in split (panel) order
    bands = store.read_all(inp.bands)
    curves = curves.merge(
        bands[["split", "method", "budget", "quality_lo", "quality_hi"]], on=["split", "method", "budget"], how="left"
    )
    models = store.read_all(inp.models)
    style.save(deferral.plot_deferral_curves(curves, models, cost_type=wc.cost), out.curves_png, out.curves_pdf)

    areas = store.read_all(inp.areas)  # inputs in split order
    pairwise = store.read_all(inp.pairwise)
    style.save(deferral.plot_area_peak(areas, cost_type=wc.cost, area=params.area), out.areas_png, out.areas_pdf)
    by_split = [(deferral.AREA_AXIS_LABELS[c].replace("\n", " ") + " by split", style.area_by_split(areas, c))
                for c in deferral.AREA_AXIS_LABELS if c in areas.columns]
    style.write_table(
        areas, out.csv, out.html, title=f"{wc.benchmark}: area and peak per split, cost {wc.cost}",
        note=deferral.AREA_NOTE + f" The figure shows '{params.area}' (evaluation.figure_area).", show_raw=False,
        extra=[*by_split, ("Peak by split", style.area_by_split(areas, "peak")),
               ("Areas, peak, curve mean and AIQ", deferral.area_table(areas)),
               ("Pairwise differences", style.pairwise_table(pairwise))],
    )
