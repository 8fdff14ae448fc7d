"""Rule near_duplicates_figure: figure + table of near-duplicate group sizes at one threshold, and the
duplicate-group summary."""

from routerbench_plus import store
from routerbench_plus.figures import near_duplicates, style

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards
    groups, summary = store.read(inp.groups), store.read(inp.summary)
    style.save(near_duplicates.plot_duplicate_groups(groups, delta=float(wc.delta)), out.png, out.pdf)
    style.write_table(near_duplicates.transpose_summary(summary), out.csv, out.html,
                      title=f"{wc.benchmark}: near-duplicate groups (cosine >= {wc.delta})",
                      note=near_duplicates.DEDUP_NOTE)
