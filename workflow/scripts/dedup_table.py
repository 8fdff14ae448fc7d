"""Rule dedup_table: original vs deduplicated training data, average and peak quality (Table 1)."""

from routerbench_plus import curves, io

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp = snakemake.input  # noqa: F821
    original = io.read_all(inp.standard, ["method", "cost_type", "budget", "budget_norm", "quality"])
    reduced = io.read_all(inp.reduced, ["method", "cost_type", "budget", "budget_norm", "quality"])
    io.write(curves.original_vs_reduced(original, reduced), snakemake.output.table, io.make_provenance({}, list(inp)))  # noqa: F821
