# Dominance (stage 3a): the average rank of every model over tasks, from labels only (no prompts).
# Library: routerbench_plus.dominance.
# Its functions (input functions, outputs to register): rules/common.smk, section "dominance".


rule dominance:
    """Average rank per model over tasks (1 = best, ties averaged) and the top-k table."""
    input:
        **benchmark_data("{benchmark}"),
    output:
        avg_rank="results/{benchmark}/dominance/avg_rank.parquet",
        top="results/{benchmark}/dominance/top.parquet",
    params:
        top_k=config["dominance"]["top_k"],
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


rule dominance_figure:
    """The top-k models by average rank over tasks: bar chart and the full table."""
    input:
        avg_rank="results/{benchmark}/dominance/avg_rank.parquet",
    output:
        **fig("average_rank", "dominance", "Average rank", "average_rank", {"benchmark": "{benchmark}", "kind": "figure"}),
        **table("average_rank", "dominance", "Average rank", "average_rank_table", {"benchmark": "{benchmark}", "kind": "table"}),
    params:
        top_k=config["dominance"]["top_k"],
    log:
        "logs/{benchmark}/dominance_figure/dominance_figure.log",
    benchmark:
        "benchmarks/{benchmark}/dominance_figure/dominance_figure.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/dominance_figure.py"


register_targets(dominance_targets)
