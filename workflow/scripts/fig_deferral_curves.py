"""Figure: deferral curves of every router, one panel per split, for one cost type (I/O only; logic in figures)."""

import pandas as pd

from routerbench_plus import figures, io

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards  # noqa: F821
    curves = pd.concat(map(io.read, inp.curves), ignore_index=True)  # inputs in split (panel) order
    bands = pd.concat(map(io.read, inp.bands), ignore_index=True)
    curves = curves.merge(
        bands[["split", "method", "budget", "quality_lo", "quality_hi"]], on=["split", "method", "budget"], how="left"
    )
    models = pd.concat(map(io.read, inp.models), ignore_index=True)
    figures.save(figures.plot_deferral_curves(curves, models, cost_type=wc.cost), out.png, out.pdf)
