# Stage rules: ingest a real benchmark (adapters embedllm | routerbench | mixinstruct | long | llmrouter |
# routerdc | carrot, registered in routerbench_plus.ingest.adapters) into the canonical layout, and
# download sources when `source: hf` (Hugging Face Hub) or `source: download` (the adapter's pinned
# upstream files: Hub or GitHub, see routerbench_plus.ingest.download).
# The demo benchmark has its own rule (rules/demo.smk).

DOWNLOAD_SOURCES = ("hf", "download")
LARGE_SOURCE_ADAPTERS = ("embedllm", "mixinstruct")  # multi-GB sources: more memory and time

for _name, _cfg in BENCHMARKS.items():
    if _cfg["adapter"] != "demo" and not _cfg.get("source"):
        sys.exit(f"RouterBench+ config error: config key benchmarks.{_name}.source: required for adapter '{_cfg['adapter']}'")
    for _key in ("models_table", "exclude_categories"):
        if _key in _cfg:  # adapter options live in one place, checked by the library
            sys.exit(
                f"RouterBench+ config error: config key benchmarks.{_name}.{_key}: belongs under "
                f"'benchmarks.{_name}.options.{_key}'"
            )


rule ingest_download:
    """Fetch a benchmark's files (Hugging Face Hub, or pinned GitHub files) and verify size and sha256 (manifest.json)."""
    output:
        directory("resources/{benchmark}/hf"),
    params:
        adapter=lambda w: benchmark_config(w.benchmark)["adapter"],
        revision=lambda w: benchmark_config(w.benchmark).get("options", {}).get("revision"),
    wildcard_constraints:
        benchmark=alternation([b for b, c in BENCHMARKS.items() if c.get("source") in DOWNLOAD_SOURCES]),
    log:
        "logs/{benchmark}/ingest_download/ingest_download.log",
    benchmark:
        "benchmarks/{benchmark}/ingest_download/ingest_download.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=120,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/ingest_download.py"


rule ingest:
    """Read a benchmark in its source layout; write the canonical tables and the ingest report."""
    input:
        # `source: hf` / `download` reads the verified download, otherwise the configured file or folder
        source=lambda w: (
            f"resources/{w.benchmark}/hf"
            if benchmark_config(w.benchmark)["source"] in DOWNLOAD_SOURCES
            else benchmark_config(w.benchmark)["source"]
        ),
        models_table=lambda w: benchmark_config(w.benchmark).get("options", {}).get("models_table", []),
    output:
        **benchmark_data("{benchmark}"),
        report="results/{benchmark}/data/ingest_report.parquet",
    params:
        adapter=lambda w: benchmark_config(w.benchmark)["adapter"],
        options=lambda w: benchmark_config(w.benchmark).get("options", {}),
        nan_labels=config["ingest"]["nan_labels"],
        conflicts=config["ingest"]["conflicts"],
        blank_prompts=config["ingest"]["blank_prompts"],
        split=config["split"],
    wildcard_constraints:
        benchmark=alternation(adapter_benchmarks("demo", negate=True)),
    log:
        "logs/{benchmark}/ingest/ingest.log",
    benchmark:
        "benchmarks/{benchmark}/ingest/ingest.tsv"
    threads: 1
    resources:
        mem_mb=lambda w: 8000 if benchmark_config(w.benchmark)["adapter"] in LARGE_SOURCE_ADAPTERS else 4000,
        runtime=lambda w: 60 if benchmark_config(w.benchmark)["adapter"] in LARGE_SOURCE_ADAPTERS else 15,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/ingest.py"


register_targets(
    lambda b: [f"results/{b}/data/ingest_report.parquet"] if benchmark_config(b)["adapter"] != "demo" else []
)
