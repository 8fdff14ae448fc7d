# Near-duplicates (stage 1): per threshold delta, groups of near-duplicate queries (FAISS candidates +
# exact verification) among the training pool (train + val, the study's row) and over the whole
# benchmark, the reduced benchmark (one training member per training group, test untouched), the
# cross-split contamination audit (test queries with a train/val near-duplicate; the same job), their
# figures (one job per threshold), and
# the study's Table 1 (routers trained on the original vs the reduced data, from the compare stage).
# Library: routerbench_plus.near_duplicates; benchmarks with prompts only.
# Its functions (input functions, outputs to register): rules/common.smk, section "near_duplicates".


rule near_duplicates:
    """Group queries whose embeddings are at least `delta` cosine-similar (FAISS); keep one training member per
    group. In the same job (the same inputs): test queries with a train/val near-duplicate at `delta`: pairs,
    shares per category, label agreement (the contamination audit)."""
    input:
        embeddings="results/{benchmark}/embed/embeddings.parquet",
        lengths="results/{benchmark}/embed/truncation.parquet",
        **benchmark_data("{benchmark}"),
    output:
        groups="results/{benchmark}/dedup/delta~{delta}/groups.parquet",
        summary="results/{benchmark}/dedup/delta~{delta}/summary.parquet",
        **data_files("results/{benchmark}/dedup/delta~{delta}/reduced"),
        contamination="results/{benchmark}/dedup/delta~{delta}/contamination.parquet",
        contamination_summary="results/{benchmark}/dedup/delta~{delta}/contamination_summary.parquet",
    params:
        label_rule=label_rule(),
    wildcard_constraints:
        benchmark=alternation(prompt_benchmarks()),
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


rule near_duplicates_figure:
    """Near-duplicate group sizes at cosine >= {delta} and the duplicate-group summary table; cross-split
    contamination at that threshold: shares of test queries per category and label agreement (one job)."""
    input:
        groups="results/{benchmark}/dedup/delta~{delta}/groups.parquet",
        summary="results/{benchmark}/dedup/delta~{delta}/summary.parquet",
        contamination="results/{benchmark}/dedup/delta~{delta}/contamination_summary.parquet",
    output:
        **prefixed("groups", fig("dedup/delta~{delta}/group_sizes", "near_duplicates", "Duplicate groups",
                                 "duplicate_groups", {"benchmark": "{benchmark}", "delta": "{delta}", "kind": "figure"})),
        **prefixed("summary", table("dedup/delta~{delta}/summary", "near_duplicates", "Duplicate groups",
                                    "duplicate_summary", {"benchmark": "{benchmark}", "delta": "{delta}", "kind": "table"})),
        **prefixed("contamination", fig("dedup/delta~{delta}/contamination", "near_duplicates", "Contamination",
                                        "contamination", {"benchmark": "{benchmark}", "delta": "{delta}", "kind": "figure"})),
        **prefixed("contamination", table("dedup/delta~{delta}/contamination", "near_duplicates", "Contamination",
                                          "contamination_table",
                                          {"benchmark": "{benchmark}", "delta": "{delta}", "kind": "table"})),
    log:
        "logs/{benchmark}/near_duplicates_figure/delta~{delta}.log",
    benchmark:
        "benchmarks/{benchmark}/near_duplicates_figure/delta~{delta}.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/near_duplicates_figure.py"


rule near_duplicates_original_vs_reduced:
    """Original vs deduplicated training data (Table 1): average and peak quality per router, deltas with intervals."""
    input:
        compare=lambda w: [compare_path(w.benchmark, "reduced", c) for c in benchmark_cost_types(w.benchmark)],
    output:
        table="results/{benchmark}/eval/original_vs_reduced.parquet",
    log:
        "logs/{benchmark}/near_duplicates_original_vs_reduced/near_duplicates_original_vs_reduced.log",
    benchmark:
        "benchmarks/{benchmark}/near_duplicates_original_vs_reduced/near_duplicates_original_vs_reduced.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/near_duplicates_original_vs_reduced.py"


rule near_duplicates_original_vs_reduced_figure:
    """Routers trained on original vs deduplicated data: average and peak quality (Table 1)."""
    input:
        table="results/{benchmark}/eval/original_vs_reduced.parquet",
    output:
        **fig("original_vs_reduced", "near_duplicates", "Original vs deduplicated", "original_vs_reduced",
              {"benchmark": "{benchmark}", "kind": "figure"}),
        **table("original_vs_reduced", "near_duplicates", "Original vs deduplicated", "original_vs_reduced_table",
                {"benchmark": "{benchmark}", "kind": "table"}),
    log:
        "logs/{benchmark}/near_duplicates_original_vs_reduced_figure/near_duplicates_original_vs_reduced_figure.log",
    benchmark:
        "benchmarks/{benchmark}/near_duplicates_original_vs_reduced_figure/near_duplicates_original_vs_reduced_figure.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/near_duplicates_original_vs_reduced_figure.py"


register_targets(near_duplicates_targets)
