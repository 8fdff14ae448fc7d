"""Rule agreement_figure: figure + table of agreement with the heuristic router before/after pseudo-specialist
injection."""

from routerbench_plus import store
from routerbench_plus.figures import agreement, style

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, wc = snakemake.input, snakemake.output, snakemake.wildcards
    table, selection = store.read(inp.table), store.read(inp.selection, ["task", "selected"])
    targets = selection.loc[selection["selected"].astype(bool), "task"].tolist()
    style.save(agreement.plot_agreement(table, targets=targets), out.png, out.pdf)
    style.write_table(table, out.csv, out.html, title=f"{wc.benchmark}: agreement with the heuristic router",
                      note=agreement.AGREEMENT_NOTE + f" Target tasks: {', '.join(targets)}.", digits=2)
