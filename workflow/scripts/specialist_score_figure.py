"""Rule specialist_score_figure: figure + table of specialist score per task with the thresholds, and the counts
per bin."""

from routerbench_plus import store
from routerbench_plus.figures import specialist_score, style

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards
    scores, counts = store.read(inp.scores), store.read(inp.counts)
    style.save(specialist_score.plot_specialist_scores(scores, thresholds=params.thresholds), out.png, out.pdf)
    style.write_table(
        counts, out.csv, out.html, title=f"{wc.benchmark}: tasks per specialist-score bin",
        note=specialist_score.SPECIALIST_NOTE,
        extra=[("Specialist score per task", scores.sort_values("specialist_score", ascending=False))],
    )
