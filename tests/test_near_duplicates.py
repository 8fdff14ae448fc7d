"""Near-duplicate groups: FAISS search equals exact brute force; planted groups; summary by hand."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import shared_data
from scipy import sparse
from scipy.sparse import csgraph
from test_compare import split_picks

from routerbench_plus import demo, embed, near_duplicates, store
from routerbench_plus.compare import compare_splits
from routerbench_plus.errors import ConfigError, InputError
from routerbench_plus.near_duplicates.original_vs_reduced import original_vs_reduced

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


def as_embeddings(x: np.ndarray, prefix: str = "q") -> store.Embeddings:
    return store.Embeddings(pd.Index([f"{prefix}{i:05d}" for i in range(len(x))], dtype=object), x, "test")


def table_groups(groups: near_duplicates.DuplicateGroups) -> set[frozenset[str]]:
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
    i, j, cos, n_candidates = near_duplicates.duplicate_pairs(x, delta, n_cells=n_cells, chunk_size=chunk)
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
    i, j, _, _ = near_duplicates.duplicate_pairs(x, DELTA, n_cells=8)
    assert set(zip(i.tolist(), j.tolist())) == brute_pairs(x, DELTA)
    assert 100 < len(i) < 200


def test_groups_are_components_with_representatives_and_forest():
    x = planted(seed=5)
    emb = as_embeddings(x)
    groups = near_duplicates.find_groups(emb, DELTA, n_cells=32)
    pairs = brute_pairs(x, DELTA)
    expected = {frozenset(f"q{i:05d}" for i in g) for g in components(pairs, len(x))}
    assert table_groups(groups) == expected
    assert groups.n_pairs == len(pairs)
    t = groups.table
    assert list(t.columns) == list(near_duplicates.GROUP_COLUMNS)
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
    reference = near_duplicates.find_groups(emb, DELTA)
    for kwargs in ({"seed": 3}, {"projection_dim": 4}, {"projection_dim": 48, "n_cells": 100}, {"n_cells": 1}):
        other = near_duplicates.find_groups(emb, DELTA, **kwargs)
        pd.testing.assert_frame_equal(other.table, reference.table)
        pd.testing.assert_frame_equal(other.edges, reference.edges)


def test_exact_duplicate_nodes():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((12, 5)).astype(np.float32)
    x[7] = x[2]
    x[9] = x[2]
    x[11] = x[0]
    first, node = near_duplicates.exact_duplicate_nodes(x)
    assert first.tolist() == [0, 1, 2, 3, 4, 5, 6, 8, 10]
    assert node.tolist() == [0, 1, 2, 3, 4, 5, 6, 2, 7, 2, 8, 0]


def test_input_errors():
    x = planted(n=600, d=16)
    with pytest.raises(ConfigError, match="dedup.delta"):
        near_duplicates.duplicate_pairs(x, 1.5)
    with pytest.raises(ConfigError, match="dedup.delta"):
        near_duplicates.find_groups(as_embeddings(x), 0.0)
    bad = x.copy()
    bad[3, 2] = np.nan
    with pytest.raises(InputError, match="NaN"):
        near_duplicates.find_groups(as_embeddings(bad), DELTA)
    bad[3] = 0.0
    with pytest.raises(InputError, match="zero vector"):
        near_duplicates.duplicate_pairs(bad, DELTA)
    queries = pd.DataFrame({"query_id": ["q00000"], "category": ["a"]})
    with pytest.raises(InputError, match="category"):
        near_duplicates.find_groups(as_embeddings(x), DELTA, queries=queries)


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
    groups = near_duplicates.find_groups(emb, DELTA, queries=bench.queries)
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

    summary = near_duplicates.summarise(groups, bench)
    assert summary.loc[0, "n_groups"] == len(planted_groups)
    assert summary.loc[0, "queries_covered"] == len(truth)
    assert summary.loc[0, "scope"] == "all"
    # labels are drawn independently per copy: duplicates disagree, and no less than random pairs
    assert summary.loc[0, "share_groups_within_model_disagreement"] > 0.5

    # the training pool's groups: the planted groups restricted to train + val members (size >= 2)
    role = bench.queries.set_index("query_id")["split"]
    training = near_duplicates.find_groups(emb, DELTA, queries=bench.queries, scope="training")
    expected = {frozenset(m for m in g if role[m] != "test") for g in planted_groups}
    assert table_groups(training) == {g for g in expected if len(g) >= 2}
    assert (training.table["split"] != "test").all()
    reduced = near_duplicates.reduce(bench, training)
    n_removed = sum(len(g) - 1 for g in expected if len(g) >= 2)
    assert len(reduced.queries) == len(bench.queries) - n_removed
    assert set(bench.queries.loc[bench.queries["split"] == "test", "query_id"]) <= set(reduced.queries["query_id"])


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
    bench = store.Benchmark.from_frames(queries, models, labels, name="tiny")
    emb = store.Embeddings(pd.Index(ids, dtype=object), x.astype(np.float32), "test")
    return bench, emb


def test_summary_hand_checked():
    bench, emb = tiny_case()
    groups = near_duplicates.find_groups(emb, DELTA, queries=bench.queries)
    assert table_groups(groups) == {frozenset("ab"), frozenset("cde"), frozenset("fg")}
    assert groups.table["category"].tolist() == ["X", "X", "X", "X", "X", "Y", "Y"]
    s = near_duplicates.summarise(groups, bench).iloc[0]
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
    bench2 = store.Benchmark.from_frames(bench.queries, bench.models, flipped, name="tiny")
    s = near_duplicates.summarise(near_duplicates.find_groups(emb, DELTA), bench2).iloc[0]
    assert s["share_groups_cross_model_disagreement"] == pytest.approx(1 / 3)  # {a,b}: m1 passes, m2 fails


def test_reduce_keeps_representatives_and_counts(caplog):
    bench, emb = tiny_case()
    groups = near_duplicates.find_groups(emb, DELTA, queries=bench.queries, scope="training")
    with caplog.at_level("INFO"):
        reduced = near_duplicates.reduce(bench, groups)
    assert reduced.queries["query_id"].tolist() == ["a", "c", "f", "h"]
    assert set(reduced.labels["query_id"]) == {"a", "c", "f", "h"}
    assert len(reduced.labels) == 8 and reduced.models.equals(bench.models)
    assert "removed 4 near-duplicate training queries" in caplog.text
    with pytest.raises(InputError, match="training pool only"):
        near_duplicates.reduce(bench, near_duplicates.find_groups(emb, DELTA))  # whole-benchmark groups would touch test


def test_no_duplicates():
    x = unit_rows(np.random.default_rng(2).standard_normal((300, 24)))
    groups = near_duplicates.find_groups(as_embeddings(x), DELTA)
    assert groups.table.empty and groups.edges.empty and groups.n_pairs == 0
    assert list(groups.table.columns) == list(near_duplicates.GROUP_COLUMNS)


# --------------------------------------------------------------------------- training pool vs whole benchmark


def split_case():
    """11 queries over three splits; groups {a,b,c,d} (a test), {e,f} (e test), {g,h}, {j,k} (test only); i alone."""
    rng = np.random.default_rng(4)
    base = unit_rows(rng.standard_normal((5, 32)))
    x = base[[0, 0, 0, 0, 1, 1, 2, 2, 3, 4, 4]].astype(np.float64)
    x[[1, 2, 3, 5, 7, 10]] = at_cosine(x[[1, 2, 3, 5, 7, 10]], np.full(6, 0.99995), rng)
    ids = list("abcdefghijk")
    roles = ["test", "val", "train", "train", "test", "val", "val", "val", "train", "test", "test"]
    queries = pd.DataFrame({"query_id": ids, "category": "X", "split": roles})
    models = pd.DataFrame({"model": ["m1"], "params_b": [1.0]})
    labels = pd.DataFrame({"query_id": ids, "model": "m1", "label": np.tile([1.0, 0.0], 6)[:11]})
    bench = store.Benchmark.from_frames(queries, models, labels, name="splits")
    return bench, store.Embeddings(pd.Index(ids, dtype=object), x.astype(np.float32), "test")


def test_training_groups_keep_one_training_member_and_never_touch_test():
    bench, emb = split_case()
    training = near_duplicates.find_groups(emb, DELTA, queries=bench.queries, scope="training")
    assert table_groups(training) == {frozenset("bcd"), frozenset("gh")}  # test members are not in the pool
    reps = training.table.loc[training.table["is_representative"], "query_id"].tolist()
    assert sorted(reps) == ["c", "g"]  # split train before val (b < c), then the smallest id
    everything = near_duplicates.find_groups(emb, DELTA, queries=bench.queries, scope="all")
    assert table_groups(everything) == {frozenset("abcd"), frozenset("ef"), frozenset("gh"), frozenset("jk")}
    reps_all = set(everything.table.loc[everything.table["is_representative"], "query_id"])
    assert reps_all == {"c", "f", "g", "j"}  # a test query is never preferred over a training one

    reduced = near_duplicates.reduce(bench, training)
    assert set(reduced.queries["query_id"]) == set("acefgijk")
    test_ids = set(bench.queries.loc[bench.queries["split"] == "test", "query_id"])
    assert test_ids <= set(reduced.queries["query_id"])
    kept = training.table[training.table["query_id"].isin(reduced.queries["query_id"])]
    assert (kept.groupby("group_id").size() == 1).all() and kept["group_id"].nunique() == training.n_groups

    result = near_duplicates.deduplicate(bench, emb, DELTA)
    s = result.summary.set_index("scope")
    assert list(result.summary["scope"]) == ["training", "all"]
    assert s.loc["training", ["n_queries", "n_groups", "queries_covered", "queries_removed"]].tolist() == [7, 2, 5, 3]
    assert s.loc["all", ["n_queries", "n_groups", "queries_covered", "queries_removed"]].tolist() == [11, 4, 10, 6]
    assert s.loc["training", "n_pairs"] == 3 + 1 and s.loc["all", "n_pairs"] == 6 + 1 + 1 + 1
    assert set(result.table["scope"]) == {"training", "all"}
    pd.testing.assert_frame_equal(result.reduced.queries, reduced.queries)


def relabelled(bench: store.Benchmark, emb: store.Embeddings, seed: int) -> tuple[store.Benchmark, store.Embeddings, dict]:
    """The same benchmark under new, randomly ordered query ids (rows shuffled too)."""
    rng = np.random.default_rng(seed)
    old = bench.queries["query_id"].astype(str).to_numpy()
    new = np.array([f"x{k:05d}" for k in rng.permutation(len(old))], dtype=object)
    mapping = dict(zip(old, new))
    order = rng.permutation(len(old))
    queries = bench.queries.iloc[order].assign(query_id=lambda d: d["query_id"].astype(str).map(mapping))
    labels = bench.labels.assign(query_id=bench.labels["query_id"].astype(str).map(mapping))
    position = pd.Series(np.arange(len(emb.query_ids)), index=list(emb.query_ids))
    rows = position.loc[old[order]].to_numpy()
    out = store.Embeddings(pd.Index([mapping[q] for q in old[order]], dtype=object), emb.vectors[rows], emb.encoder)
    return store.Benchmark.from_frames(queries, bench.models, labels, name=bench.name), out, mapping


def test_relabelling_query_ids_changes_neither_the_kept_test_set_nor_the_statistics(small_demo, encoder):
    from routerbench_plus import splits

    bench = small_demo.benchmark
    emb = embed.embed_queries(bench.queries, encoder, batch_size=64)
    reference = near_duplicates.deduplicate(bench, emb, DELTA)
    # the demo plants groups across splits: some have a test member, so ids could matter
    t = reference.groups["all"].table
    assert (t.groupby("group_id")["split"].agg(lambda r: (r == "test").any() and (r != "test").any())).any()
    stats = reference.summary.drop(columns=["benchmark"])
    for seed in (0, 1, 2):
        other_bench, other_emb, mapping = relabelled(bench, emb, seed)
        result = near_duplicates.deduplicate(other_bench, other_emb, DELTA)
        pd.testing.assert_frame_equal(result.summary.drop(columns=["benchmark"]), stats)
        split, counts = splits.make_split("reduced", other_bench, reduced_queries=result.reduced.queries)
        test = set(other_bench.queries.loc[other_bench.queries["split"] == "test", "query_id"])
        assert set(split.queries.loc[split.queries["split"] == "test", "query_id"]) == test  # all of them
        assert set(result.reduced.queries["query_id"]) >= test
        by_role = counts.set_index("role")["n_removed"]
        assert by_role["test"] == 0
        assert by_role["train"] + by_role["val"] == reference.summary.loc[0, "queries_removed"]
        # exactly one training member of every training group stays
        groups = result.groups["training"].table
        kept = groups["query_id"].isin(split.queries["query_id"])
        assert (groups[kept].groupby("group_id").size() == 1).all() and groups[kept]["group_id"].nunique() == len(
            groups.drop_duplicates("group_id"))


# --------------------------------------------------------------------------- soft labels


def soft_case(values: dict[str, float]):
    """Groups {a,b} and {c,d}, e alone, one category, one model with the given labels."""
    rng = np.random.default_rng(6)
    base = unit_rows(rng.standard_normal((3, 32)))
    x = base[[0, 0, 1, 1, 2]].astype(np.float64)
    x[[1, 3]] = at_cosine(x[[1, 3]], np.array([0.9996, 0.9997]), rng)
    ids = list("abcde")
    queries = pd.DataFrame({"query_id": ids, "category": "X", "split": "train"})
    labels = pd.DataFrame({"query_id": ids, "model": "m1", "label": [values[q] for q in ids]})
    bench = store.Benchmark.from_frames(queries, pd.DataFrame({"model": ["m1"], "params_b": [1.0]}), labels, name="soft")
    return bench, store.Embeddings(pd.Index(ids, dtype=object), x.astype(np.float32), "test")


def test_soft_labels_within_tolerance_do_not_disagree():
    bench, emb = soft_case({"a": 0.70, "b": 0.72, "c": 0.45, "d": 0.55, "e": 0.95})
    groups = near_duplicates.find_groups(emb, DELTA, queries=bench.queries, scope="training")
    assert table_groups(groups) == {frozenset("ab"), frozenset("cd")}

    def stats(rule):
        row = near_duplicates.summarise(groups, bench, rule).iloc[0]
        return row, (row["share_groups_within_model_disagreement"], row["pair_mismatch_within_groups"],
                     row["overall_mismatch_rate"])

    # binarise at 0.5: a, b, e correct; c wrong, d correct -> only {c,d} differs; 10 pairs, 6 agree
    row, values = stats(near_duplicates.LabelRule("binarise", threshold=0.5))
    assert values == pytest.approx((0.5, 0.5, 0.4))
    assert row["label_rule"] == "binarise at 0.5" and bool(row["soft_labels"])
    # tolerance 0.05: 0.70 vs 0.72 agree (within), 0.45 vs 0.55 differ; of 10 pairs only (a, b) agrees
    row, values = stats(near_duplicates.LabelRule("tolerance", tolerance=0.05))
    assert values == pytest.approx((0.5, 0.5, 0.9)) and row["label_rule"] == "tolerance 0.05"
    # tolerance 0.2: both groups agree; pairs within 0.2: ab, cd, bd (0.17), ad (0.15) -> 4 of 10 agree
    _, values = stats(near_duplicates.LabelRule("tolerance", tolerance=0.2))
    assert values == pytest.approx((0.0, 0.0, 0.6))


def test_binary_labels_give_the_same_numbers_under_every_rule():
    bench, emb = tiny_case()
    groups = near_duplicates.find_groups(emb, DELTA, queries=bench.queries)
    reference = near_duplicates.summarise(groups, bench).drop(columns=["label_rule"])
    for rule in (near_duplicates.LabelRule("binarise", threshold=1.0), near_duplicates.LabelRule("tolerance", tolerance=0.0),
                 near_duplicates.LabelRule("tolerance", tolerance=0.9)):
        pd.testing.assert_frame_equal(near_duplicates.summarise(groups, bench, rule).drop(columns=["label_rule"]), reference)
    assert not reference.loc[0, "soft_labels"]


def test_label_rule_config_errors():
    assert near_duplicates.LabelRule.from_config({"soft_labels": "tolerance", "label_tolerance": 0.1}).describe() == "tolerance 0.1"
    assert near_duplicates.LabelRule.from_config(None) == near_duplicates.LabelRule()
    with pytest.raises(ConfigError, match="dedup.soft_labels"):
        near_duplicates.LabelRule("exact")
    with pytest.raises(ConfigError, match="dedup.binarise_threshold"):
        near_duplicates.LabelRule(threshold=0.0)
    with pytest.raises(ConfigError, match="dedup.label_tolerance"):
        near_duplicates.LabelRule("tolerance", tolerance=1.0)


# --------------------------------------------------------------------------- prompts longer than the window


def test_truncated_prefix_flags_groups_made_by_the_window(encoder):
    """A 16-token window: two prompts sharing a long prefix embed identically (grouped, flagged);
    letter-case copies of one long prompt read the same tokens (grouped, not flagged); short
    case copies are not truncated (not flagged). Embedding the tail separates the first pair."""
    prefix = ("Question: Alice has three apples and buys five more apples at the market, "
              "how many apples does she have now? Answer: eight apples. ")
    long_text = "Explain how a compiler turns source code into machine code, step by step, with examples."
    prompts = [prefix + "Now describe the galaxy.", prefix + "Now bake a loaf of bread.",
               long_text, long_text.upper(), "What is a comet?", "WHAT IS A COMET?", "Name a prime number."]
    ids = [f"t{i}" for i in range(len(prompts))]
    queries = pd.DataFrame({"query_id": ids, "prompt": prompts, "category": "X", "split": "train"})
    labels = pd.DataFrame({"query_id": ids, "model": "m1", "label": 1.0})
    bench = store.Benchmark.from_frames(queries, pd.DataFrame({"model": ["m1"], "params_b": [1.0]}), labels, name="w")
    lengths = embed.prompt_lengths(queries, encoder, max_seq_length=16)
    assert lengths["truncated"].tolist() == [True, True, True, True, False, False, False]
    assert lengths["token_hash"].iloc[2] == lengths["token_hash"].iloc[3]  # uncased: the same tokens
    assert lengths["token_hash"].iloc[0] != lengths["token_hash"].iloc[1]

    emb = embed.embed_queries(queries, encoder, max_seq_length=16)
    result = near_duplicates.deduplicate(bench, emb, DELTA, lengths=lengths)
    table = result.groups["training"].table
    flags = {frozenset(g["query_id"]): bool(g["truncated_prefix"].iloc[0]) for _, g in table.groupby("group_id")}
    assert flags == {frozenset(["t0", "t1"]): True, frozenset(["t2", "t3"]): False, frozenset(["t4", "t5"]): False}
    assert result.summary["n_groups_truncated_prefix"].tolist() == [1, 1]

    tail = embed.embed_queries(queries, encoder, max_seq_length=16, long_prompts="tail")
    tail_groups = near_duplicates.find_groups(tail, DELTA, queries=bench.queries)
    assert not any({"t0", "t1"} <= g for g in table_groups(tail_groups))
    # under mean_windows nothing is left out of the embedding: no flag even where texts differ
    windows = lengths.assign(long_prompts="mean_windows")
    assert not near_duplicates.truncated_prefix(table, windows).any()
    with pytest.raises(InputError, match="prompt-length table"):
        near_duplicates.truncated_prefix(table, lengths[lengths["query_id"] != "t0"])


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
        groups = near_duplicates.find_groups(emb, delta)
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
    # the GSM8K few-shot prompts: distinct texts, all longer than the 256-token window, grouped only
    # because the window cuts them -> truncated_prefix; identical-text groups are never flagged
    lengths = embed.prompt_lengths(queries, encoder)
    flagged = near_duplicates.find_groups(emb, 0.999, lengths=lengths, graph=near_duplicates.pair_graph(emb, 0.999)).table
    per_group = flagged.merge(queries, on="query_id").groupby("group_id").agg(
        texts=("prompt", "nunique"), flag=("truncated_prefix", "first"), size=("query_id", "size"))
    assert per_group["flag"].tolist() == (per_group["texts"] > 1).tolist()
    assert per_group.loc[per_group["flag"], "size"].max() >= 12
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


def test_original_vs_reduced_in_points_with_delta_intervals():
    rng = np.random.default_rng(2)
    base_q = (rng.random((2, 200, 2)) < 0.5).astype(np.float32)
    other_q = base_q.copy()
    other_q[0, :, 1] = 1.0  # knn on the reduced data: always right at the largest budget
    compare = compare_splits(
        split_picks(base_q, np.array([1.0, 2.0])), split_picks(other_q, np.array([1.0, 2.0])), (1.0, 2.0), (1.0, 2.0),
        ("standard", "reduced"), n_resamples=300, tags={"benchmark": "demo", "split_base": "standard",
                                                        "split": "reduced", "cost_type": "params"},
    )
    table = original_vs_reduced(compare).set_index("method")
    knn = table.loc["knn"]
    assert knn["peak_reduced_pts"] == pytest.approx(100.0)
    assert knn["peak_original_pts"] == pytest.approx(100 * base_q[0].mean(axis=0).max())
    assert knn["avg_delta_pts"] == pytest.approx(100 * (other_q[0].mean() - base_q[0].mean()))
    assert knn["avg_delta_lo_pts"] > 0 and knn["avg_significant"]
    assert knn["area_delta"] == pytest.approx(0.25 * (1 - base_q[0, :, 1].mean()))
    assert table.loc["heuristic", ["avg_delta_pts", "avg_delta_lo_pts", "avg_delta_hi_pts"]].tolist() == [0, 0, 0]
    assert knn["split_original"] == "standard" and knn["split_reduced"] == "reduced"
    assert {"area_span_delta_lo", "area_log_significant", "peak_delta_hi_pts", "n_resamples"} <= set(table.columns)
