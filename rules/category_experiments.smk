# Category-redundancy experiments (stage 1, evaluated with the router machinery):
# redundant categories dropped from training and tested as OOD (split catdrop), and routers
# retrained on a share f of each category's training queries (splits frac-<f>).


rule catdrop_table:
    """Redundant categories held out of training: quality on them vs in-distribution training."""
    input:
        standard=lambda w: eval_picks(w.benchmark, "standard", benchmark_cost_types(w.benchmark)),
        catdrop=lambda w: eval_picks(w.benchmark, "catdrop", benchmark_cost_types(w.benchmark)),
        queries="results/{benchmark}/splits/split~standard/queries.parquet",
        redundant="results/{benchmark}/categories/redundant.parquet",
    output:
        table="results/{benchmark}/eval/catdrop.parquet",
    params:
        methods=lambda w: benchmark_methods(w.benchmark),
        cost_types=lambda w: benchmark_cost_types(w.benchmark),
    log:
        "logs/{benchmark}/catdrop_table/catdrop_table.log",
    benchmark:
        "benchmarks/{benchmark}/catdrop_table/catdrop_table.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/catdrop_table.py"


rule train_fraction_table:
    """Routers retrained on a share f of each category's training queries: quality per f."""
    input:
        curves=lambda w: [
            f"{eval_dir(w.benchmark, s)}/cost~{c}/curves.parquet"
            for s in fraction_splits(w.benchmark).values()
            for c in benchmark_cost_types(w.benchmark)
        ],
    output:
        table="results/{benchmark}/eval/train_fraction.parquet",
    params:
        fractions=lambda w: [f for f in fraction_splits(w.benchmark) for _ in benchmark_cost_types(w.benchmark)],
    log:
        "logs/{benchmark}/train_fraction_table/train_fraction_table.log",
    benchmark:
        "benchmarks/{benchmark}/train_fraction_table/train_fraction_table.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/train_fraction_table.py"


register_targets(
    lambda b: [f"results/{b}/eval/{name}.parquet" for name in ("catdrop", "train_fraction")]
    if "catdrop" in benchmark_splits(b) and "standard" in benchmark_splits(b)
    else []
)
