"""Rule dedup_table: original vs deduplicated training data, average and peak quality (Table 1)."""

import pandas as pd

from routerbench_plus import curves, io

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp = snakemake.input  # noqa: F821
    original = pd.concat([io.read(p, ["method", "cost_type", "budget", "budget_norm", "quality"]) for p in inp.standard])
    reduced = pd.concat([io.read(p, ["method", "cost_type", "budget", "budget_norm", "quality"]) for p in inp.reduced])
    io.write(curves.original_vs_reduced(original, reduced), snakemake.output.table, io.make_provenance({}, list(inp)))  # noqa: F821
