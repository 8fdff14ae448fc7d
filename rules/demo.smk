# Stage rules: demo benchmark (seeded generator with planted ground truth).

DEMO_TRUTH = ("duplicates", "specialists", "redundant", "redundant_categories", "roles")


rule demo:
    """Generate a seeded demo benchmark in the canonical layout, with its planted truth tables."""
    output:
        **benchmark_data("{benchmark}"),
        report="results/{benchmark}/data/ingest_report.parquet",
        **{name: f"results/{{benchmark}}/truth/{name}.parquet" for name in DEMO_TRUTH},
    params:
        demo=lambda w: benchmark_config(w.benchmark).get("demo", {}),
        split=config["split"],
    wildcard_constraints:
        benchmark=alternation(adapter_benchmarks("demo")),
    log:
        "logs/{benchmark}/demo/demo.log",
    benchmark:
        "benchmarks/{benchmark}/demo/demo.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/demo.py"


register_targets(
    lambda b: (
        [f"results/{b}/data/ingest_report.parquet"] + [f"results/{b}/truth/{n}.parquet" for n in DEMO_TRUTH]
        if benchmark_config(b)["adapter"] == "demo"
        else []
    )
)
