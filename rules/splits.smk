# Stage rules: experiment splits. Each split is a benchmark in the canonical layout whose
# queries.split column is the role of each query in that split (test queries never change).


def split_kind(split):
    """'ood-math' -> 'ood', 'frac-0.5' -> 'frac', else the name itself."""
    return split.split("-", 1)[0] if split.startswith(("ood-", "frac-")) else split


def ood_group_defined(benchmark, split):
    groups = benchmark_config(benchmark).get("ood_groups", {})
    return split in groups or split[len("ood-"):] in groups


def experiment_splits(benchmark):
    """Splits of the category-redundancy experiments (config `categories`): frac-<f> for every
    training fraction below 1, and catdrop; both need prompts (category embeddings)."""
    if not has_prompts(benchmark):
        return []
    fractions = config.get("categories", {}).get("train_fractions", [])
    return [f"frac-{f:g}" for f in fractions if f < 1] + ["catdrop"]


def benchmark_splits(benchmark):
    """Config `splits` that apply to a benchmark (reduced/catdrop need prompts, ood-<g> its group),
    then the category-redundancy experiment splits."""
    names = []
    for split in list(dict.fromkeys(config["splits"] + experiment_splits(benchmark))):
        kind = split_kind(split)
        if kind in ("reduced", "catdrop") and not has_prompts(benchmark):
            continue
        if kind == "ood" and not ood_group_defined(benchmark, split):
            continue
        names.append(split)
    return names


def split_inputs(w):
    """The upstream tables a split starts from, plus what its kind needs."""
    kind = split_kind(w.split)
    if kind == "remastered":
        files = data_files(f"results/{w.benchmark}/remaster")
    elif kind == "pseudo":
        files = data_files(f"results/{w.benchmark}/pseudo/boost~{config['pseudo']['boost'][0]}")
    else:
        files = benchmark_data(w.benchmark)
    if kind == "reduced":
        files["reduced"] = f"results/{w.benchmark}/dedup/delta~{config['dedup']['reduced_delta']}/reduced/queries.parquet"
    if kind == "catdrop":
        files["redundant"] = f"results/{w.benchmark}/categories/redundant.parquet"
    return files


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
