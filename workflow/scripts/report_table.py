"""Rules <stage>_table: one Parquet table as CSV + HTML for the report (no computation)."""

from routerbench_plus import store
from routerbench_plus.figures import style

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, params = snakemake.input, snakemake.output, snakemake.params
    style.write_table(store.read(inp.table), out.csv, out.html, title=params.title, note=params.note)
