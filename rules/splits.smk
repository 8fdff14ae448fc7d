# Splits: the experiment splits. Each split is a benchmark in the canonical layout whose
# queries.split column is the role of each query in that split (test queries never change).
# Library: routerbench_plus.splits.


def split_inputs(w):
    """Input function: the tables a split starts from, plus what its kind needs."""
    kind = split_kind(w.split)
    if kind == "remastered":
        files = data_files(f"results/{w.benchmark}/remaster")
    elif kind == "pseudo":
        files = data_files(f"results/{w.benchmark}/pseudo/boost~{first_boost()}")
    else:
        files = benchmark_data(w.benchmark)
    dedup = f"results/{w.benchmark}/dedup/delta~{reduced_delta()}"
    extra = {
        "reduced": {"reduced": f"{dedup}/reduced/queries.parquet"},
        "catdrop": {"redundant": f"results/{w.benchmark}/categories/redundant.parquet"},
        "decontaminated": {"contamination": f"{dedup}/contamination.parquet"},
        "pruned": {"kept": f"{pruned_pool_dir(w.benchmark)}/kept.parquet"},
    }
    return {**files, **extra.get(kind, {})}


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


register_targets(lambda b: [f"results/{b}/splits/split~{s}/summary.parquet" for s in benchmark_splits(b)])
