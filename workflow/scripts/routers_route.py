"""Rule routers_route: a router's picks per cost budget on a split's test queries (logic in
routerbench_plus.routing)."""

from routerbench_plus import io, routing

with io.rule_logging(snakemake.log[0], snakemake.output):  # noqa: F821
    inp, params, wc = snakemake.input, snakemake.params, snakemake.wildcards  # noqa: F821
    bench = io.read_benchmark(inp.queries, inp.models, inp.labels, name=f"{wc.benchmark} (split {wc.split})")
    scores = io.read(inp.scores, ["query_id", "model", "score"])
    picks = routing.route(scores, bench, wc.cost, params.budgets)
    provenance = io.make_provenance({"cost": wc.cost, "budgets": params.budgets}, list(inp))
    io.write(picks, snakemake.output.picks, provenance)  # noqa: F821
