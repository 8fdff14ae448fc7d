"""Figure + table: specialist score per task with the thresholds, and the counts per bin."""

from routerbench_plus import figures, io

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards  # noqa: F821
    scores, counts = io.read(inp.scores), io.read(inp.counts)
    figures.save(figures.plot_specialist_scores(scores, thresholds=params.thresholds), out.png, out.pdf)
    figures.write_table(
        counts, out.csv, out.html, title=f"{wc.benchmark}: tasks per specialist-score bin",
        note=figures.SPECIALIST_NOTE,
        extra=[("Specialist score per task", scores.sort_values("specialist_score", ascending=False))],
    )
