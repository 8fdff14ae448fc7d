"""Rule sweeps: gather the per-value outputs of one config sweep into one table + figure."""

from routerbench_plus import store, sweeps
from routerbench_plus.figures import style
from routerbench_plus.figures import sweeps as sweep_figures

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards
    keys = [tuple(k) for k in params.swept]
    tables = {kind: dict(zip(keys, map(store.read, files))) for kind, files in inp.items()}
    table = sweeps.summarise(wc.param, tables)
    store.write(table, out.table, store.make_provenance({"param": wc.param, "swept": params.swept}, list(inp)))
    style.save(sweep_figures.plot_sweep_summary(table, wc.param), out.png, out.pdf)
    style.write_table(table, out.csv, out.html, title=f"{wc.benchmark}: sweep over {wc.param}",
                      note=sweep_figures.SWEEP_NOTES[wc.param])
