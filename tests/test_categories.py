"""Category similarity (mean embeddings) and the redundant-category table; the category-redundancy
experiments: the catdrop table (dropped categories as OOD) and the within-category training-fraction
table, on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from routerbench_plus import categories, demo, embed, ood, store
from routerbench_plus.errors import ConfigError, InputError


def unit_rows(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def hand_built(sizes: dict[str, int], twins: dict[str, str], seed: int = 0, noise: float = 0.02):
    """Categories with random centres; a twin copies another's centre (near-identical category)."""
    rng = np.random.default_rng(seed)
    centres = {c: rng.standard_normal(48) for c in sizes}
    for twin, of in twins.items():
        centres[twin] = centres[of] + 0.01 * rng.standard_normal(48)
    ids, cats, vecs = [], [], []
    for c, size in sizes.items():
        for k in range(size):
            ids.append(f"{c}-{k}")
            cats.append(c)
            vecs.append(centres[c] + noise * np.linalg.norm(centres[c]) * rng.standard_normal(48))
    queries = pd.DataFrame({"query_id": ids, "category": cats})
    emb = store.Embeddings(pd.Index(ids[::-1], dtype=object), unit_rows(np.array(vecs))[::-1], "test")  # any order
    return emb, queries


def square(sim: pd.DataFrame) -> pd.DataFrame:
    return sim.pivot(index="category_a", columns="category_b", values="cosine")


def test_similarity_symmetric_unit_diagonal_and_matches_means():
    emb, queries = hand_built({"alpha": 5, "beta": 3, "gamma": 4, "delta": 6}, {"beta": "alpha"})
    sim = categories.category_similarity(emb, queries, benchmark="hand")
    assert list(sim.columns) == list(categories.SIMILARITY_COLUMNS)
    assert len(sim) == 16 and (sim["benchmark"] == "hand").all()
    m = square(sim)
    assert np.allclose(m.to_numpy(), m.to_numpy().T)
    assert (np.diag(m.to_numpy()) == 1.0).all()
    # by hand: normalised mean of alpha's and beta's vectors
    x = emb.take(queries["query_id"]).astype(np.float64)
    mean = {c: x[(queries["category"] == c).to_numpy()].mean(0) for c in ("alpha", "beta")}
    expected = mean["alpha"] @ mean["beta"] / np.linalg.norm(mean["alpha"]) / np.linalg.norm(mean["beta"])
    assert m.loc["alpha", "beta"] == pytest.approx(expected, abs=1e-12)
    assert m.loc["alpha", "beta"] > 0.98 and m.loc["alpha", "gamma"] < 0.5
    sizes = sim.drop_duplicates("category_a").set_index("category_a")["n_queries_a"]
    assert sizes.to_dict() == {"alpha": 5, "beta": 3, "delta": 6, "gamma": 4}
    # clustered order: the twins are neighbours
    order = sim.drop_duplicates("category_a").set_index("category_a")["order_a"]
    assert sorted(order) == [0, 1, 2, 3] and abs(order["alpha"] - order["beta"]) == 1


def test_redundant_pair_found_and_only_the_smaller_dropped():
    emb, queries = hand_built({"alpha": 5, "beta": 3, "gamma": 4, "delta": 6}, {"beta": "alpha"})
    sim = categories.category_similarity(emb, queries, benchmark="hand")
    red = categories.redundant_categories(sim, 0.95)
    assert list(red.columns) == list(categories.REDUNDANT_COLUMNS)
    assert red["category"].tolist() == ["alpha", "beta"]
    assert red.set_index("category")["most_similar"].to_dict() == {"alpha": "beta", "beta": "alpha"}
    assert red.set_index("category")["dropped"].to_dict() == {"alpha": False, "beta": True}  # beta is smaller
    beta = red.set_index("category").loc["beta"]
    assert beta["kept_partner"] == "alpha" and beta["kept_partner_cosine"] > 0.95
    assert (red["benchmark"] == "hand").all() and (red["threshold"] == 0.95).all()
    # nothing above a threshold of 0.999 -> empty, with the columns
    assert categories.redundant_categories(sim, 0.9999).empty


def test_ties_by_name_and_cliques():
    # equal sizes: the first name is kept; a clique of three keeps one, drops two covered by it
    emb, queries = hand_built(
        {"a": 4, "b": 4, "c": 4, "d": 4, "e": 4}, {"b": "a", "e": "c", "d": "c"}, seed=1
    )
    sim = categories.category_similarity(emb, queries)
    red = categories.redundant_categories(sim, 0.95).set_index("category")
    assert red["dropped"].to_dict() == {"a": False, "b": True, "c": False, "d": True, "e": True}
    assert red.loc[["d", "e"], "kept_partner"].tolist() == ["c", "c"]
    m = square(sim)
    kept = [c for c in m.index if not red["dropped"].get(c, False)]
    off = m.loc[kept, kept].to_numpy()[~np.eye(len(kept), dtype=bool)]
    assert (off <= 0.95).all()  # no two kept categories are redundant


def test_errors():
    emb, queries = hand_built({"a": 3, "b": 3}, {})
    with pytest.raises(InputError, match="lack"):
        categories.category_similarity(emb, pd.concat([queries, pd.DataFrame({"query_id": ["zz"], "category": ["a"]})]))
    with pytest.raises(InputError, match="category"):
        categories.category_similarity(emb, queries.drop(columns="category"))
    sim = categories.category_similarity(emb, queries)
    with pytest.raises(ConfigError, match="categories.drop_similarity"):
        categories.redundant_categories(sim, 1.5)


def test_demo_categories_closest_to_themselves():
    """Each demo category split in two halves: a half is closest to its own other half."""
    bench = demo.generate(n_categories=5, queries_per_category=20, n_duplicate_groups=0, seed=3).benchmark
    encoder = embed.load_encoder(embed.SHIPPED_MINILM)
    emb = embed.embed_queries(bench.queries, encoder, batch_size=64)
    q = bench.queries[["query_id", "category"]].copy()
    half = q.groupby("category").cumcount() % 2
    q["category"] = q["category"].astype(str) + "|" + half.astype(str)
    sim = categories.category_similarity(emb, q)
    m = square(sim)
    own = {c: c.split("|")[0] for c in m.index}
    for c in m.index:
        row = m.loc[c].drop(c)
        assert own[row.idxmax()] == own[c], (c, row.idxmax())
    # the whole-category matrix: within-theme halves are far more similar than across themes
    same = [m.loc[a, b] for a in m.index for b in m.index if a != b and own[a] == own[b]]
    cross = [m.loc[a, b] for a in m.index for b in m.index if own[a] != own[b]]
    assert min(same) > max(cross)


def test_demo_planted_redundant_category_is_the_only_one_dropped():
    """With >= 12 categories the demo plants one near-copy category; exactly it (or its partner) drops."""
    generated = demo.generate(n_categories=12, queries_per_category=40, n_duplicate_groups=0, seed=5)
    planted = generated.truth["redundant_categories"]
    assert len(planted) == 1
    encoder = embed.load_encoder(embed.SHIPPED_MINILM)
    emb = embed.embed_queries(generated.benchmark.queries, encoder, batch_size=64)
    sim = categories.category_similarity(emb, generated.benchmark.queries)
    table = categories.redundant_categories(sim, threshold=0.95)
    dropped = set(table.loc[table["dropped"], "category"])
    assert len(dropped) == 1
    assert dropped <= {planted["category"].iloc[0], planted["copy_of"].iloc[0]}


# --------------------------------------------------------------------------- category experiments

EXPERIMENT_QUERIES = pd.DataFrame(
    {
        "query_id": ["a1", "a2", "b1", "b2"],
        "category": ["A", "A", "B", "B"],
        "split": ["test"] * 4,
    }
)


def picks(quality):
    """quality: {query: [q at budget 1, q at budget 2]}."""
    rows = [(b, q, "m", v[i], b) for q, v in quality.items() for i, b in enumerate([1.0, 2.0])]
    return pd.DataFrame(rows, columns=["budget", "query_id", "model", "quality", "cost"])


STANDARD = {"params": {"knn": picks({"a1": [1, 1], "a2": [1, 1], "b1": [1, 0], "b2": [0, 1]})}}
CATDROP = {"params": {"knn": picks({"a1": [0, 1], "a2": [0, 0], "b1": [1, 0], "b2": [0, 1]})}}


def redundant(dropped_a: bool) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "category": ["A", "B"],
            "dropped": [dropped_a, False],
            "kept_partner": ["B", None],
            "kept_partner_cosine": [0.97, None],
        }
    )


def test_catdrop_table_reports_only_dropped_categories():
    table = categories.catdrop_table(STANDARD, CATDROP, EXPERIMENT_QUERIES, redundant(True), tags={"benchmark": "t"})
    t = table.set_index("category")
    assert list(t.index) == ["A", ood.POOLED]
    # A: ID 1, 1 -> 100; catdrop 0, 0.5 -> 25 points
    assert t.loc["A", "curve_mean_delta_pts"] == pytest.approx(-75.0)
    assert t.loc["A", "kept_partner"] == "B"
    assert t.loc["A", "kept_partner_cosine"] == pytest.approx(0.97)
    assert table["split_ood"].eq("catdrop").all()


def test_catdrop_table_takes_the_evaluation_bootstrap_settings():
    """The delta's interval uses config evaluation's resamples, seed and confidence (formerly the defaults)."""
    few = categories.catdrop_table(STANDARD, CATDROP, EXPERIMENT_QUERIES, redundant(True), n_resamples=50, seed=3,
                                   confidence=0.8)
    assert few["n_resamples"].eq(50).all() and few["seed"].eq(3).all() and few["confidence"].eq(0.8).all()
    wider = categories.catdrop_table(STANDARD, CATDROP, EXPERIMENT_QUERIES, redundant(True), n_resamples=50, seed=3,
                                     confidence=0.99)
    assert (wider["curve_mean_delta_hi_pts"] - wider["curve_mean_delta_lo_pts"]
            >= few["curve_mean_delta_hi_pts"] - few["curve_mean_delta_lo_pts"]).all()


def test_catdrop_table_empty_when_nothing_is_redundant():
    table = categories.catdrop_table(STANDARD, CATDROP, EXPERIMENT_QUERIES, redundant(False))
    assert table.empty
    assert {"curve_mean_delta_pts", "kept_partner", "method"} <= set(table.columns)


def curve(method: str, quality: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "method": method,
            "cost_type": "params",
            "split": "x",
            "budget": [1.0, 2.0],
            "budget_norm": [0.5, 1.0],
            "quality": quality,
        }
    )


def test_train_fraction_table_hand_computed():
    table = categories.train_fraction_table(
        {1.0: curve("knn", [0.6, 0.8]), 0.5: curve("knn", [0.4, 0.6])}
    )
    assert list(table["train_fraction"]) == [0.5, 1.0]
    full = table.set_index("train_fraction").loc[1.0]
    assert full["curve_mean_pts"] == pytest.approx(70.0)
    assert full["peak_pts"] == pytest.approx(80.0)
    # area: trapezoid on [0.5, 1] = 0.5 * (0.6 + 0.8) / 2, nothing before the first point
    assert full["area"] == pytest.approx(0.35)
