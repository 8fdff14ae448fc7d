# Stage 2, task diversity: the specialist score of every task (labels and costs only, no prompts).

SPECIALIST = config.get("specialist", {})


rule specialist_score:
    """Specialist score per task: best affordable non-generalist minus the generalist, averaged over budgets."""
    input:
        unpack(lambda w: benchmark_data(w.benchmark)),
    output:
        scores="results/{benchmark}/specialist/scores.parquet",
        counts="results/{benchmark}/specialist/counts.parquet",
        detail="results/{benchmark}/specialist/detail.parquet",
    params:
        # the first configured cost type (None: the first cost every model has)
        cost=lambda w: benchmark_config(w.benchmark).get("cost_types", [None])[0],
        budgets=SPECIALIST.get("budgets", "model_costs"),
        # benchmarks.<b>.generalist overrides specialist.generalist (null: heuristic choice per budget)
        generalist=lambda w: benchmark_config(w.benchmark).get("generalist") or SPECIALIST.get("generalist"),
        thresholds=SPECIALIST.get("thresholds", [0.0, 0.05]),
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


register_targets(lambda b: [f"results/{b}/specialist/{name}.parquet" for name in ("scores", "counts", "detail")])
