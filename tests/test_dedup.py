"""Near-duplicate groups: FAISS search equals exact brute force; planted groups; summary by hand."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from scipy.sparse import csgraph

from routerbench_plus import dedup, demo, embed, io
from routerbench_plus.errors import ConfigError, InputError

from conftest import shared_data

DELTA = 0.999


# --------------------------------------------------------------------------- helpers


def unit_rows(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def at_cosine(base: np.ndarray, cos: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors at exactly the given cosine to each (unit) base row."""
    u = rng.standard_normal(base.shape)
    u -= (u * base).sum(1, keepdims=True) * base
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    return cos[:, None] * base + np.sqrt(1 - cos[:, None] ** 2) * u


def planted(n: int = 2000, d: int = 96, seed: int = 0, clustered: bool = False) -> np.ndarray:
    """Random unit vectors with planted pairs at 0.9995 (duplicates) and 0.9985 (not), chains, copies."""
    rng = np.random.default_rng(seed)
    if clustered:  # anisotropic, clustered: closer to real sentence embeddings
        centres = rng.standard_normal((12, d)) * 2.0
        x = centres[rng.integers(0, 12, n)] + rng.standard_normal((n, d)) * np.linspace(1.5, 0.1, d)
    else:
        x = rng.standard_normal((n, d))
    x = unit_rows(x).astype(np.float64)
    rows = rng.permutation(n)
    a, b = rows[:200], rows[200:400]  # 100 pairs above, 100 pairs below the threshold
    x[b] = at_cosine(x[a], np.where(np.arange(200) < 100, 0.9995, 0.9985), rng)
    # chains p - q - r with cos(p, q) = cos(q, r) = 0.99935: p and r are ~0.9974 apart, same group
    p, q, r = rows[400:430], rows[430:460], rows[460:490]
    x[q] = at_cosine(x[p], np.full(30, 0.99935), rng)
    x[r] = at_cosine(x[q], np.full(30, 0.99935), rng)
    x[rows[490:500]] = x[rows[500:510]]  # bit-identical copies
    x[rows[510:515]] = x[rows[500]]
    return x.astype(np.float32)


def brute_pairs(x: np.ndarray, delta: float) -> set[tuple[int, int]]:
    x64 = x.astype(np.float64)
    x64 /= np.linalg.norm(x64, axis=1, keepdims=True)
    i, j = np.nonzero(np.triu(x64 @ x64.T >= delta, k=1))
    return set(zip(i.tolist(), j.tolist()))


def components(pairs: set[tuple[int, int]], n: int) -> set[frozenset[int]]:
    i, j = (np.array(v, dtype=np.int64) for v in zip(*pairs)) if pairs else (np.zeros(0, int), np.zeros(0, int))
    _, label = csgraph.connected_components(sparse.coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n)), directed=False)
    groups = pd.Series(np.arange(n)).groupby(label).apply(frozenset)
    return {g for g in groups if len(g) >= 2}


def as_embeddings(x: np.ndarray, prefix: str = "q") -> io.Embeddings:
    return io.Embeddings(pd.Index([f"{prefix}{i:05d}" for i in range(len(x))], dtype=object), x, "test")


def table_groups(groups: dedup.DuplicateGroups) -> set[frozenset[str]]:
    return {frozenset(g) for g in groups.table.groupby("group_id")["query_id"].agg(list)}


# --------------------------------------------------------------------------- exactness of the search


@pytest.mark.parametrize(
    "clustered, d, delta, n_cells, chunk",
    [
        (False, 96, DELTA, None, 8192),  # default cells (n // 128)
        (False, 96, DELTA, 64, 300),  # many small cells: most planted pairs straddle a cell boundary
        (True, 96, DELTA, 40, 512),
        (True, 96, 0.99, 40, 8192),
        (True, 96, 0.9, 16, 700),  # a loose threshold: many pairs from the clusters themselves
        (False, 8, 0.9999, 20, 8192),  # d <= projection_dim: no projection
    ],
)
def test_pairs_equal_brute_force(clustered, d, delta, n_cells, chunk):
    x = planted(d=d, clustered=clustered, seed=d + int(clustered))
    i, j, cos, n_candidates = dedup.duplicate_pairs(x, delta, n_cells=n_cells, chunk_size=chunk)
    expected = brute_pairs(x, delta)
    assert set(zip(i.tolist(), j.tolist())) == expected
    assert len(i) == len(expected) and (i < j).all()  # each pair once
    assert (cos >= delta).all() and n_candidates >= len(expected)
    if delta == DELTA and d == 96:  # the planted pairs: 0.9995 found, 0.9985 not
        assert len(expected) >= 100 + 60


def test_pairs_near_threshold_are_decided_in_float64():
    rng = np.random.default_rng(3)
    base = unit_rows(rng.standard_normal((300, 64))).astype(np.float64)
    cos = rng.uniform(0.99895, 0.99905, 300)  # straddle 0.999 within 5e-5
    x = np.vstack([base, at_cosine(base, cos, rng)]).astype(np.float32)
    i, j, _, _ = dedup.duplicate_pairs(x, DELTA, n_cells=8)
    assert set(zip(i.tolist(), j.tolist())) == brute_pairs(x, DELTA)
    assert 100 < len(i) < 200


def test_groups_are_components_with_representatives_and_forest():
    x = planted(seed=5)
    emb = as_embeddings(x)
    groups = dedup.find_groups(emb, DELTA, n_cells=32)
    pairs = brute_pairs(x, DELTA)
    expected = {frozenset(f"q{i:05d}" for i in g) for g in components(pairs, len(x))}
    assert table_groups(groups) == expected
    assert groups.n_pairs == len(pairs)
    t = groups.table
    assert list(t.columns) == list(dedup.GROUP_COLUMNS)
    assert (t["group_size"] == t.groupby("group_id")["query_id"].transform("size")).all()
    assert (t["group_size"] >= 2).all()
    # representative: the smallest query id; group ids numbered in the order of representatives
    reps = t[t["is_representative"]]
    assert reps["group_id"].is_unique and len(reps) == t["group_id"].nunique()
    assert (reps.set_index("group_id")["query_id"] == t.groupby("group_id")["query_id"].min()).all()
    assert reps["query_id"].is_monotonic_increasing and (reps["group_id"].to_numpy() == np.arange(len(reps))).all()
    # exact copies share a group of 6 (rows 500, 510..514 and 490 <- 500)
    assert t["group_size"].max() >= 6
    # edges: a spanning forest of verified pairs (cos >= delta) inside groups
    e = groups.edges
    assert (e["cosine"] >= DELTA).all()
    assert len(e) == len(t) - t["group_id"].nunique()
    gid = t.set_index("query_id")["group_id"]
    assert (gid.loc[e["query_id_a"]].to_numpy() == gid.loc[e["query_id_b"]].to_numpy()).all()
    pos = {q: k for k, q in enumerate(t["query_id"])}
    ea, eb = e["query_id_a"].map(pos).to_numpy(), e["query_id_b"].map(pos).to_numpy()
    n_comp, label = csgraph.connected_components(
        sparse.coo_matrix((np.ones(len(e)), (ea, eb)), shape=(len(t), len(t))), directed=False
    )
    assert n_comp == t["group_id"].nunique()  # the forest alone connects every group


def test_groups_do_not_depend_on_search_parameters():
    emb = as_embeddings(planted(seed=9, clustered=True))
    reference = dedup.find_groups(emb, DELTA)
    for kwargs in ({"seed": 3}, {"projection_dim": 4}, {"projection_dim": 48, "n_cells": 100}, {"n_cells": 1}):
        other = dedup.find_groups(emb, DELTA, **kwargs)
        pd.testing.assert_frame_equal(other.table, reference.table)
        pd.testing.assert_frame_equal(other.edges, reference.edges)


def test_exact_duplicate_nodes():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((12, 5)).astype(np.float32)
    x[7] = x[2]
    x[9] = x[2]
    x[11] = x[0]
    first, node = dedup.exact_duplicate_nodes(x)
    assert first.tolist() == [0, 1, 2, 3, 4, 5, 6, 8, 10]
    assert node.tolist() == [0, 1, 2, 3, 4, 5, 6, 2, 7, 2, 8, 0]


def test_input_errors():
    x = planted(n=600, d=16)
    with pytest.raises(ConfigError, match="dedup.delta"):
        dedup.duplicate_pairs(x, 1.5)
    with pytest.raises(ConfigError, match="dedup.delta"):
        dedup.find_groups(as_embeddings(x), 0.0)
    bad = x.copy()
    bad[3, 2] = np.nan
    with pytest.raises(InputError, match="NaN"):
        dedup.find_groups(as_embeddings(bad), DELTA)
    bad[3] = 0.0
    with pytest.raises(InputError, match="zero vector"):
        dedup.duplicate_pairs(bad, DELTA)
    queries = pd.DataFrame({"query_id": ["q00000"], "category": ["a"]})
    with pytest.raises(InputError, match="category"):
        dedup.find_groups(as_embeddings(x), DELTA, queries=queries)


# --------------------------------------------------------------------------- demo: planted groups


@pytest.fixture(scope="module")
def small_demo():
    return demo.generate(n_categories=5, queries_per_category=24, n_duplicate_groups=8, variant="specialists", seed=11)


@pytest.fixture(scope="module")
def encoder():
    return embed.load_encoder(embed.SHIPPED_MINILM)


def test_demo_planted_groups_recovered_exactly(small_demo, encoder):
    bench = small_demo.benchmark
    emb = embed.embed_queries(bench.queries, encoder, batch_size=64)
    groups = dedup.find_groups(emb, DELTA, queries=bench.queries)
    truth = small_demo.truth["duplicates"]
    planted_groups = {frozenset(g) for g in truth.groupby("group_id")["query_id"].agg(list)}
    found = table_groups(groups)
    true_pairs = {frozenset((a, b)) for g in planted_groups for a in g for b in g if a < b}
    found_pairs = {frozenset((a, b)) for g in found for a in g for b in g if a < b}
    precision = len(found_pairs & true_pairs) / len(found_pairs)
    recall = len(found_pairs & true_pairs) / len(true_pairs)
    assert (precision, recall) == (1.0, 1.0)
    assert found == planted_groups
    # members share a category (the generator plants groups within a category)
    assert (groups.table.groupby("group_id")["category"].nunique() == 1).all()

    summary = dedup.summarise(groups, bench)
    assert summary.loc[0, "n_groups"] == len(planted_groups)
    assert summary.loc[0, "queries_covered"] == len(truth)
    # labels are drawn independently per copy: duplicates disagree, and no less than random pairs
    assert summary.loc[0, "share_groups_within_model_disagreement"] > 0.5
    reduced = dedup.reduce(bench, groups)
    assert len(reduced.queries) == len(bench.queries) - (len(truth) - len(planted_groups))


# --------------------------------------------------------------------------- summary by hand


def tiny_case():
    """8 queries (2 categories), 3 groups, 2 models; one label missing."""
    rng = np.random.default_rng(1)
    base = unit_rows(rng.standard_normal((5, 32)))
    x = base[[0, 0, 1, 1, 1, 2, 2, 3]].copy()  # groups {a,b}, {c,d,e}, {f,g}; h alone
    x[[1, 3, 6]] = at_cosine(x[[1, 3, 6]].astype(np.float64), np.array([0.9996, 0.9997, 0.9999]), rng)
    ids = list("abcdefgh")
    queries = pd.DataFrame({"query_id": ids, "category": ["X"] * 5 + ["Y"] * 3, "split": "train"})
    models = pd.DataFrame({"model": ["m1", "m2"], "params_b": [1.0, 2.0]})
    lab = {
        #      a  b  c  d  e  f  g  h
        "m1": [1, 0, 1, 1, 1, 0, 0, 1],
        "m2": [1, 1, 0, 1, None, 0, 0, 0],  # m2 has no label on e
    }
    labels = pd.DataFrame(
        [(q, m, v) for m, vals in lab.items() for q, v in zip(ids, vals) if v is not None],
        columns=["query_id", "model", "label"],
    )
    bench = io.Benchmark.from_frames(queries, models, labels, name="tiny")
    emb = io.Embeddings(pd.Index(ids, dtype=object), x.astype(np.float32), "test")
    return bench, emb


def test_summary_hand_checked():
    bench, emb = tiny_case()
    groups = dedup.find_groups(emb, DELTA, queries=bench.queries)
    assert table_groups(groups) == {frozenset("ab"), frozenset("cde"), frozenset("fg")}
    assert groups.table["category"].tolist() == ["X", "X", "X", "X", "X", "Y", "Y"]
    s = dedup.summarise(groups, bench).iloc[0]
    assert s["n_queries"] == 8 and s["n_groups"] == 3 and s["n_pairs"] == 1 + 3 + 1
    assert s["mean_group_size"] == pytest.approx(7 / 3) and s["max_group_size"] == 3
    assert s["queries_covered"] == 7 and s["share_covered"] == pytest.approx(7 / 8)
    assert s["queries_removed"] == 4
    # within-model: {a,b}: m1 1/0 differs; {c,d,e}: m1 1,1,1 same, m2 0,1 differs; {f,g}: all 0
    assert s["share_groups_within_model_disagreement"] == pytest.approx(2 / 3)
    # cross-model (pass = mean >= 0.5): {a,b}: m1 0.5 pass, m2 1 pass -> agree;
    # {c,d,e}: m1 1 pass, m2 0.5 pass -> agree; {f,g}: both fail -> agree
    assert s["share_groups_cross_model_disagreement"] == 0.0
    # observed member pairs: m1: ab differ, cd ce de fg same (5); m2: ab same, cd differ, fg same (3;
    # e is missing for m2, so ce and de do not count)
    assert s["pair_mismatch_within_groups"] == pytest.approx(2 / 8)
    # same-category pairs: X = {a..e}: m1 labels 1,0,1,1,1 -> 4 of 10 differ; m2 1,1,0,1 -> 3 of 6
    # Y = {f,g,h}: m1 0,0,1 -> 2 of 3; m2 0,0,0 -> 0 of 3
    assert s["overall_mismatch_rate"] == pytest.approx((4 + 3 + 2 + 0) / (10 + 6 + 3 + 3))
    assert s["benchmark"] == "tiny" and s["delta"] == DELTA


def test_cross_model_disagreement_counts():
    bench, emb = tiny_case()
    flipped = bench.labels.copy()
    flipped.loc[(flipped["model"] == "m2") & flipped["query_id"].isin(["a", "b"]), "label"] = 0.0
    bench2 = io.Benchmark.from_frames(bench.queries, bench.models, flipped, name="tiny")
    s = dedup.summarise(dedup.find_groups(emb, DELTA), bench2).iloc[0]
    assert s["share_groups_cross_model_disagreement"] == pytest.approx(1 / 3)  # {a,b}: m1 passes, m2 fails


def test_reduce_keeps_representatives_and_counts(caplog):
    bench, emb = tiny_case()
    groups = dedup.find_groups(emb, DELTA)
    with caplog.at_level("INFO"):
        reduced = dedup.reduce(bench, groups)
    assert reduced.queries["query_id"].tolist() == ["a", "c", "f", "h"]
    assert set(reduced.labels["query_id"]) == {"a", "c", "f", "h"}
    assert len(reduced.labels) == 8 and reduced.models.equals(bench.models)
    assert "removed 4 near-duplicate queries" in caplog.text


def test_no_duplicates():
    x = unit_rows(np.random.default_rng(2).standard_normal((300, 24)))
    groups = dedup.find_groups(as_embeddings(x), DELTA)
    assert groups.table.empty and groups.edges.empty and groups.n_pairs == 0
    assert list(groups.table.columns) == list(dedup.GROUP_COLUMNS)


# --------------------------------------------------------------------------- real prompts


def test_real_prompt_samples(encoder):
    """Real prompts: the first 64 of each sample file plus every prompt whose text repeats.

    (All 576 prompts, measured once with the shipped MiniLM: 5 groups at 0.999 covering 45
    queries, 5 groups / 46 queries at 0.99; the largest, 37 RouterBench GSM8K prompts, are distinct
    texts sharing a few-shot prefix longer than the encoder's 256-token window.)
    """
    folder = shared_data("prompt_samples")
    texts = []
    for path in sorted(folder.glob("*.json")):
        items = [r["prompt"] for r in json.loads(path.read_text())]
        repeated = pd.Series(items).duplicated(keep=False).to_numpy()
        texts += [t for k, t in enumerate(items) if k < 64 or repeated[k]]
    queries = pd.DataFrame({"query_id": [f"p{i:04d}" for i in range(len(texts))], "prompt": texts})
    emb = embed.embed_queries(queries, encoder, batch_size=32)
    x = emb.vectors
    found = {}
    for delta in (0.999, 0.99):
        groups = dedup.find_groups(emb, delta)
        found[delta] = groups
        pairs = brute_pairs(x, delta)
        expected = {frozenset(f"p{i:04d}" for i in g) for g in components(pairs, len(x))}
        assert table_groups(groups) == expected  # exact on real text too
        assert (groups.edges["cosine"] >= delta).all()
        assert len(groups.edges) == len(groups.table) - groups.n_groups  # chains of >= delta pairs
    # identical prompt texts are always grouped
    same_text = queries.groupby("prompt")["query_id"].agg(list)
    same_text = same_text[same_text.str.len() >= 2]
    assert len(same_text) >= 3
    gid = found[0.999].table.set_index("query_id")["group_id"]
    for members in same_text:
        assert members[0] in gid.index and gid.loc[members].nunique() == 1
    # a lower threshold only merges groups
    coarse = found[0.99].table.set_index("query_id")["group_id"]
    fine = found[0.999].table
    assert fine["query_id"].isin(coarse.index).all()
    assert (fine.assign(coarse=coarse.loc[fine["query_id"]].to_numpy()).groupby("group_id")["coarse"].nunique() == 1).all()
    print(
        f"prompt_samples subset ({len(texts)} prompts): delta 0.999 -> {found[0.999].n_groups} groups "
        f"({len(found[0.999].table)} queries, max size {found[0.999].table['group_size'].max()}); "
        f"delta 0.99 -> {found[0.99].n_groups} groups ({len(found[0.99].table)} queries)"
    )
