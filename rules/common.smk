# Shared helpers: benchmark lookup, canonical paths, wildcard constraints, target registry.
import re

BENCHMARKS = config["benchmarks"]
RUN = config["run"]
PIPELINE_ENV = "../envs/pipeline.yaml"


def benchmark_config(benchmark):
    return BENCHMARKS[benchmark]


def has_prompts(benchmark):
    """Benchmarks without prompt text run only the label-only stages."""
    return BENCHMARKS[benchmark].get("has_prompts", True)


def adapter_benchmarks(*adapters, negate=False):
    names = [b for b, c in BENCHMARKS.items() if (c["adapter"] in adapters) != negate]
    return names


def alternation(names):
    """Regex matching exactly one of names (or nothing when empty)."""
    return "|".join(re.escape(n) for n in names) if names else "(?!x)x"


def data_files(root):
    """The three canonical tables under a folder."""
    return {name: f"{root}/{name}.parquet" for name in ("queries", "models", "labels")}


def benchmark_data(benchmark):
    return data_files(f"results/{benchmark}/data")


wildcard_constraints:
    benchmark=alternation(list(BENCHMARKS)),
    delta=r"[0-9.]+",
    lam=r"[0-9.]+",
    target=r"[0-9]+",
    boost=r"[0-9.]+",
    cost=r"params|usd|tokens|latency",
    method=r"[A-Za-z0-9_-]+",
    split=r"[A-Za-z0-9_.-]+",


# Each rule file registers a function benchmark -> list of its final outputs.
TARGET_FUNCTIONS = []


def register_targets(function):
    TARGET_FUNCTIONS.append(function)
    return function


def all_targets():
    return [path for benchmark in RUN for fn in TARGET_FUNCTIONS for path in fn(benchmark)]
