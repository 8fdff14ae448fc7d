# Splits: the experiment splits. Each split is a benchmark in the canonical layout whose
# queries.split column is the role of each query in that split (test queries never change).
# Library: routerbench_plus.splits.
# Its functions (input functions, outputs to register): rules/common.smk, section "splits".


rule splits:
    """Experiment split {split} of {benchmark}: train/val edited as the split says, test unchanged."""
    input:
        unpack(split_inputs),
    output:
        **data_files("results/{benchmark}/splits/split~{split}"),
        summary="results/{benchmark}/splits/split~{split}/summary.parquet",
    params:
        ood_groups=lambda w: benchmark_config(w.benchmark)["ood_groups"],
        ood_key=lambda w: f"benchmarks.{w.benchmark}.ood_groups",
        seed=config["categories"]["seed"],
        ood_auto={"share": config["split"]["ood_share"], "seed": config["split"]["seed"]},
    log:
        "logs/{benchmark}/splits/split~{split}.log",
    benchmark:
        "benchmarks/{benchmark}/splits/split~{split}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/splits.py"


register_targets(splits_targets)
