"""Rule near_duplicates_original_vs_reduced: original vs deduplicated training data (the study's Table 1), from
the paired comparisons."""

from routerbench_plus import store
from routerbench_plus.near_duplicates.original_vs_reduced import original_vs_reduced

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp = snakemake.input
    table = original_vs_reduced(store.read_all(inp.compare))  # one comparison per cost type
    store.write(table, snakemake.output.table, store.make_provenance({}, list(inp)))
