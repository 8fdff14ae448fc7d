# Stage 1: near-duplicate queries (FAISS candidates + exact verification), per threshold delta,
# and the reduced benchmark (one representative per group). Benchmarks with prompts only.

DEDUP = config.get("dedup", {})


rule near_duplicates:
    """Group queries whose embeddings are at least `delta` cosine-similar (FAISS); keep one per group."""
    input:
        embeddings="results/{benchmark}/embed/embeddings.parquet",
        **benchmark_data("{benchmark}"),
    output:
        groups="results/{benchmark}/dedup/delta~{delta}/groups.parquet",
        summary="results/{benchmark}/dedup/delta~{delta}/summary.parquet",
        **data_files("results/{benchmark}/dedup/delta~{delta}/reduced"),
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


register_targets(
    lambda b: [
        f"results/{b}/dedup/delta~{d}/{name}.parquet"
        for d in dedup_deltas()
        for name in ("groups", "summary", "reduced/queries")
    ]
    if has_prompts(b)
    else []
)
