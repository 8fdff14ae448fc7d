# Stage rules: routers. train_router fits one router (config `routers.<method>`) on a split and
# scores the split's test queries; route turns the scores into picks per budget (shared pick).
# A user's router is `type: "module:Class"`, imported with the workflow folder on sys.path.

EMBEDDING_FREE_ROUTERS = ("heuristic", "oracle", "random")
BUILTIN_ROUTERS = ("knn", "kmeans", "mlp", "mf") + EMBEDDING_FREE_ROUTERS


rule train_router:
    """Fit router {method} on split {split} of {benchmark}; predicted quality per test query and model."""
    input:
        unpack(train_router_inputs),
    output:
        scores="results/{benchmark}/routers/split~{split}/method~{method}/scores.parquet",
    params:
        spec=lambda w: router_spec(w.method),
        fit_cost=lambda w: benchmark_cost_types(w.benchmark)[0],
        search_path=os.path.relpath(workflow.basedir),  # relative: moving the repo re-runs nothing
    log:
        "logs/{benchmark}/train_router/split~{split}/method~{method}.log",
    benchmark:
        "benchmarks/{benchmark}/train_router/split~{split}/method~{method}.tsv"
    threads: lambda w: 2 if router_spec(w.method)["type"] in ("knn", "kmeans") else 1
    resources:
        mem_mb=8000,
        runtime=60,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/train_router.py"


rule route:
    """Picks of router {method} on split {split} for every {cost} budget of evaluation.budgets
    (a model is affordable on a query when its cost for that query, or its constant, is within the budget)."""
    input:
        scores="results/{benchmark}/routers/split~{split}/method~{method}/scores.parquet",
        **data_files("results/{benchmark}/splits/split~{split}"),
    output:
        picks="results/{benchmark}/routers/split~{split}/method~{method}/picks_cost~{cost}.parquet",
    params:
        budgets=config.get("evaluation", {}).get("budgets", "model_costs"),
    log:
        "logs/{benchmark}/route/split~{split}/method~{method}/cost~{cost}.log",
    benchmark:
        "benchmarks/{benchmark}/route/split~{split}/method~{method}/cost~{cost}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        PIPELINE_ENV
    script:
        "../workflow/scripts/route.py"


register_targets(router_picks)
