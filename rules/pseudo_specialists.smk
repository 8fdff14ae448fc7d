# Pseudo-specialists (stage 4): synthetic models strong on one hard task, injected into the pool, per
# pseudo.boost; the splits of the pseudo-cost sweep (the standard split plus pseudo-specialists of
# each pseudo.cost_sweep value); the selection as a report table.
# Library: routerbench_plus.pseudo_specialists.
# Its functions (input functions, outputs to register): rules/common.smk, section "pseudo_specialists".


rule pseudo_specialists:
    """Select hard, non-dominated, not tiny tasks and add one pseudo-specialist each (accuracy best + {boost})."""
    input:
        **benchmark_data("{benchmark}"),
    output:
        selection="results/{benchmark}/pseudo/boost~{boost}/selection.parquet",
        **data_files("results/{benchmark}/pseudo/boost~{boost}"),
    params:
        options=lambda w: pseudo_options(boost=w.boost),
    log:
        "logs/{benchmark}/pseudo_specialists/boost~{boost}.log",
    benchmark:
        "benchmarks/{benchmark}/pseudo_specialists/boost~{boost}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/pseudo_specialists.py"


rule pseudo_specialists_cost_split:
    """Split pseudocost-{pcost}: the standard split plus pseudo-specialists (first boost) costing pseudo.cost = {pcost}."""
    input:
        **benchmark_data("{benchmark}"),
    output:
        selection="results/{benchmark}/splits/split~pseudocost-{pcost}/selection.parquet",
        **data_files("results/{benchmark}/splits/split~pseudocost-{pcost}"),
    params:
        options=lambda w: pseudo_options(boost=first_boost(), cost=pseudo_cost_value(w.pcost)),
    wildcard_constraints:
        pcost=r"average|median|[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?",
    log:
        "logs/{benchmark}/pseudo_specialists_cost_split/pcost~{pcost}.log",
    benchmark:
        "benchmarks/{benchmark}/pseudo_specialists_cost_split/pcost~{pcost}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/pseudo_specialists.py"


# the sweep's splits are written by pseudo_specialists_cost_split, not by rule splits
ruleorder: pseudo_specialists_cost_split > splits


rule pseudo_specialists_table:
    """Pseudo-specialist target selection at boost {boost} as a report table."""
    input:
        table="results/{benchmark}/pseudo/boost~{boost}/selection.parquet",
    output:
        **table("pseudo/boost~{boost}/selection", "pseudo_specialists", "Target selection", "pseudo_selection",
                {"benchmark": "{benchmark}", "boost": "{boost}"}),
    params:
        title=lambda w: f"{w.benchmark}: pseudo-specialist targets (boost {w.boost})",
        note="Hard (low mean accuracy), non-dominated (small best-minus-mean gap), not tiny (share of prompts) tasks; "
        "selected tasks get a pseudo-specialist with accuracy best + boost.",
    log:
        "logs/{benchmark}/pseudo_specialists_table/boost~{boost}.log",
    benchmark:
        "benchmarks/{benchmark}/pseudo_specialists_table/boost~{boost}.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/report_table.py"


register_targets(pseudo_specialists_targets)
