# Deferral (stage 7, evaluation): the deferral curve of every router on every split (+ each pool model
# as a point), and its areas (three axes), peak, curve mean and AIQ with paired-bootstrap intervals and
# pairwise differences, in one job per split and cost type; one figure per cost type with a panel per split. Definitions: docs/metrics.md.
# Library: routerbench_plus.deferral (curves: routerbench_plus.curves, bootstrap: routerbench_plus.bootstrap).
# Its functions (input functions, outputs to register): rules/common.smk, section "deferral".


rule deferral:
    """Deferral curve of every router on split {split} ({cost} budgets) and each model as a point; area and
    peak of every router with paired-bootstrap intervals, AIQ, pairwise differences (one job: the same inputs)."""
    input:
        picks=lambda w: picks_files(w.benchmark, w.split, [w.cost]),
        **data_files("results/{benchmark}/splits/split~{split}"),
    output:
        curves="results/{benchmark}/eval/split~{split}/cost~{cost}/curves.parquet",
        models="results/{benchmark}/eval/split~{split}/cost~{cost}/models.parquet",
        areas="results/{benchmark}/eval/split~{split}/cost~{cost}/areas.parquet",
        pairwise="results/{benchmark}/eval/split~{split}/cost~{cost}/pairwise.parquet",
        bands="results/{benchmark}/eval/split~{split}/cost~{cost}/bands.parquet",
    params:
        methods=lambda w: benchmark_methods(w.benchmark),
        **bootstrap_params(),
    log:
        "logs/{benchmark}/deferral/split~{split}/cost~{cost}.log",
    benchmark:
        "benchmarks/{benchmark}/deferral/split~{split}/cost~{cost}.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/deferral.py"


rule deferral_figure:
    """Deferral curves ({cost} budgets), one panel per split: routers as lines, single models as points; area
    and peak with bootstrap intervals on every split: figure and table (one job: one figure start-up)."""
    input:
        unpack(per_split_tables("cost~{cost}", "curves", "models", "bands", "areas", "pairwise")),
    output:
        **prefixed("curves", fig("cost~{cost}/deferral_curves", "evaluation", "Deferral curves", "deferral_curves",
                                 {"benchmark": "{benchmark}", "cost": "{cost}"})),
        **prefixed("areas", fig("cost~{cost}/areas", "evaluation", "Area and peak", "areas",
                                {"benchmark": "{benchmark}", "cost": "{cost}", "kind": "figure"})),
        **table("cost~{cost}/areas", "evaluation", "Area and peak", "areas_table",
                {"benchmark": "{benchmark}", "cost": "{cost}", "kind": "table"}),
    params:
        area=config["evaluation"]["figure_area"],
    log:
        "logs/{benchmark}/deferral_figure/cost~{cost}.log",
    benchmark:
        "benchmarks/{benchmark}/deferral_figure/cost~{cost}.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/deferral_figure.py"


register_targets(deferral_targets)
