# Shared helpers: benchmark lookup, canonical paths, wildcard constraints, target registry.
import os
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


# --------------------------------------------------------------------------- splits helpers
def split_kind(split):
    """'ood-math' -> 'ood', 'frac-0.5' -> 'frac', else the name itself."""
    return split.split("-", 1)[0] if split.startswith(("ood-", "frac-")) else split


def ood_group_defined(benchmark, split):
    groups = benchmark_config(benchmark).get("ood_groups", {})
    return split in groups or split[len("ood-"):] in groups


# cosine above which a category counts as redundant (the catdrop split); null disables catdrop
CATDROP_SIMILARITY = config.get("categories", {}).get("drop_similarity", 0.95)


def experiment_splits(benchmark):
    """Splits of the category-redundancy experiments (config `categories`): frac-<f> for every
    training fraction below 1, and catdrop unless categories.drop_similarity is null; both need
    prompts (category embeddings)."""
    if not has_prompts(benchmark):
        return []
    settings = config.get("categories", {})
    catdrop = ["catdrop"] if CATDROP_SIMILARITY is not None else []
    return [f"frac-{f:g}" for f in settings.get("train_fractions", []) if f < 1] + catdrop


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


def split_inputs(w):
    """The upstream tables a split starts from, plus what its kind needs."""
    kind = split_kind(w.split)
    if kind == "remastered":
        files = data_files(f"results/{w.benchmark}/remaster")
    elif kind == "pseudo":
        files = data_files(f"results/{w.benchmark}/pseudo/boost~{config['pseudo']['boost'][0]}")
    else:
        files = benchmark_data(w.benchmark)
    if kind == "reduced":
        files["reduced"] = f"results/{w.benchmark}/dedup/delta~{config['dedup']['reduced_delta']}/reduced/queries.parquet"
    if kind == "catdrop":
        files["redundant"] = f"results/{w.benchmark}/categories/redundant.parquet"
    if kind == "decontaminated":
        files["contamination"] = contamination_pairs(w.benchmark)
    if kind == "pruned":  # the pool of the first prune.lambda / prune.target, like the remastered benchmark
        prune = config.get("prune", {})
        files["kept"] = f"results/{w.benchmark}/prune/lambda~{prune.get('lambda', [0.5])[0]}/target~{prune.get('target', [20])[0]}/kept.parquet"
    return files


def contamination_pairs(benchmark):
    """The contamination pair table the decontaminated split removes (at dedup.reduced_delta)."""
    return f"results/{benchmark}/dedup/delta~{config['dedup']['reduced_delta']}/contamination.parquet"


# --------------------------------------------------------------------------- routers helpers
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


def router_picks(benchmark, splits=None, methods=None, costs=None):
    """Picks files for a benchmark (defaults: its splits x methods x cost types)."""
    return [
        f"results/{benchmark}/routers/split~{s}/method~{m}/picks_cost~{c}.parquet"
        for s in (splits or benchmark_splits(benchmark))
        for m in (methods or benchmark_methods(benchmark))
        for c in (costs or benchmark_cost_types(benchmark))
    ]


# --------------------------------------------------------------------------- evaluation helpers
def eval_dir(benchmark, split):
    return f"results/{benchmark}/eval/split~{split}"


def eval_picks(benchmark, split, costs, methods=None):
    """Picks files, cost-major then method (the scripts rebuild the same order from params)."""
    return [
        f"results/{benchmark}/routers/split~{split}/method~{m}/picks_cost~{c}.parquet"
        for c in costs
        for m in (methods or benchmark_methods(benchmark))
    ]


def eval_ood_splits(benchmark):
    """{group key: split name} for the OOD splits of a benchmark (split 'ood-<g>' or the key itself)."""
    groups = benchmark_config(benchmark).get("ood_groups", {})
    return {
        (s if s in groups else s[len("ood-"):]): s
        for s in benchmark_splits(benchmark)
        if split_kind(s) == "ood"
    }


def eval_ood_split(benchmark, group):
    splits = eval_ood_splits(benchmark)
    if group not in splits:
        raise ValueError(
            f"benchmarks.{benchmark}.ood_groups: no OOD split for group '{group}' in config 'splits' "
            f"(OOD splits: {sorted(splits.values())})"
        )
    return splits[group]


def eval_reference_method(benchmark):
    """The heuristic router agreement is measured against (None when none is configured)."""
    names = [m for m in benchmark_methods(benchmark) if config["routers"][m]["type"] == "heuristic"]
    return names[0] if names else None


# Split kinds trained differently from 'standard' but scored on its test queries (and so comparable
# with it, paired query by query); 'remastered' has its own test queries.
COMPARABLE_SPLIT_KINDS = ("reduced", "decontaminated", "pruned", "catdrop", "frac", "ood", "pseudo")


def eval_compare_path(benchmark, base, split, cost):
    return f"results/{benchmark}/eval/compare/base~{base}/split~{split}/cost~{cost}.parquet"


def eval_compare_splits(benchmark):
    """Splits the compare_splits job compares with split 'standard': 'reduced' (the study's Table 1)
    and every split whose name or kind is listed in evaluation.compare_splits, among the benchmark's
    splits (config/schema.yaml admits only comparable kinds); a kind without a split in this run is
    skipped."""
    listed = config.get("evaluation", {}).get("compare_splits", ["reduced"])
    splits = benchmark_splits(benchmark)
    if "standard" not in splits:
        return []
    wanted = set(listed) | {"reduced"}
    return [s for s in splits if s != "standard" and split_kind(s) in COMPARABLE_SPLIT_KINDS
            and (s in wanted or split_kind(s) in wanted)]


def eval_targets(benchmark):
    splits = benchmark_splits(benchmark)
    if not benchmark_methods(benchmark):
        return []
    out = [
        f"{eval_dir(benchmark, s)}/cost~{c}/{name}.parquet"
        for s in splits
        for c in benchmark_cost_types(benchmark)
        for name in ("curves", "models", "areas", "pairwise", "bands")
    ]
    out += [  # also on the pruned pools (remastered, pruned): prune_pairs stops the run if pruning removed a pair's model
        f"{eval_dir(benchmark, s)}/tradeoff/pair~{p}/{name}.parquet"
        for s in splits
        for p in benchmark_config(benchmark).get("binary_pairs", {})
        for name in ("curves", "areas", "pairwise")
    ]
    out += [
        eval_compare_path(benchmark, "standard", s, c)
        for s in eval_compare_splits(benchmark)
        for c in benchmark_cost_types(benchmark)
    ]
    if "standard" in splits:
        out += [f"results/{benchmark}/eval/ood/group~{g}.parquet" for g in eval_ood_splits(benchmark)]
        if "pseudo" in splits and eval_reference_method(benchmark):
            out.append(f"results/{benchmark}/eval/agreement.parquet")
        if "reduced" in splits:
            out.append(f"results/{benchmark}/eval/original_vs_reduced.parquet")
    return out


# --------------------------------------------------------------------------- pseudo-specialists and pruning helpers
def pseudo_cost_value(label):
    """A path label of the sweep back to the pseudo.cost value ('average' | 'median' | number)."""
    return label if label in ("average", "median") else float(label)


def pseudo_cost_split(benchmark, label):
    """The split of one sweep value: the `pseudo` split itself when it is the configured pseudo.cost."""
    from routerbench_plus.pseudo import cost_label

    if label == cost_label(config.get("pseudo", {}).get("cost", "average")) and "pseudo" in benchmark_splits(benchmark):
        return "pseudo"
    return f"pseudocost-{label}"


def pseudo_cost_methods(benchmark):
    """The sweep's routers this benchmark runs (prompt-free benchmarks: the embedding-free ones)."""
    wanted = config.get("pseudo", {}).get("cost_sweep_methods", ["knn", "heuristic", "oracle"])
    unknown = [m for m in wanted if m not in config["routers"]]
    if unknown:
        sys.exit(f"RouterBench+ config error: config key pseudo.cost_sweep_methods names {unknown}, which are not "
                 f"under 'routers' ({list(config['routers'])})")
    methods = [m for m in wanted if m in benchmark_methods(benchmark)]
    if not any(router_spec(m)["type"] == "heuristic" for m in methods):
        sys.exit("RouterBench+ config error: config key pseudo.cost_sweep_methods needs a router of type 'heuristic' "
                 "(the agreement reference)")
    return methods


def pruned_pool_splits(benchmark):
    """The configured splits whose pool is the pruned one (the binary trade-off runs on them too)."""
    return [s for s in benchmark_splits(benchmark) if split_kind(s) in ("remastered", "pruned")]


# --------------------------------------------------------------------------- category_experiments helpers
def fraction_splits(benchmark):
    """{train fraction: split} for the within-category experiment; f = 1.0 is the standard split."""
    fractions = config.get("categories", {}).get("train_fractions", [])
    return {float(f): ("standard" if f >= 1 else f"frac-{f:g}") for f in fractions}


# --------------------------------------------------------------------------- embed helpers
def prompt_benchmarks():
    return [b for b in BENCHMARKS if has_prompts(b)]


def embed_options():
    """config `embed`, without long_prompts when it is the default `truncate`: the default's params
    and provenance (hence its outputs, byte for byte) stay those of before the option existed."""
    options = dict(config.get("embed", {}))
    if options.get("long_prompts", "truncate") == "truncate":
        options.pop("long_prompts", None)
    return options


# --------------------------------------------------------------------------- near_duplicates helpers
def dedup_deltas():
    """The configured thresholds (dedup.delta, a list sweeps)."""
    return list(DEDUP.get("delta", [0.999]))


# --------------------------------------------------------------------------- figures helpers
def fig(stem, category, subcategory, caption, labels):
    """PNG (in the report) and PDF of one figure."""
    return {
        "png": report(f"{stem}.png", category=category, subcategory=subcategory,
                      caption=f"../report/{caption}.rst", labels=labels),
        "pdf": f"{stem}.pdf",
    }


def table(stem, category, subcategory, caption, labels):
    """HTML (in the report) and CSV of one table."""
    return {
        "html": report(f"{stem}.html", category=category, subcategory=subcategory,
                       caption=f"../report/{caption}.rst", labels=labels),
        "csv": f"{stem}.csv",
    }


def upstream_targets(benchmark):
    """Outputs the other rule files register for a benchmark (the tables figures may plot)."""
    return [p for fn in TARGET_FUNCTIONS if fn is not figure_targets for p in fn(benchmark)]


def figure_splits(benchmark, table):
    """Splits, in registration order, whose results/<b>/eval/split~<s>/<table> is registered: the
    panels of a per-benchmark figure (table e.g. 'cost~params/curves.parquet')."""
    pattern = re.compile(f"{re.escape(eval_dir(benchmark, ''))}([^/]+)/{re.escape(table)}")
    found = (pattern.fullmatch(p) for p in upstream_targets(benchmark))
    return list(dict.fromkeys(m.group(1) for m in found if m))


def per_split_tables(folder, *names):
    """Input function of a per-benchmark figure: {name: [eval/split~<s>/<folder>/<name>.parquet for
    every split of figure_splits]}; ``folder`` may name wildcards ('cost~{cost}')."""

    def inputs(w):
        sub = folder.format(**dict(w.items()))
        splits = figure_splits(w.benchmark, f"{sub}/{names[0]}.parquet")
        return {name: [f"{eval_dir(w.benchmark, s)}/{sub}/{name}.parquet" for s in splits] for name in names}

    return inputs


def sweep_keys(benchmark, param):
    """The swept values of a config sweep, as tuples (the wildcard values of its paths)."""
    if param == "delta":
        return [[d] for d in config.get("dedup", {}).get("delta", [])]
    if param == "prune":
        cfg = config.get("prune", {})
        return [[lam, target] for lam in cfg.get("lambda", []) for target in cfg.get("target", [])]
    if param == "boost":
        return [[x] for x in config.get("pseudo", {}).get("boost", [])]
    raise ValueError(f"unknown sweep '{param}'")


def sweep_inputs(w):
    b = w.benchmark
    keys = sweep_keys(b, w.param)
    if w.param == "delta":
        return {"summary": [f"results/{b}/dedup/delta~{d}/summary.parquet" for (d,) in keys]}
    if w.param == "prune":
        return {
            kind: [f"results/{b}/prune/lambda~{lam}/target~{target}/{kind}.parquet" for lam, target in keys]
            for kind in ("kept", "steps")
        }
    return {"selection": [f"results/{b}/pseudo/boost~{x}/selection.parquet" for (x,) in keys]}


def first_boost():
    return config.get("pseudo", {}).get("boost", [0.25])[0]


# (pattern of a target registered by another rule file, below results/<benchmark>/; the figure and
# table stems it enables, below the same folder). Per-split evaluation tables enable one figure per
# benchmark (x cost / x pair) with a panel per split (its inputs: per_split_tables).
FIGURE_OF_TARGET = [
    (r"eval/split~(?P<split>[^/]+)/cost~(?P<cost>[^/]+)/curves\.parquet",
     ["figures/cost~{cost}/deferral_curves.png", "figures/cost~{cost}/deferral_curves.pdf"]),
    (r"eval/split~(?P<split>[^/]+)/cost~(?P<cost>[^/]+)/areas\.parquet",
     ["figures/cost~{cost}/areas.png", "figures/cost~{cost}/areas.pdf",
      "tables/cost~{cost}/areas.html", "tables/cost~{cost}/areas.csv"]),
    (r"eval/split~(?P<split>[^/]+)/tradeoff/pair~(?P<pair>[^/]+)/curves\.parquet",
     ["figures/tradeoff/pair~{pair}.png", "figures/tradeoff/pair~{pair}.pdf",
      "tables/tradeoff/pair~{pair}.html", "tables/tradeoff/pair~{pair}.csv"]),
    (r"eval/ood/group~(?P<group>[^/]+)\.parquet",
     ["figures/ood/group~{group}.png", "figures/ood/group~{group}.pdf",
      "tables/ood/group~{group}.html", "tables/ood/group~{group}.csv"]),
    # Table 1 shows the reduced comparison; every other compared split gets its own figure and table
    (r"eval/compare/base~(?P<base>[^/]+)/split~(?P<split>(?!reduced/)[^/]+)/cost~(?P<cost>[^/]+)\.parquet",
     ["figures/compare/base~{base}/split~{split}/cost~{cost}.png",
      "figures/compare/base~{base}/split~{split}/cost~{cost}.pdf",
      "tables/compare/base~{base}/split~{split}/cost~{cost}.html",
      "tables/compare/base~{base}/split~{split}/cost~{cost}.csv"]),
    (r"eval/original_vs_reduced\.parquet",
     ["figures/original_vs_reduced.png", "figures/original_vs_reduced.pdf",
      "tables/original_vs_reduced.html", "tables/original_vs_reduced.csv"]),
    (r"eval/agreement\.parquet",
     ["figures/agreement.png", "figures/agreement.pdf", "tables/agreement.html", "tables/agreement.csv"]),
    (r"eval/catdrop\.parquet",
     ["figures/catdrop.png", "figures/catdrop.pdf", "tables/catdrop.html", "tables/catdrop.csv"]),
    (r"eval/train_fraction\.parquet",
     ["figures/train_fraction.png", "figures/train_fraction.pdf", "tables/train_fraction.html",
      "tables/train_fraction.csv"]),
    (r"dedup/delta~(?P<delta>[^/]+)/summary\.parquet",
     ["figures/dedup/delta~{delta}/group_sizes.png", "figures/dedup/delta~{delta}/group_sizes.pdf",
      "tables/dedup/delta~{delta}/summary.html", "tables/dedup/delta~{delta}/summary.csv"]),
    (r"dedup/delta~(?P<delta>[^/]+)/contamination_summary\.parquet",
     ["figures/dedup/delta~{delta}/contamination.png", "figures/dedup/delta~{delta}/contamination.pdf",
      "tables/dedup/delta~{delta}/contamination.html", "tables/dedup/delta~{delta}/contamination.csv"]),
    (r"embed/truncation_summary\.parquet", ["tables/embed/truncation.html", "tables/embed/truncation.csv"]),
    (r"categories/similarity\.parquet", ["figures/category_similarity.png", "figures/category_similarity.pdf"]),
    (r"specialist/scores\.parquet",
     ["figures/specialist_scores.png", "figures/specialist_scores.pdf",
      "tables/specialist_counts.html", "tables/specialist_counts.csv"]),
    (r"dominance/avg_rank\.parquet",
     ["figures/average_rank.png", "figures/average_rank.pdf", "tables/average_rank.html", "tables/average_rank.csv"]),
    (r"prune/lambda~(?P<lam>[^/]+)/target~(?P<target>[^/]+)/curve\.parquet",
     ["figures/prune/lambda~{lam}/target~{target}/pruning.png", "figures/prune/lambda~{lam}/target~{target}/pruning.pdf"]),
    (r"pseudo/boost~(?P<boost>[^/]+)/selection\.parquet",
     ["tables/pseudo/boost~{boost}/selection.html", "tables/pseudo/boost~{boost}/selection.csv"]),
    (r"remaster/summary\.parquet", ["tables/remaster/summary.html", "tables/remaster/summary.csv"]),
    # one sweep summary per swept parameter, as soon as one of its per-value outputs is registered
    (r"dedup/delta~[^/]+/summary\.parquet",
     ["sweeps/delta.parquet", "figures/sweeps/delta.png", "figures/sweeps/delta.pdf", "tables/sweeps/delta.html"]),
    (r"prune/lambda~[^/]+/target~[^/]+/kept\.parquet",
     ["sweeps/prune.parquet", "figures/sweeps/prune.png", "figures/sweeps/prune.pdf", "tables/sweeps/prune.html"]),
    (r"pseudo/boost~[^/]+/selection\.parquet",
     ["sweeps/boost.parquet", "figures/sweeps/boost.png", "figures/sweeps/boost.pdf", "tables/sweeps/boost.html"]),
    (r"sweeps/pseudo_cost\.parquet",
     ["figures/sweeps/pseudo_cost.png", "figures/sweeps/pseudo_cost.pdf", "tables/sweeps/pseudo_cost.html",
      "tables/sweeps/pseudo_cost.csv"]),
]
FIGURE_OF_TARGET = [(re.compile(f"results/(?P<b>[^/]+)/{pattern}"), stems) for pattern, stems in FIGURE_OF_TARGET]


def figure_targets(benchmark):
    """Figures and tables whose input tables the other rule files register for this benchmark."""
    out = {}
    for path in upstream_targets(benchmark):
        for pattern, stems in FIGURE_OF_TARGET:
            match = pattern.fullmatch(path)
            if match:
                fields = match.groupdict()
                for stem in stems:
                    out[f"results/{fields['b']}/{stem.format(**fields)}"] = None
    return list(out)
