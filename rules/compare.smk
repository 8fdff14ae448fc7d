# Compare (stage 7, evaluation): routers trained on split standard and on another split, scored on the
# same test queries: areas, peak and curve mean on both and the change, with paired-bootstrap intervals
# (one set of resamples for both). The reduced comparison is the study's Table 1 (rules/near_duplicates.smk);
# the others get their own figure. Library: routerbench_plus.compare.
# Its functions (input functions, outputs to register): rules/common.smk, section "compare".


rule compare:
    """Routers trained on split {split} vs split {base}, scored on the same test queries: areas, peak and
    curve mean on both and the change, with paired-bootstrap intervals (one set of resamples for both)."""
    input:
        base=lambda w: picks_files(w.benchmark, w.base, [w.cost]),
        split=lambda w: picks_files(w.benchmark, w.split, [w.cost]),
        base_queries="results/{benchmark}/splits/split~{base}/queries.parquet",
        base_models="results/{benchmark}/splits/split~{base}/models.parquet",
        queries="results/{benchmark}/splits/split~{split}/queries.parquet",
        models="results/{benchmark}/splits/split~{split}/models.parquet",
    output:
        table="results/{benchmark}/eval/compare/base~{base}/split~{split}/cost~{cost}.parquet",
    params:
        methods=lambda w: benchmark_methods(w.benchmark),
        **bootstrap_params(),
    log:
        "logs/{benchmark}/compare/base~{base}/split~{split}/cost~{cost}.log",
    benchmark:
        "benchmarks/{benchmark}/compare/base~{base}/split~{split}/cost~{cost}.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/compare.py"


rule compare_figure:
    """Routers trained on split {split} vs split {base} ({cost}), same test queries: changes with paired intervals."""
    input:
        table="results/{benchmark}/eval/compare/base~{base}/split~{split}/cost~{cost}.parquet",
    output:
        **fig("compare/base~{base}/split~{split}/cost~{cost}", "evaluation", "Training splits compared", "compare",
              {"benchmark": "{benchmark}", "split": "{split}", "cost": "{cost}", "kind": "figure"}),
        **table("compare/base~{base}/split~{split}/cost~{cost}", "evaluation", "Training splits compared",
                "compare_table", {"benchmark": "{benchmark}", "split": "{split}", "cost": "{cost}", "kind": "table"}),
    params:
        area=config["evaluation"]["figure_area"],
    log:
        "logs/{benchmark}/compare_figure/base~{base}/split~{split}/cost~{cost}.log",
    benchmark:
        "benchmarks/{benchmark}/compare_figure/base~{base}/split~{split}/cost~{cost}.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/compare_figure.py"


register_targets(compare_targets)
