"""Routers and the shared budgeted pick: hand-computed cases, brute-force references, planted truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from routerbench_plus import demo, routers, routing, store
from routerbench_plus.errors import ConfigError


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    routers.set_threads(1)  # small networks train fastest single-threaded


# --------------------------------------------------------------------------- synthetic data


def clustered(n_train=240, n_test=60, d=16, n_models=5, observed=0.8, seed=0):
    """Random clustered embeddings; each cluster has a best model; a share of labels is missing."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(4, d))
    cluster = rng.integers(0, 4, n_train + n_test)
    emb = centres[cluster] + 0.3 * rng.normal(size=(len(cluster), d))
    emb = (emb / np.linalg.norm(emb, axis=1, keepdims=True)).astype(np.float32)
    p = rng.uniform(0.2, 0.5, size=(n_models, 4))
    p[np.arange(4) % n_models, np.arange(4)] = 0.95
    values = (rng.random((n_models, len(cluster))) < p[:, cluster]).astype(np.float32)
    mask = rng.random(values.shape) < observed
    mask[rng.integers(0, n_models, len(cluster)), np.arange(len(cluster))] = True  # >= 1 label per query
    values[~mask] = np.nan
    models = pd.Index([f"m{i}" for i in range(n_models)], dtype=object)
    ids = pd.Index([f"q{i:04d}" for i in range(len(cluster))], dtype=object)

    def part(sl):
        return store.LabelMatrix(values[:, sl], mask[:, sl], models, ids[sl])

    costs = np.array([1.0, 2.0, 4.0, 8.0, 16.0][:n_models])
    return emb[:n_train], part(slice(0, n_train)), emb[n_train:], part(slice(n_train, None)), costs


def to_benchmark(train_emb, train, test_emb, test, costs):
    """The synthetic data as a canonical benchmark with embeddings (val = a tenth of train)."""
    ids = list(train.query_ids) + list(test.query_ids)
    role = np.array(["train"] * len(train.query_ids) + ["test"] * len(test.query_ids), dtype=object)
    role[: len(train.query_ids) // 10] = "val"
    values = np.hstack([train.values, test.values])
    long = pd.DataFrame(
        {
            "query_id": np.tile(ids, len(train.models)),
            "model": np.repeat(np.asarray(train.models, dtype=object), len(ids)),
            "label": values.ravel(),
        }
    ).dropna()
    queries = pd.DataFrame({"query_id": ids, "category": "c", "split": role})
    models = pd.DataFrame({"model": list(train.models), "params_b": costs})
    bench = store.Benchmark.from_frames(queries, models, long, name="synthetic")
    emb = store.Embeddings(pd.Index(ids, dtype=object), np.vstack([train_emb, test_emb]), "synthetic")
    return bench, emb


SMALL = {
    "knn": {"type": "knn", "k": 7},
    "kmeans": {"type": "kmeans", "n_clusters": 4, "seed": 0},
    "mlp": {"type": "mlp", "hidden": 16, "epochs": 15, "lr": 0.01, "patience": 3, "seed": 0},
    "mlp_per_model": {"type": "mlp", "per_model": True, "hidden": 8, "epochs": 15, "lr": 0.01, "patience": 3, "seed": 0},
    "mf": {"type": "mf", "dim": 8, "epochs": 15, "lr": 0.02, "noise": 0.01, "patience": 3, "seed": 0},
    "heuristic": {"type": "heuristic"},
    "oracle": {"type": "oracle"},
    "random": {"type": "random", "seed": 0},
}


# --------------------------------------------------------------------------- the budgeted pick


def test_pick_hand_computed_case():
    # 3 models with costs 1, 3, 2; 4 queries; m0 lacks q2 and m2 lacks q3.
    scores = np.array(
        [
            [0.5, 0.9, 0.2, 0.7],
            [0.5, 0.3, 0.8, 0.9],
            [0.4, 0.9, 0.8, 0.1],
        ]
    )
    mask = np.ones((3, 4), dtype=bool)
    mask[0, 2] = mask[2, 3] = False
    costs = np.array([1.0, 3.0, 2.0])
    budgets = np.array([0.5, 2.0, 3.0])  # 0.5 affords no model
    got = routing.pick(scores, costs, budgets, mask)
    expected = np.array(
        [
            [-1, -1, -1, -1],  # nothing affordable
            [0, 0, 2, 0],  # q1: tie m0/m2 -> cheaper m0; q2: m0 unobserved -> m2; q3: m2 unobserved
            [0, 0, 2, 1],  # q0: tie m0/m1 -> m0; q2: tie m1/m2 -> cheaper m2; q3: m1 best
        ]
    )
    np.testing.assert_array_equal(got, expected)


def test_pick_equal_cost_ties_go_to_lower_index_and_nan_scores_rank_last():
    scores = np.array([[0.3, np.nan], [0.3, 0.1], [0.3, np.nan]])
    got = routing.pick(scores, np.array([2.0, 2.0, 1.0]), np.array([2.0]), np.ones((3, 2), bool))
    np.testing.assert_array_equal(got, [[2, 1]])  # q0: cheapest; q1: the only finite score
    got = routing.pick(scores[:2], np.array([2.0, 2.0]), np.array([2.0]), np.ones((2, 2), bool))
    np.testing.assert_array_equal(got, [[0, 1]])


def test_pick_matches_brute_force_on_random_cases():
    rng = np.random.default_rng(1)
    for _ in range(50):
        m, q = rng.integers(1, 6), rng.integers(1, 7)
        costs = rng.integers(1, 4, m).astype(float)
        scores = rng.integers(0, 3, (m, q)).astype(float)
        mask = rng.random((m, q)) < 0.7
        budgets = np.array([0.5, 1.0, 2.0, 3.0])
        got = routing.pick(scores, costs, budgets, mask)
        for bi, b in enumerate(budgets):
            for j in range(q):
                eligible = [i for i in range(m) if costs[i] <= b and mask[i, j]]
                want = min(eligible, key=lambda i: (-scores[i, j], costs[i], i)) if eligible else -1
                assert got[bi, j] == want


def test_picks_table_columns_and_missing_pick_rows():
    scores = np.array([[0.5, 0.9], [0.7, 0.1]])
    labels = np.array([[1.0, 0.0], [0.0, np.nan]], dtype=np.float32)
    mask = ~np.isnan(labels)
    costs = np.array([1.0, 2.0])
    budgets = np.array([0.5, 2.0])
    picks = routing.pick(scores, costs, budgets, mask)
    table = routing.picks_table(picks, budgets, ["a", "b"], ["m0", "m1"], costs, labels)
    assert list(table.columns) == ["budget", "query_id", "model", "quality", "cost"]
    assert table["budget"].dtype == np.float64 and table["quality"].dtype == np.float32
    assert table["model"].isna().sum() == 2  # budget 0.5: kept, not dropped
    row = table[(table.budget == 2.0)].set_index("query_id")
    assert row.loc["a", "model"] == "m1" and row.loc["a", "quality"] == 0.0 and row.loc["a", "cost"] == 2.0
    assert row.loc["b", "model"] == "m0"  # m1 unobserved on b


def test_budget_grid_specs():
    costs = np.array([4.0, 1.0, 16.0, 4.0])
    np.testing.assert_array_equal(routing.budget_grid(costs, "model_costs"), [1.0, 4.0, 16.0])
    np.testing.assert_allclose(routing.budget_grid(costs, {"n": 3}), [1.0, 4.0, 16.0])
    np.testing.assert_array_equal(routing.budget_grid(costs, [8, 2]), [2.0, 8.0])
    with pytest.raises(ConfigError, match="evaluation.budgets.*admits no model"):
        routing.budget_grid(costs, [0.1, 0.5])
    with pytest.raises(ConfigError, match="evaluation.budgets"):
        routing.budget_grid(costs, "cheap")


def test_expected_random_quality_hand_case():
    labels = np.array([[1.0, 0.0], [0.0, np.nan], [1.0, 1.0]])
    mask = ~np.isnan(labels)
    got = routing.expected_random_quality(labels, np.array([1.0, 2.0, 3.0]), np.array([0.5, 2.0, 3.0]), mask)
    np.testing.assert_allclose(got[1:], [[0.5, 0.0], [2 / 3, 0.5]])
    assert np.isnan(got[0]).all()


# --------------------------------------------------------------------------- routers on synthetic data


def test_knn_equals_brute_force_reference():
    train_emb, train, test_emb, _, costs = clustered(observed=0.6)
    k = 7
    scores = routers.make_router("knn", {"type": "knn", "k": k}).fit(train_emb, train, costs).predict(test_emb)
    nearest = np.argsort(-(test_emb @ train_emb.T), axis=1, kind="stable")[:, :k]
    prior = np.nanmean(train.values, axis=1)
    expected = np.empty_like(scores)
    for j in range(len(test_emb)):  # reference: a plain loop
        vals = train.values[:, nearest[j]]
        for m in range(len(costs)):
            seen = vals[m][~np.isnan(vals[m])]
            expected[m, j] = seen.mean() if len(seen) else prior[m]
    np.testing.assert_allclose(scores, expected, atol=1e-6)


def test_knn_k_larger_than_training_set_is_config_error():
    train_emb, train, _, _, costs = clustered(n_train=20)
    with pytest.raises(ConfigError, match=r"routers\.nn\.k"):
        routers.make_router("nn", {"type": "knn", "k": 21}).fit(train_emb, train, costs)


def test_kmeans_scores_are_cluster_tables():
    train_emb, train, test_emb, _, costs = clustered()
    r = routers.make_router("km", SMALL["kmeans"]).fit(train_emb, train, costs)
    scores = r.predict(test_emb)
    cluster = r.kmeans_.predict(test_emb)
    assign = r.kmeans_.labels_
    c = cluster[0]
    expected = np.nanmean(train.values[:, assign == c], axis=1)
    np.testing.assert_allclose(scores[:, 0], expected, atol=1e-6)
    assert len(np.unique(scores, axis=1).T) <= 4  # one score column per cluster


@pytest.mark.parametrize("method", ["mlp", "mlp_per_model", "mf"])
def test_torch_routers_are_deterministic_for_a_seed(method):
    train_emb, train, test_emb, _, costs = clustered()
    val_emb, val = train_emb[:40], train.subset(query_ids=train.query_ids[:40])
    spec = SMALL[method]

    def run(spec):
        return routers.make_router(method, spec).fit(train_emb, train, costs, val_emb, val).predict(test_emb)

    first, second, other = run(spec), run(spec), run({**spec, "seed": 1})
    assert first.dtype == np.float32 and first.shape == (len(costs), len(test_emb))
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


def _fit(spec, train_emb, train, costs, val_emb, val):
    return routers.make_router("mlp", spec).fit(train_emb, train, costs, val_emb, val)


def test_per_model_mlp_networks_are_independent():
    """Changing one model's labels leaves every other model's scores bit-identical (one network per
    model), while the shared network's scores of the other models move."""
    train_emb, train, test_emb, _, costs = clustered()
    val_emb, val = train_emb[:40], train.subset(query_ids=train.query_ids[:40])
    flipped = train.values.copy()
    flipped[0] = np.where(train.mask[0], 1.0 - np.nan_to_num(flipped[0]), np.nan)  # model m0's labels inverted
    other = store.LabelMatrix(flipped, train.mask, train.models, train.query_ids)
    other_val = other.subset(query_ids=train.query_ids[:40])
    for spec, independent in ((SMALL["mlp_per_model"], True), (SMALL["mlp"], False)):
        a = _fit(spec, train_emb, train, costs, val_emb, val).predict(test_emb)
        b = _fit(spec, train_emb, other, costs, val_emb, other_val).predict(test_emb)
        assert not np.array_equal(a[0], b[0])
        assert np.array_equal(a[1:], b[1:]) == independent, spec


def test_per_model_mlp_stops_each_network_at_its_own_best_epoch():
    import torch

    train_emb, train, test_emb, _, costs = clustered(n_train=400, seed=3)
    val_emb, val = train_emb[:80], train.subset(query_ids=train.query_ids[:80])
    spec = {**SMALL["mlp_per_model"], "epochs": 60, "patience": 4, "lr": 0.05}
    router = _fit(spec, train_emb, train, costs, val_emb, val)
    best = router.best_epochs_
    assert best.shape == (len(costs),) and (best >= 0).all()
    assert len(np.unique(best)) > 1  # the networks stop at different epochs
    history = np.array([h[2] for h in router.history_])
    assert len(history) == best.max() + spec["patience"] + 1  # the loop ends when the last network stops
    # the restored weights of each network are those of its own best epoch: its validation loss there
    y = torch.from_numpy(val.filled(0.0).T.copy())
    m = torch.from_numpy(val.mask.T.astype(np.float32))
    logits = router._forward_chunks(torch, torch.from_numpy(val_emb))
    restored = routers.neural._per_model_bce(logits, y, m).numpy()
    recomputed = router.val_losses_
    for k in range(len(costs)):
        window = recomputed[: best[k] + spec["patience"] + 1, k]
        assert best[k] == int(np.argmin(window))
        assert restored[k] == pytest.approx(window[best[k]], rel=1e-5)


def test_per_model_flag_must_be_a_boolean():
    with pytest.raises(ConfigError, match=r"routers\.mlp2\.per_model"):
        routers.make_router("mlp2", {"type": "mlp", "per_model": "yes"})
    with pytest.raises(ConfigError, match=r"routers\.mf\.per_model"):  # only the MLP has one network per model
        routers.make_router("mf", {"type": "mf", "per_model": True})


def test_missing_labels_are_never_picked():
    bench, emb = to_benchmark(*clustered(observed=0.5))
    test = bench.queries["split"].to_numpy() == "test"
    mask = bench.matrix.mask[:, test]
    costs = bench.costs("params")
    budgets = routing.budget_grid(costs, "model_costs")
    for name, spec in SMALL.items():
        scores = routers.score_split(routers.make_router(name, spec), bench, emb, costs, name)
        picks = routing.pick(scores, costs, budgets, mask)
        picked = picks >= 0
        q = np.broadcast_to(np.arange(picks.shape[1]), picks.shape)
        assert mask[picks[picked], q[picked]].all(), name
        # a query is unanswered only when no affordable model has a label for it
        any_eligible = np.array([(mask & (costs[:, None] <= b)).any(axis=0) for b in budgets])
        np.testing.assert_array_equal(picked, any_eligible)


def test_scores_table_round_trip():
    scores = np.arange(6, dtype=np.float32).reshape(2, 3)
    table = routing.scores_table(scores, ["a", "b"], ["q1", "q2", "q3"])
    assert list(table.columns) == ["query_id", "model", "score"] and table["score"].dtype == np.float32
    back = routing.scores_matrix(table.sample(frac=1, random_state=0), ["a", "b"], ["q1", "q2", "q3"])
    np.testing.assert_array_equal(back, scores)


# --------------------------------------------------------------------------- config and user routers


def test_user_router_loads_by_import_path_and_routes():
    spec = {"type": "tests.example_router:CheapestAdequate", "min_accuracy": 0.5}
    assert routers.needs_embeddings("mine", spec, [str(REPO)]) is False
    router = routers.make_router("mine", spec, search_paths=[str(REPO)])
    train_emb, train, test_emb, test, costs = clustered(observed=1.0)
    scores = router.fit(train_emb, train, costs).predict(test_emb)
    picks = routing.pick(scores, costs, np.array([costs.max()]), test.mask)
    accuracy = np.nanmean(train.values, axis=1)
    cheapest_adequate = int(np.flatnonzero(accuracy >= 0.5)[np.argmin(costs[accuracy >= 0.5])])
    assert (picks == cheapest_adequate).all()


def test_user_router_errors_name_the_config_key():
    with pytest.raises(ConfigError, match=r"routers\.mine\.type.*no_such_module"):
        routers.make_router("mine", {"type": "no_such_module:Router"})
    with pytest.raises(ConfigError, match=r"routers\.mine\.type.*no class 'Missing'"):
        routers.make_router("mine", {"type": "tests.example_router:Missing"}, [str(REPO)])
    with pytest.raises(ConfigError, match=r"routers\.mine\.type.*missing \['predict'\]"):
        routers.make_router("mine", {"type": "tests.example_router:NotARouter"}, [str(REPO)])
    with pytest.raises(ConfigError, match=r"routers\.knn\.kk"):
        routers.make_router("knn", {"type": "knn", "kk": 3})
    with pytest.raises(ConfigError, match=r"routers\.m\.lr"):
        routers.make_router("m", {"type": "mlp", "lr": -1})


# --------------------------------------------------------------------------- the demo with planted truth


@pytest.fixture(scope="module")
def demo_split():
    """The demo benchmark with category one-hot + noise embeddings (fast stand-in for the encoder)."""
    bench = demo.generate(n_categories=24, queries_per_category=100, n_duplicate_groups=40, seed=7).benchmark
    codes = pd.factorize(bench.queries["category"])[0]
    rng = np.random.default_rng(0)
    vectors = np.zeros((len(codes), 32), dtype=np.float32)
    vectors[np.arange(len(codes)), codes] = 1.0
    vectors += rng.normal(0.0, 0.15, vectors.shape).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    emb = store.Embeddings(pd.Index(bench.queries["query_id"], dtype=object), vectors, "one-hot")
    costs = bench.costs("params")
    test = bench.queries["split"].to_numpy() == "test"
    labels, mask = bench.matrix.values[:, test], bench.matrix.mask[:, test]
    budgets = routing.budget_grid(costs, "model_costs")
    return bench, emb, costs, labels, mask, budgets


DEMO = {
    **SMALL,
    "knn": {"type": "knn", "k": 20},
    "kmeans": {"type": "kmeans", "n_clusters": 24, "seed": 0},
    "mlp": {"type": "mlp", "hidden": 64, "epochs": 40, "lr": 0.005, "patience": 5, "seed": 0},
    "mlp_per_model": {"type": "mlp", "per_model": True, "hidden": 16, "epochs": 40, "lr": 0.005, "patience": 5,
                      "seed": 0},
}


@pytest.fixture(scope="module")
def demo_quality(demo_split):
    """Per router: quality of its picks, (budgets, test queries)."""
    bench, emb, costs, labels, mask, budgets = demo_split
    out = {}
    for name, spec in DEMO.items():
        scores = routers.score_split(routers.make_router(name, spec), bench, emb, costs, name)
        picks = routing.pick(scores, costs, budgets, mask)
        out[name] = (picks, np.take_along_axis(labels, np.maximum(picks, 0), axis=0))
    return out


def test_oracle_is_at_least_every_router_at_every_budget(demo_quality):
    oracle = demo_quality["oracle"][1]
    for name, (_, quality) in demo_quality.items():
        assert (oracle >= quality).all(), name
        assert (oracle.mean(axis=1) >= quality.mean(axis=1)).all(), name


def test_heuristic_picks_the_best_affordable_model_by_training_accuracy(demo_split, demo_quality):
    bench, _, costs, _, _, budgets = demo_split
    train = bench.queries["split"].to_numpy() == "train"
    accuracy = np.nanmean(bench.matrix.values[:, train], axis=1)
    for b, row in zip(budgets, demo_quality["heuristic"][0]):
        affordable = np.flatnonzero(costs <= b)
        best = affordable[np.lexsort((affordable, costs[affordable], -accuracy[affordable]))[0]]
        assert (row == best).all()


def test_random_matches_its_exact_expectation(demo_split):
    bench, _, costs, labels, mask, budgets = demo_split
    expected = routing.expected_random_quality(labels, costs, budgets, mask).mean(axis=1)
    router = routers.RandomRouter().fit(np.zeros((1, 0)), bench.matrix, costs)
    empirical = np.zeros(len(budgets))
    n_seeds = 200
    for seed in range(n_seeds):  # seeds, not queries: each pick is vectorised
        router.seed = seed
        picks = routing.pick(router.predict(np.zeros((labels.shape[1], 0))), costs, budgets, mask)
        empirical += np.take_along_axis(labels, picks, axis=0).mean(axis=1) / n_seeds
    np.testing.assert_allclose(empirical, expected, atol=0.01)


def test_embedding_routers_beat_the_heuristic_on_planted_specialists(demo_quality):
    heuristic = demo_quality["heuristic"][1].mean()
    for name in ("knn", "kmeans", "mlp", "mlp_per_model"):
        assert demo_quality[name][1].mean() > heuristic + 0.05, name
    assert demo_quality["random"][1].mean() < heuristic


def test_sizes_resolve_from_the_training_set_auto_or_a_share():
    """k / n_clusters: 'auto' (sqrt(n), sqrt(n / 2)) or a share of the training queries fit any split size."""
    train_emb, train, test_emb, _, costs = clustered(n_train=240)
    auto = routers.make_router("nn", {"type": "knn", "k": "auto"}).fit(train_emb, train, costs)
    assert auto.k_ == 15  # round(sqrt(240)) = round(15.49)
    explicit = routers.make_router("nn", {"type": "knn", "k": 15}).fit(train_emb, train, costs)
    np.testing.assert_array_equal(auto.predict(test_emb), explicit.predict(test_emb))
    assert routers.make_router("nn", {"type": "knn", "k": 0.1}).fit(train_emb, train, costs).k_ == 24
    small_emb, small, _, _, _ = clustered(n_train=3)
    assert routers.make_router("nn", {"type": "knn", "k": 0.01}).fit(small_emb, small, costs).k_ == 1
    km = routers.make_router("km", {"type": "kmeans", "n_clusters": "auto", "seed": 0}).fit(train_emb, train, costs)
    assert km.n_clusters_ == 11 and km.table_.shape == (5, 11)  # round(sqrt(120)) = round(10.95)
    for spec in ({"type": "knn", "k": "many"}, {"type": "knn", "k": 2.5}, {"type": "kmeans", "n_clusters": 0}):
        with pytest.raises(ConfigError, match=r"routers\.x\.(k|n_clusters): expected an integer >= 1"):
            routers.make_router("x", spec)

# --------------------------------------------------------------------------- training speed and device


@pytest.mark.parametrize("method", ["mlp", "mlp_per_model", "mf"])
@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_own_adam_is_bit_identical_to_torch_adam(method, weight_decay, monkeypatch):
    """The routers' Adam (no torch.optim, whose first use imports torch._dynamo) gives exactly the
    weights torch.optim.Adam gives: the same scores, bit for bit."""
    import torch

    train_emb, train, test_emb, _, costs = clustered()
    val_emb, val = train_emb[:40], train.subset(query_ids=train.query_ids[:40])
    spec = {**SMALL[method], "weight_decay": weight_decay}
    kind = "mlp" if method == "mlp_per_model" else method
    ours = routers.make_router(kind, spec).fit(train_emb, train, costs, val_emb, val).predict(test_emb)
    monkeypatch.setattr(routers.neural, "_Adam", lambda params, lr, weight_decay: torch.optim.Adam(
        params, lr=lr, weight_decay=weight_decay))
    theirs = routers.make_router(kind, spec).fit(train_emb, train, costs, val_emb, val).predict(test_emb)
    np.testing.assert_array_equal(ours, theirs)


def test_training_a_torch_router_does_not_import_dynamo():
    """torch.optim's first optimizer imports torch._dynamo (~1 s per training job); the routers' own Adam does not."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np, pandas as pd\n"
        "from routerbench_plus import routers, store\n"
        "rng = np.random.default_rng(0)\n"
        "emb = rng.normal(size=(60, 8)).astype(np.float32)\n"
        "values = (rng.random((3, 60)) < 0.5).astype(np.float32)\n"
        "labels = store.LabelMatrix(values, np.ones_like(values, bool), pd.Index(['a', 'b', 'c']),"
        " pd.Index([str(i) for i in range(60)]))\n"
        "for kind in ('mlp', 'mf'):\n"
        "    routers.make_router(kind, {'type': kind, 'epochs': 2}).fit(emb, labels, np.ones(3), emb, labels)\n"
        "print('torch._dynamo' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.parametrize("method", ["mlp", "mlp_per_model", "mf"])
def test_device_option(method):
    """routers.<name>.device: cpu (the default) and auto on a machine without a GPU give the same
    scores bit for bit; cuda without a GPU and an unknown device are one ConfigError naming the key."""
    from routerbench_plus import hardware

    train_emb, train, test_emb, _, costs = clustered()
    val_emb, val = train_emb[:40], train.subset(query_ids=train.query_ids[:40])
    kind = "mlp" if method == "mlp_per_model" else method

    def scores(**extra):
        router = routers.make_router(kind, {**SMALL[method], **extra})
        return router.fit(train_emb, train, costs, val_emb, val).predict(test_emb)

    default = scores()
    np.testing.assert_array_equal(scores(device="cpu"), default)
    with pytest.raises(ConfigError, match=rf"routers\.{kind}\.device: expected one of \['auto', 'cpu', 'cuda'\]"):
        routers.make_router(kind, {**SMALL[method], "device": "gpu"})
    if hardware.cuda_available():
        pytest.skip("this machine has a CUDA GPU: bench/gpu_check.sh covers that path")
    np.testing.assert_array_equal(scores(device="auto"), default)
    with pytest.raises(ConfigError, match=rf"routers\.{kind}\.device: 'cuda' but torch sees no CUDA device"):
        scores(device="cuda")
