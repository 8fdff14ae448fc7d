# Stage 1, category redundancy: cosine similarity of mean category embeddings (for the clustered
# heatmap) and the categories redundant above categories.drop_similarity (the `catdrop` split).



rule category_similarity:
    """Cosine similarity between mean category embeddings; which near-copy categories to drop."""
    input:
        embeddings="results/{benchmark}/embed/embeddings.parquet",
        queries="results/{benchmark}/data/queries.parquet",
    output:
        similarity="results/{benchmark}/categories/similarity.parquet",
        redundant="results/{benchmark}/categories/redundant.parquet",
    params:
        # null disables the catdrop experiment; the table then flags nothing (no cosine exceeds 1)
        drop_similarity=CATDROP_SIMILARITY if CATDROP_SIMILARITY is not None else 1.0,
    wildcard_constraints:
        benchmark=alternation([b for b in BENCHMARKS if has_prompts(b)]),
    log:
        "logs/{benchmark}/category_similarity/category_similarity.log",
    benchmark:
        "benchmarks/{benchmark}/category_similarity/category_similarity.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/category_similarity.py"


register_targets(
    lambda b: [f"results/{b}/categories/{name}.parquet" for name in ("similarity", "redundant")]
    if has_prompts(b)
    else []
)
