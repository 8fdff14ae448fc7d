"""Rule download: fetch a benchmark's source files from the Hugging Face Hub, verified (I/O only)."""
from routerbench_plus import ingest, store

with store.rule_logging(snakemake.log[0], snakemake.output):
    ingest.download(snakemake.params.adapter, snakemake.output[0], revision=snakemake.params.revision)
