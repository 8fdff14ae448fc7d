"""Figure + table: near-duplicate group sizes at one threshold, and the duplicate-group summary."""

from routerbench_plus import figures, io

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards  # noqa: F821
    groups, summary = io.read(inp.groups), io.read(inp.summary)
    figures.save(figures.plot_duplicate_groups(groups, delta=float(wc.delta)), out.png, out.pdf)
    figures.write_table(figures.transpose_summary(summary), out.csv, out.html,
                        title=f"{wc.benchmark}: near-duplicate groups (cosine >= {wc.delta})", note=figures.DEDUP_NOTE)
