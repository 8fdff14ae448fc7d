# Deferral (stage 7, evaluation): the deferral curve of every router on every split (+ each pool model
# as a point), and its areas (three axes), peak, curve mean and AIQ with paired-bootstrap intervals and
# pairwise differences; one figure per cost type with a panel per split. Definitions: docs/metrics.md.
# Library: routerbench_plus.deferral (curves: routerbench_plus.curves, bootstrap: routerbench_plus.bootstrap).
# Its functions (input functions, outputs to register): rules/common.smk, section "deferral".


rule deferral_curves:
    """Deferral curve of every router on split {split} ({cost} budgets), and each model as a point."""
    input:
        picks=lambda w: picks_files(w.benchmark, w.split, [w.cost]),
        **data_files("results/{benchmark}/splits/split~{split}"),
    output:
        curves="results/{benchmark}/eval/split~{split}/cost~{cost}/curves.parquet",
        models="results/{benchmark}/eval/split~{split}/cost~{cost}/models.parquet",
    params:
        methods=lambda w: benchmark_methods(w.benchmark),
    log:
        "logs/{benchmark}/deferral_curves/split~{split}/cost~{cost}.log",
    benchmark:
        "benchmarks/{benchmark}/deferral_curves/split~{split}/cost~{cost}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/deferral_curves.py"


rule deferral_areas:
    """Area and peak of every router with paired-bootstrap intervals, AIQ, pairwise differences."""
    input:
        picks=lambda w: picks_files(w.benchmark, w.split, [w.cost]),
        **data_files("results/{benchmark}/splits/split~{split}"),
    output:
        areas="results/{benchmark}/eval/split~{split}/cost~{cost}/areas.parquet",
        pairwise="results/{benchmark}/eval/split~{split}/cost~{cost}/pairwise.parquet",
        bands="results/{benchmark}/eval/split~{split}/cost~{cost}/bands.parquet",
    params:
        methods=lambda w: benchmark_methods(w.benchmark),
        **bootstrap_params(),
    log:
        "logs/{benchmark}/deferral_areas/split~{split}/cost~{cost}.log",
    benchmark:
        "benchmarks/{benchmark}/deferral_areas/split~{split}/cost~{cost}.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/deferral_areas.py"


rule deferral_curves_figure:
    """Deferral curves ({cost} budgets), one panel per split: routers as lines, single models as points."""
    input:
        unpack(per_split_tables("cost~{cost}", "curves", "models", "bands")),
    output:
        **fig("cost~{cost}/deferral_curves", "evaluation", "Deferral curves", "deferral_curves",
              {"benchmark": "{benchmark}", "cost": "{cost}"}),
    log:
        "logs/{benchmark}/deferral_curves_figure/cost~{cost}.log",
    benchmark:
        "benchmarks/{benchmark}/deferral_curves_figure/cost~{cost}.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/deferral_curves_figure.py"


rule deferral_areas_figure:
    """Area and peak with bootstrap intervals on every split ({cost}): figure and table."""
    input:
        unpack(per_split_tables("cost~{cost}", "areas", "pairwise")),
    output:
        **fig("cost~{cost}/areas", "evaluation", "Area and peak", "areas",
              {"benchmark": "{benchmark}", "cost": "{cost}", "kind": "figure"}),
        **table("cost~{cost}/areas", "evaluation", "Area and peak", "areas_table",
                {"benchmark": "{benchmark}", "cost": "{cost}", "kind": "table"}),
    params:
        area=config["evaluation"]["figure_area"],
    log:
        "logs/{benchmark}/deferral_areas_figure/cost~{cost}.log",
    benchmark:
        "benchmarks/{benchmark}/deferral_areas_figure/cost~{cost}.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/deferral_areas_figure.py"


register_targets(deferral_targets)
