# Stage 5, the remastered benchmark (the study's recipe): deduplicate, select tasks by specialist
# score, keep their queries (optional sampling), prune the pool, inject pseudo-specialists.

REMASTER = config.get("remaster", {})
# The first configured pruning run, reduced-data delta and pseudo boost are the ones remastering uses.
REMASTER_KEPT = "results/{{benchmark}}/prune/lambda~{}/target~{}/kept.parquet".format(
    config.get("prune", {}).get("lambda", [0.5])[0], config.get("prune", {}).get("target", [20])[0]
)
REMASTER_REDUCED = "results/{{benchmark}}/dedup/delta~{}/reduced/queries.parquet".format(
    config.get("dedup", {}).get("reduced_delta", 0.999)
)


rule remaster:
    """Remastered benchmark: deduplicate, keep the tasks with the highest specialist scores, prune, inject pseudo-specialists."""
    input:
        unpack(lambda w: benchmark_data(w.benchmark)),
        scores="results/{benchmark}/specialist/scores.parquet",
        kept=REMASTER_KEPT,
        # deduplication needs prompts: a label-only benchmark skips it (the summary says so)
        reduced=lambda w: REMASTER_REDUCED.format(benchmark=w.benchmark) if has_prompts(w.benchmark) else [],
    output:
        **data_files("results/{benchmark}/remaster"),
        summary="results/{benchmark}/remaster/summary.parquet",
        tasks="results/{benchmark}/remaster/tasks.parquet",
        selection="results/{benchmark}/remaster/selection.parquet",
    params:
        min_task_score=REMASTER.get("min_task_score"),
        top_tasks=REMASTER.get("top_tasks"),
        top_task_share=REMASTER.get("top_task_share"),
        query_fraction=REMASTER.get("query_fraction"),
        min_weight=REMASTER.get("min_weight", 0.2),
        seed=REMASTER.get("seed", 0),
        pseudo={**PSEUDO_OPTIONS, "boost": float(PSEUDO.get("boost", [0.25])[0])},
        study_reference=lambda w: benchmark_config(w.benchmark).get("study_reference", {}),
        study_reference_key=lambda w: f"benchmarks.{w.benchmark}.study_reference",
    log:
        "logs/{benchmark}/remaster/remaster.log",
    benchmark:
        "benchmarks/{benchmark}/remaster/remaster.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/remaster.py"


# Every benchmark: a label-only one skips the deduplication step (the summary says so).
register_targets(
    lambda b: [f"results/{b}/remaster/{name}.parquet" for name in ("queries", "models", "labels", "summary", "tasks", "selection")]
)
