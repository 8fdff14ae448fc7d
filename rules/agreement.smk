# Agreement (stage 7, evaluation): the share of each router's picks equal to the heuristic router's,
# overall, per task and on the pseudo-specialist target tasks pooled, before (split standard) and
# after (split pseudo) pseudo-specialist injection, with paired intervals; a heatmap and table. Library: routerbench_plus.agreement.
# Its functions (input functions, outputs to register): rules/common.smk, section "agreement".


rule agreement:
    """Agreement of each router with the heuristic, overall and per task, before/after pseudo-specialists."""
    input:
        standard=lambda w: eval_picks(w.benchmark, "standard"),
        pseudo=lambda w: eval_picks(w.benchmark, "pseudo"),
        queries_standard="results/{benchmark}/splits/split~standard/queries.parquet",
        queries_pseudo="results/{benchmark}/splits/split~pseudo/queries.parquet",
        selection=lambda w: f"results/{w.benchmark}/pseudo/boost~{first_boost()}/selection.parquet",
    output:
        table="results/{benchmark}/eval/agreement.parquet",
    params:
        methods=lambda w: benchmark_methods(w.benchmark),
        cost_types=lambda w: benchmark_cost_types(w.benchmark),
        reference=lambda w: reference_method(w.benchmark),
        **bootstrap_params(),
    log:
        "logs/{benchmark}/agreement/agreement.log",
    benchmark:
        "benchmarks/{benchmark}/agreement/agreement.tsv"
    threads: 2
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/agreement.py"


rule agreement_figure:
    """Agreement with the heuristic router before/after pseudo-specialists, overall and on the targets."""
    input:
        table="results/{benchmark}/eval/agreement.parquet",
        selection=lambda w: f"results/{w.benchmark}/pseudo/boost~{first_boost()}/selection.parquet",
    output:
        **fig("agreement", "pseudo_specialists", "Agreement with the heuristic", "agreement",
              {"benchmark": "{benchmark}", "kind": "figure"}),
        **table("agreement", "pseudo_specialists", "Agreement with the heuristic", "agreement_table",
                {"benchmark": "{benchmark}", "kind": "table"}),
    log:
        "logs/{benchmark}/agreement_figure/agreement_figure.log",
    benchmark:
        "benchmarks/{benchmark}/agreement_figure/agreement_figure.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/agreement_figure.py"


register_targets(agreement_targets)
