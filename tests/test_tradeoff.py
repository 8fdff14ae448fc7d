"""Binary (small, large) trade-off curves, APGR and CPT on hand-computed cases."""

import itertools

import numpy as np
import pandas as pd
import pytest

from routerbench_plus import store, tradeoff
from routerbench_plus.errors import ConfigError, InputError

# 10 test queries; small is right on q0-q2, large on q0-q6: acc_small 0.3, acc_large 0.7,
# the oracle routes exactly q3-q6 (a share of 0.4) to the large model.
Y_SMALL = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0], dtype=float)
Y_LARGE = np.array([1, 1, 1, 1, 1, 1, 1, 0, 0, 0], dtype=float)


def test_perfect_router_reaches_cpt50_at_half_the_oracle_share():
    conf = Y_SMALL - Y_LARGE  # a router that knows the labels
    exact = tradeoff.exact_curve(Y_SMALL, Y_LARGE, conf)
    assert exact.tolist() == pytest.approx([0.3, 0.4, 0.5, 0.6, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7])
    oracle_share = float(np.mean(Y_LARGE > Y_SMALL))
    assert tradeoff.cpt(exact, 0.3, 0.7, 0.5) == pytest.approx(oracle_share / 2)
    # PGR is 0.75 at 3 queries and 1 at 4; the fourth query routed with probability 0.2 gives 0.8
    assert tradeoff.cpt(exact, 0.3, 0.7, 0.8) == pytest.approx(0.32)
    fractions = tradeoff.fraction_grid(11)
    curve = tradeoff.tradeoff_curve(Y_SMALL, Y_LARGE, conf, fractions)
    weights = tradeoff.trapezoid_weights(fractions)
    area = curve @ weights  # 0.4 * (0.3 + 0.7) / 2 + 0.6 * 0.7
    assert area == pytest.approx(0.62)
    assert tradeoff.apgr(area, 0.3, 0.7) == pytest.approx(0.8)


def test_worst_order_wastes_the_first_large_calls():
    conf = Y_LARGE - Y_SMALL  # most confident exactly where the large model is needed
    exact = tradeoff.exact_curve(Y_SMALL, Y_LARGE, conf)
    assert exact[:7].tolist() == pytest.approx([0.3] * 7)  # q9..q7 and q2..q0: both models agree
    assert tradeoff.cpt(exact, 0.3, 0.7, 0.5) == pytest.approx(0.8)


def test_grid_curve_contributions_and_brute_force_agree():
    rng = np.random.default_rng(0)
    ys, yl, conf = rng.random(37), rng.random(37), rng.normal(size=37)  # no ties
    fractions = tradeoff.fraction_grid(9)
    curve = tradeoff.tradeoff_curve(ys, yl, conf, fractions)
    matrix = tradeoff.contribution_matrix(ys, yl, conf, fractions)
    assert matrix.mean(axis=0) == pytest.approx(curve)
    assert curve[0] == pytest.approx(ys.mean()) and curve[-1] == pytest.approx(yl.mean())
    order = np.argsort(-conf)
    brute = []
    for n_large in range(38):  # brute force: the n least confident go large
        routed = ys.copy()
        routed[order[37 - n_large:]] = yl[order[37 - n_large:]]
        brute.append(routed.mean())
    assert tradeoff.exact_curve(ys, yl, conf) == pytest.approx(brute)
    # a share f routes f * 37 queries: the fractional one in expectation (linear between counts)
    assert curve == pytest.approx(np.interp(fractions * 37, np.arange(38), brute))


def test_tied_queries_are_routed_in_expectation_over_all_their_orders():
    ys = np.array([1.0, 0.0, 0.5, 1.0, 0.0, 0.25])
    yl = np.array([0.0, 1.0, 1.0, 1.0, 0.5, 0.75])
    conf = np.array([2.0, 1.0, 1.0, 1.0, 0.0, 0.0])  # blocks {q0}, {q1, q2, q3}, {q4, q5}
    brute = np.zeros(7)
    orders = list(itertools.permutations([1, 2, 3]))
    tails = list(itertools.permutations([4, 5]))
    for mid in orders:
        for tail in tails:
            order = [0, *mid, *tail]  # most confident first
            for n_large in range(7):
                routed = ys.copy()
                big = order[6 - n_large:]
                routed[big] = yl[big]
                brute[n_large] += routed.mean() / (len(orders) * len(tails))
    assert tradeoff.exact_curve(ys, yl, conf) == pytest.approx(brute)
    # hand check at one query large: q4 or q5 with probability 1/2 each
    assert brute[1] == pytest.approx((ys.sum() + 0.5 * (0.5 - 0.0) + 0.5 * (0.75 - 0.25)) / 6)
    fractions = tradeoff.fraction_grid(7)  # f * 6 = 0..6: the grid hits every count
    assert tradeoff.tradeoff_curve(ys, yl, conf, fractions) == pytest.approx(brute)


def test_constant_router_is_exactly_the_straight_line():
    rng = np.random.default_rng(5)
    ys, yl = 0.6 * rng.random(37), 0.4 + 0.6 * rng.random(37)  # 37 queries: f * Q is rarely a count
    fractions = tradeoff.fraction_grid(21)
    line = (1 - fractions)[None, :] * ys[:, None] + fractions[None, :] * yl[:, None]
    constant = tradeoff.contribution_matrix(ys, yl, np.full(37, 0.3), fractions)
    assert np.array_equal(constant, line)
    assert np.array_equal(constant.mean(axis=0), line.mean(axis=0))
    exact = tradeoff.exact_curve(ys, yl, np.full(37, 0.3))
    assert exact == pytest.approx(ys.mean() + np.arange(38) / 37 * (yl.mean() - ys.mean()))
    acc_s, acc_l = ys.mean(), yl.mean()
    assert tradeoff.cpt(exact, acc_s, acc_l, 0.5) == pytest.approx(0.5)
    assert tradeoff.cpt(exact, acc_s, acc_l, 0.8) == pytest.approx(0.8)


def test_no_gap_gives_nan_metrics():
    exact = tradeoff.exact_curve(Y_LARGE, Y_SMALL, np.zeros(10))
    assert np.isnan(tradeoff.cpt(exact, 0.7, 0.3, 0.5))
    assert np.isnan(tradeoff.apgr(0.5, 0.7, 0.3))


def pair_bench(n_missing=0):
    ids = [f"q{i}" for i in range(10)] + ["train0"]
    queries = pd.DataFrame({"query_id": ids, "category": "c", "split": ["test"] * 10 + ["train"]})
    models = pd.DataFrame({"model": ["small", "large", "mid"], "params_b": [1.0, 70.0, 13.0]})
    rows = []
    for i in range(10):
        rows.append((f"q{i}", "small", Y_SMALL[i]))
        if i >= n_missing:
            rows.append((f"q{i}", "large", Y_LARGE[i]))
        rows.append((f"q{i}", "mid", 0.0))
    rows += [("train0", "small", 1.0), ("train0", "large", 0.0)]
    labels = pd.DataFrame(rows, columns=["query_id", "model", "label"])
    return store.Benchmark.from_frames(queries, models, labels, name="pair")


def scores_table(conf_small, conf_large):
    ids = [f"q{i}" for i in range(10)]
    return pd.DataFrame(
        {
            "query_id": ids * 3,
            "model": ["small"] * 10 + ["large"] * 10 + ["mid"] * 10,
            "score": np.concatenate([conf_small, conf_large, np.zeros(10)]).astype(np.float32),
        }
    )


def test_evaluate_pair_tables_and_references():
    scores = {
        "perfect": scores_table(Y_SMALL, Y_LARGE),
        "constant": scores_table(np.zeros(10), np.zeros(10)),
    }
    tags = {"benchmark": "b", "split": "standard", "pair": "s-vs-l"}
    curves_df, areas, pairwise = tradeoff.evaluate_pair(
        scores, pair_bench(), "small", "large", n_points=11, n_resamples=300, seed=0, tags=tags
    )
    areas = areas.set_index("method")
    assert list(areas.index) == ["perfect", "constant", "straight", "pair_oracle"]
    assert areas.loc["perfect", "area"] == pytest.approx(0.62)
    assert areas.loc["pair_oracle", "area"] == pytest.approx(0.62)
    assert areas.loc["straight", "area"] == pytest.approx(0.5)  # mean of the two accuracies
    assert areas.loc["straight", "apgr"] == pytest.approx(0.5) and areas.loc["straight", "cpt50"] == 0.5
    assert areas.loc["perfect", "cpt50"] == pytest.approx(0.2) and areas.loc["perfect", "cpt80"] == pytest.approx(0.32)
    # one confidence for every query: exactly the straight line, area, APGR and CPT included
    line = curves_df[curves_df["method"] == "straight"]["quality"].to_numpy()
    assert np.array_equal(curves_df[curves_df["method"] == "constant"]["quality"].to_numpy(), line)
    assert areas.loc["constant", "area"] == areas.loc["straight", "area"]
    assert areas.loc["constant", "apgr"] == areas.loc["straight", "apgr"]
    assert areas.loc["constant", ["area_lo", "area_hi"]].tolist() == areas.loc["straight", ["area_lo", "area_hi"]].tolist()
    assert areas.loc["constant", "cpt50"] == pytest.approx(0.5) and areas.loc["constant", "cpt80"] == pytest.approx(0.8)
    # APGR intervals and curve bands contain the estimates
    for name in ("area", "apgr"):
        assert (areas[f"{name}_lo"] <= areas[name] + 1e-12).all() and (areas[name] <= areas[f"{name}_hi"] + 1e-12).all()
    assert (curves_df["quality_lo"] <= curves_df["quality"] + 1e-12).all()
    assert (curves_df["quality"] <= curves_df["quality_hi"] + 1e-12).all()
    assert areas["n_resamples_no_gap"].between(0, 300).all()
    constant = curves_df[curves_df["method"] == "constant"]
    assert constant["vs_straight_lo"].eq(0).all() and constant["vs_straight_hi"].eq(0).all()  # paired: no width
    oracle = curves_df[curves_df["method"] == "pair_oracle"]
    assert (oracle["vs_straight_lo"] >= 0).all() and (oracle["vs_straight_hi"] > 0).any()
    # pairwise: every ordered pair; the perfect router beats the line (area 0.62 vs 0.5)
    pw = pairwise.set_index(["method_a", "method_b"])
    assert len(pw) == 4 * 3 and list(pairwise.columns[:5]) == ["benchmark", "split", "pair", "pair_small", "pair_large"]
    assert pw.loc[("perfect", "straight"), "area_diff"] == pytest.approx(0.12)
    assert pw.loc[("perfect", "straight"), "area_diff_lo"] > 0 and pw.loc[("perfect", "straight"), "area_significant"]
    assert pw.loc[("constant", "straight"), ["area_diff", "area_diff_lo", "area_diff_hi"]].tolist() == [0, 0, 0]
    assert not pw.loc[("constant", "straight"), "area_significant"]
    assert areas.loc["perfect", "acc_small"] == pytest.approx(0.3) and areas.loc["perfect", "n_queries"] == 10
    assert bool(areas.loc["straight", "reference"]) and not bool(areas.loc["perfect", "reference"])
    assert (areas["area_lo"] <= areas["area"] + 1e-12).all() and (areas["area"] <= areas["area_hi"] + 1e-12).all()
    assert areas["cost_type"].eq("share_large").all() and areas["note"].eq("").all()
    assert len(curves_df) == 4 * 11
    perfect = curves_df[curves_df["method"] == "perfect"]
    assert perfect["pgr"].tolist()[:5] == pytest.approx([0, 0.25, 0.5, 0.75, 1.0])
    assert list(curves_df.columns[:3]) == ["benchmark", "split", "pair"]


def test_evaluate_pair_errors_and_exclusions():
    scores = {"perfect": scores_table(Y_SMALL, Y_LARGE)}
    with pytest.raises(ConfigError, match=r"benchmarks\.b\.binary_pairs\.x.*'huge'"):
        tradeoff.evaluate_pair(scores, pair_bench(), "small", "huge", config_key="benchmarks.b.binary_pairs.x")
    broken = {"perfect": scores_table(Y_SMALL, Y_LARGE).iloc[1:]}
    with pytest.raises(InputError, match="no score"):
        tradeoff.evaluate_pair(broken, pair_bench(), "small", "large", n_resamples=100)
    _, areas, _ = tradeoff.evaluate_pair(scores, pair_bench(n_missing=2), "small", "large", n_resamples=100)
    assert areas["n_excluded"].eq(2).all() and areas["n_queries"].eq(8).all()
    _, swapped, _ = tradeoff.evaluate_pair(scores, pair_bench(), "large", "small", n_resamples=100)
    assert swapped["apgr"].isna().all() and swapped["note"].str.contains("undefined").all()


def relabelled_pair(permutation, ids, ys, yl, conf_by_query):
    """A pair benchmark and a router's scores where query k (labels ys[k], yl[k], confidence
    conf_by_query[k]) has the id ids[permutation[k]]."""
    new_ids = [ids[i] for i in permutation]
    queries = pd.DataFrame({"query_id": new_ids, "category": "c", "split": "test"})
    models = pd.DataFrame({"model": ["small", "large"], "params_b": [1.0, 70.0]})
    labels = pd.DataFrame(
        {"query_id": new_ids * 2, "model": ["small"] * len(ids) + ["large"] * len(ids),
         "label": np.concatenate([ys, yl])}
    )
    scores = pd.DataFrame(
        {"query_id": new_ids * 2, "model": ["small"] * len(ids) + ["large"] * len(ids),
         "score": np.concatenate([conf_by_query, np.zeros(len(ids))]).astype(np.float32)}
    )
    return store.Benchmark.from_frames(queries, models, labels, name="pair"), scores


def test_relabelling_query_ids_leaves_every_tradeoff_table_byte_identical(tmp_path):
    rng = np.random.default_rng(11)
    n = 60
    ys, yl = rng.random(n).round(2), (0.3 + 0.7 * rng.random(n)).round(2)  # soft labels
    clusters = rng.integers(0, 4, size=n).astype(float) / 4  # K-Means-like: four confidence values
    ids = [f"q{i:03d}" for i in range(n)]
    written = []
    for run, permutation in enumerate([np.arange(n), rng.permutation(n), rng.permutation(n)[::-1]]):
        bench, scores = relabelled_pair(permutation, ids if run != 2 else [f"z{i}" for i in range(n)], ys, yl, clusters)
        tables = tradeoff.evaluate_pair(
            {"kmeans": scores, "constant": scores.assign(score=np.float32(0))}, bench, "small", "large",
            n_points=21, n_resamples=400, seed=3,
        )
        files = []
        for name, table in zip(("curves", "areas", "pairwise"), tables):
            store.write(table, tmp_path / f"{name}{run}.parquet")
            files.append((tmp_path / f"{name}{run}.parquet").read_bytes())
        written.append(files)
    assert written[1] == written[0] and written[2] == written[0]
    _, areas, _ = tables
    areas = areas.set_index("method")
    assert areas.loc["constant", "area"] == areas.loc["straight", "area"]


def test_confidences_equal_up_to_float32_rounding_are_one_tie():
    rng = np.random.default_rng(1)
    ys, yl = (rng.random(30) < 0.3).astype(float), (rng.random(30) < 0.7).astype(float)
    # a K-NN-like score: multiples of 0.1 whose float32 arithmetic leaves 1e-8 noise
    noisy = np.float32(0.7) + np.float32(1e-7) * rng.integers(-1, 2, size=30).astype(np.float32)
    fractions = tradeoff.fraction_grid(21)
    line = tradeoff.contribution_matrix(ys, yl, np.zeros(30), fractions).mean(axis=0)
    tied = tradeoff.quantise(noisy.astype(np.float64), 1e-6)
    assert np.unique(tied).size == 1
    assert np.array_equal(tradeoff.tradeoff_curve(ys, yl, tied, fractions), line)
    assert not np.allclose(tradeoff.tradeoff_curve(ys, yl, tradeoff.quantise(noisy, 0.0), fractions), line)
    with pytest.raises(ConfigError, match="tie_tolerance"):
        tradeoff.quantise(noisy, -1.0)


def test_auto_pair_is_the_cheapest_and_the_dearest_real_model():
    """binary_pairs: auto: cheapest vs most expensive by the first cost type; pseudo and cost-less models left out."""
    models = pd.DataFrame({"model": ["b-7b", "a-7b", "big-70b", "pseudo-x", "closed"],
                           "params_b": [7.0, 7.0, 70.0, 200.0, np.nan], "usd_per_query": [0.1, 0.2, 0.05, 0.0, 0.9],
                           "is_pseudo": [False, False, False, True, False]})
    assert tradeoff.auto_pair(models, "params") == ("a-7b", "big-70b")  # tie at 7 B: name order
    assert tradeoff.auto_pair(models, "usd") == ("big-70b", "closed")
    with pytest.raises(ConfigError, match="auto needs two models"):
        tradeoff.auto_pair(models.iloc[[0, 3]], "params")
