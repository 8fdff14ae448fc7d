# Accessors of the config (its defaults are filled from config/schema.yaml by `validate` in the
# Snakefile), canonical paths, wildcard constraints, the target registry and the report's outputs.
# Stage-specific input functions live in their stage's rule file.
import os
import re

from routerbench_plus.pseudo_specialists import PseudoOptions
from routerbench_plus.routers import needs_embeddings

BENCHMARKS = config["benchmarks"]
RUN = config["run"]
PIPELINE_ENV = "../envs/pipeline.yaml"


# --------------------------------------------------------------------------- benchmarks and paths
def benchmark_config(benchmark):
    return BENCHMARKS[benchmark]


def has_prompts(benchmark):
    """Benchmarks without prompt text run only the label-only stages."""
    return BENCHMARKS[benchmark]["has_prompts"]


def prompt_benchmarks():
    return [b for b in BENCHMARKS if has_prompts(b)]


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


def split_data(benchmark, split):
    """The canonical tables of one experiment split."""
    return data_files(f"results/{benchmark}/splits/split~{split}")


wildcard_constraints:
    benchmark=alternation(list(BENCHMARKS)),
    delta=r"[0-9.]+",
    lam=r"[0-9.]+",
    target=r"[0-9]+",
    boost=r"[0-9.]+",
    cost=r"params|usd|tokens|latency",
    method=r"[A-Za-z0-9_-]+",
    split=r"[A-Za-z0-9_.-]+",
    pair=r"[A-Za-z0-9_.-]+",
    group=r"[A-Za-z0-9_.-]+",
    base=r"[A-Za-z0-9_.-]+",


# --------------------------------------------------------------------------- target registry
# Each rule file registers a function benchmark -> list of its final outputs (tables, figures and
# report tables alike, under the same condition).
TARGET_FUNCTIONS = []


def register_targets(function):
    TARGET_FUNCTIONS.append(function)
    return function


def all_targets():
    return [path for benchmark in RUN for fn in TARGET_FUNCTIONS for path in fn(benchmark)]


# --------------------------------------------------------------------------- report outputs
# report() categories: one per stage, numbered like the study.
REPORT_SECTIONS = {
    "near_duplicates": "1 Near-duplicates and categories",
    "specialist_score": "2 Task diversity",
    "dominance": "3 Dominance and pruning",
    "pseudo_specialists": "4 Pseudo-specialists",
    "remaster": "5 Remastered benchmark",
    "evaluation": "7 Evaluation",
    "sweeps": "8 Sweeps",
}
FIG_RESOURCES = {"mem_mb": 2000, "runtime": 10}


def fig(stem, section, subcategory, caption, labels):
    """results/{benchmark}/figures/<stem>: PNG (in the report, captioned by report/<caption>.rst) and PDF."""
    path = f"results/{{benchmark}}/figures/{stem}"
    return {
        "png": report(f"{path}.png", category=REPORT_SECTIONS[section], subcategory=subcategory,
                      caption=f"../report/{caption}.rst", labels=labels),
        "pdf": f"{path}.pdf",
    }


def table(stem, section, subcategory, caption, labels):
    """results/{benchmark}/tables/<stem>: HTML (in the report, captioned by report/<caption>.rst) and CSV."""
    path = f"results/{{benchmark}}/tables/{stem}"
    return {
        "html": report(f"{path}.html", category=REPORT_SECTIONS[section], subcategory=subcategory,
                       caption=f"../report/{caption}.rst", labels=labels),
        "csv": f"{path}.csv",
    }


def figure_files(benchmark, stem):
    """The files of :func:`fig` of one benchmark (for register_targets)."""
    return [f"results/{benchmark}/figures/{stem}.{kind}" for kind in ("png", "pdf")]


def table_files(benchmark, stem, kinds=("html", "csv")):
    """The files of :func:`table` of one benchmark (for register_targets)."""
    return [f"results/{benchmark}/tables/{stem}.{kind}" for kind in kinds]


# --------------------------------------------------------------------------- derived config values
def first_boost():
    """The pseudo.boost of the pseudo split and the remastered benchmark (the list sweeps)."""
    return config["pseudo"]["boost"][0]


def reduced_delta():
    """The dedup.delta whose reduced data split 'reduced' trains on and whose contamination split
    'decontaminated' removes."""
    return config["dedup"]["reduced_delta"]


def pruned_pool_dir(benchmark):
    """The pruning run (first prune.lambda, first prune.target) whose pool the remastered benchmark
    and split 'pruned' use."""
    return f"results/{benchmark}/prune/lambda~{config['prune']['lambda'][0]}/target~{config['prune']['target'][0]}"


def pseudo_options(boost, cost=None):
    """The options of one pseudo-specialist injection (config `pseudo`) as a rule param."""
    section = config["pseudo"]
    fields = {key: section[key] for key in ("targets", "n_targets", "max_best_minus_mean", "min_share", "accuracy", "seed")}
    return PseudoOptions(**fields, boost=float(boost), cost=section["cost"] if cost is None else cost).params()


def benchmark_cost_types(benchmark):
    return benchmark_config(benchmark)["cost_types"]


def benchmark_generalist(benchmark):
    """benchmarks.<b>.generalist, else specialist.generalist (null: the heuristic's choice per budget)."""
    return benchmark_config(benchmark)["generalist"] or config["specialist"]["generalist"]


# --------------------------------------------------------------------------- splits
def split_kind(split):
    """'ood-math' -> 'ood', 'frac-0.5' -> 'frac', else the name itself."""
    return split.split("-", 1)[0] if split.startswith(("ood-", "frac-")) else split


def ood_group_defined(benchmark, split):
    groups = benchmark_config(benchmark)["ood_groups"]
    return split in groups or split[len("ood-"):] in groups


def experiment_splits(benchmark):
    """Splits of the category-redundancy experiments (config `categories`): frac-<f> for every
    training fraction below 1, and catdrop unless categories.drop_similarity is null; both need
    prompts (category embeddings)."""
    if not has_prompts(benchmark):
        return []
    catdrop = ["catdrop"] if config["categories"]["drop_similarity"] is not None else []
    return [f"frac-{f:g}" for f in config["categories"]["train_fractions"] if f < 1] + catdrop


def benchmark_splits(benchmark):
    """Config `splits` that apply to a benchmark (reduced/catdrop/decontaminated need prompts,
    ood-<g> its group), then the category-redundancy experiment splits."""
    names = []
    for split in list(dict.fromkeys(config["splits"] + experiment_splits(benchmark))):
        kind = split_kind(split)
        if kind in ("reduced", "catdrop", "decontaminated") and not has_prompts(benchmark):
            continue
        if kind == "ood" and not ood_group_defined(benchmark, split):
            continue
        names.append(split)
    return names


def pruned_pool_splits(benchmark):
    """The configured splits whose pool is the pruned one (the binary trade-off runs on them too)."""
    return [s for s in benchmark_splits(benchmark) if split_kind(s) in ("remastered", "pruned")]


# --------------------------------------------------------------------------- routers
def router_spec(method):
    return config["routers"][method]


def router_uses_embeddings(method):
    """Whether a configured router reads embeddings (routerbench_plus.routers, the router registry)."""
    return needs_embeddings(method, router_spec(method), [workflow.basedir])


def benchmark_methods(benchmark):
    """Every configured router; benchmarks without prompts only get the embedding-free ones."""
    return [m for m in config["routers"] if has_prompts(benchmark) or not router_uses_embeddings(m)]


def picks_files(benchmark, split, costs, methods=None):
    """Picks files of a split, cost-major then method (the scripts rebuild the same order from params)."""
    return [
        f"results/{benchmark}/routers/split~{split}/method~{m}/picks_cost~{c}.parquet"
        for c in costs
        for m in (methods or benchmark_methods(benchmark))
    ]


# --------------------------------------------------------------------------- evaluation
def eval_dir(benchmark, split):
    return f"results/{benchmark}/eval/split~{split}"


def evaluated_splits(benchmark):
    """The splits every router is evaluated on (none without a router)."""
    return benchmark_splits(benchmark) if benchmark_methods(benchmark) else []


def evaluated_against_standard(benchmark):
    """Whether split standard is evaluated (the OOD, agreement and Table 1 comparisons need it)."""
    return "standard" in evaluated_splits(benchmark)


def per_split_tables(folder, *names):
    """Input function of a per-benchmark figure with a panel per evaluated split: {name:
    [eval/split~<s>/<folder>/<name>.parquet for every split]}; ``folder`` may name wildcards ('cost~{cost}')."""

    def inputs(w):
        sub = folder.format(**dict(w.items()))
        return {name: [f"{eval_dir(w.benchmark, s)}/{sub}/{name}.parquet" for s in evaluated_splits(w.benchmark)]
                for name in names}

    return inputs


def bootstrap_params():
    """The paired bootstrap's settings (config `evaluation`), as the evaluation rules' params."""
    section = config["evaluation"]
    return {"resamples": section["bootstrap_resamples"], "seed": section["bootstrap_seed"], "confidence": section["confidence"]}


def eval_picks(benchmark, split):
    """Input function part: every router's picks of a split, every cost type."""
    return picks_files(benchmark, split, benchmark_cost_types(benchmark))
