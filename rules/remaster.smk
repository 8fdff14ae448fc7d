# Remaster (stage 5, the study's recipe): deduplicate, keep the tasks with the highest specialist
# scores and their queries (optional sampling), prune the pool, inject pseudo-specialists; the
# step-by-step summary as a report table. Library: routerbench_plus.remaster.
# Its functions (input functions, outputs to register): rules/common.smk, section "remaster".


rule remaster:
    """Remastered benchmark: deduplicate, keep the tasks with the highest specialist scores, prune, inject pseudo-specialists."""
    input:
        **benchmark_data("{benchmark}"),
        scores="results/{benchmark}/specialist/scores.parquet",
        kept=lambda w: f"{pruned_pool_dir(w.benchmark)}/kept.parquet",
        reduced=remaster_reduced,
    output:
        **data_files("results/{benchmark}/remaster"),
        summary="results/{benchmark}/remaster/summary.parquet",
        tasks="results/{benchmark}/remaster/tasks.parquet",
        selection="results/{benchmark}/remaster/selection.parquet",
    params:
        **{key: config["remaster"][key] for key in ("min_task_score", "top_tasks", "top_task_share", "query_fraction",
                                                     "min_weight", "seed")},
        pseudo=pseudo_options(boost=first_boost()),
        study_reference=lambda w: benchmark_config(w.benchmark)["study_reference"],
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


rule remaster_table:
    """The remastered benchmark's step-by-step summary as a report table."""
    input:
        table="results/{benchmark}/remaster/summary.parquet",
    output:
        **table("remaster/summary", "remaster", "Summary", "remaster_summary", {"benchmark": "{benchmark}"}),
    params:
        title=lambda w: f"{w.benchmark}: remastered benchmark, step by step",
        note="Queries, categories, models and labels after each remastering step; study_n_*: the study's counts "
        "(config benchmarks.<b>.study_reference) where it states them.",
    log:
        "logs/{benchmark}/remaster_table/remaster_table.log",
    benchmark:
        "benchmarks/{benchmark}/remaster_table/remaster_table.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/report_table.py"


register_targets(remaster_targets)
