"""Rule routers_train: fit one router on a split, score its test queries (logic in routerbench_plus.routers),
then route the scores for the shared cost types (routerbench_plus.routing; the same picks as routers_route)."""

from routerbench_plus import routers, routing, store

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards
    routers.set_threads(snakemake.threads)
    bench = store.read_benchmark(inp.queries, inp.models, inp.labels, name=f"{wc.benchmark} (split {wc.split})")
    embeddings = store.read_embeddings(inp.embeddings) if inp.get("embeddings") else None
    router = routers.make_router(wc.method, dict(params.spec), search_paths=[params.search_path])
    scores = routers.score_split(router, bench, embeddings, bench.costs(params.fit_cost), key=f"routers.{wc.method}")
    test = bench.queries.loc[bench.queries["split"] == "test", "query_id"]
    provenance = store.make_provenance(
        {"method": wc.method, "spec": dict(params.spec), "fit_cost": params.fit_cost}, list(inp), params.spec.get("seed")
    )
    store.write(routing.scores_table(scores, bench.models["model"], test), out.scores, provenance)
    # routers_route's work, on the scores as stored; its provenance (the same inputs, in its order)
    table = store.read(out.scores, ["query_id", "model", "score"])
    route_inputs = [out.scores, inp.queries, inp.models, inp.labels]
    for cost in params.route_costs:
        picks = routing.route(table, bench, cost, params.budgets)
        provenance = store.make_provenance({"cost": cost, "budgets": params.budgets}, route_inputs)
        store.write(picks, out[f"picks_{cost}"], provenance)
