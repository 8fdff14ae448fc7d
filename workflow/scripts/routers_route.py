"""Rule routers_route: a router's picks per cost budget on a split's test queries (logic in
routerbench_plus.routing)."""

from routerbench_plus import routing, store

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, params, wc = snakemake.input, snakemake.params, snakemake.wildcards
    bench = store.read_benchmark(inp.queries, inp.models, inp.labels, name=f"{wc.benchmark} (split {wc.split})")
    scores = store.read(inp.scores, ["query_id", "model", "score"])
    picks = routing.route(scores, bench, wc.cost, params.budgets)
    provenance = store.make_provenance({"cost": wc.cost, "budgets": params.budgets}, list(inp))
    store.write(picks, snakemake.output.picks, provenance)
