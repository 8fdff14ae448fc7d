"""The study's headline claims, re-tested on one benchmark: effect, paired interval and a verdict.

Each claim reads the tables the evaluation already wrote (paired-bootstrap intervals over the test
queries) and returns a :class:`Claim` with a verdict: ``holds``, ``does not hold`` or ``not testable
here`` (with the reason: no prompts, split not configured, no learned router, ...).

* dedup helps (Table 1): routers trained on the reduced data minus the original, curve mean;
* K-NN is the best learned router (Fig. 7): K-NN minus the best other learned router, area;
* pseudo-specialists lower agreement, most on their targets (Table 4): the agreement change on the
  target tasks pooled (scope ``targets`` of the agreement table, one paired interval) against the
  overall change;
* pruning keeps quality (Fig. 12): routers trained on the pruned pool minus the full pool, area;
* learned routers beat the heuristic only where specialists exist (the dominance argument).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .findings import NOT_APPLICABLE, Finding, HealthThresholds, need, pair_row

HOLDS, DOES_NOT_HOLD, NOT_TESTABLE = "holds", "does not hold", "not testable here"
CLAIM_COLUMNS = ("benchmark", "position", "claim", "statement", "source", "effect", "lo", "hi", "unit", "display",
                 "verdict", "reason")


@dataclass(frozen=True)
class Claim:
    """One claim of the study and what this benchmark says about it."""

    claim: str
    statement: str
    source: str
    verdict: str
    reason: str
    effect: float = math.nan
    lo: float = math.nan
    hi: float = math.nan
    unit: str = ""
    display: str = "–"


def untestable(claim: tuple[str, str, str], reason: str) -> Claim:
    """A claim this benchmark cannot test, with the reason."""
    return Claim(*claim, NOT_TESTABLE, reason)


def _interval(value: float, lo: float, hi: float, scale: float = 1.0, digits: int = 3) -> str:
    return f"{scale * value:+.{digits}f} [{scale * lo:+.{digits}f}, {scale * hi:+.{digits}f}]"


def _learned_rows(table: pd.DataFrame, learned: Sequence[str], column: str = "method") -> pd.DataFrame:
    return table[table[column].astype(str).isin([str(m) for m in learned])]


DEDUP_CLAIM = ("dedup_helps", "Deduplicating the training data helps learned routers", "Table 1")


def dedup_claim(compare: pd.DataFrame | None, learned: Sequence[str], n_training_duplicates: int | None,
                missing: str = "no 'reduced' split compared with 'standard'") -> Claim:
    """Reduced minus original training, per learned router (curve mean, the study's 'average accuracy').

    Holds when at least one learned router improves significantly and none gets significantly worse.
    ``n_training_duplicates``: queries deduplication removed from training (0: nothing to test).
    """
    if compare is None:
        return untestable(DEDUP_CLAIM, missing)
    if n_training_duplicates == 0:
        return untestable(DEDUP_CLAIM, "no near-duplicate in the training data: reduced equals original")
    need(compare, ["method", "curve_mean_delta", "curve_mean_delta_lo", "curve_mean_delta_hi"], "reduced comparison")
    rows = _learned_rows(compare, learned)
    if rows.empty:
        return untestable(DEDUP_CLAIM, "no learned router in the comparison")
    up = rows[rows["curve_mean_delta_lo"] > 0]
    down = rows[rows["curve_mean_delta_hi"] < 0]
    best = rows.sort_values(["curve_mean_delta", "method"], ascending=[False, True]).iloc[0]
    verdict = HOLDS if len(up) and not len(down) else DOES_NOT_HOLD
    reason = (f"{len(up)} of {len(rows)} learned routers significantly better, {len(down)} significantly worse "
              "(curve mean, paired 95 % interval)")
    return Claim(*DEDUP_CLAIM, verdict, reason, 100 * float(best["curve_mean_delta"]),
                 100 * float(best["curve_mean_delta_lo"]), 100 * float(best["curve_mean_delta_hi"]), "points",
                 f"{best['method']}: " + _interval(best["curve_mean_delta"], best["curve_mean_delta_lo"],
                                                  best["curve_mean_delta_hi"], 100, 2) + " pts")


KNN_CLAIM = ("knn_best", "K-NN is the best learned router", "Fig. 7")


def knn_claim(areas: pd.DataFrame | None, pairwise: pd.DataFrame | None, learned: Sequence[str], split: str,
              knn: str | None = "knn", missing: str = "no evaluated split") -> Claim:
    """K-NN's area minus the best other learned router's; does not hold when one is significantly better."""
    if areas is None or pairwise is None:
        return untestable(KNN_CLAIM, missing)
    need(areas, ["method", "area"], "areas table")
    present = set(areas["method"].astype(str))
    if not knn or knn not in present:
        return untestable(KNN_CLAIM, "no K-NN router in the run" + ("" if learned else " (no learned router)"))
    others = [str(m) for m in learned if str(m) != knn and str(m) in present]
    if not others:
        return untestable(KNN_CLAIM, "no other learned router to compare with")
    rivals = areas[areas["method"].astype(str).isin(others)].sort_values(["area", "method"], ascending=[False, True])
    rival = str(rivals.iloc[0]["method"])
    p = pair_row(pairwise, knn, rival)
    beaten_by = [m for m in others if pair_row(pairwise, m, knn)["area_diff_lo"] > 0]
    verdict = DOES_NOT_HOLD if beaten_by else HOLDS
    reason = (f"significantly better than K-NN: {', '.join(beaten_by)}" if beaten_by
              else "no learned router is significantly better than K-NN") + f" (split {split}, area)"
    return Claim(*KNN_CLAIM, verdict, reason, float(p["area_diff"]), float(p["area_diff_lo"]), float(p["area_diff_hi"]),
                 "area", f"K-NN − {rival}: " + _interval(p["area_diff"], p["area_diff_lo"], p["area_diff_hi"]))


PSEUDO_CLAIM = ("pseudo_lowers_agreement",
                "Pseudo-specialists lower agreement with the heuristic, most on their target tasks", "Table 4")


def pseudo_claim(agreement: pd.DataFrame | None, targets: Sequence[str], learned: Sequence[str],
                 missing: str = "no 'pseudo' split or no heuristic router in the run") -> Claim:
    """Agreement change (after − before injection) on the target tasks pooled and overall, per learned router.

    A learned router supports the claim when its pooled change on the targets is significantly
    negative (the interval's upper end below 0) and below its overall change. Holds when more than half
    of the learned routers do. The effect and interval shown are the median router's (by the change on
    the targets; the upper middle one for an even count), the one that decides a majority.
    """
    if agreement is None:
        return untestable(PSEUDO_CLAIM, missing)
    if not targets:
        return untestable(PSEUDO_CLAIM, "no task met the pseudo-specialist selection criteria (pseudo.targets)")
    need(agreement, ["method", "scope", "change_pts", "change_lo_pts", "change_hi_pts"], "agreement table")
    rows = _learned_rows(agreement, learned)
    if "cost_type" in rows.columns and len(rows):
        rows = rows[rows["cost_type"].astype(str) == str(rows["cost_type"].iloc[0])]
    by_scope = {}
    for scope in ("overall", "targets"):
        sub = rows[rows["scope"].astype(str) == scope]
        by_scope[scope] = sub.set_index(sub["method"].astype(str))
    methods = [m for m in by_scope["targets"].index if m in by_scope["overall"].index]
    if not methods:
        tested = set(rows.loc[rows["scope"].astype(str) == "task", "task"].astype(str)) if "task" in rows else set()
        if len(rows) and not tested & {str(t) for t in targets}:
            return untestable(PSEUDO_CLAIM, f"the target task(s) {sorted(map(str, targets))} have no test query")
        return untestable(PSEUDO_CLAIM, "no learned router with an agreement change on the target tasks pooled "
                                        "(scope 'targets' of the agreement table)")
    on, overall = by_scope["targets"].loc[methods], by_scope["overall"].loc[methods]
    ok = (on["change_hi_pts"] < 0) & (on["change_pts"] < overall["change_pts"])
    verdict = HOLDS if 2 * int(ok.sum()) > len(methods) else DOES_NOT_HOLD
    order = on.sort_values("change_pts", kind="stable").index
    median = str(order[len(order) // 2])
    m = on.loc[median]
    reason = (f"{int(ok.sum())} of {len(methods)} learned routers lose significantly more agreement on the "
              f"{len(targets)} target task(s) pooled than overall (paired 95 % interval)")
    return Claim(*PSEUDO_CLAIM, verdict, reason, float(m["change_pts"]), float(m["change_lo_pts"]),
                 float(m["change_hi_pts"]), "points",
                 f"{median}: targets " + _interval(m["change_pts"], m["change_lo_pts"], m["change_hi_pts"], digits=1)
                 + f" pts, overall {float(overall.loc[median, 'change_pts']):+.1f} pts")


PRUNE_CLAIM = ("pruning_keeps_quality", "Pruning redundant models keeps routing quality", "Fig. 12")


def pruning_claim(compare: pd.DataFrame | None, learned: Sequence[str], tolerance: float,
                  missing: str = "no 'pruned' split compared with 'standard'") -> Claim:
    """Routers retrained on the pruned pool minus the full pool (area), an equivalence test per learned router.

    Holds when every learned router's interval lower bound is above −``tolerance`` (none may lose
    more than that); does not hold when a router whose interval reaches below −``tolerance`` loses
    significantly (its interval's upper end below 0); otherwise the intervals are too wide to decide
    (not testable here, at this number of test queries). The router shown is the one with the lowest
    lower bound among those that decide the verdict (the significant losers when it does not hold).
    """
    if compare is None:
        return untestable(PRUNE_CLAIM, missing)
    need(compare, ["method", "area_delta", "area_delta_lo", "area_delta_hi"], "pruned comparison")
    rows = _learned_rows(compare, learned)
    if rows.empty:
        return untestable(PRUNE_CLAIM, "no learned router in the comparison")
    beyond = rows[rows["area_delta_lo"] < -tolerance]
    losing = beyond[beyond["area_delta_hi"] < 0]
    names = ", ".join(beyond["method"].astype(str))
    if beyond.empty:
        verdict, reason = HOLDS, f"every learned router's area interval stays above −{tolerance:g}"
    elif len(losing):
        verdict = DOES_NOT_HOLD
        reason = (f"{', '.join(losing['method'].astype(str))} significantly lose{'s' if len(losing) == 1 else ''} "
                  f"area, possibly more than {tolerance:g}")
    else:
        verdict = NOT_TESTABLE
        reason = (f"intervals too wide to decide: {names} may lose more than {tolerance:g} area, none loses "
                  "significantly (more test queries needed)")
    worst = (losing if len(losing) else rows).sort_values(["area_delta_lo", "method"]).iloc[0]  # decides the verdict
    return Claim(*PRUNE_CLAIM, verdict, reason, float(worst["area_delta"]), float(worst["area_delta_lo"]),
                 float(worst["area_delta_hi"]), "area",
                 f"{worst['method']}: " + _interval(worst["area_delta"], worst["area_delta_lo"], worst["area_delta_hi"]))


SPECIALIST_CLAIM = ("learned_need_specialists", "Learned routers beat the heuristic only where specialists exist",
                    "dominance argument")


def specialist_claim(learned_vs_heuristic: Finding, specialists: Finding, t: HealthThresholds | None = None) -> Claim:
    """Consistent when (specialists and a significant gain) or (no specialists and no significant gain).

    Specialists exist when at least ``t.min_specialist_tasks`` tasks score >= ``t.specialist_score``;
    a gain is the best learned router's area interval above ``t.min_learned_gain``.
    """
    t = t or HealthThresholds()
    for finding in (learned_vs_heuristic, specialists):
        if finding.status == NOT_APPLICABLE:
            return untestable(SPECIALIST_CLAIM, finding.detail or f"{finding.finding} not measured")
    has_specialists = specialists.value >= t.min_specialist_tasks
    gains = learned_vs_heuristic.lo > t.min_learned_gain
    verdict = HOLDS if has_specialists == gains else DOES_NOT_HOLD
    reason = (f"{int(specialists.value)} task(s) with specialist score ≥ {t.specialist_score:g}; the best learned "
              "router " + ("beats" if gains else "does not significantly beat") + " the heuristic")
    return Claim(*SPECIALIST_CLAIM, verdict, reason, learned_vs_heuristic.value, learned_vs_heuristic.lo,
                 learned_vs_heuristic.hi, "area", learned_vs_heuristic.display)


def claims_table(benchmark: str, claims: Sequence[Claim]) -> pd.DataFrame:
    """One benchmark's claims (columns :data:`CLAIM_COLUMNS`), in the given order."""
    rows = [{"benchmark": benchmark, "position": i, "claim": c.claim, "statement": c.statement, "source": c.source,
             "effect": c.effect, "lo": c.lo, "hi": c.hi, "unit": c.unit, "display": c.display, "verdict": c.verdict,
             "reason": c.reason} for i, c in enumerate(claims)]
    out = pd.DataFrame(rows, columns=list(CLAIM_COLUMNS))
    for column in ("benchmark", "claim", "statement", "source", "unit", "display", "verdict", "reason"):
        out[column] = out[column].astype("string")
    return out.astype({"position": np.int64, "effect": np.float64, "lo": np.float64, "hi": np.float64})
