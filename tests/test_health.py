"""Health card findings on hand-made tables: each threshold turns its finding red exactly past it."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from routerbench_plus import health
from routerbench_plus.errors import ConfigError, InputError

T = health.HealthThresholds()


def dedup_summary(covered: int, n_queries: int, groups: int, disagree: float, scope: bool = True) -> pd.DataFrame:
    rows = [{"scope": "training", "delta": 0.999, "n_queries": n_queries, "queries_covered": covered,
             "n_groups": groups, "share_groups_within_model_disagreement": disagree},
            {"scope": "all", "delta": 0.999, "n_queries": 2 * n_queries, "queries_covered": 0,
             "n_groups": 0, "share_groups_within_model_disagreement": 0.0}]
    return pd.DataFrame(rows if scope else rows[:1]).drop(columns=[] if scope else ["scope"])


def test_duplicates_use_the_training_row_and_turn_red_past_the_threshold() -> None:
    share, disagree = health.duplicate_findings(dedup_summary(covered=30, n_queries=1000, groups=12, disagree=0.9), T)
    assert share.value == pytest.approx(0.03) and share.status == health.RED
    assert disagree.value == pytest.approx(0.9) and disagree.status == health.RED
    share, disagree = health.duplicate_findings(dedup_summary(covered=10, n_queries=1000, groups=4, disagree=0.5), T)
    assert share.status == health.GREEN  # 1 % is not above 1 %
    assert disagree.status == health.GREEN  # 50 % is not above 50 %
    only, _ = health.duplicate_findings(dedup_summary(covered=50, n_queries=1000, groups=5, disagree=1.0, scope=False), T)
    assert only.value == pytest.approx(0.05)


def test_no_group_makes_disagreement_not_applicable() -> None:
    _, disagree = health.duplicate_findings(dedup_summary(covered=0, n_queries=100, groups=0, disagree=math.nan), T)
    assert disagree.status == health.NOT_APPLICABLE


def test_dominance_picks_the_lowest_average_rank() -> None:
    ranks = pd.DataFrame({"model": ["a", "b", "c"], "avg_rank": [2.5, 1.36, 3.0], "n_tasks": 10, "n_first": [1, 9, 0]})
    f = health.dominance_finding(ranks, T)
    assert f.value == pytest.approx(1.36) and f.status == health.RED and "b, best on 9 of 10" in f.display
    f = health.dominance_finding(ranks.assign(avg_rank=[6.43, 9.88, 10.03]), T)
    assert f.status == health.GREEN and "(a," in f.display


def test_specialist_counts_both_tails() -> None:
    scores = pd.DataFrame({"task": list("abcde"), "specialist_score": [-0.1, 0.0, 0.049, 0.05, 0.2]})
    f = health.specialist_finding(scores, T)
    assert f.value == 2 and f.status == health.GREEN and "(< 0: 1)" in f.display
    f = health.specialist_finding(scores.assign(specialist_score=[-0.1, 0, 0.01, 0.02, 0.04]), T)
    assert f.value == 0 and f.status == health.RED


def test_prunable_models_stop_before_the_first_drop_over_tolerance() -> None:
    curve = pd.DataFrame({"step": range(6), "pool_size": range(10, 4, -1),
                          "oracle_area": [0.900, 0.900, 0.895, 0.891, 0.889, 0.80]})
    f = health.pruning_finding(curve, T)
    assert f.value == 3  # step 4 is 0.011 below the full pool: three removals are free
    assert f.status == health.RED  # 3 of 10 > 25 %
    flat = curve.assign(oracle_area=0.9)
    f = health.pruning_finding(flat, T)
    assert f.value == 5 and f.display.startswith("≥ ")


def test_headroom_and_learned_vs_heuristic() -> None:
    areas = pd.DataFrame({"method": ["knn", "mlp", "heuristic", "oracle", "random"],
                          "area": [0.60, 0.62, 0.55, 0.90, 0.30], "peak": [0.7, 0.72, 0.66, 0.95, 0.4]})
    models = pd.DataFrame({"model": ["x", "y"], "quality": [0.66, 0.93]})
    f = health.headroom_finding(areas, models, T)
    assert f.value == pytest.approx(2.0) and f.status == health.RED
    pairwise = pd.DataFrame({"method_a": ["mlp", "knn"], "method_b": ["heuristic", "heuristic"],
                             "area_diff": [0.07, 0.05], "area_diff_lo": [0.01, -0.01], "area_diff_hi": [0.1, 0.1]})
    f = health.learned_vs_heuristic_finding(areas, pairwise, T)
    assert (f.value, f.lo, f.status) == (pytest.approx(0.07), pytest.approx(0.01), health.GREEN) and "(mlp)" in f.display
    f = health.learned_vs_heuristic_finding(areas, pairwise.assign(area_diff_lo=[-0.001, -0.01]), T)
    assert f.status == health.RED
    no_learned = areas[areas["method"].isin(["heuristic", "oracle"])]
    assert health.learned_vs_heuristic_finding(no_learned, pairwise, T).status == health.NOT_APPLICABLE


def test_card_table_and_html_colour_each_cell() -> None:
    a = health.card_table("a", [health.size_finding(10, 3, 2), health.contamination_finding(100, 5, 0.999, T)])
    b = health.card_table("b", [health.size_finding(20, 4, 2), health.contamination_finding(100, 0, 0.999, T)])
    cards = health.compare_cards([a, b])
    assert list(cards.columns) == list(health.CARD_COLUMNS)
    assert cards.loc[cards["finding"] == "contamination_share", "status"].tolist() == [health.RED, health.GREEN]
    page = health.cards_html(cards, "cards")
    assert page.count("#f8d0d0") == 1 and page.count("#d9f2d9") == 1 and "5.0 % (5 of 100)" in page


def test_thresholds_from_config_reject_unknown_keys() -> None:
    assert health.HealthThresholds.from_config({"duplicate_share": 0.2}).duplicate_share == 0.2
    with pytest.raises(ConfigError, match="health.dup_share"):
        health.HealthThresholds.from_config({"dup_share": 0.2})


def test_missing_column_names_the_table() -> None:
    with pytest.raises(InputError, match="average rank table: missing required column"):
        health.dominance_finding(pd.DataFrame({"model": ["a"]}), T)


# --------------------------------------------------------------------------- claims

LEARNED = ["knn", "kmeans", "mlp"]


def compare(deltas: dict[str, tuple[float, float, float]], metric: str = "curve_mean") -> pd.DataFrame:
    return pd.DataFrame([{"method": m, f"{metric}_delta": d, f"{metric}_delta_lo": lo, f"{metric}_delta_hi": hi}
                         for m, (d, lo, hi) in deltas.items()])


def test_dedup_claim_needs_a_significant_gain_and_no_significant_loss() -> None:
    holds = health.dedup_claim(compare({"knn": (0.01, 0.002, 0.02), "mlp": (0.0, -0.01, 0.01),
                                        "heuristic": (-0.5, -0.6, -0.4)}), LEARNED, 10)
    assert holds.verdict == health.HOLDS and holds.display.startswith("knn: +1.00")
    loses = health.dedup_claim(compare({"knn": (0.01, 0.002, 0.02), "mlp": (-0.02, -0.03, -0.01)}), LEARNED, 10)
    assert loses.verdict == health.DOES_NOT_HOLD and "1 significantly worse" in loses.reason
    flat = health.dedup_claim(compare({"knn": (0.0, -0.01, 0.01)}), LEARNED, 10)
    assert flat.verdict == health.DOES_NOT_HOLD
    assert health.dedup_claim(None, LEARNED, None).verdict == health.NOT_TESTABLE
    assert health.dedup_claim(compare({"knn": (0.0, 0.0, 0.0)}), LEARNED, 0).verdict == health.NOT_TESTABLE


def pairwise_of(diffs: dict[tuple[str, str], tuple[float, float, float]]) -> pd.DataFrame:
    rows = []
    for (a, b), (d, lo, hi) in diffs.items():
        rows.append({"method_a": a, "method_b": b, "area_diff": d, "area_diff_lo": lo, "area_diff_hi": hi})
        rows.append({"method_a": b, "method_b": a, "area_diff": -d, "area_diff_lo": -hi, "area_diff_hi": -lo})
    return pd.DataFrame(rows)


def test_knn_claim_fails_only_when_a_router_is_significantly_better() -> None:
    areas = pd.DataFrame({"method": ["knn", "kmeans", "mlp"], "area": [0.60, 0.62, 0.50]})
    tied = pairwise_of({("knn", "kmeans"): (-0.02, -0.05, 0.01), ("knn", "mlp"): (0.1, 0.05, 0.15)})
    claim = health.knn_claim(areas, tied, LEARNED, "remastered")
    assert claim.verdict == health.HOLDS and claim.display.startswith("K-NN − kmeans: -0.020")
    beaten = pairwise_of({("knn", "kmeans"): (-0.02, -0.03, -0.01), ("knn", "mlp"): (0.1, 0.05, 0.15)})
    claim = health.knn_claim(areas, beaten, LEARNED, "remastered")
    assert claim.verdict == health.DOES_NOT_HOLD and "kmeans" in claim.reason
    assert health.knn_claim(areas[areas.method != "knn"], tied, LEARNED, "s").verdict == health.NOT_TESTABLE


def test_pseudo_claim_compares_targets_with_overall() -> None:
    rows = []
    for m, overall, target in (("knn", -1.0, -10.0), ("kmeans", -2.0, -20.0), ("mlp", 0.5, 3.0)):
        rows.append({"method": m, "scope": "overall", "task": "overall", "change_pts": overall,
                     "change_lo_pts": overall - 1, "change_hi_pts": overall + 1})
        rows += [{"method": m, "scope": "task", "task": t, "change_pts": target + k, "change_lo_pts": 0.0,
                  "change_hi_pts": 0.0} for k, t in enumerate(["t1", "t2"])]
        rows.append({"method": m, "scope": "task", "task": "other", "change_pts": 50.0, "change_lo_pts": 0.0,
                     "change_hi_pts": 0.0})
    table = pd.DataFrame(rows)
    claim = health.pseudo_claim(table, ["t1", "t2"], LEARNED)
    assert claim.verdict == health.HOLDS and "2 of 3" in claim.reason
    assert claim.effect == pytest.approx(((-9.5) + (-19.5) + 3.5) / 3)
    flipped = table.assign(change_pts=-table["change_pts"])
    assert health.pseudo_claim(flipped, ["t1", "t2"], LEARNED).verdict == health.DOES_NOT_HOLD
    assert health.pseudo_claim(table, [], LEARNED).verdict == health.NOT_TESTABLE


def test_pruning_claim_uses_the_tolerance_on_the_lower_bound() -> None:
    deltas = compare({"knn": (-0.002, -0.008, 0.004), "mlp": (0.001, -0.004, 0.006)}, metric="area")
    assert health.pruning_claim(deltas, LEARNED, 0.01).verdict == health.HOLDS
    claim = health.pruning_claim(deltas, LEARNED, 0.005)
    assert claim.verdict == health.DOES_NOT_HOLD and claim.display.startswith("knn")


def test_specialist_claim_is_consistency_of_gain_and_specialists() -> None:
    gain = health.Finding("learned_vs_heuristic", "", 0.05, "", health.GREEN, "", lo=0.01, hi=0.09)
    none_gain = health.Finding("learned_vs_heuristic", "", 0.0, "", health.RED, "", lo=-0.01, hi=0.01)
    some = health.Finding("specialist_tasks", "", 3.0, "", health.GREEN, "")
    zero = health.Finding("specialist_tasks", "", 0.0, "", health.RED, "")
    assert health.specialist_claim(gain, some).verdict == health.HOLDS
    assert health.specialist_claim(none_gain, zero).verdict == health.HOLDS
    assert health.specialist_claim(gain, zero).verdict == health.DOES_NOT_HOLD
    assert health.specialist_claim(none_gain, some).verdict == health.DOES_NOT_HOLD


def test_claims_table_columns() -> None:
    table = health.claims_table("b", [health.dedup_claim(None, LEARNED, None)])
    assert list(table.columns) == list(health.CLAIM_COLUMNS) and table["verdict"].tolist() == [health.NOT_TESTABLE]
