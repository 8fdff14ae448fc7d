# Stage rules: routers. train_router fits one router (config `routers.<method>`) on a split and
# scores the split's test queries; route turns the scores into picks per budget (shared pick).
# A user's router is `type: "module:Class"`, imported with the workflow folder on sys.path.
import os

EMBEDDING_FREE_ROUTERS = ("heuristic", "oracle", "random")
BUILTIN_ROUTERS = ("knn", "kmeans", "mlp", "mf") + EMBEDDING_FREE_ROUTERS


def router_spec(method):
    return config["routers"][method]


def router_uses_embeddings(method):
    """Built-ins are known statically; a user router says so with its class attribute."""
    kind = router_spec(method)["type"]
    if kind in BUILTIN_ROUTERS:
        return kind not in EMBEDDING_FREE_ROUTERS
    from routerbench_plus.routers import needs_embeddings

    return needs_embeddings(method, router_spec(method), [workflow.basedir])


def benchmark_methods(benchmark):
    """Every configured router; benchmarks without prompts only get the embedding-free ones."""
    return [m for m in config["routers"] if has_prompts(benchmark) or not router_uses_embeddings(m)]


def benchmark_cost_types(benchmark):
    return benchmark_config(benchmark).get("cost_types") or ["params"]


def train_router_inputs(w):
    files = data_files(f"results/{w.benchmark}/splits/split~{w.split}")
    if router_uses_embeddings(w.method):
        files["embeddings"] = f"results/{w.benchmark}/embed/embeddings.parquet"
    return files


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
    """Picks of router {method} on split {split} for every {cost} budget of evaluation.budgets."""
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


def router_picks(benchmark, splits=None, methods=None, costs=None):
    """Picks files for a benchmark (defaults: its splits x methods x cost types)."""
    return [
        f"results/{benchmark}/routers/split~{s}/method~{m}/picks_cost~{c}.parquet"
        for s in (splits or benchmark_splits(benchmark))
        for m in (methods or benchmark_methods(benchmark))
        for c in (costs or benchmark_cost_types(benchmark))
    ]


register_targets(router_picks)
