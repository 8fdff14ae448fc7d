"""Rule agreement: share of picks equal to the heuristic's, before/after pseudo-specialists."""

from routerbench_plus import agreement, curves, store

with store.rule_logging(snakemake.log[0], snakemake.output):
    inp, params, wc = snakemake.input, snakemake.params, snakemake.wildcards
    before = curves.read_picks_by_cost(inp.standard, params.cost_types, params.methods)
    after = curves.read_picks_by_cost(inp.pseudo, params.cost_types, params.methods)
    selection = store.read(inp.selection, ["task", "selected"])
    targets = selection.loc[selection["selected"].astype(bool), "task"].astype(str).tolist()
    table = agreement.agreement_table_by_cost(
        before,
        after,
        store.read(inp.queries_standard, ["query_id", "category", "split"]),
        store.read(inp.queries_pseudo, ["query_id", "category", "split"]),
        reference=params.reference,
        tags={"benchmark": wc.benchmark},
        n_resamples=params.resamples, seed=params.seed, confidence=params.confidence,
        threads=snakemake.threads,
        targets=targets,
    )
    settings = {k: params[k] for k in ("methods", "cost_types", "reference", "resamples", "confidence")} | {"targets": targets}
    store.write(table, snakemake.output.table, store.make_provenance(settings, list(inp), seed=params.seed))
