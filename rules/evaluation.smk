# Stage 7: metrics. Deferral curves (+ single models), bootstrap areas (three axes)/peaks/AIQ and
# pairwise differences, binary trade-off curves (APGR, CPT, intervals), paired comparisons of two
# training splits on the same test queries, OOD table, agreement with the heuristic,
# original-vs-reduced table; every comparison with a paired-bootstrap interval. Definitions: docs/metrics.md. Uses benchmark_splits (splits.smk),
# benchmark_methods and benchmark_cost_types (routers.smk), so it evaluates exactly what is routed.

EVAL = config.get("evaluation", {})
EVAL_RESAMPLES = EVAL.get("bootstrap_resamples", 10000)
EVAL_SEED = EVAL.get("bootstrap_seed", 0)
EVAL_CONFIDENCE = EVAL.get("confidence", 0.95)
EVAL_TRADEOFF_POINTS = EVAL.get("tradeoff_points", 21)
EVAL_TIE_TOLERANCE = EVAL.get("tie_tolerance", 1.0e-6)


register_targets(eval_targets)


rule deferral_curve:
    """Deferral curve of every router on split {split} ({cost} budgets), and each model as a point."""
    input:
        picks=lambda w: eval_picks(w.benchmark, w.split, [w.cost]),
        **data_files("results/{benchmark}/splits/split~{split}"),
    output:
        curves="results/{benchmark}/eval/split~{split}/cost~{cost}/curves.parquet",
        models="results/{benchmark}/eval/split~{split}/cost~{cost}/models.parquet",
    params:
        methods=lambda w: benchmark_methods(w.benchmark),
    log:
        "logs/{benchmark}/deferral_curve/split~{split}/cost~{cost}.log",
    benchmark:
        "benchmarks/{benchmark}/deferral_curve/split~{split}/cost~{cost}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/deferral_curve.py"


rule bootstrap:
    """Area and peak of every router with paired-bootstrap intervals, AIQ, pairwise differences."""
    input:
        picks=lambda w: eval_picks(w.benchmark, w.split, [w.cost]),
        **data_files("results/{benchmark}/splits/split~{split}"),
    output:
        areas="results/{benchmark}/eval/split~{split}/cost~{cost}/areas.parquet",
        pairwise="results/{benchmark}/eval/split~{split}/cost~{cost}/pairwise.parquet",
        bands="results/{benchmark}/eval/split~{split}/cost~{cost}/bands.parquet",
    params:
        methods=lambda w: benchmark_methods(w.benchmark),
        resamples=EVAL_RESAMPLES,
        seed=EVAL_SEED,
        confidence=EVAL_CONFIDENCE,
    log:
        "logs/{benchmark}/bootstrap/split~{split}/cost~{cost}.log",
    benchmark:
        "benchmarks/{benchmark}/bootstrap/split~{split}/cost~{cost}.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/bootstrap.py"


rule tradeoff_curve:
    """Binary trade-off of pair {pair} (small vs large) for every router, straight line and oracle, with intervals."""
    input:
        scores=lambda w: [
            f"results/{w.benchmark}/routers/split~{w.split}/method~{m}/scores.parquet"
            for m in benchmark_methods(w.benchmark)
        ],
        **data_files("results/{benchmark}/splits/split~{split}"),
    output:
        curves="results/{benchmark}/eval/split~{split}/tradeoff/pair~{pair}/curves.parquet",
        areas="results/{benchmark}/eval/split~{split}/tradeoff/pair~{pair}/areas.parquet",
        pairwise="results/{benchmark}/eval/split~{split}/tradeoff/pair~{pair}/pairwise.parquet",
    params:
        methods=lambda w: benchmark_methods(w.benchmark),
        small=lambda w: benchmark_config(w.benchmark)["binary_pairs"][w.pair][0],
        large=lambda w: benchmark_config(w.benchmark)["binary_pairs"][w.pair][1],
        config_key=lambda w: f"benchmarks.{w.benchmark}.binary_pairs.{w.pair}",
        points=EVAL_TRADEOFF_POINTS,
        tie_tolerance=EVAL_TIE_TOLERANCE,
        resamples=EVAL_RESAMPLES,
        seed=EVAL_SEED,
        confidence=EVAL_CONFIDENCE,
    wildcard_constraints:
        pair=r"[A-Za-z0-9_.-]+",
    log:
        "logs/{benchmark}/tradeoff_curve/split~{split}/pair~{pair}.log",
    benchmark:
        "benchmarks/{benchmark}/tradeoff_curve/split~{split}/pair~{pair}.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/tradeoff_curve.py"


rule ood_table:
    """Per held-out category of group {group}: quality after OOD vs in-distribution training."""
    input:
        standard=lambda w: eval_picks(w.benchmark, "standard", benchmark_cost_types(w.benchmark)),
        ood=lambda w: eval_picks(w.benchmark, eval_ood_split(w.benchmark, w.group), benchmark_cost_types(w.benchmark)),
        queries="results/{benchmark}/splits/split~standard/queries.parquet",
    output:
        table="results/{benchmark}/eval/ood/group~{group}.parquet",
    params:
        methods=lambda w: benchmark_methods(w.benchmark),
        cost_types=lambda w: benchmark_cost_types(w.benchmark),
        categories=lambda w: benchmark_config(w.benchmark)["ood_groups"][w.group],
        split_ood=lambda w: eval_ood_split(w.benchmark, w.group),
        config_key=lambda w: f"benchmarks.{w.benchmark}.ood_groups.{w.group}",
        resamples=EVAL_RESAMPLES,
        seed=EVAL_SEED,
        confidence=EVAL_CONFIDENCE,
    wildcard_constraints:
        group=r"[A-Za-z0-9_.-]+",
    log:
        "logs/{benchmark}/ood_table/group~{group}.log",
    benchmark:
        "benchmarks/{benchmark}/ood_table/group~{group}.tsv"
    threads: 2
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/ood_table.py"


rule agreement:
    """Agreement of each router with the heuristic, overall and per task, before/after pseudo-specialists."""
    input:
        standard=lambda w: eval_picks(w.benchmark, "standard", benchmark_cost_types(w.benchmark)),
        pseudo=lambda w: eval_picks(w.benchmark, "pseudo", benchmark_cost_types(w.benchmark)),
        queries_standard="results/{benchmark}/splits/split~standard/queries.parquet",
        queries_pseudo="results/{benchmark}/splits/split~pseudo/queries.parquet",
    output:
        table="results/{benchmark}/eval/agreement.parquet",
    params:
        methods=lambda w: benchmark_methods(w.benchmark),
        cost_types=lambda w: benchmark_cost_types(w.benchmark),
        reference=lambda w: eval_reference_method(w.benchmark),
        resamples=EVAL_RESAMPLES,
        seed=EVAL_SEED,
        confidence=EVAL_CONFIDENCE,
    log:
        "logs/{benchmark}/agreement/agreement.log",
    benchmark:
        "benchmarks/{benchmark}/agreement/agreement.tsv"
    threads: 2
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/agreement.py"


rule compare_splits:
    """Routers trained on split {split} vs split {base}, scored on the same test queries: areas, peak and
    curve mean on both and the change, with paired-bootstrap intervals (one set of resamples for both)."""
    input:
        base=lambda w: eval_picks(w.benchmark, w.base, [w.cost]),
        split=lambda w: eval_picks(w.benchmark, w.split, [w.cost]),
        base_queries="results/{benchmark}/splits/split~{base}/queries.parquet",
        base_models="results/{benchmark}/splits/split~{base}/models.parquet",
        queries="results/{benchmark}/splits/split~{split}/queries.parquet",
        models="results/{benchmark}/splits/split~{split}/models.parquet",
    output:
        table="results/{benchmark}/eval/compare/base~{base}/split~{split}/cost~{cost}.parquet",
    params:
        methods=lambda w: benchmark_methods(w.benchmark),
        resamples=EVAL_RESAMPLES,
        seed=EVAL_SEED,
        confidence=EVAL_CONFIDENCE,
    wildcard_constraints:
        base=r"[A-Za-z0-9_.-]+",
    log:
        "logs/{benchmark}/compare_splits/base~{base}/split~{split}/cost~{cost}.log",
    benchmark:
        "benchmarks/{benchmark}/compare_splits/base~{base}/split~{split}/cost~{cost}.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/compare_splits.py"


rule dedup_table:
    """Original vs deduplicated training data (Table 1): average and peak quality per router, deltas with intervals."""
    input:
        compare=lambda w: [eval_compare_path(w.benchmark, "standard", "reduced", c) for c in benchmark_cost_types(w.benchmark)],
    output:
        table="results/{benchmark}/eval/original_vs_reduced.parquet",
    log:
        "logs/{benchmark}/dedup_table/dedup_table.log",
    benchmark:
        "benchmarks/{benchmark}/dedup_table/dedup_table.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/dedup_table.py"
