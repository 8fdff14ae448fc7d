# Every function the workflow's rules use (Snakemake's linter wants functions apart from rules). Accessors of
# the config (its defaults are filled from config/schema.yaml by `validate` in the Snakefile),
# canonical paths, wildcard constraints, the target registry, the report's outputs; then one section
# per stage, in the order of the Snakefile's includes, with that stage's input functions and the
# function that lists its final outputs (tables, figures and report tables under one condition).
import os
import re

from routerbench_plus.ingest.adapters import default_cost_types
from routerbench_plus.embed import recorded_options as recorded_embed_options
from routerbench_plus.pseudo_specialists import PseudoOptions
from routerbench_plus.pseudo_specialists import cost_label as pseudo_cost_label
from routerbench_plus.routers import needs_embeddings, router_threads

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
    target=r"[0-9.]+",
    boost=r"[0-9.]+",
    cost=r"params|usd|tokens|latency",
    method=r"[A-Za-z0-9_-]+",
    split=r"[A-Za-z0-9_.-]+",
    pair=r"[A-Za-z0-9_.-]+",
    group=r"[A-Za-z0-9_.-]+",
    base=r"[A-Za-z0-9_.-]+",


# --------------------------------------------------------------------------- target registry
# Each rule file registers its stage's function benchmark -> list of its final outputs.
TARGET_FUNCTIONS = []


def register_targets(function):
    TARGET_FUNCTIONS.append(function)
    return function


def all_targets():
    return [path for benchmark in RUN for fn in TARGET_FUNCTIONS for path in fn(benchmark)]


# --------------------------------------------------------------------------- report outputs
# report() categories: one per stage, numbered like the study.
REPORT_SECTIONS = {
    "health": "0 Health card and the study's claims",
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


def prefixed(prefix, files):
    """The outputs of :func:`fig` / :func:`table` under keys ``<prefix>_<kind>``: several figures of one job."""
    return {f"{prefix}_{kind}": path for kind, path in files.items()}


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
    """benchmarks.<b>.cost_types; auto: the adapter's own (routerbench: usd, llmrouter: params and usd, else params)."""
    cost_types = benchmark_config(benchmark)["cost_types"]
    return default_cost_types(benchmark_config(benchmark)["adapter"]) if cost_types == "auto" else cost_types


def benchmark_generalist(benchmark):
    """benchmarks.<b>.generalist, else specialist.generalist (null: the heuristic's choice per budget)."""
    return benchmark_config(benchmark)["generalist"] or config["specialist"]["generalist"]


# --------------------------------------------------------------------------- splits
def split_kind(split):
    """'ood-math' -> 'ood', 'frac-0.5' -> 'frac', else the name itself."""
    return split.split("-", 1)[0] if split.startswith(("ood-", "frac-")) else split


def ood_group_defined(benchmark, split):
    groups = benchmark_config(benchmark)["ood_groups"]
    if groups == "auto":  # one group, 'auto': a seeded share of the categories (split.ood_share)
        return split in ("auto", "ood-auto")
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


# --------------------------------------------------------------------------- embed (rules/embed.smk)


def embed_targets(b):
    if not has_prompts(b):
        return []
    return [f"results/{b}/embed/{name}.parquet" for name in ("embeddings", "truncation_summary")] + table_files(
        b, "embed/truncation"
    )


def embed_provenance():
    """config `embed` as the embeddings' provenance records it: without long_prompts when it is
    `truncate` (the outputs of that setting stay those of before the option existed); the newer
    keys likewise (routerbench_plus.embed.recorded_options)."""
    options = recorded_embed_options(config["embed"])
    if options["long_prompts"] == "truncate":
        del options["long_prompts"]
    return options


def embed_threads():
    """torch threads of the embed job: 2, but 1 on a machine with two CPUs or fewer. There the rest of the
    DAG runs beside the embedding (everything that needs no embeddings), and a two-thread OpenMP team
    sharing two CPUs with other processes waits at every small op for its descheduled thread: the demo's
    2,376 prompts took 6 min with 2 threads and under 1 min with 1 on a busy 2-core machine (same
    vectors; docs/performance.md). `--set-threads embed=N` overrides it."""
    return 1 if (os.cpu_count() or 1) <= 2 else 2


# --------------------------------------------------------------------------- near_duplicates (rules/near_duplicates.smk)


def label_rule():
    """How two labels "differ" (dedup.soft_labels, binarise_threshold, label_tolerance)."""
    return {key: config["dedup"][key] for key in ("soft_labels", "binarise_threshold", "label_tolerance")}


def near_duplicates_targets(b):
    """Per dedup.delta: groups, reduced data, contamination and their figures (benchmarks with prompts);
    Table 1 when splits standard and reduced are evaluated."""
    out = []
    for delta in config["dedup"]["delta"] if has_prompts(b) else []:
        out += [f"results/{b}/dedup/delta~{delta}/{name}.parquet"
                for name in ("groups", "summary", "reduced/queries", "contamination_summary")]
        out += figure_files(b, f"dedup/delta~{delta}/group_sizes") + table_files(b, f"dedup/delta~{delta}/summary")
        out += figure_files(b, f"dedup/delta~{delta}/contamination") + table_files(b, f"dedup/delta~{delta}/contamination")
    if evaluated_against_standard(b) and "reduced" in evaluated_splits(b):
        out += [f"results/{b}/eval/original_vs_reduced.parquet"]
        out += figure_files(b, "original_vs_reduced") + table_files(b, "original_vs_reduced")
    return out


# --------------------------------------------------------------------------- categories (rules/categories.smk)


def catdrop_similarity():
    """categories.drop_similarity; null disables the catdrop experiment: nothing is flagged (no cosine exceeds 1)."""
    threshold = config["categories"]["drop_similarity"]
    return 1.0 if threshold is None else threshold


def fraction_splits(benchmark):
    """{train fraction: split} for the within-category experiment; f = 1.0 is the standard split."""
    return {float(f): ("standard" if f >= 1 else f"frac-{f:g}") for f in config["categories"]["train_fractions"]}


def fraction_curves(w):
    """Input function: the deferral curves of every fraction's split, fraction-major then cost type."""
    return [f"{eval_dir(w.benchmark, s)}/cost~{c}/curves.parquet"
            for s in fraction_splits(w.benchmark).values() for c in benchmark_cost_types(w.benchmark)]


def categories_targets(b):
    if not has_prompts(b):
        return []
    out = [f"results/{b}/categories/{name}.parquet" for name in ("similarity", "redundant")]
    out += figure_files(b, "category_similarity")
    if "catdrop" in benchmark_splits(b) and "standard" in benchmark_splits(b):
        for name in ("catdrop", "train_fraction"):
            out += [f"results/{b}/eval/{name}.parquet"] + figure_files(b, name) + table_files(b, name)
    return out


# --------------------------------------------------------------------------- specialist_score (rules/specialist_score.smk)


def specialist_score_targets(b):
    return [f"results/{b}/specialist/{name}.parquet" for name in ("scores", "counts", "detail")] + figure_files(
        b, "specialist_scores"
    ) + table_files(b, "specialist_counts")


# --------------------------------------------------------------------------- dominance (rules/dominance.smk)


def dominance_targets(b):
    return [f"results/{b}/dominance/{name}.parquet" for name in ("avg_rank", "top")] + figure_files(
        b, "average_rank"
    ) + table_files(b, "average_rank")


# --------------------------------------------------------------------------- prune (rules/prune.smk)


def prune_targets(b):
    out = [f"results/{b}/prune/jaccard.parquet"]
    for lam in config["prune"]["lambda"]:
        for target in config["prune"]["target"]:
            out += [f"results/{b}/prune/lambda~{lam}/target~{target}/{name}.parquet" for name in ("steps", "kept", "curve")]
            out += figure_files(b, f"prune/lambda~{lam}/target~{target}/pruning")
    if benchmark_pairs(b) and pruned_pool_splits(b):  # the pruned pools' trade-off needs both models
        out.append(f"{pruned_pool_dir(b)}/pairs.parquet")
    return out


def auto_pair_cost(benchmark):
    """The cost type whose cheapest and dearest models binary_pairs: auto pairs (pruning keeps them), else None."""
    return benchmark_cost_types(benchmark)[0] if benchmark_config(benchmark)["binary_pairs"] == "auto" else None


def prune_target_value(label):
    """A target~ wildcard back to its config value: a pool size (int) or a share of the pool (float < 1)."""
    value = float(label)
    return int(value) if value >= 1 and value == int(value) else value


# --------------------------------------------------------------------------- pseudo_specialists (rules/pseudo_specialists.smk)


def pseudo_cost_value(label):
    """A path label of the sweep back to the pseudo.cost value ('average' | 'median' | number)."""
    return label if label in ("average", "median") else float(label)


def pseudo_specialists_targets(b):
    out = []
    for boost in config["pseudo"]["boost"]:
        out += [f"results/{b}/pseudo/boost~{boost}/{name}.parquet" for name in ("selection", "queries", "models", "labels")]
        out += table_files(b, f"pseudo/boost~{boost}/selection")
    return out


# --------------------------------------------------------------------------- remaster (rules/remaster.smk)


def remaster_targets(b):
    """Every benchmark: a label-only one skips the deduplication step (the summary says so)."""
    names = ("queries", "models", "labels", "summary", "tasks", "selection")
    return [f"results/{b}/remaster/{name}.parquet" for name in names] + table_files(b, "remaster/summary")


def remaster_reduced(w):
    """Input function: the reduced queries (dedup.reduced_delta); a label-only benchmark skips
    deduplication (the summary says so)."""
    return f"results/{w.benchmark}/dedup/delta~{reduced_delta()}/reduced/queries.parquet" if has_prompts(w.benchmark) else []


# --------------------------------------------------------------------------- splits (rules/splits.smk)


def splits_targets(b):
    return [f"results/{b}/splits/split~{s}/summary.parquet" for s in benchmark_splits(b)]


def split_inputs(w):
    """Input function: the tables a split starts from, plus what its kind needs."""
    kind = split_kind(w.split)
    if kind == "remastered":
        files = data_files(f"results/{w.benchmark}/remaster")
    elif kind == "pseudo":
        files = data_files(f"results/{w.benchmark}/pseudo/boost~{first_boost()}")
    else:
        files = benchmark_data(w.benchmark)
    dedup = f"results/{w.benchmark}/dedup/delta~{reduced_delta()}"
    extra = {
        "reduced": {"reduced": f"{dedup}/reduced/queries.parquet"},
        "catdrop": {"redundant": f"results/{w.benchmark}/categories/redundant.parquet"},
        "decontaminated": {"contamination": f"{dedup}/contamination.parquet"},
        "pruned": {"kept": f"{pruned_pool_dir(w.benchmark)}/kept.parquet"},
    }
    return {**files, **extra.get(kind, {})}


# --------------------------------------------------------------------------- routers (rules/routers.smk)


def routers_targets(b):
    return [p for s in benchmark_splits(b) for p in picks_files(b, s, benchmark_cost_types(b))]


def train_router_inputs(w):
    """Input function: the split's tables, and the embeddings when the router reads them."""
    files = split_data(w.benchmark, w.split)
    if router_uses_embeddings(w.method):
        files["embeddings"] = f"results/{w.benchmark}/embed/embeddings.parquet"
    return files


ALL_COST_TYPES = ("params", "usd", "tokens", "latency")  # the `cost` wildcard's values (wildcard_constraints above)
# Cost types every configured benchmark has: routers_train routes them in its own job (a router's job
# starts once, not once more per cost type); routers_route routes the others (e.g. usd beside params).
TRAIN_ROUTE_COSTS = [c for c in benchmark_cost_types(next(iter(BENCHMARKS)))
                     if all(c in benchmark_cost_types(b) for b in BENCHMARKS)] if BENCHMARKS else []


def train_picks_outputs():
    """Outputs of routers_train beside the scores: the picks of every cost type of TRAIN_ROUTE_COSTS."""
    return {f"picks_{c}": f"results/{{benchmark}}/routers/split~{{split}}/method~{{method}}/picks_cost~{c}.parquet"
            for c in TRAIN_ROUTE_COSTS}


def route_only_costs():
    """The `cost` wildcard of routers_route: the cost types routers_train does not route itself."""
    return alternation([c for c in ALL_COST_TYPES if c not in TRAIN_ROUTE_COSTS])


# --------------------------------------------------------------------------- deferral (rules/deferral.smk)


def deferral_targets(b):
    splits, costs = evaluated_splits(b), benchmark_cost_types(b)
    out = [f"{eval_dir(b, s)}/cost~{c}/{name}.parquet" for s in splits for c in costs
           for name in ("curves", "models", "areas", "pairwise", "bands")]
    for c in costs if splits else []:
        out += figure_files(b, f"cost~{c}/deferral_curves") + figure_files(b, f"cost~{c}/areas")
        out += table_files(b, f"cost~{c}/areas")
    return out


# --------------------------------------------------------------------------- tradeoff (rules/tradeoff.smk)


def benchmark_pairs(benchmark):
    """benchmarks.<b>.binary_pairs; auto is one pair 'auto' (the cheapest vs the dearest model, resolved from
    the models table by the rules that use it: routerbench_plus.tradeoff.auto_pair)."""
    pairs = benchmark_config(benchmark)["binary_pairs"]
    return {"auto": ["auto", "auto"]} if pairs == "auto" else pairs


def pair_models(w):
    return benchmark_pairs(w.benchmark)[w.pair]


def tradeoff_targets(b):
    splits = evaluated_splits(b)
    pairs = benchmark_pairs(b) if splits else {}
    out = [f"{eval_dir(b, s)}/tradeoff/pair~{p}/{name}.parquet" for s in splits for p in pairs
           for name in ("curves", "areas", "pairwise")]
    for p in pairs:
        out += figure_files(b, f"tradeoff/pair~{p}") + table_files(b, f"tradeoff/pair~{p}")
    return out


# --------------------------------------------------------------------------- compare (rules/compare.smk)
# Split kinds trained differently from 'standard' but scored on its test queries (and so comparable
# with it, paired query by query); 'remastered' has its own test queries.
COMPARABLE_SPLIT_KINDS = ("reduced", "decontaminated", "pruned", "catdrop", "frac", "ood", "pseudo")


def compare_path(benchmark, split, cost, base="standard"):
    return f"results/{benchmark}/eval/compare/base~{base}/split~{split}/cost~{cost}.parquet"


def compared_splits(benchmark):
    """Splits compared with split standard: 'reduced' (the study's Table 1) and every split whose name
    or kind is listed in evaluation.compare_splits (config/schema.yaml admits only comparable kinds),
    among the evaluated splits; a kind without a split in this run is skipped."""
    if not evaluated_against_standard(benchmark):
        return []
    wanted = set(config["evaluation"]["compare_splits"]) | {"reduced"}
    return [s for s in evaluated_splits(benchmark) if s != "standard" and split_kind(s) in COMPARABLE_SPLIT_KINDS
            and (s in wanted or split_kind(s) in wanted)]


def compare_targets(b):
    out = []
    for split in compared_splits(b):
        for cost in benchmark_cost_types(b):
            out.append(compare_path(b, split, cost))
            if split != "reduced":  # Table 1 shows the reduced comparison (rules/near_duplicates.smk)
                stem = f"compare/base~standard/split~{split}/cost~{cost}"
                out += figure_files(b, stem) + table_files(b, stem)
    return out


# --------------------------------------------------------------------------- ood (rules/ood.smk)


def ood_splits(benchmark):
    """{group key: split name} of the evaluated OOD splits (split 'ood-<g>' or the key itself)."""
    groups = benchmark_config(benchmark)["ood_groups"]
    groups = {"auto": "auto"} if groups == "auto" else groups
    return {(s if s in groups else s[len("ood-"):]): s for s in evaluated_splits(benchmark) if split_kind(s) == "ood"}


def ood_split(benchmark, group):
    splits = ood_splits(benchmark)
    if group not in splits:
        raise ValueError(
            f"benchmarks.{benchmark}.ood_groups: no OOD split for group '{group}' in config 'splits' "
            f"(OOD splits: {sorted(splits.values())})"
        )
    return splits[group]


def ood_group_categories(benchmark, group):
    """The held-out categories of an OOD group: its config list, or 'auto' (the OOD script draws the
    split rule's seeded share of the categories)."""
    groups = benchmark_config(benchmark)["ood_groups"]
    return "auto" if groups == "auto" else groups[group]


def ood_targets(b):
    out = []
    for group in ood_splits(b) if evaluated_against_standard(b) else []:
        out += [f"results/{b}/eval/ood/group~{group}.parquet"]
        out += figure_files(b, f"ood/group~{group}") + table_files(b, f"ood/group~{group}")
    return out


# --------------------------------------------------------------------------- agreement (rules/agreement.smk)


def reference_method(benchmark):
    """The heuristic router agreement is measured against (None when none is configured)."""
    names = [m for m in benchmark_methods(benchmark) if router_spec(m)["type"] == "heuristic"]
    return names[0] if names else None


def agreement_targets(b):
    if not (evaluated_against_standard(b) and "pseudo" in evaluated_splits(b) and reference_method(b)):
        return []
    return [f"results/{b}/eval/agreement.parquet"] + figure_files(b, "agreement") + table_files(b, "agreement")


# --------------------------------------------------------------------------- sweeps (rules/sweeps.smk)
# The pseudo-cost sweep: one split 'pseudocost-<value>' per pseudo.cost_sweep value (or the pseudo split
# itself for the configured pseudo.cost), trained with the sweep's routers.
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


def sweeps_targets(b):
    params = (["delta"] if has_prompts(b) else []) + ["prune", "boost"]  # the sweeps whose per-value outputs b has
    out = []
    for p in params:
        out += [f"results/{b}/sweeps/{p}.parquet"] + figure_files(b, f"sweeps/{p}")
        out += table_files(b, f"sweeps/{p}", ("html",))
    if PSEUDO_COST_SWEEP and pseudo_cost_methods(b):
        out += [f"results/{b}/sweeps/pseudo_cost.parquet"] + figure_files(b, "sweeps/pseudo_cost")
        out += table_files(b, "sweeps/pseudo_cost")
    return out


# --------------------------------------------------------------------------- health (rules/health.smk)
HEALTH_COMPARE = "results/compare"  # the cards and claims of every benchmark of `run`, side by side
NO_PROMPTS = "no prompt text (label-only benchmark): no embeddings"


def health_sources(benchmark):
    """{table name (routerbench_plus.health.SOURCES): path, or None and why it is absent} of a health card."""
    b, cost = benchmark, benchmark_cost_types(benchmark)[0]
    dedup = f"results/{b}/dedup/delta~{reduced_delta()}"
    prompts = has_prompts(b)
    standard = evaluated_against_standard(b)
    out = {name: path for name, path in benchmark_data(b).items() if name != "labels"}
    out["dedup_summary"] = f"{dedup}/summary.parquet" if prompts else (None, NO_PROMPTS)
    out["contamination_summary"] = f"{dedup}/contamination_summary.parquet" if prompts else (None, NO_PROMPTS)
    out["avg_rank"] = f"results/{b}/dominance/avg_rank.parquet"
    out["specialist_scores"] = f"results/{b}/specialist/scores.parquet"
    if not prompts:
        out["redundant"] = (None, NO_PROMPTS)
    elif config["categories"]["drop_similarity"] is None:
        out["redundant"] = (None, "categories.drop_similarity is null: no category is flagged")
    else:
        out["redundant"] = f"results/{b}/categories/redundant.parquet"
    out["prune_curve"] = f"{pruned_pool_dir(b)}/curve.parquet"
    no_standard = (None, "split standard is not evaluated (config splits, or no router)")
    for name, table in (("areas", "areas"), ("pairwise", "pairwise"), ("model_points", "models")):
        out[name] = f"{eval_dir(b, 'standard')}/cost~{cost}/{table}.parquet" if standard else no_standard
    compared = compared_splits(b)
    out["compare_reduced"] = (compare_path(b, "reduced", cost) if "reduced" in compared else
                              (None, NO_PROMPTS if not prompts else "split reduced is not in config splits"))
    out["compare_pruned"] = (compare_path(b, "pruned", cost) if "pruned" in compared else
                             (None, "split pruned is not in config splits / evaluation.compare_splits"))
    knn_split = health_knn_split(b)
    for name, table in (("knn_areas", "areas"), ("knn_pairwise", "pairwise")):
        out[name] = f"{eval_dir(b, knn_split)}/cost~{cost}/{table}.parquet" if knn_split else no_standard
    out["agreement"] = (f"results/{b}/eval/agreement.parquet" if agreement_targets(b) else
                        (None, "the agreement table needs splits standard and pseudo and a heuristic router"))
    out["pseudo_selection"] = f"results/{b}/pseudo/boost~{first_boost()}/selection.parquet"
    return out


def health_inputs(w):
    """Input function: the tables of the health card that this benchmark's run has."""
    return {name: path for name, path in health_sources(w.benchmark).items() if isinstance(path, str)}


def health_missing(benchmark):
    """{table name: why it is absent} (the card's n/a findings and untestable claims say it)."""
    return {name: path[1] for name, path in health_sources(benchmark).items() if not isinstance(path, str)}


def health_knn_split(benchmark):
    """The split the 'K-NN is best' claim is read on: remastered (the study's Fig. 7), else standard."""
    splits = evaluated_splits(benchmark)
    return "remastered" if "remastered" in splits else "standard" if "standard" in splits else None


def first_of_type(benchmark, kind):
    names = [m for m in benchmark_methods(benchmark) if router_spec(m)["type"] == kind]
    return names[0] if names else None


def health_routers(benchmark):
    """The routers the card and claims read: the learned ones (they read embeddings), K-NN, heuristic, oracle."""
    return {
        "learned": [m for m in benchmark_methods(benchmark) if router_uses_embeddings(m)],
        "knn": first_of_type(benchmark, "knn"),
        "heuristic": reference_method(benchmark),
        "oracle": first_of_type(benchmark, "oracle"),
        "knn_split": health_knn_split(benchmark) or "standard",
    }


def health_targets(b):
    """The card and claims of every benchmark; with several benchmarks in `run`, the comparison (once)."""
    out = [f"results/{b}/health/{name}.{kind}" for name in ("card", "claims") for kind in ("parquet", "html")]
    if len(RUN) > 1 and b == RUN[0]:
        out += [f"{HEALTH_COMPARE}/{name}" for name in ("cards.parquet", "claims.parquet", "cards.html", "claims.html",
                                                       "figures/health.png", "figures/health.pdf")]
    return out
