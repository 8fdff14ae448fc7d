"""Rule categories_train_fraction: routers retrained on a share of each category's training data."""

import pandas as pd

from routerbench_plus import categories, store

CURVE_COLUMNS = ["method", "cost_type", "budget", "budget_norm", "quality"]

with store.rule_logging(snakemake.log[0], snakemake.output):
    paths, fractions = list(snakemake.input.curves), list(snakemake.params.fractions)
    by_fraction: dict[float, list[pd.DataFrame]] = {}
    for fraction, path in zip(fractions, paths):
        by_fraction.setdefault(float(fraction), []).append(store.read(path, CURVE_COLUMNS))
    table = categories.train_fraction_table({f: pd.concat(t, ignore_index=True) for f, t in by_fraction.items()})
    store.write(table, snakemake.output.table, store.make_provenance({"fractions": fractions}, paths))
