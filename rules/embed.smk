# Embed: every prompt through the benchmark's sentence encoder (L2-normalised, content-cached), each
# prompt's tokens counted against the encoder's window, and the truncation table of the report.
# Library: routerbench_plus.embed; benchmarks with prompts only.
# Its functions (input functions, outputs to register): rules/common.smk, section "embed".


rule embed:
    """Embed every query's prompt with the benchmark's encoder (cache: embed.cache_dir)."""
    input:
        queries="results/{benchmark}/data/queries.parquet",
    output:
        embeddings="results/{benchmark}/embed/embeddings.parquet",
    params:
        encoder=lambda w: benchmark_config(w.benchmark)["encoder"],
        embed=embed_provenance(),
        cache_dir=config["embed"]["cache_dir"],
        encoders_dir="resources/encoders",
    wildcard_constraints:
        benchmark=alternation(prompt_benchmarks()),
    log:
        "logs/{benchmark}/embed/embed.log",
    benchmark:
        "benchmarks/{benchmark}/embed/embed.tsv"
    threads: embed_threads()
    resources:
        mem_mb=4000,
        runtime=240,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/embed.py"


rule embed_prompt_lengths:
    """Token count of every prompt with the encoder's tokenizer: the share the encoder's window truncates."""
    input:
        queries="results/{benchmark}/data/queries.parquet",
    output:
        lengths="results/{benchmark}/embed/truncation.parquet",
        summary="results/{benchmark}/embed/truncation_summary.parquet",
    params:
        encoder=lambda w: benchmark_config(w.benchmark)["encoder"],
        max_seq_length=config["embed"]["max_seq_length"],
        long_prompts=config["embed"]["long_prompts"],
        encoders_dir="resources/encoders",
    wildcard_constraints:
        benchmark=alternation(prompt_benchmarks()),
    log:
        "logs/{benchmark}/embed_prompt_lengths/embed_prompt_lengths.log",
    benchmark:
        "benchmarks/{benchmark}/embed_prompt_lengths/embed_prompt_lengths.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/embed_prompt_lengths.py"


rule embed_truncation_table:
    """Share of prompts longer than the encoder's window, as a report table."""
    input:
        table="results/{benchmark}/embed/truncation_summary.parquet",
    output:
        **table("embed/truncation", "near_duplicates", "Prompt truncation", "truncation_table", {"benchmark": "{benchmark}"}),
    params:
        title=lambda w: f"{w.benchmark}: prompts longer than the encoder's window",
        note="Tokens counted with the encoder's tokenizer (special tokens included); truncated: more tokens than "
        "max_seq_length. long_prompts: what the embedding does with them (embed.long_prompts).",
    log:
        "logs/{benchmark}/embed_truncation_table/embed_truncation_table.log",
    benchmark:
        "benchmarks/{benchmark}/embed_truncation_table/embed_truncation_table.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/report_table.py"


register_targets(embed_targets)
