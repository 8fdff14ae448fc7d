# Specialist score (stage 2, task diversity): the specialist score of every task, from labels and
# costs only (no prompts). Library: routerbench_plus.specialist_score.
# Its functions (input functions, outputs to register): rules/common.smk, section "specialist_score".


rule specialist_score:
    """Specialist score per task: best affordable non-generalist minus the generalist, averaged over budgets."""
    input:
        **benchmark_data("{benchmark}"),
    output:
        scores="results/{benchmark}/specialist/scores.parquet",
        counts="results/{benchmark}/specialist/counts.parquet",
        detail="results/{benchmark}/specialist/detail.parquet",
    params:
        cost=lambda w: benchmark_cost_types(w.benchmark)[0],
        budgets=config["specialist"]["budgets"],
        generalist=lambda w: benchmark_generalist(w.benchmark),
        thresholds=config["specialist"]["thresholds"],
    log:
        "logs/{benchmark}/specialist_score/specialist_score.log",
    benchmark:
        "benchmarks/{benchmark}/specialist_score/specialist_score.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/specialist_score.py"


rule specialist_score_figure:
    """Specialist score per task (sorted, thresholds marked) and the number of tasks per bin."""
    input:
        scores="results/{benchmark}/specialist/scores.parquet",
        counts="results/{benchmark}/specialist/counts.parquet",
    output:
        **fig("specialist_scores", "specialist_score", "Specialist score", "specialist_scores",
              {"benchmark": "{benchmark}", "kind": "figure"}),
        **table("specialist_counts", "specialist_score", "Specialist score", "specialist_counts",
                {"benchmark": "{benchmark}", "kind": "table"}),
    params:
        thresholds=config["specialist"]["thresholds"],
    log:
        "logs/{benchmark}/specialist_score_figure/specialist_score_figure.log",
    benchmark:
        "benchmarks/{benchmark}/specialist_score_figure/specialist_score_figure.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/specialist_score_figure.py"


register_targets(specialist_score_targets)
