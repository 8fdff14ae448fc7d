# Stage 4, pseudo-specialists: synthetic models strong on one hard task, injected into the pool,
# and the sweep over their cost (pseudo.cost_sweep): how much agreement and areas depend on it.

from routerbench_plus.pseudo import check_options as check_pseudo_options, cost_label as pseudo_cost_label

PSEUDO = config.get("pseudo", {})
try:  # a removed key (pseudo.cost_params_b) stops the run with one line naming its replacement
    check_pseudo_options(PSEUDO)
except ConfigError as error:
    sys.exit(f"RouterBench+ config error: {error}")
# Keyword arguments of routerbench_plus.pseudo.pseudo_specialists (every key of `pseudo` but the lists).
PSEUDO_OPTIONS = {key: value for key, value in PSEUDO.items() if key not in ("boost", "cost_sweep", "cost_sweep_methods")}
# The cost sweep: one split 'pseudocost-<value>' per pseudo.cost value, trained with the sweep's routers
# (helpers pseudo_cost_value, pseudo_cost_split, pseudo_cost_methods in rules/common.smk).
PSEUDO_COST_SWEEP = [pseudo_cost_label(value) for value in PSEUDO.get("cost_sweep", [])]


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


rule pseudo_cost_split:
    """Split pseudocost-{pcost}: the standard split plus pseudo-specialists (first boost) costing pseudo.cost = {pcost}."""
    input:
        unpack(lambda w: benchmark_data(w.benchmark)),
    output:
        selection="results/{benchmark}/splits/split~pseudocost-{pcost}/selection.parquet",
        **data_files("results/{benchmark}/splits/split~pseudocost-{pcost}"),
    params:
        options=lambda w: {**PSEUDO_OPTIONS, "boost": float(first_boost()), "cost": pseudo_cost_value(w.pcost)},
    wildcard_constraints:
        pcost=r"average|median|[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?",
    log:
        "logs/{benchmark}/pseudo_cost_split/pcost~{pcost}.log",
    benchmark:
        "benchmarks/{benchmark}/pseudo_cost_split/pcost~{pcost}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/pseudo_specialists.py"


# the sweep's splits are written by pseudo_cost_split, not by make_split
ruleorder: pseudo_cost_split > make_split


rule pseudo_cost_sweep:
    """Agreement with the heuristic and deferral areas of the sweep's routers for every pseudo.cost of the sweep."""
    input:
        standard=lambda w: eval_picks(w.benchmark, "standard", benchmark_cost_types(w.benchmark), pseudo_cost_methods(w.benchmark)),
        swept=lambda w: [
            p
            for label in PSEUDO_COST_SWEEP
            for p in eval_picks(w.benchmark, pseudo_cost_split(w.benchmark, label), benchmark_cost_types(w.benchmark),
                                pseudo_cost_methods(w.benchmark))
        ],
        queries_standard="results/{benchmark}/splits/split~standard/queries.parquet",
        models_standard="results/{benchmark}/splits/split~standard/models.parquet",
        queries=lambda w: [f"results/{w.benchmark}/splits/split~{pseudo_cost_split(w.benchmark, v)}/queries.parquet" for v in PSEUDO_COST_SWEEP],
        models=lambda w: [f"results/{w.benchmark}/splits/split~{pseudo_cost_split(w.benchmark, v)}/models.parquet" for v in PSEUDO_COST_SWEEP],
        selection=lambda w: [
            f"results/{w.benchmark}/pseudo/boost~{first_boost()}/selection.parquet"
            if pseudo_cost_split(w.benchmark, v) == "pseudo"
            else f"results/{w.benchmark}/splits/split~pseudocost-{v}/selection.parquet"
            for v in PSEUDO_COST_SWEEP
        ],
    output:
        table="results/{benchmark}/sweeps/pseudo_cost.parquet",
    params:
        labels=PSEUDO_COST_SWEEP,
        default=pseudo_cost_label(PSEUDO.get("cost", "average")),
        methods=lambda w: pseudo_cost_methods(w.benchmark),
        cost_types=lambda w: benchmark_cost_types(w.benchmark),
        reference=lambda w: next(m for m in pseudo_cost_methods(w.benchmark) if router_spec(m)["type"] == "heuristic"),
    log:
        "logs/{benchmark}/pseudo_cost_sweep/pseudo_cost_sweep.log",
    benchmark:
        "benchmarks/{benchmark}/pseudo_cost_sweep/pseudo_cost_sweep.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/pseudo_cost_sweep.py"


register_targets(
    lambda b: [
        f"results/{b}/pseudo/boost~{boost}/{name}.parquet"
        for boost in PSEUDO.get("boost", [0.25])
        for name in ("selection", "queries", "models", "labels")
    ]
    + ([f"results/{b}/sweeps/pseudo_cost.parquet"] if PSEUDO_COST_SWEEP and pseudo_cost_methods(b) else [])
)
