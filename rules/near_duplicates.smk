# Stage 1: near-duplicate queries (FAISS candidates + exact verification), per threshold delta:
# groups among the training pool (train + val, the study's row) and over the whole benchmark, the
# reduced benchmark (one training member per training group, test untouched), and the cross-split
# contamination audit (test queries with a train/val near-duplicate). Benchmarks with prompts only.

DEDUP = config.get("dedup", {})
# how two labels "differ" (dedup.soft_labels, binarise_threshold, label_tolerance): params of both rules
DEDUP_LABEL_RULE = {k: DEDUP[k] for k in ("soft_labels", "binarise_threshold", "label_tolerance") if k in DEDUP}


rule near_duplicates:
    """Group queries whose embeddings are at least `delta` cosine-similar (FAISS); keep one training member per group."""
    input:
        embeddings="results/{benchmark}/embed/embeddings.parquet",
        lengths="results/{benchmark}/embed/truncation.parquet",
        **benchmark_data("{benchmark}"),
    output:
        groups="results/{benchmark}/dedup/delta~{delta}/groups.parquet",
        summary="results/{benchmark}/dedup/delta~{delta}/summary.parquet",
        **data_files("results/{benchmark}/dedup/delta~{delta}/reduced"),
    params:
        label_rule=DEDUP_LABEL_RULE,
    wildcard_constraints:
        benchmark=alternation([b for b in BENCHMARKS if has_prompts(b)]),
    log:
        "logs/{benchmark}/near_duplicates/delta~{delta}.log",
    benchmark:
        "benchmarks/{benchmark}/near_duplicates/delta~{delta}.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/near_duplicates.py"


rule contamination:
    """Test queries with a train/val near-duplicate (cosine >= `delta`): pairs, shares per category, label agreement."""
    input:
        embeddings="results/{benchmark}/embed/embeddings.parquet",
        **benchmark_data("{benchmark}"),
    output:
        pairs="results/{benchmark}/dedup/delta~{delta}/contamination.parquet",
        summary="results/{benchmark}/dedup/delta~{delta}/contamination_summary.parquet",
    params:
        label_rule=DEDUP_LABEL_RULE,
    wildcard_constraints:
        benchmark=alternation([b for b in BENCHMARKS if has_prompts(b)]),
    log:
        "logs/{benchmark}/contamination/delta~{delta}.log",
    benchmark:
        "benchmarks/{benchmark}/contamination/delta~{delta}.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/contamination.py"


register_targets(
    lambda b: [
        f"results/{b}/dedup/delta~{d}/{name}.parquet"
        for d in dedup_deltas()
        for name in ("groups", "summary", "reduced/queries", "contamination_summary")
    ]
    if has_prompts(b)
    else []
)
