"""Rule near_duplicates_figure: at one threshold, figure + table of near-duplicate group sizes and the
duplicate-group summary, and figure + table of cross-split contamination (shares per category, label
agreement); logic in routerbench_plus.figures.near_duplicates."""

from routerbench_plus import store
from routerbench_plus.figures import near_duplicates, style

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards
    groups, summary = store.read(inp.groups), store.read(inp.summary)
    style.save(near_duplicates.plot_duplicate_groups(groups, delta=float(wc.delta)), out.groups_png, out.groups_pdf)
    style.write_table(near_duplicates.transpose_summary(summary), out.summary_csv, out.summary_html,
                      title=f"{wc.benchmark}: near-duplicate groups (cosine >= {wc.delta})",
                      note=near_duplicates.DEDUP_NOTE)

    contamination = store.read(inp.contamination)
    style.save(near_duplicates.plot_contamination(contamination, delta=float(wc.delta)),
               out.contamination_png, out.contamination_pdf)
    style.write_table(near_duplicates.contamination_table(contamination), out.contamination_csv,
                      out.contamination_html,
                      title=f"{wc.benchmark}: test queries with a train/val near-duplicate (cosine >= {wc.delta})",
                      note=near_duplicates.CONTAMINATION_NOTE)
