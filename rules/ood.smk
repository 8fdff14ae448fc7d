# OOD (stage 7, evaluation): per held-out category of a group of benchmarks.<b>.ood_groups, the
# quality of routers trained without it (split ood-<group>) vs with it (split standard), with paired
# intervals; a heatmap and table per group. Library: routerbench_plus.ood.
# Its functions (input functions, outputs to register): rules/common.smk, section "ood".


rule ood:
    """Per held-out category of group {group}: quality after OOD vs in-distribution training."""
    input:
        standard=lambda w: eval_picks(w.benchmark, "standard"),
        ood=lambda w: eval_picks(w.benchmark, ood_split(w.benchmark, w.group)),
        queries="results/{benchmark}/splits/split~standard/queries.parquet",
    output:
        table="results/{benchmark}/eval/ood/group~{group}.parquet",
    params:
        methods=lambda w: benchmark_methods(w.benchmark),
        cost_types=lambda w: benchmark_cost_types(w.benchmark),
        categories=lambda w: ood_group_categories(w.benchmark, w.group),
        ood_auto={"share": config["split"]["ood_share"], "seed": config["split"]["seed"]},
        split_ood=lambda w: ood_split(w.benchmark, w.group),
        config_key=lambda w: f"benchmarks.{w.benchmark}.ood_groups.{w.group}",
        **bootstrap_params(),
    log:
        "logs/{benchmark}/ood/group~{group}.log",
    benchmark:
        "benchmarks/{benchmark}/ood/group~{group}.tsv"
    threads: 2
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/ood.py"


rule ood_figure:
    """OOD quality change per router and held-out category of group {group}: heatmap and table."""
    input:
        table="results/{benchmark}/eval/ood/group~{group}.parquet",
    output:
        **fig("ood/group~{group}", "evaluation", "Out of distribution", "ood",
              {"benchmark": "{benchmark}", "group": "{group}", "kind": "figure"}),
        **table("ood/group~{group}", "evaluation", "Out of distribution", "ood_table",
                {"benchmark": "{benchmark}", "group": "{group}", "kind": "table"}),
    log:
        "logs/{benchmark}/ood_figure/group~{group}.log",
    benchmark:
        "benchmarks/{benchmark}/ood_figure/group~{group}.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/ood_figure.py"


register_targets(ood_targets)
