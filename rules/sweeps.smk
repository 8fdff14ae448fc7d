# Sweeps: the config lists that sweep a stage's parameter (dedup.delta, prune.lambda x prune.target,
# pseudo.boost) gathered into one table and figure each, and the pseudo-cost sweep (routers retrained
# on the standard split plus pseudo-specialists of every pseudo.cost_sweep value: agreement with the
# heuristic and areas against the cost). Library: routerbench_plus.sweeps.

PSEUDO_COST_SWEEP = [pseudo_cost_label(value) for value in config["pseudo"]["cost_sweep"]]


def sweep_keys(benchmark, param):
    """The swept values of a config sweep, as lists (the wildcard values of its paths)."""
    if param == "delta":
        return [[d] for d in config["dedup"]["delta"]]
    if param == "prune":
        return [[lam, target] for lam in config["prune"]["lambda"] for target in config["prune"]["target"]]
    if param == "boost":
        return [[x] for x in config["pseudo"]["boost"]]
    raise ValueError(f"unknown sweep '{param}'")


def sweep_inputs(w):
    """Input function: the per-value outputs of a sweep, by kind."""
    b, keys = w.benchmark, sweep_keys(w.benchmark, w.param)
    if w.param == "delta":
        return {"summary": [f"results/{b}/dedup/delta~{d}/summary.parquet" for (d,) in keys]}
    if w.param == "prune":
        return {kind: [f"results/{b}/prune/lambda~{lam}/target~{target}/{kind}.parquet" for lam, target in keys]
                for kind in ("kept", "steps")}
    return {"selection": [f"results/{b}/pseudo/boost~{x}/selection.parquet" for (x,) in keys]}


def pseudo_cost_split(benchmark, label):
    """The split of one sweep value: the `pseudo` split itself when it is the configured pseudo.cost."""
    if label == pseudo_cost_label(config["pseudo"]["cost"]) and "pseudo" in benchmark_splits(benchmark):
        return "pseudo"
    return f"pseudocost-{label}"


def pseudo_cost_methods(benchmark):
    """The sweep's routers this benchmark runs (prompt-free benchmarks: the embedding-free ones)."""
    wanted = config["pseudo"]["cost_sweep_methods"]
    unknown = [m for m in wanted if m not in config["routers"]]
    if unknown:
        sys.exit(f"RouterBench+ config error: config key pseudo.cost_sweep_methods names {unknown}, which are not "
                 f"under 'routers' ({list(config['routers'])})")
    methods = [m for m in wanted if m in benchmark_methods(benchmark)]
    if not any(router_spec(m)["type"] == "heuristic" for m in methods):
        sys.exit("RouterBench+ config error: config key pseudo.cost_sweep_methods needs a router of type 'heuristic' "
                 "(the agreement reference)")
    return methods


def pseudo_cost_inputs(w):
    """Input function: the sweep routers' picks on split standard and on every swept split (value-major),
    and each swept split's queries, models and pseudo selection."""
    b, costs, methods = w.benchmark, benchmark_cost_types(w.benchmark), pseudo_cost_methods(w.benchmark)
    splits = [pseudo_cost_split(b, label) for label in PSEUDO_COST_SWEEP]
    return {
        "standard": picks_files(b, "standard", costs, methods),
        "swept": [p for s in splits for p in picks_files(b, s, costs, methods)],
        "queries_standard": f"results/{b}/splits/split~standard/queries.parquet",
        "models_standard": f"results/{b}/splits/split~standard/models.parquet",
        "queries": [f"results/{b}/splits/split~{s}/queries.parquet" for s in splits],
        "models": [f"results/{b}/splits/split~{s}/models.parquet" for s in splits],
        "selection": [f"results/{b}/pseudo/boost~{first_boost()}/selection.parquet" if s == "pseudo"
                      else f"results/{b}/splits/split~{s}/selection.parquet" for s in splits],
    }


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
    log:
        "logs/{benchmark}/sweeps_pseudo_cost/sweeps_pseudo_cost.log",
    benchmark:
        "benchmarks/{benchmark}/sweeps_pseudo_cost/sweeps_pseudo_cost.tsv"
    threads: 1
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


@register_targets
def sweeps_targets(b):
    params = (["delta"] if has_prompts(b) else []) + ["prune", "boost"]  # the sweeps whose per-value outputs b has
    out = []
    for p in params:
        out += [f"results/{b}/sweeps/{p}.parquet"] + figure_files(b, f"sweeps/{p}") + table_files(b, f"sweeps/{p}", ("html",))
    if PSEUDO_COST_SWEEP and pseudo_cost_methods(b):
        out += [f"results/{b}/sweeps/pseudo_cost.parquet"] + figure_files(b, "sweeps/pseudo_cost")
        out += table_files(b, "sweeps/pseudo_cost")
    return out
