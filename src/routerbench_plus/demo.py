"""Seeded demo benchmark with planted ground truth.

``generate`` builds a small benchmark whose flaws are known in advance, so every audit stage can
be tested against the truth:

* categories ``cat-00``.. whose prompts are drawn from a themed vocabulary (astronomy, cooking, ...),
  so sentence embeddings cluster by category;
* generalists ``gen-<size>-<params>b`` whose ability grows with log(params);
* specialists ``spec-<k>-<params>b`` that are clearly the best model on 1-3 categories and mediocre
  elsewhere (variant "specialists" only);
* redundant near-copies ``copy-<model>`` (the original's labels with ~2 % flipped);
* with >= 12 categories, a redundant category: the last one draws from the vocabulary of the one
  before it, so their mean embeddings nearly coincide (truth table ``redundant_categories``);
* near-duplicate query groups (same prompt up to letter case / trailing whitespace) whose labels are
  drawn independently, so the groups carry label disagreement.

Labels follow an item-response model: P(correct) = sigmoid(ability_m + skill_{m,c} - difficulty_q).
The vocabulary is a data file shipped with the package (``demo_vocabulary.yaml``). The full-scale
EmbedLLM-layout writer that reuses the prompt generator lives in ``bench/embedllm_layout.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd
import yaml

from . import store
from .errors import ConfigError
from .splits import assign_random_split

# --------------------------------------------------------------------------- vocabulary

VOCABULARY_FILE = "demo_vocabulary.yaml"  # package data: themes (one per category) and filler words


def _load_vocabulary() -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """(theme name -> words, filler words) from the package's vocabulary file."""
    data = yaml.safe_load(resources.files("routerbench_plus").joinpath(VOCABULARY_FILE).read_text(encoding="utf-8"))
    return {name: tuple(words.split()) for name, words in data["themes"].items()}, tuple(data["filler"].split())


# Themed word lists (category k uses theme k; themes are combined beyond the list's length) and
# the shared filler words (question scaffolding), drawn in every category.
THEMES, FILLER = _load_vocabulary()
FILLER_SHARE = 0.35  # share of words in a prompt drawn from FILLER


def category_names(n: int) -> list[str]:
    """``cat-00``, ``cat-01``, ... (zero-padded to at least two digits)."""
    width = max(2, len(str(n - 1)))
    return [f"cat-{k:0{width}d}" for k in range(n)]


def category_vocabulary(k: int) -> tuple[str, ...]:
    """Words of category k: theme k, or (beyond the theme list) a mix of two themes' halves."""
    themes = list(THEMES.values())
    n = len(themes)
    if k < n:
        return themes[k]
    a, r = k % n, k // n
    b = (a + 7 * r) % n
    if b == a:
        b = (a + 1) % n
    return themes[a][::2] + themes[b][1::2]


# With this many categories, the last one is planted as a near-copy of the one before it: it
# draws from the same vocabulary, so the category-redundancy stage has a pair to find.
REDUNDANT_CATEGORY_MIN = 12


def vocabulary_of(n_categories: int) -> np.ndarray:
    """Vocabulary index of each category (the planted near-copy category borrows its partner's)."""
    index = np.arange(n_categories)
    if n_categories >= REDUNDANT_CATEGORY_MIN:
        index[-1] = n_categories - 2
    return index


def make_prompts(
    rng: np.random.Generator,
    category_index: np.ndarray,
    n_categories: int,
    min_words: int,
    max_words: int,
) -> np.ndarray:
    """One prompt per entry of ``category_index``: random words of its category plus filler.

    Vectorised: all words are drawn at once and joined in one C-level string join.
    """
    vocabs = [np.asarray(category_vocabulary(k), dtype=object) for k in vocabulary_of(n_categories)]
    sizes = np.array([len(v) for v in vocabs])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    flat = np.concatenate(vocabs)
    filler = np.asarray(FILLER, dtype=object)

    n = len(category_index)
    lengths = rng.integers(min_words, max_words + 1, n)
    total = int(lengths.sum())
    word_cat = np.repeat(category_index, lengths)
    topical = flat[offsets[word_cat] + (rng.random(total) * sizes[word_cat]).astype(np.int64)]
    words = np.where(rng.random(total) < FILLER_SHARE, filler[rng.integers(0, len(filler), total)], topical)
    ends = np.cumsum(lengths) - 1
    starts = ends - lengths + 1
    words[starts] = np.char.capitalize(words[starts].astype(str)).astype(object)
    sep = np.full(total, " ", dtype=object)
    sep[ends] = np.where(rng.random(n) < 0.5, "?", ".").astype(object) + "\n"
    pieces = np.empty(2 * total, dtype=object)
    pieces[0::2] = words
    pieces[1::2] = sep
    return np.asarray("".join(pieces).split("\n")[:-1], dtype=object)


# --------------------------------------------------------------------------- model pool

# (name, params_b); ability grows with log(params_b). Some share a cost on purpose.
GENERALISTS: tuple[tuple[str, float], ...] = (
    ("gen-xs-0.5b", 0.5),
    ("gen-xs2-0.5b", 0.5),
    ("gen-s-1b", 1.0),
    ("gen-s2-1b", 1.0),
    ("gen-s-1.5b", 1.5),
    ("gen-s-2b", 2.0),
    ("gen-s-3b", 3.0),
    ("gen-s2-3b", 3.0),
    ("gen-m-7b", 7.0),
    ("gen-m2-7b", 7.0),
    ("gen-m3-7b", 7.0),
    ("gen-m-8b", 8.0),
    ("gen-m-13b", 13.0),
    ("gen-m2-13b", 13.0),
    ("gen-m-14b", 14.0),
    ("gen-l-30b", 30.0),
    ("gen-l-34b", 34.0),
    ("gen-l2-34b", 34.0),
    ("gen-l-40b", 40.0),
    ("gen-xl-65b", 65.0),
    ("gen-xl-70b", 70.0),
    ("gen-xl2-70b", 70.0),
)
TOP_MODEL = "gen-xl-70b"
SPECIALISTS: tuple[tuple[str, float], ...] = (
    ("spec-1-3b", 3.0),
    ("spec-2-7b", 7.0),
    ("spec-3-7b", 7.0),
    ("spec-4-13b", 13.0),
)
# Number of categories each specialist owns when there are enough categories (else one each).
SPECIALIST_CATEGORY_COUNTS = (2, 1, 3, 2)
REDUNDANT_OF: tuple[str, ...] = ("gen-s-3b", "gen-m-7b", "gen-m-13b", "gen-l-34b")
COPY_FLIP_RATE = 0.02
SPECIALIST_MARGIN = 0.33  # target accuracy of a specialist on its category: best generalist + this
SPECIALIST_CATEGORY_DIFFICULTY = 1.8  # specialist categories are hard for generalists
USD_PER_PARAM_B = 2e-6  # demo USD cost per query per billion parameters


def ability(params_b: np.ndarray) -> np.ndarray:
    """Item-response ability of a model of ``params_b`` billion parameters (grows with log size)."""
    return -1.3 + 0.55 * np.log(params_b / 0.5)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """P(correct) of a logit."""
    return 1.0 / (1.0 + np.exp(-x))


def _specialist_categories(n_categories: int) -> list[list[int]]:
    if n_categories < len(SPECIALISTS):
        raise ConfigError(
            f"benchmarks.<name>.demo.n_categories={n_categories}: variant 'specialists' needs at least "
            f"{len(SPECIALISTS)} categories (one per specialist); use more categories or variant 'dominant'"
        )
    counts = SPECIALIST_CATEGORY_COUNTS
    if n_categories < sum(counts) + 2:
        counts = (1,) * len(SPECIALISTS)
    bounds = np.cumsum((0,) + tuple(counts))
    return [list(range(bounds[i], bounds[i + 1])) for i in range(len(SPECIALISTS))]


def _solve_skill(base: np.ndarray, target: float) -> float:
    """Skill s with mean(sigmoid(base + s)) == target (bisection; base = ability - difficulty)."""
    lo, hi = -10.0, 20.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if sigmoid(base + mid).mean() < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


# --------------------------------------------------------------------------- demo benchmark

DEFAULT_SEED = 7  # benchmarks.<name>.demo.seed when not given


@dataclass(frozen=True)
class DemoBenchmark:
    """A generated benchmark and its planted truth (duplicates, specialists, redundant models and
    categories, roles)."""

    benchmark: store.Benchmark
    truth: dict[str, pd.DataFrame]


def _plant_duplicates(
    rng: np.random.Generator, category_index: np.ndarray, n_groups: int, per_category: int
) -> tuple[np.ndarray, np.ndarray]:
    """Choose duplicate groups (members share a category): returns (member positions, group ids)."""
    sizes = rng.integers(2, 5, n_groups)
    if sizes.sum() > 0.5 * len(category_index):
        raise ConfigError(
            f"benchmarks.<name>.demo.n_duplicate_groups={n_groups}: the groups need {int(sizes.sum())} "
            f"queries, more than half of the {len(category_index)} queries; lower it or add queries"
        )
    # Visit each category's queries in a random order; groups take consecutive runs of them.
    order = np.lexsort((rng.random(len(category_index)), category_index))
    n_cat = int(category_index.max()) + 1
    group_cat = rng.integers(0, n_cat, n_groups)
    # rank of each group within its category -> start offset inside that category's run
    start_in_cat = np.zeros(n_groups, dtype=np.int64)
    for c in np.unique(group_cat):  # loop over categories (few), not queries
        idx = np.flatnonzero(group_cat == c)
        start_in_cat[idx] = np.concatenate([[0], np.cumsum(sizes[idx])[:-1]])
        if sizes[idx].sum() > per_category:
            raise ConfigError(
                f"benchmarks.<name>.demo.n_duplicate_groups={n_groups}: too many groups for "
                f"queries_per_category={per_category}"
            )
    cat_start = np.searchsorted(category_index[order], np.arange(n_cat))
    group_of_member = np.repeat(np.arange(n_groups), sizes)
    rank_in_group = np.arange(len(group_of_member)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    positions = order[cat_start[group_cat[group_of_member]] + start_in_cat[group_of_member] + rank_in_group]
    return positions, group_of_member


# Trivial variations the (uncased) MiniLM encoder maps to the same tokens.
_VARIANTS = (
    lambda s: s,
    lambda s: s.upper(),
    lambda s: s.lower(),
    lambda s: s + "  ",
    lambda s: "  " + s.lower() + "\n",
)


def generate(
    n_categories: int = 24,
    queries_per_category: int = 100,
    n_duplicate_groups: int = 40,
    variant: str = "specialists",
    seed: int = DEFAULT_SEED,
    val_fraction: float = 0.1,
    test_fraction: float = 0.2,
    split_seed: int = 0,
) -> DemoBenchmark:
    """Generate the demo benchmark and its planted truth (see the module docstring)."""
    if variant not in ("specialists", "dominant"):
        raise ConfigError(f"benchmarks.<name>.demo.variant='{variant}': expected 'specialists' or 'dominant'")
    if n_categories < 2 or queries_per_category < 4:
        raise ConfigError(
            f"benchmarks.<name>.demo: n_categories={n_categories} (>= 2) and "
            f"queries_per_category={queries_per_category} (>= 4) expected"
        )
    rng = np.random.default_rng(seed)
    cats = category_names(n_categories)

    # ---- queries
    n_q = n_categories * queries_per_category
    category_index = rng.permutation(np.repeat(np.arange(n_categories), queries_per_category))
    prompts = make_prompts(rng, category_index, n_categories, 15, 60)
    members, group_of_member = _plant_duplicates(rng, category_index, n_duplicate_groups, queries_per_category)
    if len(members):
        leaders = members[np.r_[True, group_of_member[1:] != group_of_member[:-1]]]
        leader_prompt = prompts[leaders][group_of_member]
        kind = rng.integers(0, len(_VARIANTS), len(members))
        kind[np.r_[True, group_of_member[1:] != group_of_member[:-1]]] = 0  # leaders unchanged
        prompts[members] = [_VARIANTS[k](p) for k, p in zip(kind, leader_prompt)]  # <= 4 * groups
    query_ids = np.array([f"q{i:05d}" for i in range(n_q)], dtype=object)
    queries = pd.DataFrame(
        {
            "query_id": query_ids,
            "prompt": prompts,
            "category": np.asarray(cats, dtype=object)[category_index],
            "source": "demo",
        }
    )
    queries["split"] = assign_random_split(queries["category"], val_fraction, test_fraction, split_seed).to_numpy()

    # ---- item-response parameters
    specialists = variant == "specialists"
    gen_names = [g for g, _ in GENERALISTS]
    gen_params = np.array([p for _, p in GENERALISTS])
    gen_ability = ability(gen_params) + rng.normal(0.0, 0.15, len(gen_names))
    top = gen_names.index(TOP_MODEL)
    gen_ability[top] = gen_ability.max() + (0.1 if specialists else 2.5)
    spec_cats = _specialist_categories(n_categories) if specialists else []
    cat_offset = rng.normal(0.0, 0.5, n_categories) if specialists else np.zeros(n_categories)
    for owned in spec_cats:  # specialist categories are hard for generalists
        cat_offset[owned] = SPECIALIST_CATEGORY_DIFFICULTY
    difficulty = cat_offset[category_index] + rng.normal(0.0, 1.0, n_q)
    gen_skill = rng.normal(0.0, 0.4, (len(gen_names), n_categories)) if specialists else np.zeros(
        (len(gen_names), n_categories)
    )
    logits = gen_ability[:, None] + gen_skill[:, category_index] - difficulty[None, :]
    names = list(gen_names)
    params = list(gen_params)
    roles = ["generalist"] * len(gen_names)

    if specialists:
        gen_prob = sigmoid(logits)
        spec_params = np.array([p for _, p in SPECIALISTS])
        spec_ability = ability(spec_params) - 0.4
        spec_skill = np.zeros((len(SPECIALISTS), n_categories))
        for i, owned in enumerate(spec_cats):  # few (model, category) pairs
            for c in owned:
                in_c = category_index == c
                best = gen_prob[:, in_c].mean(axis=1).max()
                target = min(best + SPECIALIST_MARGIN, 0.97)
                spec_skill[i, c] = _solve_skill(spec_ability[i] - difficulty[in_c], target)
        spec_logits = spec_ability[:, None] + spec_skill[:, category_index] - difficulty[None, :]
        logits = np.vstack([logits, spec_logits])
        names += [s for s, _ in SPECIALISTS]
        params += list(spec_params)
        roles += ["specialist"] * len(SPECIALISTS)

    labels = (rng.random(logits.shape) < sigmoid(logits)).astype(np.float32)
    originals = [names.index(m) for m in REDUNDANT_OF]
    flips = rng.random((len(originals), n_q)) < COPY_FLIP_RATE
    copies = np.where(flips, 1.0 - labels[originals], labels[originals]).astype(np.float32)
    labels = np.vstack([labels, copies])
    copy_names = [f"copy-{m}" for m in REDUNDANT_OF]
    names += copy_names
    params += [params[i] for i in originals]
    roles += ["redundant"] * len(copy_names)

    params_arr = np.asarray(params, dtype=np.float64)
    models = pd.DataFrame(
        {
            "model": names,
            "params_b": params_arr,
            "usd_per_query": params_arr * USD_PER_PARAM_B,
            "is_pseudo": False,
        }
    )
    long = pd.DataFrame(
        {
            "query_id": np.tile(query_ids, len(names)),
            "model": np.repeat(np.asarray(names, dtype=object), n_q),
            "label": labels.ravel(),
        }
    )
    bench = store.Benchmark.from_frames(queries, models, long, name="demo")

    truth = {
        "duplicates": pd.DataFrame(
            {
                "query_id": query_ids[members].astype(object),
                "group_id": np.array([f"dup-{g:03d}" for g in group_of_member], dtype=object),
            }
        )
        .astype("string")
        .sort_values(["group_id", "query_id"])
        .reset_index(drop=True),
        "specialists": pd.DataFrame(
            [(SPECIALISTS[i][0], cats[c]) for i, owned in enumerate(spec_cats) for c in owned],
            columns=["model", "category"],
        ).astype("string"),
        "redundant": pd.DataFrame({"model": copy_names, "copy_of": list(REDUNDANT_OF)}).astype("string"),
        "redundant_categories": pd.DataFrame(
            [(cats[k], cats[v]) for k, v in enumerate(vocabulary_of(n_categories)) if k != v],
            columns=["category", "copy_of"],
        ).astype("string"),
        "roles": pd.DataFrame({"model": names, "role": roles, "params_b": params_arr}).astype(
            {"model": "string", "role": "string"}
        ),
    }
    return DemoBenchmark(benchmark=bench, truth=truth)


def ingest_report(demo: DemoBenchmark) -> pd.DataFrame:
    """One row per fact (key, value int64, detail): counts of queries, models, labels, planted truth."""
    b = demo.benchmark
    split_counts = b.queries["split"].value_counts()
    roles = demo.truth["roles"]["role"].value_counts()
    facts = [
        ("n_queries", len(b.queries), "queries generated"),
        ("n_models", len(b.models), "models in the pool"),
        ("n_labels", len(b.labels), "(model, query) labels"),
        ("n_categories", b.queries["category"].nunique(), "categories cat-00.."),
        ("n_train", split_counts.get("train", 0), "queries in split train"),
        ("n_val", split_counts.get("val", 0), "queries in split val"),
        ("n_test", split_counts.get("test", 0), "queries in split test"),
        ("n_missing_labels", len(b.queries) * len(b.models) - len(b.labels), "unobserved (model, query) pairs"),
        ("n_dropped_rows", 0, "rows removed (none: generated data)"),
        ("n_duplicate_groups", demo.truth["duplicates"]["group_id"].nunique(), "planted near-duplicate groups"),
        ("n_duplicate_queries", len(demo.truth["duplicates"]), "queries in planted near-duplicate groups"),
        ("n_generalists", roles.get("generalist", 0), "generalist models"),
        ("n_specialists", roles.get("specialist", 0), "planted specialist models"),
        ("n_redundant", roles.get("redundant", 0), "planted near-copy models"),
    ]
    return pd.DataFrame(
        {
            "key": [k for k, _, _ in facts],
            "value": np.asarray([int(v) for _, v, _ in facts], dtype=np.int64),
            "detail": [d for _, _, d in facts],
        }
    ).astype({"key": "string", "detail": "string"})
