# Stage 5, the remastered benchmark: specialist-weighted sampling, dedup, pruning, pseudo-specialists.

REMASTER = config.get("remaster", {})
# The first configured pruning run, reduced-data delta and pseudo boost are the ones remastering uses.
REMASTER_KEPT = "results/{{benchmark}}/prune/lambda~{}/target~{}/kept.parquet".format(
    config.get("prune", {}).get("lambda", [0.5])[0], config.get("prune", {}).get("target", [20])[0]
)
REMASTER_REDUCED = "results/{{benchmark}}/dedup/delta~{}/reduced/queries.parquet".format(
    config.get("dedup", {}).get("reduced_delta", 0.999)
)


rule remaster:
    """Remastered benchmark: sample tasks by specialist score, deduplicate, prune, inject pseudo-specialists."""
    input:
        unpack(lambda w: benchmark_data(w.benchmark)),
        scores="results/{benchmark}/specialist/scores.parquet",
        kept=REMASTER_KEPT,
        # deduplication needs prompts: a label-only benchmark skips it (the summary says so)
        reduced=lambda w: REMASTER_REDUCED.format(benchmark=w.benchmark) if has_prompts(w.benchmark) else [],
    output:
        **data_files("results/{benchmark}/remaster"),
        summary="results/{benchmark}/remaster/summary.parquet",
        sampling="results/{benchmark}/remaster/sampling.parquet",
        selection="results/{benchmark}/remaster/selection.parquet",
    params:
        query_fraction=REMASTER.get("query_fraction", 0.8),
        min_weight=REMASTER.get("min_weight", 0.2),
        seed=REMASTER.get("seed", 0),
        pseudo={**PSEUDO_OPTIONS, "boost": float(PSEUDO.get("boost", [0.25])[0])},
    log:
        "logs/{benchmark}/remaster/remaster.log",
    benchmark:
        "benchmarks/{benchmark}/remaster/remaster.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/remaster.py"


# Only benchmarks with prompts: the remastered benchmark is deduplicated on prompt embeddings.
register_targets(
    lambda b: (
        [f"results/{b}/remaster/{name}.parquet" for name in ("queries", "models", "labels", "summary", "sampling", "selection")]
        if has_prompts(b)
        else []
    )
)
