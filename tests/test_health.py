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


def test_duplicate_groups_of_truncated_prompts_are_called_a_likely_artefact() -> None:
    """RouterBench: prompts sharing a few-shot prefix longer than the encoder's window form giant groups."""
    summary = dedup_summary(covered=865, n_queries=1000, groups=2, disagree=1.0).assign(n_groups_truncated_prefix=[2, 0])
    share, _ = health.duplicate_findings(summary, T)
    assert share.display == "86.5 % (2 groups, 2 truncated)"
    assert share.detail.startswith("2 of 2 group(s) join prompts whose full texts differ") and "long_prompts" in share.detail
    plain, _ = health.duplicate_findings(summary.assign(n_groups_truncated_prefix=0), T)
    assert plain.display == "86.5 % (2 groups)" and plain.detail == ""


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
    assert (holds.effect, holds.lo, holds.hi, holds.unit) == (pytest.approx(1.0), pytest.approx(0.2), pytest.approx(2.0),
                                                              "points")
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


def agreement_rows(changes: dict[str, tuple[float, tuple[float, float, float]]]) -> pd.DataFrame:
    """{method: (overall change, (pooled targets change, lo, hi))} plus per-task rows that must be ignored."""
    rows = []
    for m, (overall, (target, lo, hi)) in changes.items():
        rows.append({"method": m, "scope": "overall", "task": "overall", "change_pts": overall,
                     "change_lo_pts": overall - 1, "change_hi_pts": overall + 1})
        rows.append({"method": m, "scope": "targets", "task": "targets", "change_pts": target,
                     "change_lo_pts": lo, "change_hi_pts": hi})
        rows.append({"method": m, "scope": "task", "task": "t1", "change_pts": 50.0, "change_lo_pts": 40.0,
                     "change_hi_pts": 60.0})
    return pd.DataFrame(rows)


def test_pseudo_claim_reads_the_pooled_targets_interval() -> None:
    table = agreement_rows({"knn": (-1.0, (-10.0, -15.0, -5.0)), "kmeans": (-2.0, (-20.0, -30.0, -10.0)),
                            "mlp": (0.5, (3.0, 1.0, 5.0))})
    claim = health.pseudo_claim(table, ["t1", "t2"], LEARNED)
    assert claim.verdict == health.HOLDS and "2 of 3" in claim.reason
    # the median router by the pooled change decides the majority: knn (-20, -10, +3)
    assert (claim.effect, claim.lo, claim.hi) == (-10.0, -15.0, -5.0) and claim.display.startswith("knn: targets")
    # a drop whose interval crosses 0 is not significant: only kmeans supports the claim
    noisy = agreement_rows({"knn": (-1.0, (-10.0, -15.0, 0.5)), "kmeans": (-2.0, (-20.0, -30.0, -10.0)),
                            "mlp": (0.5, (3.0, 1.0, 5.0))})
    assert health.pseudo_claim(noisy, ["t1"], LEARNED).verdict == health.DOES_NOT_HOLD
    # a drop on the targets smaller than overall does not count either
    flat = agreement_rows({"knn": (-12.0, (-10.0, -15.0, -5.0)), "kmeans": (-25.0, (-20.0, -30.0, -10.0))})
    assert health.pseudo_claim(flat, ["t1"], LEARNED).verdict == health.DOES_NOT_HOLD
    assert health.pseudo_claim(table, [], LEARNED).verdict == health.NOT_TESTABLE
    no_pooled = table[table["scope"] != "targets"]
    assert health.pseudo_claim(no_pooled, ["t1"], LEARNED).verdict == health.NOT_TESTABLE
    # LLMRouter's sample: the selected target (gpqa) has no test query, so the pooled scope cannot exist
    untested = health.pseudo_claim(no_pooled, ["gpqa"], LEARNED)
    assert untested.verdict == health.NOT_TESTABLE and untested.reason == "the target task(s) ['gpqa'] have no test query"


def test_pruning_claim_is_an_equivalence_test_with_the_tolerance() -> None:
    deltas = compare({"knn": (-0.002, -0.008, 0.004), "mlp": (0.001, -0.004, 0.006)}, metric="area")
    assert health.pruning_claim(deltas, LEARNED, 0.01).verdict == health.HOLDS
    wide = health.pruning_claim(deltas, LEARNED, 0.005)  # knn may lose 0.008 > 0.005, but not significantly
    assert wide.verdict == health.NOT_TESTABLE and wide.display.startswith("knn") and "too wide" in wide.reason
    losing = compare({"knn": (-0.02, -0.03, -0.01), "mlp": (0.001, -0.004, 0.006)}, metric="area")
    claim = health.pruning_claim(losing, LEARNED, 0.01)
    assert claim.verdict == health.DOES_NOT_HOLD and claim.reason.startswith("knn significantly loses area")
    # the router shown is one that decides the verdict, not a wider non-significant one
    mixed = compare({"knn": (-0.02, -0.03, -0.01), "mf": (-0.03, -0.08, 0.01)}, metric="area")
    shown = health.pruning_claim(mixed, [*LEARNED, "mf"], 0.01)
    assert shown.verdict == health.DOES_NOT_HOLD and shown.display.startswith("knn") and shown.hi < 0


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


# --------------------------------------------------------------------------- a card from a run's tables


def label_only_sources(**extra) -> health.HealthSources:
    """A benchmark without prompts: only the label-only tables, the rest absent with the rule's reasons."""
    queries = pd.DataFrame({"query_id": [f"q{i}" for i in range(6)], "category": list("aabbcc"),
                            "split": ["train", "test"] * 3})
    models = pd.DataFrame({"model": ["a", "b", "c"], "is_pseudo": False})
    ranks = pd.DataFrame({"model": ["a", "b", "c"], "avg_rank": [1.2, 2.0, 2.8], "n_tasks": 3, "n_first": [3, 0, 0]})
    scores = pd.DataFrame({"task": list("abc"), "specialist_score": [0.0, -0.02, 0.01]})
    curve = pd.DataFrame({"step": [0, 1], "pool_size": [3, 2], "oracle_area": [0.8, 0.7], "cost_type": "params"})
    areas = pd.DataFrame({"method": ["heuristic", "oracle", "random"], "area": [0.6, 0.8, 0.4], "peak": [0.7, 0.9, 0.5]})
    points = pd.DataFrame({"model": ["a", "b", "c"], "quality": [0.7, 0.5, 0.4], "is_pseudo": False})
    pairwise = pairwise_of({("heuristic", "random"): (0.2, 0.1, 0.3)})
    tables = {"queries": queries, "models": models, "avg_rank": ranks, "specialist_scores": scores,
              "prune_curve": curve, "areas": areas, "model_points": points, "pairwise": pairwise,
              "knn_areas": areas, "knn_pairwise": pairwise, **extra}
    missing = {"dedup_summary": "no prompt text", "contamination_summary": "no prompt text",
               "redundant": "no prompt text", "compare_reduced": "no prompt text",
               "compare_pruned": "split pruned is not in config splits", "agreement": "no pseudo split"}
    return health.HealthSources("lb", tables, missing, learned=[], knn=None, heuristic="heuristic", oracle="oracle")


def test_a_label_only_benchmark_gets_a_card_with_reasons_instead_of_a_crash() -> None:
    card, claims = health.assess(label_only_sources())
    assert card["finding"].tolist() == list(health.FINDING_LABELS)
    status = card.set_index("finding")["status"]
    assert status["size"] == health.INFO and card.set_index("finding").loc["size", "display"] == "6 / 3 / 3"
    for finding in ("duplicate_share", "duplicate_disagreement", "contamination_share", "redundant_categories"):
        assert status[finding] == health.NOT_APPLICABLE
        assert card.set_index("finding").loc[finding, "detail"] == "no prompt text"
    assert status["top_model_avg_rank"] == health.RED  # 1.2 <= 2: one model dominates
    assert status["specialist_tasks"] == health.RED  # no task reaches 0.05
    assert status["prunable_models"] == health.GREEN  # the first removal already costs 10 points
    assert status["oracle_headroom"] == health.GREEN  # 90 - 70 = 20 points
    assert status["learned_vs_heuristic"] == health.NOT_APPLICABLE
    verdicts = claims.set_index("claim")
    assert (verdicts["verdict"] == health.NOT_TESTABLE).all()
    assert verdicts.loc["dedup_helps", "reason"] == "no prompt text"
    assert verdicts.loc["pruning_keeps_quality", "reason"] == "split pruned is not in config splits"
    assert verdicts.loc["knn_best", "reason"].startswith("no K-NN router")


def test_claims_read_the_comparisons_when_they_exist() -> None:
    pruned = compare({"knn": (-0.002, -0.006, 0.003)}, metric="area")
    reduced = compare({"knn": (0.01, 0.002, 0.02)})
    summary = dedup_summary(covered=30, n_queries=1000, groups=12, disagree=0.9).assign(queries_removed=[18, 0])
    sources = label_only_sources(compare_pruned=pruned, compare_reduced=reduced, dedup_summary=summary)
    sources = health.HealthSources(sources.benchmark, sources.tables, sources.missing, learned=["knn"])
    card, claims = health.assess(sources)
    verdicts = claims.set_index("claim")["verdict"]
    assert verdicts["pruning_keeps_quality"] == health.HOLDS  # -0.006 > -0.01 (1 pt of area)
    assert verdicts["dedup_helps"] == health.HOLDS
    assert card.set_index("finding").loc["duplicate_share", "status"] == health.RED
    no_dups = sources.tables["dedup_summary"].assign(queries_removed=0)
    _, claims = health.assess(health.HealthSources("lb", {**sources.tables, "dedup_summary": no_dups},
                                                   sources.missing, learned=["knn"]))
    assert claims.set_index("claim").loc["dedup_helps", "verdict"] == health.NOT_TESTABLE


def test_sources_reject_unknown_tables_and_need_queries() -> None:
    with pytest.raises(InputError, match="unknown table"):
        health.HealthSources("b", {**label_only_sources().tables, "areas_typo": pd.DataFrame()})
    with pytest.raises(InputError, match="queries"):
        health.HealthSources("b", {"models": pd.DataFrame({"model": ["a"]})})


def test_claims_page_colours_each_verdict() -> None:
    _, a = health.assess(label_only_sources())
    b = a.assign(benchmark="other", verdict=[health.HOLDS] + [health.NOT_TESTABLE] * (len(a) - 1))
    page = health.claims_html(health.compare_cards([a, b]), "claims")
    assert page.count("#d9f2d9") == 1 and page.count("<tr>") == 1 + len(a)
