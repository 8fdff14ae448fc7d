"""Rule deferral_curves_figure: figure of deferral curves of every router, one panel per split, for one cost type
(I/O only; logic in routerbench_plus.figures.deferral)."""

from routerbench_plus import store
from routerbench_plus.figures import deferral, style

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards
    curves = store.read_all(inp.curves)  # inputs in split (panel) order
    bands = store.read_all(inp.bands)
    curves = curves.merge(
        bands[["split", "method", "budget", "quality_lo", "quality_hi"]], on=["split", "method", "budget"], how="left"
    )
    models = store.read_all(inp.models)
    style.save(deferral.plot_deferral_curves(curves, models, cost_type=wc.cost), out.png, out.pdf)
