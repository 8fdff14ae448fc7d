"""Rule near_duplicates_figure: figure + table of near-duplicate group sizes at one threshold, and the
duplicate-group summary."""

from routerbench_plus import io
from routerbench_plus.figures import near_duplicates, style

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards  # noqa: F821
    groups, summary = io.read(inp.groups), io.read(inp.summary)
    style.save(near_duplicates.plot_duplicate_groups(groups, delta=float(wc.delta)), out.png, out.pdf)
    style.write_table(near_duplicates.transpose_summary(summary), out.csv, out.html,
                      title=f"{wc.benchmark}: near-duplicate groups (cosine >= {wc.delta})",
                      note=near_duplicates.DEDUP_NOTE)
