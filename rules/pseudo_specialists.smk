# Stage 4, pseudo-specialists: synthetic models strong on one hard task, injected into the pool.

PSEUDO = config.get("pseudo", {})
# Keyword arguments of routerbench_plus.pseudo.pseudo_specialists (every key of `pseudo` but the boost list).
PSEUDO_OPTIONS = {key: value for key, value in PSEUDO.items() if key != "boost"}


rule pseudo_specialists:
    """Select hard, non-dominated, not tiny tasks and add one pseudo-specialist each (accuracy best + {boost})."""
    input:
        unpack(lambda w: benchmark_data(w.benchmark)),
    output:
        selection="results/{benchmark}/pseudo/boost~{boost}/selection.parquet",
        **data_files("results/{benchmark}/pseudo/boost~{boost}"),
    params:
        options=lambda w: {**PSEUDO_OPTIONS, "boost": float(w.boost)},
    log:
        "logs/{benchmark}/pseudo_specialists/boost~{boost}.log",
    benchmark:
        "benchmarks/{benchmark}/pseudo_specialists/boost~{boost}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/pseudo_specialists.py"


register_targets(
    lambda b: [
        f"results/{b}/pseudo/boost~{boost}/{name}.parquet"
        for boost in PSEUDO.get("boost", [0.25])
        for name in ("selection", "queries", "models", "labels")
    ]
)
