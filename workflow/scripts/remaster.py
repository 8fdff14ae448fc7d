"""Rule remaster: the remastered benchmark and its stage-by-stage summary (I/O only; logic in
routerbench_plus.remaster)."""

from routerbench_plus import remaster, store
from routerbench_plus.pseudo_specialists import PseudoOptions

with store.rule_logging(snakemake.log[0], snakemake.output) as log:
    inp, out, params, wc = snakemake.input, snakemake.output, snakemake.params, snakemake.wildcards
    bench = store.read_benchmark(inp.queries, inp.models, inp.labels, name=wc.benchmark)
    scores = store.read(inp.scores, ["task", "specialist_score"])
    reduced = store.read(inp.reduced, ["query_id"])["query_id"].tolist() if inp.get("reduced") else None
    if reduced is None:
        log.info("%s has no prompts: the near-duplicate step is skipped", wc.benchmark)
    kept = store.read(inp.kept, ["model"])["model"].tolist()
    settings = {k: params[k] for k in ("min_task_score", "top_tasks", "top_task_share", "query_fraction", "min_weight", "seed")}
    result = remaster.remaster(
        bench,
        scores,
        **settings,
        dedup_query_ids=reduced,
        kept_models=kept,
        pseudo_options=PseudoOptions.from_params(params.pseudo),
        study_reference=dict(params.study_reference),
        study_reference_key=params.study_reference_key,
    )
    log.info("remastered %s:\n%s", wc.benchmark, result.summary.to_string(index=False))
    provenance = store.make_provenance({**settings, "pseudo": dict(params.pseudo)}, list(inp), params.seed)
    store.write_benchmark(result.benchmark, out.queries, out.models, out.labels, provenance)
    store.write(result.summary, out.summary, provenance)
    store.write(result.tasks, out.tasks, provenance)
    store.write(result.selection, out.selection, provenance)
