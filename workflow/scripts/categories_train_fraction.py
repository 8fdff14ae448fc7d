"""Rule categories_train_fraction: routers retrained on a share of each category's training data."""

import pandas as pd

from routerbench_plus import categories, io

CURVE_COLUMNS = ["method", "cost_type", "budget", "budget_norm", "quality"]

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    paths, fractions = list(snakemake.input.curves), list(snakemake.params.fractions)  # noqa: F821
    by_fraction: dict[float, list[pd.DataFrame]] = {}
    for fraction, path in zip(fractions, paths):
        by_fraction.setdefault(float(fraction), []).append(io.read(path, CURVE_COLUMNS))
    table = categories.train_fraction_table({f: pd.concat(t, ignore_index=True) for f, t in by_fraction.items()})
    io.write(table, snakemake.output.table, io.make_provenance({"fractions": fractions}, paths))  # noqa: F821
