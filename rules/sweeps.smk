# Sweeps: the config lists that sweep a stage's parameter (dedup.delta, prune.lambda x prune.target,
# pseudo.boost) gathered into one table and figure each, and the pseudo-cost sweep (routers retrained
# on the standard split plus pseudo-specialists of every pseudo.cost_sweep value: agreement with the
# heuristic and areas against the cost). Library: routerbench_plus.sweeps.
# Its functions (input functions, outputs to register): rules/common.smk, section "sweeps".


rule sweeps:
    """Sweep over {param}: one row per configured value (gathered from the per-value outputs) and a figure."""
    input:
        unpack(sweep_inputs),
    output:
        table="results/{benchmark}/sweeps/{param}.parquet",
        **fig("sweeps/{param}", "sweeps", "{param}", "sweep",
              {"benchmark": "{benchmark}", "param": "{param}", "kind": "figure"}),
        **table("sweeps/{param}", "sweeps", "{param}", "sweep_table",
                {"benchmark": "{benchmark}", "param": "{param}", "kind": "table"}),
    params:
        swept=lambda w: sweep_keys(w.benchmark, w.param),
    wildcard_constraints:
        param=r"delta|prune|boost",
    log:
        "logs/{benchmark}/sweeps/{param}.log",
    benchmark:
        "benchmarks/{benchmark}/sweeps/{param}.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/sweeps.py"


rule sweeps_pseudo_cost:
    """Agreement with the heuristic and deferral areas of the sweep's routers for every pseudo.cost of the sweep."""
    input:
        unpack(pseudo_cost_inputs),
    output:
        table="results/{benchmark}/sweeps/pseudo_cost.parquet",
    params:
        labels=PSEUDO_COST_SWEEP,
        default=pseudo_cost_label(config["pseudo"]["cost"]),
        methods=lambda w: pseudo_cost_methods(w.benchmark),
        cost_types=lambda w: benchmark_cost_types(w.benchmark),
        reference=lambda w: next(m for m in pseudo_cost_methods(w.benchmark) if router_spec(m)["type"] == "heuristic"),
        **bootstrap_params(),
    log:
        "logs/{benchmark}/sweeps_pseudo_cost/sweeps_pseudo_cost.log",
    benchmark:
        "benchmarks/{benchmark}/sweeps_pseudo_cost/sweeps_pseudo_cost.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/sweeps_pseudo_cost.py"


rule sweeps_pseudo_cost_figure:
    """Sweep over pseudo.cost: the sweep routers' areas and agreement with the heuristic against the pseudo models' cost."""
    input:
        table="results/{benchmark}/sweeps/pseudo_cost.parquet",
    output:
        **fig("sweeps/pseudo_cost", "sweeps", "pseudo_cost", "pseudo_cost",
              {"benchmark": "{benchmark}", "param": "pseudo_cost", "kind": "figure"}),
        **table("sweeps/pseudo_cost", "sweeps", "pseudo_cost", "pseudo_cost_table",
                {"benchmark": "{benchmark}", "param": "pseudo_cost", "kind": "table"}),
    log:
        "logs/{benchmark}/sweeps_pseudo_cost_figure/sweeps_pseudo_cost_figure.log",
    benchmark:
        "benchmarks/{benchmark}/sweeps_pseudo_cost_figure/sweeps_pseudo_cost_figure.tsv"
    threads: 1
    resources:
        **FIG_RESOURCES,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/sweeps_pseudo_cost_figure.py"


register_targets(sweeps_targets)
