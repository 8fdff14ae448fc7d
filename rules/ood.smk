# OOD (stage 7, evaluation): per held-out category of a group of benchmarks.<b>.ood_groups, the
# quality of routers trained without it (split ood-<group>) vs with it (split standard), with paired
# intervals; a heatmap and table per group. Library: routerbench_plus.ood.


def ood_splits(benchmark):
    """{group key: split name} of the evaluated OOD splits (split 'ood-<g>' or the key itself)."""
    groups = benchmark_config(benchmark)["ood_groups"]
    return {(s if s in groups else s[len("ood-"):]): s for s in evaluated_splits(benchmark) if split_kind(s) == "ood"}


def ood_split(benchmark, group):
    splits = ood_splits(benchmark)
    if group not in splits:
        raise ValueError(
            f"benchmarks.{benchmark}.ood_groups: no OOD split for group '{group}' in config 'splits' "
            f"(OOD splits: {sorted(splits.values())})"
        )
    return splits[group]


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
        categories=lambda w: benchmark_config(w.benchmark)["ood_groups"][w.group],
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


register_targets(
    lambda b: [
        path
        for group in (ood_splits(b) if evaluated_against_standard(b) else [])
        for path in [f"results/{b}/eval/ood/group~{group}.parquet"] + figure_files(b, f"ood/group~{group}")
        + table_files(b, f"ood/group~{group}")
    ]
)
