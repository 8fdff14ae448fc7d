"""Seeded demo benchmark with planted ground truth, and a full-scale EmbedLLM-layout generator.

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

``python -m routerbench_plus.demo embedllm-layout --out DIR`` writes EmbedLLM-layout CSVs at full
scale (streamed in chunks) to test ingestion at the real size.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from . import io
from .errors import ConfigError
from .splits import assign_random_split

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- vocabulary

# Themed word lists; category k uses theme k (themes are combined beyond the list's length).
THEMES: dict[str, tuple[str, ...]] = {
    "astronomy": tuple(
        (
            "galaxy nebula telescope comet asteroid orbit planet supernova quasar pulsar eclipse "
            "meteor constellation satellite cosmos gravity redshift spectrum observatory astronaut "
            "lunar solar equinox zenith parallax photon stellar exoplanet aurora universe blackhole "
            "starlight jupiter saturn neptune mercury venus celestial crater horizon "
        ).split()
    ),
    "cooking": tuple(
        (
            "recipe oven simmer saute whisk dough flour butter garlic onion skillet roast braise "
            "marinade spatula vinegar pepper saffron oregano basil broth stew pastry knead bake grill "
            "caramel seasoning ladle colander dumpling noodle risotto custard yeast batter frying "
            "casserole sauce mince "
        ).split()
    ),
    "law": tuple(
        (
            "statute plaintiff defendant verdict jury attorney tribunal appeal contract liability "
            "negligence subpoena testimony lawsuit judge precedent felony misdemeanor indictment "
            "custody probation parole affidavit litigation settlement injunction clause tort damages "
            "prosecutor acquittal warrant counsel arbitration bail hearing courtroom ordinance "
            "legislation amendment jurisdiction "
        ).split()
    ),
    "medicine": tuple(
        (
            "diagnosis symptom patient surgeon vaccine antibiotic fever infection dosage prescription "
            "clinic tumor biopsy cardiac insulin pharmacy anesthesia fracture syndrome chronic "
            "inflammation pathogen immune therapy nurse hospital stethoscope allergy migraine "
            "diabetes ulcer artery kidney liver lung vein ward pediatric radiology oncology "
        ).split()
    ),
    "finance": tuple(
        (
            "dividend equity bond portfolio interest mortgage inflation revenue audit ledger invoice "
            "asset liability budget capital broker hedge stock shareholder valuation yield credit "
            "debit loan deposit liquidity tariff fiscal treasury currency exchange leverage "
            "collateral profit expense accounting taxation pension annuity securities "
        ).split()
    ),
    "sports": tuple(
        (
            "football goalkeeper referee tournament stadium championship striker penalty dribble "
            "tackle marathon sprint relay hurdle javelin racket tennis volleyball basketball baseball "
            "pitcher inning touchdown quarterback coach league playoff medal podium trophy olympic "
            "athlete stamina jersey scoreboard overtime rebound dunk wicket "
        ).split()
    ),
    "music": tuple(
        (
            "melody harmony rhythm chord guitar violin piano orchestra symphony tempo octave soprano "
            "tenor choir concerto sonata drummer trumpet saxophone cello lyric ballad opera conductor "
            "composer rehearsal acoustic amplifier bassline chorus verse album concert jazz blues "
            "staccato crescendo metronome fiddle harp "
        ).split()
    ),
    "programming": tuple(
        (
            "compiler function variable loop recursion pointer array algorithm debugger syntax "
            "runtime exception iterator lambda closure thread mutex database query index schema "
            "javascript python kernel bytecode interpreter refactor repository commit branch merge "
            "struct integer boolean string parser lexer heap stack "
        ).split()
    ),
    "geology": tuple(
        (
            "granite basalt sediment magma lava volcano earthquake fault tectonic mineral quartz "
            "feldspar erosion glacier fossil stratum limestone sandstone shale crystal bedrock canyon "
            "aquifer geyser mantle crust igneous metamorphic weathering delta moraine boulder pebble "
            "silt cavern stalactite obsidian pumice tremor seismic "
        ).split()
    ),
    "gardening": tuple(
        (
            "compost mulch seedling shovel rake trowel fertilizer perennial annual pruning shrub "
            "hedge tulip daffodil rose orchid greenhouse soil sprout weed watering irrigation hoe "
            "bulb blossom foliage petal vegetable tomato cucumber lettuce pumpkin harvest orchard "
            "vineyard trellis pollinator aphid lawn germinate "
        ).split()
    ),
    "history": tuple(
        (
            "empire dynasty monarch revolution treaty medieval pharaoh crusade colonial feudal "
            "renaissance archive chronicle artifact manuscript emperor kingdom senate republic "
            "conquest rebellion siege castle knight peasant parliament constitution abolition "
            "armistice antiquity century civilization heritage monument ruins archaeology legion "
            "gladiator viking samurai "
        ).split()
    ),
    "chemistry": tuple(
        (
            "molecule atom electron proton neutron isotope reaction catalyst oxidation reduction acid "
            "base solvent solute titration beaker flask burette polymer covalent ionic bond enthalpy "
            "entropy equilibrium molarity precipitate distillation chromatography alkane alkene "
            "benzene ester aldehyde ketone valence orbital reagent compound "
        ).split()
    ),
    "ocean": tuple(
        (
            "coral reef tide current wave lagoon estuary plankton whale dolphin shark octopus squid "
            "jellyfish seaweed kelp trench abyss seabed shoreline harbor lighthouse sailor anchor "
            "vessel submarine buoy salinity tsunami shipwreck mangrove starfish barnacle oyster clam "
            "lobster crab turtle walrus "
        ).split()
    ),
    "architecture": tuple(
        (
            "facade column arch vault dome buttress cornice lintel beam truss blueprint skyscraper "
            "cathedral pavilion atrium balcony staircase corridor foundation masonry brick concrete "
            "timber steel mortar gable rafter chimney veranda courtyard terrace window doorway "
            "portico spire turret basement elevator plaster "
        ).split()
    ),
    "transport": tuple(
        (
            "railway locomotive carriage tram subway station platform ticket timetable highway "
            "motorway bridge tunnel airport runway terminal cockpit pilot airline cargo freight truck "
            "lorry bicycle scooter motorcycle ferry junction roundabout traffic commuter passenger "
            "luggage departure arrival gasoline engine tire brake "
        ).split()
    ),
    "psychology": tuple(
        (
            "cognition memory emotion perception motivation behavior anxiety depression personality "
            "therapist counseling subconscious neuron stimulus reinforcement conditioning empathy "
            "attachment trauma resilience bias heuristic attention intelligence temperament introvert "
            "extrovert phobia hypnosis dream mindfulness stress burnout cognitive neurosis impulse "
            "habit instinct ego "
        ).split()
    ),
    "agriculture": tuple(
        (
            "tractor plough barley wheat maize rice paddy livestock cattle sheep goat poultry dairy "
            "silo granary fodder hay pasture crop rotation irrigation drought fallow tillage sowing "
            "reaping thresher combine farmhand ranch herd fence barn manure pesticide herbicide yield "
            "acreage cooperative "
        ).split()
    ),
    "weather": tuple(
        (
            "rain snow hail sleet drizzle thunderstorm lightning thunder tornado hurricane cyclone "
            "monsoon humidity barometer forecast temperature breeze gale blizzard frost fog mist "
            "cloud cumulus cirrus drought heatwave rainbow dew precipitation meteorologist windchill "
            "isobar typhoon sunny overcast climate anemometer thermometer "
        ).split()
    ),
    "fashion": tuple(
        (
            "garment fabric cotton silk wool linen denim leather tailor seamstress needle thread "
            "stitch hem collar sleeve button zipper pocket blouse skirt trousers jacket coat scarf "
            "hat boots sandals heels necklace bracelet earring runway designer boutique couture "
            "wardrobe pattern embroidery "
        ).split()
    ),
    "mathematics": tuple(
        (
            "theorem lemma proof integral derivative equation polynomial matrix vector scalar "
            "eigenvalue logarithm exponent fraction denominator numerator prime factorial permutation "
            "combination probability geometry triangle hypotenuse circle radius diameter tangent sine "
            "cosine calculus algebra topology manifold axiom conjecture infinity sequence series "
            "limit "
        ).split()
    ),
    "biology": tuple(
        (
            "cell membrane nucleus mitochondria chromosome gene protein enzyme organism species "
            "evolution mutation bacteria virus fungus photosynthesis chlorophyll ribosome cytoplasm "
            "tissue organ habitat ecosystem predator prey symbiosis metabolism hormone genome allele "
            "phenotype genotype embryo larva pollen spore microbe taxonomy "
        ).split()
    ),
    "philosophy": tuple(
        (
            "ethics morality virtue metaphysics epistemology ontology existentialism stoicism "
            "utilitarian dialectic syllogism premise fallacy paradox consciousness determinism "
            "freewill nihilism rationalism empiricism skepticism aesthetics justice dualism idealism "
            "materialism phenomenology socrates plato aristotle kant nietzsche hegel sartre wisdom "
            "truth reason "
        ).split()
    ),
    "travel": tuple(
        (
            "passport visa itinerary luggage suitcase backpack hostel hotel reservation tourist "
            "sightseeing souvenir guidebook cruise voyage excursion destination resort beach mountain "
            "trail hiking camping tent map compass border customs embassy currency jetlag layover "
            "boarding brochure postcard landmark expedition "
        ).split()
    ),
    "electronics": tuple(
        (
            "resistor capacitor transistor diode circuit voltage current ampere ohm inductor "
            "oscillator microcontroller semiconductor solder breadboard multimeter oscilloscope "
            "amplifier battery charger antenna frequency signal modulation sensor relay switch fuse "
            "wiring transformer rectifier logic gate chip processor memory firmware "
        ).split()
    ),
    "literature": tuple(
        (
            "novel poem poetry stanza sonnet metaphor simile narrator protagonist antagonist plot "
            "chapter prose fiction novella epic tragedy comedy satire allegory irony rhyme meter "
            "author manuscript publisher anthology biography memoir essay critique character dialogue "
            "setting theme symbolism foreshadowing "
        ).split()
    ),
    "animals": tuple(
        (
            "lion tiger elephant giraffe zebra leopard cheetah wolf fox bear rabbit squirrel deer "
            "moose kangaroo koala panda gorilla chimpanzee monkey camel hippo rhino crocodile "
            "alligator eagle hawk owl parrot penguin ostrich flamingo beaver otter hedgehog badger "
            "raccoon bison "
        ).split()
    ),
    "religion": tuple(
        (
            "temple church mosque synagogue prayer ritual scripture gospel psalm hymn clergy priest "
            "monk nun pilgrim pilgrimage sacred divine deity prophet sermon baptism sacrament "
            "meditation monastery altar shrine incense doctrine theology faith worship blessing "
            "salvation heaven covenant parable apostle "
        ).split()
    ),
    "energy": tuple(
        (
            "turbine generator reactor uranium nuclear solar photovoltaic windmill hydroelectric dam "
            "coal petroleum pipeline refinery grid kilowatt megawatt wattage battery hydrogen "
            "geothermal biomass emission carbon efficiency insulation thermostat furnace boiler "
            "combustion fossil renewable utility substation transmission fuel diesel methane "
        ).split()
    ),
    "military": tuple(
        (
            "army navy infantry cavalry artillery battalion regiment platoon sergeant lieutenant "
            "colonel general admiral soldier trench bunker fortress tank missile rifle grenade "
            "ammunition ambush reconnaissance camouflage convoy garrison barracks uniform medal "
            "veteran warfare strategy tactics brigade squadron frigate "
        ).split()
    ),
    "art": tuple(
        (
            "painting canvas brush easel palette pigment sculpture chisel marble gallery museum "
            "portrait landscape mural fresco watercolor acrylic sketch charcoal pastel exhibition "
            "curator impressionism cubism surrealism abstract collage etching lithograph mosaic "
            "ceramics pottery kiln glaze perspective composition "
        ).split()
    ),
    "education": tuple(
        (
            "classroom teacher student curriculum syllabus lecture seminar homework exam quiz diploma "
            "graduation semester tuition scholarship campus professor principal kindergarten textbook "
            "notebook chalkboard library enrollment pedagogy tutoring literacy grading assignment "
            "thesis dissertation faculty dormitory lesson recess attendance "
        ).split()
    ),
    "games": tuple(
        (
            "chess checkers board dice card poker puzzle crossword riddle sudoku domino mahjong "
            "knight bishop rook pawn checkmate gambit opponent strategy joystick console arcade level "
            "score player quest dungeon dragon wizard spell inventory multiplayer tabletop roleplay "
            "tournament backgammon "
        ).split()
    ),
}

# Shared filler words (question scaffolding), drawn in every category.
FILLER: tuple[str, ...] = tuple(
    (
        "the a an of and to in is that for on with as by from what which how why when where explain "
        "describe consider following given example question answer about between most least likely "
        "true false best choose option statement correct reason because therefore suppose assume "
        "whether each other some many few first second compare typical main important simple"
    ).split()
)
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


def _ability(params_b: np.ndarray) -> np.ndarray:
    return -1.3 + 0.55 * np.log(params_b / 0.5)


def _sigmoid(x: np.ndarray) -> np.ndarray:
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
        if _sigmoid(base + mid).mean() < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


# --------------------------------------------------------------------------- demo benchmark


@dataclass(frozen=True)
class DemoBenchmark:
    """A generated benchmark and its planted truth (duplicates, specialists, redundant models and
    categories, roles)."""

    benchmark: io.Benchmark
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
    seed: int = 7,
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
    gen_ability = _ability(gen_params) + rng.normal(0.0, 0.15, len(gen_names))
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
        gen_prob = _sigmoid(logits)
        spec_params = np.array([p for _, p in SPECIALISTS])
        spec_ability = _ability(spec_params) - 0.4
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

    labels = (rng.random(logits.shape) < _sigmoid(logits)).astype(np.float32)
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
    bench = io.Benchmark.from_frames(queries, models, long, name="demo")

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


# --------------------------------------------------------------------------- EmbedLLM layout at scale

EMBEDLLM_COLUMNS = ("model_id", "prompt_id", "prompt", "category", "label")
EMBEDLLM_SPLIT_SHARE = 3000 / 35673  # EmbedLLM: 29,673 train / 3,000 val / 3,000 test prompts


def embedllm_model_table(n_models: int, seed: int = 0) -> pd.DataFrame:
    """model_id, model_name, params_b, ability for the synthetic EmbedLLM-layout pool."""
    rng = np.random.default_rng([seed, 1])
    params = np.round(np.exp(rng.uniform(np.log(0.5), np.log(70.0), n_models)), 1)
    params = np.clip(params, 0.5, 70.0)
    names = [f"synth/model-{i:03d}-{p:g}b" for i, p in enumerate(params)]
    ability = _ability(params) + rng.normal(0.0, 0.3, n_models)
    return pd.DataFrame({"model_id": np.arange(n_models), "model_name": names, "params_b": params, "ability": ability})


def write_embedllm_layout(
    out_dir: str | Path,
    n_prompts: int = 35673,
    n_models: int = 112,
    seed: int = 0,
    n_categories: int = 80,
    n_conflicts: int = 20,
    chunk_prompts: int = 200,
) -> dict[str, int]:
    """Write EmbedLLM-layout CSVs (train/val/test, model_order, question_order, model_params).

    train/val/test.csv: model_id,prompt_id,prompt,category,label, one row per model x prompt of the
    split, streamed in chunks of ``chunk_prompts`` prompts (memory stays low at full scale).
    ``n_conflicts`` planted duplicate (model, prompt) rows with the opposite label are appended to
    train.csv. model_params.csv (model, params_b) gives the costs (an ingest models_table). Returns rows per file.
    """
    if n_prompts < 3 or n_models < 1 or n_categories < 1 or chunk_prompts < 1:
        raise ConfigError(
            f"embedllm-layout: n_prompts={n_prompts} (>= 3), n_models={n_models} (>= 1), "
            f"n_categories={n_categories} (>= 1), chunk_prompts={chunk_prompts} (>= 1) expected"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, 0])
    models = embedllm_model_table(n_models, seed)
    cats = np.asarray(category_names(n_categories), dtype=object)
    skill = rng.normal(0.0, 0.5, (n_models, n_categories))
    cat_offset = rng.normal(0.0, 0.7, n_categories)

    n_side = max(1, int(round(n_prompts * EMBEDLLM_SPLIT_SHARE)))
    split_of = np.full(n_prompts, "train", dtype=object)
    perm = rng.permutation(n_prompts)
    split_of[perm[:n_side]] = "test"
    split_of[perm[n_side : 2 * n_side]] = "val"
    category_of = rng.integers(0, n_categories, n_prompts)
    train_ids = np.flatnonzero(split_of == "train")
    k = min(max(n_conflicts, 0), len(train_ids))
    conflicts = pd.DataFrame(
        {"model_id": rng.integers(0, n_models, k), "prompt_id": rng.choice(train_ids, size=k, replace=False)}
    )

    models[["model_id", "model_name"]].to_csv(out / "model_order.csv", index=False)
    models[["model_name", "params_b"]].rename(columns={"model_name": "model"}).to_csv(out / "model_params.csv", index=False)
    schema = pa.schema(
        [
            ("model_id", pa.int64()),
            ("prompt_id", pa.int64()),
            ("prompt", pa.string()),
            ("category", pa.string()),
            ("label", pa.int64()),
        ]
    )
    rows = {"train.csv": 0, "val.csv": 0, "test.csv": 0, "question_order.csv": 0, "model_order.csv": n_models}
    conflict_rows: list[pd.DataFrame] = []
    options = pacsv.WriteOptions(quoting_style="needed")
    writers = {s: pacsv.CSVWriter(str(out / f"{s}.csv.tmp"), schema, write_options=options) for s in io.SPLITS}
    questions = pacsv.CSVWriter(
        str(out / "question_order.csv.tmp"),
        pa.schema([("prompt_id", pa.int64()), ("prompt", pa.string())]),
        write_options=options,
    )
    try:
        for start in range(0, n_prompts, chunk_prompts):  # loop over chunks of prompts
            ids = np.arange(start, min(start + chunk_prompts, n_prompts))
            chunk_rng = np.random.default_rng([seed, 2, start])
            prompts = make_prompts(chunk_rng, category_of[ids], n_categories, 30, 300)
            questions.write_table(pa.table({"prompt_id": ids, "prompt": pa.array(prompts, pa.string())}))
            difficulty = cat_offset[category_of[ids]] + chunk_rng.normal(0.0, 1.0, len(ids))
            logits = models["ability"].to_numpy()[:, None] + skill[:, category_of[ids]] - difficulty[None, :]
            labels = (chunk_rng.random(logits.shape) < _sigmoid(logits)).astype(np.int64)  # models x prompts
            for split, writer in writers.items():
                local = np.flatnonzero(split_of[ids] == split)
                if not len(local):
                    continue
                p_local = np.repeat(local, n_models)  # prompt-major, all models per prompt
                m_ids = np.tile(np.arange(n_models), len(local))
                table = pa.table(
                    {
                        "model_id": m_ids,
                        "prompt_id": ids[p_local],
                        "prompt": pa.array(prompts[local], pa.string()).take(pa.array(np.repeat(np.arange(len(local)), n_models))),
                        "category": pa.array(cats[category_of[ids[p_local]]], pa.string()),
                        "label": labels[m_ids, p_local],
                    },
                    schema=schema,
                )
                writer.write_table(table)
                rows[f"{split}.csv"] += table.num_rows
            hit = conflicts[conflicts["prompt_id"].isin(ids)]
            if len(hit):
                local = hit["prompt_id"].to_numpy() - start
                conflict_rows.append(
                    pd.DataFrame(
                        {
                            "model_id": hit["model_id"].to_numpy(),
                            "prompt_id": hit["prompt_id"].to_numpy(),
                            "prompt": prompts[local],
                            "category": cats[category_of[hit["prompt_id"].to_numpy()]],
                            "label": 1 - labels[hit["model_id"].to_numpy(), local],
                        }
                    )
                )
            rows["question_order.csv"] += len(ids)
        if conflict_rows:
            planted = pd.concat(conflict_rows, ignore_index=True).sort_values(["prompt_id", "model_id"])
            writers["train"].write_table(pa.Table.from_pandas(planted, schema=schema, preserve_index=False))
            rows["train.csv"] += len(planted)
    finally:
        for writer in (*writers.values(), questions):
            writer.close()
    for split in io.SPLITS:
        (out / f"{split}.csv.tmp").replace(out / f"{split}.csv")
    (out / "question_order.csv.tmp").replace(out / "question_order.csv")
    rows["n_conflicting_duplicates"] = sum(len(c) for c in conflict_rows)
    log.info("wrote EmbedLLM layout to %s: %s", out, rows)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m routerbench_plus.demo embedllm-layout --out DIR``."""
    parser = argparse.ArgumentParser(prog="python -m routerbench_plus.demo", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    lay = sub.add_parser("embedllm-layout", help="write EmbedLLM-layout CSVs (full scale by default)")
    lay.add_argument("--out", required=True)
    lay.add_argument("--n-prompts", type=int, default=35673)
    lay.add_argument("--n-models", type=int, default=112)
    lay.add_argument("--n-categories", type=int, default=80)
    lay.add_argument("--n-conflicts", type=int, default=20)
    lay.add_argument("--chunk-prompts", type=int, default=200)
    lay.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    rows = write_embedllm_layout(
        args.out, args.n_prompts, args.n_models, args.seed, args.n_categories, args.n_conflicts, args.chunk_prompts
    )
    print(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
