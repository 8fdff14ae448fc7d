# Stage rules: experiment splits. Each split is a benchmark in the canonical layout whose
# queries.split column is the role of each query in that split (test queries never change).


rule make_split:
    """Experiment split {split} of {benchmark}: train/val edited as the split says, test unchanged."""
    input:
        unpack(split_inputs),
    output:
        **data_files("results/{benchmark}/splits/split~{split}"),
        summary="results/{benchmark}/splits/split~{split}/summary.parquet",
    params:
        ood_groups=lambda w: benchmark_config(w.benchmark).get("ood_groups", {}),
        ood_key=lambda w: f"benchmarks.{w.benchmark}.ood_groups",
        seed=config.get("categories", {}).get("seed", 0),
    log:
        "logs/{benchmark}/make_split/split~{split}.log",
    benchmark:
        "benchmarks/{benchmark}/make_split/split~{split}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/make_split.py"


register_targets(lambda b: [f"results/{b}/splits/split~{s}/summary.parquet" for s in benchmark_splits(b)])
