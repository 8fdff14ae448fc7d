"""Tests of the demo generator: determinism, planted specialists, dominance, copies, duplicates."""

from __future__ import annotations

import fnmatch
import tomllib

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from routerbench_plus import demo, embed, store
from routerbench_plus.errors import ConfigError


@pytest.fixture(scope="module")
def spec() -> demo.DemoBenchmark:
    return demo.generate()


@pytest.fixture(scope="module")
def dominant() -> demo.DemoBenchmark:
    return demo.generate(variant="dominant")


def category_accuracy(bench: store.Benchmark) -> pd.DataFrame:
    """categories x models mean accuracy from the label matrix."""
    m = bench.matrix
    return pd.DataFrame(m.values.T, columns=list(m.models)).groupby(bench.queries["category"].to_numpy()).mean()


@pytest.fixture(scope="module")
def minilm():
    """The shipped MiniLM encoder (offline)."""
    return embed.load_encoder(embed.SHIPPED_MINILM).model


def test_deterministic_and_seed_sensitive(spec):
    again = demo.generate()
    for name in ("queries", "models", "labels"):
        pd.testing.assert_frame_equal(getattr(spec.benchmark, name), getattr(again.benchmark, name))
    for name, table in spec.truth.items():
        pd.testing.assert_frame_equal(table, again.truth[name])
    other = demo.generate(seed=8)
    assert not spec.benchmark.labels["label"].equals(other.benchmark.labels["label"])
    assert not spec.benchmark.queries["prompt"].equals(other.benchmark.queries["prompt"])


def test_layout_names_and_validation(spec):
    b = spec.benchmark
    assert len(b.queries) == 24 * 100
    assert b.queries["query_id"].iloc[0] == "q00000"
    assert set(b.queries["category"]) == {f"cat-{k:02d}" for k in range(24)}
    assert (b.queries["source"] == "demo").all()
    # stratified split: every category has test queries
    assert (b.queries.groupby("category")["split"].apply(lambda s: (s == "test").sum()) >= 1).all()
    words = b.queries["prompt"].str.split().str.len()
    assert words.between(15, 60).all()
    names = set(b.models["model"])
    for required in ("gen-xs-0.5b", "gen-s-1b", "gen-s-3b", "gen-m-7b", "gen-m-13b", "gen-l-34b", "gen-xl-70b"):
        assert required in names
    assert 25 <= len(names) <= 35
    assert b.models["params_b"].min() == 0.5 and b.models["params_b"].max() == 70
    roles = spec.truth["roles"]
    assert list(roles.columns) == ["model", "role", "params_b"]
    assert set(roles["model"]) == names
    assert roles["role"].value_counts().to_dict() == {"generalist": 22, "specialist": 4, "redundant": 4}
    # every (model, query) pair is labelled, binary
    assert len(b.labels) == len(names) * len(b.queries)
    assert set(np.unique(b.labels["label"])) == {0.0, 1.0}
    # the frames re-validate on their own
    store.Benchmark.from_frames(b.queries, b.models, b.labels)
    report = demo.ingest_report(spec).set_index("key")["value"]
    assert list(demo.ingest_report(spec).columns) == ["key", "value", "detail"]
    assert report["n_queries"] == 2400 and report["n_models"] == 30 and report["n_labels"] == 72000
    assert report["n_duplicate_queries"] == len(spec.truth["duplicates"])
    assert report[["n_train", "n_val", "n_test"]].sum() == 2400


def test_generalist_ability_grows_with_size(spec):
    acc = category_accuracy(spec.benchmark).mean()
    order = ["gen-xs-0.5b", "gen-s-3b", "gen-m-13b", "gen-xl-70b"]
    assert list(acc[order].sort_values().index) == order
    gens = spec.truth["roles"].query("role == 'generalist'")["model"]
    assert acc[list(gens)].idxmax() == "gen-xl-70b"


def test_specialists_beat_every_generalist_on_their_categories(spec):
    acc = category_accuracy(spec.benchmark)
    truth = spec.truth["specialists"]
    assert list(truth.columns) == ["model", "category"]
    assert set(truth["model"]) == {"spec-1-3b", "spec-2-7b", "spec-3-7b", "spec-4-13b"}
    assert truth.groupby("model").size().between(1, 3).all()
    others = [m for m in acc.columns if not m.startswith("spec-")]
    for model, category in truth.itertuples(index=False):
        # best of ALL models there, by a wide margin over every generalist and copy
        assert acc.loc[category].idxmax() == model
        assert acc.loc[category, model] - acc.loc[category, others].max() >= 0.15
    # mediocre elsewhere: never best on a category they do not own
    owned = set(truth["category"])
    for category in set(acc.index) - owned:
        assert not acc.loc[category].idxmax().startswith("spec-")


def test_dominant_variant_top_model_best_everywhere(dominant):
    acc = category_accuracy(dominant.benchmark)
    assert (acc.idxmax(axis=1) == "gen-xl-70b").all()
    assert not any(m.startswith("spec-") for m in dominant.benchmark.models["model"])
    assert dominant.truth["specialists"].empty
    assert list(dominant.truth["specialists"].columns) == ["model", "category"]


def test_redundant_copies_agree_with_originals(spec):
    m = spec.benchmark.matrix
    red = spec.truth["redundant"]
    assert list(red.columns) == ["model", "copy_of"]
    assert len(red) == 4
    for copy, original in red.itertuples(index=False):
        a, b = m.values[m.models.get_loc(copy)], m.values[m.models.get_loc(original)]
        agreement = (a == b).mean()
        assert 0.95 <= agreement < 1.0
        cost = spec.benchmark.models.set_index("model")["params_b"]
        assert cost[copy] == cost[original]


def test_duplicate_groups_planted(spec):
    dup = spec.truth["duplicates"]
    assert list(dup.columns) == ["query_id", "group_id"]
    assert dup["group_id"].nunique() == 40
    assert dup.groupby("group_id").size().between(2, 4).all()
    assert not dup["query_id"].duplicated().any()
    q = spec.benchmark.queries.set_index("query_id")
    members = q.loc[dup["query_id"]].assign(group=dup["group_id"].to_numpy())
    # members share a category and the same words up to case and whitespace
    assert (members.groupby("group")["category"].nunique() == 1).all()
    assert (members.groupby("group")["prompt"].apply(lambda s: s.str.lower().str.strip().nunique()) == 1).all()
    # labels drawn independently: many groups show a within-model disagreement
    m = spec.benchmark.matrix
    cols = m.query_ids.get_indexer(dup["query_id"])
    vals = pd.DataFrame(m.values[:, cols].T, index=dup["group_id"].to_numpy())
    disagree = vals.groupby(level=0).nunique().gt(1).any(axis=1)
    assert disagree.mean() > 0.8


def test_duplicates_cosine_with_shipped_encoder(spec, minilm):
    q = spec.benchmark.queries.set_index("query_id")
    dup = spec.truth["duplicates"]
    emb = minilm.encode(q.loc[dup["query_id"], "prompt"].tolist(), normalize_embeddings=True, batch_size=64)
    group = dup["group_id"].to_numpy()
    sims = emb @ emb.T
    same = group[:, None] == group[None, :]
    assert sims[same].min() >= 0.999
    # non-planted pairs: every pair inside one whole category (the most similar prompts) and a
    # sample of another category (for the clustering check)
    cats = pd.concat([q[q["category"] == "cat-05"].iloc[:70], q[q["category"] == "cat-11"].iloc[:20]])
    emb2 = minilm.encode(cats["prompt"].tolist(), normalize_embeddings=True, batch_size=64)
    planted = dict(zip(dup["query_id"], group))
    gid = np.array([planted.get(i, f"solo-{i}") for i in cats.index])
    sims2 = emb2 @ emb2.T
    off = (gid[:, None] != gid[None, :])
    assert off.sum() > 3_000
    assert sims2[off].max() < 0.999
    # and the embeddings cluster by category: same-category pairs are closer on average
    sc = cats["category"].to_numpy()
    same_cat = (sc[:, None] == sc[None, :]) & off
    assert sims2[same_cat].mean() > sims2[sc[:, None] != sc[None, :]].mean() + 0.1


def test_small_and_invalid_configs():
    tiny = demo.generate(n_categories=6, queries_per_category=40, n_duplicate_groups=6, seed=3)
    assert tiny.truth["specialists"].groupby("model").size().eq(1).all()
    assert tiny.benchmark.queries["category"].nunique() == 6
    with pytest.raises(ConfigError, match="variant"):
        demo.generate(variant="nope")
    with pytest.raises(ConfigError, match="n_categories"):
        demo.generate(n_categories=3, queries_per_category=10, n_duplicate_groups=0)
    with pytest.raises(ConfigError, match="n_duplicate_groups"):
        demo.generate(n_categories=4, queries_per_category=10, n_duplicate_groups=30)
    # more categories than themes still gives distinct vocabularies
    assert demo.category_vocabulary(40) != demo.category_vocabulary(40 % len(demo.THEMES))


def test_vocabulary_is_package_data():
    """The themes come from a data file that a wheel installs next to the module."""
    globs = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["routerbench_plus"]
    assert any(fnmatch.fnmatch(demo.VOCABULARY_FILE, g) for g in globs)
    assert len(demo.THEMES) >= 24 and all(len(words) >= 30 for words in demo.THEMES.values())
