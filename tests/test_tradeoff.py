"""Binary (small, large) trade-off curves, APGR and CPT on hand-computed cases."""

import numpy as np
import pandas as pd
import pytest

from routerbench_plus import io, tradeoff
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
    assert tradeoff.cpt(exact, 0.3, 0.7, 0.8) == pytest.approx(0.4)  # PGR >= 0.8 needs 4 of 10
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
    ys, yl, conf = rng.random(37), rng.random(37), rng.normal(size=37)
    fractions = tradeoff.fraction_grid(9)
    curve = tradeoff.tradeoff_curve(ys, yl, conf, fractions)
    matrix = tradeoff.contribution_matrix(ys, yl, conf, fractions)
    assert matrix.mean(axis=0) == pytest.approx(curve)
    assert curve[0] == pytest.approx(ys.mean()) and curve[-1] == pytest.approx(yl.mean())
    order = np.argsort(-conf)
    for k, f in enumerate(fractions):  # brute force: the n least confident go large
        n_large = int(np.floor(f * 37 + 0.5))
        routed = ys.copy()
        routed[order[37 - n_large:]] = yl[order[37 - n_large:]]
        assert curve[k] == pytest.approx(routed.mean())


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
    return io.Benchmark.from_frames(queries, models, labels, name="pair")


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
    curves_df, areas = tradeoff.evaluate_pair(
        scores, pair_bench(), "small", "large", n_points=11, n_resamples=300, seed=0, tags=tags
    )
    areas = areas.set_index("method")
    assert list(areas.index) == ["perfect", "constant", "straight", "pair_oracle"]
    assert areas.loc["perfect", "area"] == pytest.approx(0.62)
    assert areas.loc["pair_oracle", "area"] == pytest.approx(0.62)
    assert areas.loc["straight", "area"] == pytest.approx(0.5)  # mean of the two accuracies
    assert areas.loc["straight", "apgr"] == pytest.approx(0.5) and areas.loc["straight", "cpt50"] == 0.5
    assert areas.loc["perfect", "cpt50"] == pytest.approx(0.2) and areas.loc["perfect", "cpt80"] == pytest.approx(0.4)
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
    _, areas = tradeoff.evaluate_pair(scores, pair_bench(n_missing=2), "small", "large", n_resamples=100)
    assert areas["n_excluded"].eq(2).all() and areas["n_queries"].eq(8).all()
    _, swapped = tradeoff.evaluate_pair(scores, pair_bench(), "large", "small", n_resamples=100)
    assert swapped["apgr"].isna().all() and swapped["note"].str.contains("undefined").all()
