"""Rule near_duplicates_contamination_figure: figure + table of cross-split contamination at one threshold
(shares per category, label agreement)."""

from routerbench_plus import store
from routerbench_plus.figures import near_duplicates, style

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards
    summary = store.read(inp.summary)
    style.save(near_duplicates.plot_contamination(summary, delta=float(wc.delta)), out.png, out.pdf)
    style.write_table(near_duplicates.contamination_table(summary), out.csv, out.html,
                      title=f"{wc.benchmark}: test queries with a train/val near-duplicate (cosine >= {wc.delta})",
                      note=near_duplicates.CONTAMINATION_NOTE)
