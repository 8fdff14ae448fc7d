# Prune (stage 3b, model redundancy): Jaccard similarity of models on correct answers, greedy pruning
# per (prune.lambda, prune.target), the routing quality of every pool along the removal order, and the
# check that the binary pairs survive the pruning the pruned pools use. Labels only.
# Library: routerbench_plus.prune.

PRUNE_RUN = "results/{benchmark}/prune/lambda~{lam}/target~{target}"
# Its functions (input functions, outputs to register): rules/common.smk, section "prune".


rule prune_jaccard:
    """Jaccard similarity of every model pair over jointly observed queries (soft labels binarised)."""
    input:
        **benchmark_data("{benchmark}"),
    output:
        jaccard="results/{benchmark}/prune/jaccard.parquet",
    params:
        threshold=config["prune"]["binarise_threshold"],
    log:
        "logs/{benchmark}/prune_jaccard/prune_jaccard.log",
    benchmark:
        "benchmarks/{benchmark}/prune_jaccard/prune_jaccard.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/prune_jaccard.py"


rule prune:
    """Greedy pruning to {target} models (a share of the pool when below 1): remove the lowest lambda * Acc - (1 - lambda) * AvgSim, repeatedly."""
    input:
        **benchmark_data("{benchmark}"),
    output:
        steps=f"{PRUNE_RUN}/steps.parquet",
        kept=f"{PRUNE_RUN}/kept.parquet",
    params:
        lam=lambda w: float(w.lam),
        target=lambda w: prune_target_value(w.target),
        threshold=config["prune"]["binarise_threshold"],
        protect=config["prune"]["protect"],
        auto_pair_cost=lambda w: auto_pair_cost(w.benchmark),
    log:
        "logs/{benchmark}/prune/lambda~{lam}_target~{target}.log",
    benchmark:
        "benchmarks/{benchmark}/prune/lambda~{lam}_target~{target}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/prune.py"


rule prune_curve:
    """Oracle and heuristic routing area on the test queries of every pool along the removal order (no training)."""
    input:
        **benchmark_data("{benchmark}"),
        steps=f"{PRUNE_RUN}/steps.parquet",
    output:
        curve=f"{PRUNE_RUN}/curve.parquet",
    params:
        cost=lambda w: benchmark_cost_types(w.benchmark)[0],
        budgets=config["evaluation"]["budgets"],
    log:
        "logs/{benchmark}/prune_curve/lambda~{lam}_target~{target}.log",
    benchmark:
        "benchmarks/{benchmark}/prune_curve/lambda~{lam}_target~{target}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/prune_curve.py"


rule prune_pairs:
    """Both models of every binary pair survive pruning (lambda {lam}, target {target}): else a config error naming the model."""
    input:
        kept=f"{PRUNE_RUN}/kept.parquet",
        steps=f"{PRUNE_RUN}/steps.parquet",
        models="results/{benchmark}/data/models.parquet",
    output:
        pairs=f"{PRUNE_RUN}/pairs.parquet",
    params:
        pairs=lambda w: benchmark_pairs(w.benchmark),
        auto_pair_cost=lambda w: auto_pair_cost(w.benchmark),
        key=lambda w: f"benchmarks.{w.benchmark}.binary_pairs",
        splits=lambda w: pruned_pool_splits(w.benchmark),
    log:
        "logs/{benchmark}/prune_pairs/lambda~{lam}_target~{target}.log",
    benchmark:
        "benchmarks/{benchmark}/prune_pairs/lambda~{lam}_target~{target}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/prune_pairs.py"


rule prune_figure:
    """Greedy pruning (lambda {lam}, target {target}): pool size vs oracle/heuristic routing area, removal order."""
    input:
        steps=f"{PRUNE_RUN}/steps.parquet",
        curve=f"{PRUNE_RUN}/curve.parquet",
    output:
        **fig("prune/lambda~{lam}/target~{target}/pruning", "dominance", "Pruning", "pruning",
              {"benchmark": "{benchmark}", "lambda": "{lam}", "target": "{target}"}),
    log:
        "logs/{benchmark}/prune_figure/lambda~{lam}_target~{target}.log",
    benchmark:
        "benchmarks/{benchmark}/prune_figure/lambda~{lam}_target~{target}.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/prune_figure.py"


register_targets(prune_targets)
