"""Rules <stage>_table: one Parquet table as CSV + HTML for the report (no computation)."""

from routerbench_plus import io
from routerbench_plus.figures import style

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, out, params = snakemake.input, snakemake.output, snakemake.params  # noqa: F821
    style.write_table(io.read(inp.table), out.csv, out.html, title=params.title, note=params.note)
