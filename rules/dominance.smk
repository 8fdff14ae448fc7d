# Stage 3a, model dominance: average rank of every model over tasks (labels only, no prompts).


rule dominance:
    """Average rank per model over tasks (1 = best, ties averaged) and the top-k table."""
    input:
        unpack(lambda w: benchmark_data(w.benchmark)),
    output:
        avg_rank="results/{benchmark}/dominance/avg_rank.parquet",
        top="results/{benchmark}/dominance/top.parquet",
    params:
        top_k=config.get("dominance", {}).get("top_k", 10),
    log:
        "logs/{benchmark}/dominance/dominance.log",
    benchmark:
        "benchmarks/{benchmark}/dominance/dominance.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/dominance.py"


register_targets(lambda b: [f"results/{b}/dominance/avg_rank.parquet", f"results/{b}/dominance/top.parquet"])
