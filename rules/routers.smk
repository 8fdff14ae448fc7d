# Routers: routers_train fits one router (config `routers.<method>`) on a split, scores the split's
# test queries and turns the scores into picks per budget (the shared pick of routerbench_plus.routing)
# for every cost type all configured benchmarks share, in one job: the router's start-up (Python,
# pandas, torch or scikit-learn) is paid once. routers_route routes the remaining cost types (a
# benchmark's own, e.g. usd beside params) from the stored scores. A user's router is
# `type: "module:Class"`, imported with the workflow folder on sys.path. Library:
# routerbench_plus.routers (the registry of router types).
# Its functions (input functions, outputs to register): rules/common.smk, section "routers".


rule routers_train:
    """Fit router {method} on split {split} of {benchmark}; predicted quality per test query and model,
    and the picks for every budget of evaluation.budgets of the shared cost types."""
    input:
        unpack(train_router_inputs),
    output:
        scores="results/{benchmark}/routers/split~{split}/method~{method}/scores.parquet",
        **train_picks_outputs(),
    params:
        spec=lambda w: router_spec(w.method),
        fit_cost=lambda w: benchmark_cost_types(w.benchmark)[0],
        search_path=os.path.relpath(workflow.basedir),  # relative: moving the repo re-runs nothing
        route_costs=TRAIN_ROUTE_COSTS,
        budgets=config["evaluation"]["budgets"],
    log:
        "logs/{benchmark}/routers_train/split~{split}/method~{method}.log",
    benchmark:
        "benchmarks/{benchmark}/routers_train/split~{split}/method~{method}.tsv"
    threads: lambda w: router_threads(router_spec(w.method))
    resources:
        mem_mb=8000,
        runtime=60,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/routers_train.py"


rule routers_route:
    """Picks of router {method} on split {split} for every {cost} budget of evaluation.budgets
    (a model is affordable on a query when its cost for that query, or its constant, is within the budget);
    only cost types routers_train does not route itself."""
    input:
        scores="results/{benchmark}/routers/split~{split}/method~{method}/scores.parquet",
        **data_files("results/{benchmark}/splits/split~{split}"),
    output:
        picks="results/{benchmark}/routers/split~{split}/method~{method}/picks_cost~{cost}.parquet",
    params:
        budgets=config["evaluation"]["budgets"],
    wildcard_constraints:
        cost=route_only_costs(),
    log:
        "logs/{benchmark}/routers_route/split~{split}/method~{method}/cost~{cost}.log",
    benchmark:
        "benchmarks/{benchmark}/routers_route/split~{split}/method~{method}/cost~{cost}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/routers_route.py"


register_targets(routers_targets)
