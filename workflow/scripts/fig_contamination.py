"""Figure + table: cross-split contamination at one threshold (shares per category, label agreement)."""

from routerbench_plus import figures, io

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards  # noqa: F821
    summary = io.read(inp.summary)
    figures.save(figures.plot_contamination(summary, delta=float(wc.delta)), out.png, out.pdf)
    figures.write_table(figures.contamination_table(summary), out.csv, out.html,
                        title=f"{wc.benchmark}: test queries with a train/val near-duplicate (cosine >= {wc.delta})",
                        note=figures.CONTAMINATION_NOTE)
