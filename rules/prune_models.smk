# Stage 3b, model redundancy: Jaccard similarity on correct answers and greedy pruning (labels only).

PRUNE = config.get("prune", {})
# The first configured pruning run: the pool of the remastered benchmark and of the `pruned` split.
PRUNE_FIRST = "results/{{benchmark}}/prune/lambda~{}/target~{}".format(
    PRUNE.get("lambda", [0.5])[0], PRUNE.get("target", [20])[0]
)


rule jaccard:
    """Jaccard similarity of every model pair over jointly observed queries (soft labels binarised)."""
    input:
        unpack(lambda w: benchmark_data(w.benchmark)),
    output:
        jaccard="results/{benchmark}/prune/jaccard.parquet",
    params:
        threshold=PRUNE.get("binarise_threshold", 0.5),
    log:
        "logs/{benchmark}/jaccard/jaccard.log",
    benchmark:
        "benchmarks/{benchmark}/jaccard/jaccard.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/jaccard.py"


rule prune_models:
    """Greedy pruning to {target} models: remove the lowest lambda * Acc - (1 - lambda) * AvgSim, repeatedly."""
    input:
        unpack(lambda w: benchmark_data(w.benchmark)),
    output:
        steps="results/{benchmark}/prune/lambda~{lam}/target~{target}/steps.parquet",
        kept="results/{benchmark}/prune/lambda~{lam}/target~{target}/kept.parquet",
    params:
        lam=lambda w: float(w.lam),
        target=lambda w: int(w.target),
        threshold=PRUNE.get("binarise_threshold", 0.5),
        protect=PRUNE.get("protect", []),
    log:
        "logs/{benchmark}/prune_models/lambda~{lam}_target~{target}.log",
    benchmark:
        "benchmarks/{benchmark}/prune_models/lambda~{lam}_target~{target}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/prune_models.py"


rule prune_curve:
    """Oracle and heuristic routing area on the test queries of every pool along the removal order (no training)."""
    input:
        unpack(lambda w: benchmark_data(w.benchmark)),
        steps="results/{benchmark}/prune/lambda~{lam}/target~{target}/steps.parquet",
    output:
        curve="results/{benchmark}/prune/lambda~{lam}/target~{target}/curve.parquet",
    params:
        cost=lambda w: benchmark_cost_types(w.benchmark)[0],
        budgets=config.get("evaluation", {}).get("budgets", "model_costs"),
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
        kept="results/{benchmark}/prune/lambda~{lam}/target~{target}/kept.parquet",
        steps="results/{benchmark}/prune/lambda~{lam}/target~{target}/steps.parquet",
    output:
        pairs="results/{benchmark}/prune/lambda~{lam}/target~{target}/pairs.parquet",
    params:
        pairs=lambda w: benchmark_config(w.benchmark).get("binary_pairs", {}),
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


register_targets(
    lambda b: [f"{PRUNE_FIRST.format(benchmark=b)}/pairs.parquet"]
    if benchmark_config(b).get("binary_pairs") and pruned_pool_splits(b)
    else []
)
register_targets(
    lambda b: [f"results/{b}/prune/jaccard.parquet"]
    + [
        f"results/{b}/prune/lambda~{lam}/target~{target}/{name}.parquet"
        for lam in PRUNE.get("lambda", [0.5])
        for target in PRUNE.get("target", [20])
        for name in ("steps", "kept", "curve")
    ]
)
