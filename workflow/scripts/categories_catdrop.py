"""Rule categories_catdrop: redundant categories dropped from training, tested as OOD."""

from routerbench_plus import categories, curves, io

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, params = snakemake.input, snakemake.params  # noqa: F821
    table = categories.catdrop_table(
        curves.read_picks_by_cost(inp.standard, params.cost_types, params.methods),
        curves.read_picks_by_cost(inp.catdrop, params.cost_types, params.methods),
        io.read(inp.queries, ["query_id", "category", "split"]),
        io.read(inp.redundant, ["category", "dropped"]),
        tags={"benchmark": snakemake.wildcards.benchmark},  # noqa: F821
    )
    settings = {"methods": list(params.methods), "cost_types": list(params.cost_types)}
    io.write(table, snakemake.output.table, io.make_provenance(settings, list(inp)))  # noqa: F821
