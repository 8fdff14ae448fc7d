"""Rule near_duplicates_original_vs_reduced: original vs deduplicated training data (the study's Table 1), from
the paired comparisons."""

from routerbench_plus import io
from routerbench_plus.near_duplicates.original_vs_reduced import original_vs_reduced

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp = snakemake.input  # noqa: F821
    table = original_vs_reduced(io.read_all(inp.compare))  # one comparison per cost type
    io.write(table, snakemake.output.table, io.make_provenance({}, list(inp)))  # noqa: F821
