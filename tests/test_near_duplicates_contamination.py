"""Cross-split contamination: pairs equal brute force, planted demo pairs found exactly, label
agreement and baseline by hand, soft-label rule, the decontaminated split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_near_duplicates import DELTA, as_embeddings, at_cosine, brute_pairs, planted, unit_rows

from routerbench_plus import demo, embed, near_duplicates, splits, store
from routerbench_plus.errors import InputError
from routerbench_plus.near_duplicates import contamination


def hand_case(values: dict[str, dict[str, float]] | None = None):
    """t1 ~ r1 ~ r2 (category X), t3 == r3 bit for bit (Y); t2 and r4 alone; m2 has no label on t3."""
    rng = np.random.default_rng(8)
    base = unit_rows(rng.standard_normal((4, 32))).astype(np.float64)
    ids = ["t1", "t2", "t3", "r1", "r2", "r3", "r4"]
    x = base[[0, 1, 2, 0, 0, 2, 3]].copy()
    x[[3, 4]] = at_cosine(x[[3, 4]], np.array([0.9996, 0.9998]), rng)
    queries = pd.DataFrame({
        "query_id": ids,
        "category": ["X", "X", "Y", "X", "X", "Y", "Y"],
        "split": ["test", "test", "test", "train", "val", "train", "train"],
    })
    values = values or {
        "m1": {"t1": 1, "t2": 0, "t3": 1, "r1": 1, "r2": 0, "r3": 1, "r4": 0},
        "m2": {"t1": 0, "t2": 1, "r1": 0, "r2": 0, "r3": 1, "r4": 1},
    }
    labels = pd.DataFrame([(q, m, float(v)) for m, row in values.items() for q, v in row.items()],
                          columns=["query_id", "model", "label"])
    models = pd.DataFrame({"model": list(values), "params_b": [1.0] * len(values)})
    bench = store.Benchmark.from_frames(queries, models, labels, name="hand")
    return bench, store.Embeddings(pd.Index(ids, dtype=object), x.astype(np.float32), "test")


def test_pairs_labels_and_summary_by_hand():
    bench, emb = hand_case()
    pairs = contamination.cross_split_pairs(emb, bench.queries, DELTA)
    assert list(zip(pairs["query_id"], pairs["dup_query_id"])) == [("t1", "r1"), ("t1", "r2"), ("t3", "r3")]
    assert pairs["dup_split"].tolist() == ["train", "val", "train"]
    assert pairs.loc[2, "cosine"] == 1.0  # bit-identical vectors
    table, summary = contamination.audit(pairs, bench, DELTA)
    assert list(table.columns) == list(contamination.PAIR_COLUMNS)
    # (t1, r1): m1 1/1, m2 0/0 -> 2 of 2; (t1, r2): m1 1/0, m2 0/0 -> 1 of 2; (t3, r3): m2 missing -> 1 of 1
    assert table["n_models_compared"].tolist() == [2, 2, 1]
    assert table["n_models_agree"].tolist() == [2, 1, 1]
    assert table["category"].tolist() == ["X", "X", "Y"] and table["dup_category"].tolist() == ["X", "X", "Y"]
    s = summary.set_index("category")
    assert list(summary.columns) == list(contamination.SUMMARY_COLUMNS)
    assert summary["level"].tolist() == ["overall", "category", "category"]
    overall = s.loc["(all)"]
    assert overall[["n_test", "n_contaminated", "n_pairs", "n_training_duplicates", "n_label_pairs"]].tolist() == [
        3, 2, 3, 3, 5]
    assert overall["share_contaminated"] == pytest.approx(2 / 3) and overall["label_agreement"] == pytest.approx(4 / 5)
    assert s.loc["X", "share_contaminated"] == 0.5 and s.loc["X", "label_agreement"] == pytest.approx(3 / 4)
    assert s.loc["Y", "share_contaminated"] == 1.0 and s.loc["Y", "label_agreement"] == 1.0
    # baseline, every (test, train/val) pair of a category: X m1 (1,0) x (1,0) -> 2 of 4, m2 (0,1) x (0,0)
    # -> 2 of 4; Y m1 (1) x (1,0) -> 1 of 2, m2 has no test label -> no pair
    assert s.loc["X", "baseline_agreement"] == pytest.approx(4 / 8)
    assert s.loc["Y", "baseline_agreement"] == pytest.approx(1 / 2)
    assert overall["baseline_agreement"] == pytest.approx(5 / 10)
    assert (summary["label_rule"] == "binarise at 0.5").all() and not summary["soft_labels"].any()
    assert contamination.contaminated_training_ids(pairs).tolist() == ["r1", "r2", "r3"]


def test_soft_label_agreement_uses_the_rule():
    values = {"m1": {"t1": 0.70, "t2": 0.1, "t3": 0.45, "r1": 0.72, "r2": 0.9, "r3": 0.55, "r4": 0.3}}
    bench, emb = hand_case(values)
    pairs = contamination.cross_split_pairs(emb, bench.queries, DELTA)
    loose, _ = contamination.audit(pairs, bench, DELTA, near_duplicates.LabelRule("tolerance", tolerance=0.05))
    # 0.70 vs 0.72 within tolerance: agree (an exact comparison would call it a disagreement)
    assert loose["n_models_agree"].tolist() == [1, 0, 0]
    binarised, summary = contamination.audit(pairs, bench, DELTA, near_duplicates.LabelRule("binarise", threshold=0.5))
    assert binarised["n_models_agree"].tolist() == [1, 1, 0]  # 0.70/0.90 both correct; 0.45/0.55 split
    assert summary["soft_labels"].all()
    # baseline under tolerance 0.3, X: test (0.70, 0.1) x train (0.72, 0.9): 0.70-0.72, 0.70-0.9 -> 2 of 4
    _, wide = contamination.audit(pairs, bench, DELTA, near_duplicates.LabelRule("tolerance", tolerance=0.3))
    assert wide.set_index("category").loc["X", "baseline_agreement"] == pytest.approx(2 / 4)


def test_pairs_equal_brute_force_on_planted_vectors():
    x = planted(n=1500, seed=13)
    roles = np.random.default_rng(2).choice(["train", "val", "test"], size=len(x), p=[0.7, 0.1, 0.2])
    emb = as_embeddings(x)
    queries = pd.DataFrame({"query_id": list(emb.query_ids), "split": roles, "category": "c"})
    pairs = contamination.cross_split_pairs(emb, queries, DELTA)
    role = dict(zip(queries["query_id"], roles))
    expected = set()
    for i, j in brute_pairs(x, DELTA):
        a, b = f"q{i:05d}", f"q{j:05d}"
        if role[a] == "test" and role[b] != "test":
            expected.add((a, b))
        elif role[b] == "test" and role[a] != "test":
            expected.add((b, a))
    assert set(zip(pairs["query_id"], pairs["dup_query_id"])) == expected and len(pairs) == len(expected)
    assert len(expected) > 30
    assert (pairs["cosine"] >= DELTA).all()


def test_planted_cross_split_duplicates_of_the_demo_are_found_exactly():
    generated = demo.generate(n_categories=6, queries_per_category=30, n_duplicate_groups=14, seed=5)
    bench = generated.benchmark
    emb = embed.embed_queries(bench.queries, embed.load_encoder(embed.SHIPPED_MINILM), batch_size=64)
    truth = generated.truth["duplicates"].astype(str).merge(
        bench.queries[["query_id", "split"]].astype(str), on="query_id")
    both = truth.merge(truth, on="group_id", suffixes=("", "_dup"))
    planted_pairs = both[(both["split"] == "test") & (both["split_dup"] != "test")]
    expected = set(zip(planted_pairs["query_id"], planted_pairs["query_id_dup"]))
    assert len(expected) >= 5
    pairs = contamination.cross_split_pairs(emb, bench.queries, DELTA)
    assert set(zip(pairs["query_id"], pairs["dup_query_id"])) == expected
    _, summary = contamination.audit(pairs, bench, DELTA)
    overall = summary.iloc[0]
    assert overall["n_contaminated"] == planted_pairs["query_id"].nunique()
    assert overall["n_test"] == (bench.queries["split"] == "test").sum()
    per_category = summary[summary["level"] == "category"]
    assert per_category["n_contaminated"].sum() == overall["n_contaminated"]

    # the decontaminated split removes exactly the train/val side of those pairs; test untouched
    split, counts = splits.make_split("decontaminated", bench, contamination=pairs)
    removed = set(bench.queries["query_id"]) - set(split.queries["query_id"])
    assert removed == set(planted_pairs["query_id_dup"])
    by_role = counts.set_index("role")["n_removed"]
    assert by_role["test"] == 0 and by_role["train"] + by_role["val"] == len(removed)


def test_errors():
    bench, emb = hand_case()
    with pytest.raises(InputError, match="split"):
        contamination.cross_split_pairs(emb, bench.queries.drop(columns=["split"]), DELTA)
    with pytest.raises(InputError, match="dup_query_id"):
        contamination.audit(pd.DataFrame({"query_id": ["t1"]}), bench, DELTA)
    with pytest.raises(InputError, match="contamination pair table"):
        splits.make_split("decontaminated", bench)
    with pytest.raises(InputError, match="dup_query_id"):
        splits.make_split("decontaminated", bench, contamination=pd.DataFrame({"query_id": ["t1"]}))
