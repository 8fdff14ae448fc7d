"""The benchmark health card: one line per finding of the audit, red or green by a config threshold.

Each finding is computed from a table an earlier stage already wrote (nothing is recomputed here):

* ``size``: queries / models / categories (information, never red);
* ``duplicate_share``: share of training (train + val) queries in a near-duplicate group at
  ``dedup.reduced_delta`` (the study's EmbedLLM figure: ~11 %); red above ``health.duplicate_share``;
* ``duplicate_disagreement``: share of those groups where one model's labels differ between members
  (study: 99.9 %); red above ``health.disagreement_share``;
* ``contamination_share``: share of test queries with a near-duplicate among train/val queries;
  red above ``health.contamination_share``;
* ``top_model_avg_rank``: the best average rank over tasks (RouterBench 1.36: one model dominates;
  EmbedLLM 6.43); red at or below ``health.dominant_avg_rank``;
* ``specialist_tasks``: tasks with specialist score >= 0.05 (and, in the detail, < 0); red below
  ``health.min_specialist_tasks``;
* ``redundant_categories``: categories whose mean embedding is a near copy of another's; red above
  ``health.max_redundant_categories``;
* ``prunable_models``: models the greedy pruning removes before the oracle's deferral area drops by more
  than ``health.prune_drop_pts`` points; red when that is more than ``health.prunable_share`` of the pool;
* ``oracle_headroom``: oracle peak minus the best single model's test quality (points); red below
  ``health.oracle_headroom_pts`` (little to gain from routing at all);
* ``learned_vs_heuristic``: the best learned router's deferral area minus the heuristic's, with its
  paired-bootstrap interval; red when the interval's lower end is not above ``health.min_learned_gain``.

A finding whose input does not exist for a benchmark (no prompts: no duplicates, no learned routers)
is ``n/a`` with the reason. Tables: :data:`CARD_COLUMNS`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError, InputError

GREEN, RED, NOT_APPLICABLE, INFO = "green", "red", "n/a", "info"
CARD_COLUMNS = ("benchmark", "position", "finding", "label", "value", "lo", "hi", "display", "status", "rule", "detail")
LEARNED_EXCLUDED = ("heuristic", "oracle", "random")


@dataclass(frozen=True)
class HealthThresholds:
    """The thresholds that turn a finding red (config ``health``; defaults from the study's discussion)."""

    duplicate_share: float = 0.01
    disagreement_share: float = 0.5
    contamination_share: float = 0.01
    dominant_avg_rank: float = 2.0
    min_specialist_tasks: int = 1
    max_redundant_categories: int = 0
    prune_drop_pts: float = 1.0
    prunable_share: float = 0.25
    oracle_headroom_pts: float = 5.0
    min_learned_gain: float = 0.0

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> HealthThresholds:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(section or {}) - known)
        if unknown:
            raise ConfigError(f"config key health.{unknown[0]}: unknown threshold; expected one of {sorted(known)}")
        return cls(**dict(section or {}))


@dataclass(frozen=True)
class Finding:
    """One line of a health card."""

    finding: str
    label: str
    value: float
    display: str
    status: str
    rule: str
    detail: str = ""
    lo: float = math.nan
    hi: float = math.nan


def _need(df: pd.DataFrame, columns: Iterable[str], where: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"{where}: missing required column(s) {missing}; found {list(df.columns)}")


def _red_if(condition: bool) -> str:
    return RED if condition else GREEN


def not_applicable(finding: str, label: str, reason: str) -> Finding:
    return Finding(finding, label, math.nan, "–", NOT_APPLICABLE, "", reason)


# --------------------------------------------------------------------------- findings


def size_finding(n_queries: int, n_models: int, n_categories: int) -> Finding:
    return Finding(
        "size", "Queries / models / categories", float(n_queries),
        f"{n_queries:,} / {n_models} / {n_categories}", INFO, "",
    )


def duplicate_findings(summary: pd.DataFrame, t: HealthThresholds) -> list[Finding]:
    """Near-duplicate share of the training pool and the share of its groups whose labels disagree.

    ``summary``: the near-duplicate summary at the reduced delta; its ``scope == 'training'`` row when
    the table has a scope column (the study's row), else its only row.
    """
    where = "near-duplicate summary"
    _need(summary, ["delta", "n_queries", "queries_covered", "n_groups", "share_groups_within_model_disagreement"], where)
    row = summary
    if "scope" in summary.columns:
        row = summary[summary["scope"].astype(str) == "training"]
    if len(row) != 1:
        raise InputError(f"{where}: expected one row for the training pool; found {len(row)}")
    r = row.iloc[0]
    share = float(r["queries_covered"]) / float(r["n_queries"]) if r["n_queries"] else math.nan
    dup = Finding(
        "duplicate_share", f"Training queries in near-duplicate groups (cos ≥ {float(r['delta']):g})", share,
        f"{100 * share:.1f} % ({int(r['n_groups'])} groups)", _red_if(share > t.duplicate_share),
        f"red above {100 * t.duplicate_share:g} %",
    )
    if not r["n_groups"]:
        return [dup, not_applicable("duplicate_disagreement", "Duplicate groups with contradicting labels",
                                    "no near-duplicate group")]
    disagree = float(r["share_groups_within_model_disagreement"])
    return [dup, Finding(
        "duplicate_disagreement", "Duplicate groups with contradicting labels", disagree, f"{100 * disagree:.1f} %",
        _red_if(disagree > t.disagreement_share), f"red above {100 * t.disagreement_share:g} %",
        "a model is right on one copy of a query and wrong on another",
    )]


def contamination_finding(n_test: int, n_contaminated: int, delta: float, t: HealthThresholds) -> Finding:
    """Share of test queries with a near-duplicate among the training (train + val) queries."""
    share = n_contaminated / n_test if n_test else math.nan
    return Finding(
        "contamination_share", f"Test queries with a near-duplicate in training (cos ≥ {delta:g})", share,
        f"{100 * share:.1f} % ({n_contaminated:,} of {n_test:,})", _red_if(share > t.contamination_share),
        f"red above {100 * t.contamination_share:g} %",
    )


def dominance_finding(avg_rank: pd.DataFrame, t: HealthThresholds) -> Finding:
    """The top model's average rank over tasks and how many tasks it wins."""
    _need(avg_rank, ["model", "avg_rank", "n_tasks", "n_first"], "average rank table")
    ranked = avg_rank.dropna(subset=["avg_rank"]).sort_values(["avg_rank", "model"], kind="stable")
    if ranked.empty:
        raise InputError("average rank table: no model has an average rank")
    top = ranked.iloc[0]
    value = float(top["avg_rank"])
    return Finding(
        "top_model_avg_rank", "Top model's average rank over tasks", value,
        f"{value:.2f} ({top['model']}, best on {int(top['n_first'])} of {int(top['n_tasks'])} tasks)",
        _red_if(value <= t.dominant_avg_rank), f"red at or below {t.dominant_avg_rank:g} (one model dominates)",
    )


def specialist_finding(scores: pd.DataFrame, t: HealthThresholds, threshold: float = 0.05) -> Finding:
    """Tasks with specialist score >= ``threshold`` (specialists matter) and < 0 (a generalist suffices)."""
    _need(scores, ["task", "specialist_score"], "specialist scores")
    s = scores["specialist_score"].astype(float)
    high, negative, total = int((s >= threshold).sum()), int((s < 0).sum()), int(s.notna().sum())
    return Finding(
        "specialist_tasks", f"Tasks with specialist score ≥ {threshold:g}", float(high),
        f"{high} of {total} (< 0: {negative})", _red_if(high < t.min_specialist_tasks),
        f"red below {t.min_specialist_tasks}",
    )


def redundancy_finding(redundant: pd.DataFrame, t: HealthThresholds) -> Finding:
    """Categories the category-redundancy stage flags as near copies of another category."""
    _need(redundant, ["category", "dropped"], "redundant categories")
    dropped = redundant.loc[redundant["dropped"].astype(bool), "category"].astype(str).tolist()
    return Finding(
        "redundant_categories", "Redundant categories (near-copy mean embeddings)", float(len(dropped)),
        f"{len(dropped)}" + (f" ({', '.join(dropped[:3])}{', …' if len(dropped) > 3 else ''})" if dropped else ""),
        _red_if(len(dropped) > t.max_redundant_categories), f"red above {t.max_redundant_categories}",
    )


def pruning_finding(curve: pd.DataFrame, t: HealthThresholds) -> Finding:
    """Models removed (in the greedy order) before the oracle area drops by more than the tolerance.

    ``curve``: the pruning pool curve (step 0 = full pool). When the drop never happens within the
    configured target, the count is a lower bound (said in the display).
    """
    _need(curve, ["step", "pool_size", "oracle_area"], "pruning curve")
    c = curve.sort_values("step", kind="stable")
    full, pool = float(c["oracle_area"].iloc[0]), int(c["pool_size"].iloc[0])
    over = np.flatnonzero(full - c["oracle_area"].to_numpy(dtype=float) > t.prune_drop_pts / 100.0)
    removable = int(c["step"].iloc[over[0] - 1]) if len(over) else int(c["step"].iloc[-1])
    bound = "" if len(over) else "≥ "
    share = removable / pool if pool else math.nan
    return Finding(
        "prunable_models", f"Models removable before the oracle area drops > {t.prune_drop_pts:g} pt", float(removable),
        f"{bound}{removable} of {pool}", _red_if(share > t.prunable_share),
        f"red above {100 * t.prunable_share:g} % of the pool",
        "" if len(over) else "the drop never happened down to the pruning target",
    )


def headroom_finding(areas: pd.DataFrame, models: pd.DataFrame, t: HealthThresholds, oracle: str = "oracle") -> Finding:
    """Oracle peak minus the best single model's test quality, in points."""
    _need(areas, ["method", "peak"], "areas table")
    _need(models, ["model", "quality"], "model points table")
    row = areas[areas["method"].astype(str) == oracle]
    if row.empty:
        return not_applicable("oracle_headroom", "Oracle minus best single model", f"no '{oracle}' router configured")
    best = models.dropna(subset=["quality"]).sort_values(["quality", "model"], ascending=[False, True]).iloc[0]
    gap = 100.0 * (float(row["peak"].iloc[0]) - float(best["quality"]))
    return Finding(
        "oracle_headroom", "Oracle minus best single model (points)", gap, f"{gap:+.1f} pts (best: {best['model']})",
        _red_if(gap < t.oracle_headroom_pts), f"red below {t.oracle_headroom_pts:g} pts",
    )


def learned_vs_heuristic_finding(
    areas: pd.DataFrame, pairwise: pd.DataFrame, t: HealthThresholds, heuristic: str = "heuristic",
    excluded: Sequence[str] = LEARNED_EXCLUDED,
) -> Finding:
    """Best learned router's area minus the heuristic's, with the paired-bootstrap interval."""
    label = "Best learned router − heuristic (area)"
    _need(areas, ["method", "area"], "areas table")
    _need(pairwise, ["method_a", "method_b", "area_diff", "area_diff_lo", "area_diff_hi"], "pairwise table")
    methods = areas["method"].astype(str)
    if heuristic not in set(methods):
        return not_applicable("learned_vs_heuristic", label, f"no '{heuristic}' router configured")
    learned = areas[~methods.isin(list(excluded))]
    if learned.empty:
        return not_applicable("learned_vs_heuristic", label, "no learned router (benchmark without prompts?)")
    best = learned.sort_values(["area", "method"], ascending=[False, True]).iloc[0]
    pair = pairwise[(pairwise["method_a"].astype(str) == str(best["method"])) & (pairwise["method_b"].astype(str) == heuristic)]
    if len(pair) != 1:
        raise InputError(f"pairwise table: expected one row {best['method']} vs {heuristic}; found {len(pair)}")
    p = pair.iloc[0]
    diff, lo, hi = float(p["area_diff"]), float(p["area_diff_lo"]), float(p["area_diff_hi"])
    return Finding(
        "learned_vs_heuristic", label, diff, f"{diff:+.3f} [{lo:+.3f}, {hi:+.3f}] ({best['method']})",
        _red_if(not lo > t.min_learned_gain), f"red unless the interval is above {t.min_learned_gain:g}",
        lo=lo, hi=hi,
    )


# --------------------------------------------------------------------------- cards


def card_table(benchmark: str, findings: Sequence[Finding]) -> pd.DataFrame:
    """The findings of one benchmark as a table (columns :data:`CARD_COLUMNS`), in the given order."""
    rows = [
        {"benchmark": benchmark, "position": i, "finding": f.finding, "label": f.label, "value": f.value, "lo": f.lo,
         "hi": f.hi, "display": f.display, "status": f.status, "rule": f.rule, "detail": f.detail}
        for i, f in enumerate(findings)
    ]
    out = pd.DataFrame(rows, columns=list(CARD_COLUMNS))
    for column in ("benchmark", "finding", "label", "display", "status", "rule", "detail"):
        out[column] = out[column].astype("string")
    return out.astype({"position": np.int64, "value": np.float64, "lo": np.float64, "hi": np.float64})


def compare_cards(cards: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Several benchmarks' cards stacked (benchmark order as given); the finding order is the first card's."""
    if not cards:
        raise InputError("no health card to compare")
    return pd.concat(list(cards), ignore_index=True)


_STATUS_COLOURS = {GREEN: "#d9f2d9", RED: "#f8d0d0", NOT_APPLICABLE: "#eeeeee", INFO: "#ffffff"}


def cards_html(cards: pd.DataFrame, title: str, note: str = "") -> str:
    """One HTML page: findings as rows, benchmarks as columns, each cell coloured by its status."""
    import html

    _need(cards, CARD_COLUMNS, "health cards")
    benchmarks = list(dict.fromkeys(cards["benchmark"].astype(str)))
    findings = cards.drop_duplicates("finding").sort_values("position", kind="stable")
    cell = {(str(r.benchmark), str(r.finding)): r for r in cards.itertuples(index=False)}
    head = "".join(f"<th>{html.escape(b)}</th>" for b in benchmarks)
    body = []
    for f in findings.itertuples(index=False):
        tds = []
        for b in benchmarks:
            r = cell.get((b, str(f.finding)))
            if r is None:
                tds.append('<td style="background:#eeeeee">–</td>')
                continue
            tip = html.escape(" · ".join(str(x) for x in (r.rule, r.detail) if isinstance(x, str) and x))
            tds.append(f'<td style="background:{_STATUS_COLOURS.get(str(r.status), "#fff")}" title="{tip}">'
                       f"{html.escape(str(r.display))}</td>")
        body.append(f"<tr><th>{html.escape(str(f.label))}</th>{''.join(tds)}</tr>")
    style = ("body{font-family:system-ui,Helvetica,Arial,sans-serif;font-size:14px;margin:1em;color:#222}"
             "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:4px 10px;text-align:left}"
             "thead th{background:#f4f4f4}p.note{color:#555;max-width:60em}")
    legend = ("<p class='note'>Green: healthy by the configured threshold (config <code>health</code>); red: the flaw"
              " is present; grey: not applicable. Hover a cell for its rule.</p>")
    return (
        f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body><h2>{html.escape(title)}</h2>"
        + (f"<p class='note'>{html.escape(note)}</p>" if note else "")
        + f"{legend}<table><thead><tr><th>finding</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        "</body></html>\n"
    )


# --------------------------------------------------------------------------- the study's claims, re-tested

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


def _untestable(claim: str, statement: str, source: str, reason: str) -> Claim:
    return Claim(claim, statement, source, NOT_TESTABLE, reason)


def _interval(value: float, lo: float, hi: float, scale: float = 1.0, digits: int = 3) -> str:
    return f"{scale * value:+.{digits}f} [{scale * lo:+.{digits}f}, {scale * hi:+.{digits}f}]"


def _learned_rows(table: pd.DataFrame, learned: Sequence[str], column: str = "method") -> pd.DataFrame:
    return table[table[column].astype(str).isin([str(m) for m in learned])]


DEDUP_CLAIM = ("dedup_helps", "Deduplicating the training data helps learned routers", "Table 1")


def dedup_claim(compare: pd.DataFrame | None, learned: Sequence[str], n_training_duplicates: int | None) -> Claim:
    """Reduced minus original training, per learned router (curve mean, the study's 'average accuracy').

    Holds when at least one learned router improves significantly and none gets significantly worse.
    """
    if compare is None:
        return _untestable(*DEDUP_CLAIM, "no 'reduced' split (the benchmark has no prompts, or the split is not configured)")
    if n_training_duplicates == 0:
        return _untestable(*DEDUP_CLAIM, "no near-duplicate in the training data: reduced equals original")
    _need(compare, ["method", "curve_mean_delta", "curve_mean_delta_lo", "curve_mean_delta_hi"], "reduced comparison")
    rows = _learned_rows(compare, learned)
    if rows.empty:
        return _untestable(*DEDUP_CLAIM, "no learned router in the comparison")
    up = rows[rows["curve_mean_delta_lo"] > 0]
    down = rows[rows["curve_mean_delta_hi"] < 0]
    best = rows.sort_values(["curve_mean_delta", "method"], ascending=[False, True]).iloc[0]
    verdict = HOLDS if len(up) and not len(down) else DOES_NOT_HOLD
    reason = (f"{len(up)} of {len(rows)} learned routers significantly better, {len(down)} significantly worse "
              "(curve mean, paired 95 % interval)")
    return Claim(*DEDUP_CLAIM, verdict, reason, float(best["curve_mean_delta"]), float(best["curve_mean_delta_lo"]),
                 float(best["curve_mean_delta_hi"]), "points",
                 f"{best['method']}: " + _interval(best["curve_mean_delta"], best["curve_mean_delta_lo"],
                                                  best["curve_mean_delta_hi"], 100, 2) + " pts")


KNN_CLAIM = ("knn_best", "K-NN is the best learned router", "Fig. 7")


def knn_claim(areas: pd.DataFrame, pairwise: pd.DataFrame, learned: Sequence[str], split: str, knn: str = "knn") -> Claim:
    """K-NN's area minus the best other learned router's; does not hold when one is significantly better."""
    others = [m for m in learned if m != knn]
    present = set(areas["method"].astype(str))
    if knn not in present:
        return _untestable(*KNN_CLAIM, f"no '{knn}' router in the run")
    others = [m for m in others if m in present]
    if not others:
        return _untestable(*KNN_CLAIM, "no other learned router to compare with")
    rivals = areas[areas["method"].astype(str).isin(others)].sort_values(["area", "method"], ascending=[False, True])
    rival = str(rivals.iloc[0]["method"])
    pair = pairwise[(pairwise["method_a"].astype(str) == knn) & (pairwise["method_b"].astype(str) == rival)]
    if len(pair) != 1:
        raise InputError(f"pairwise table: expected one row {knn} vs {rival}; found {len(pair)}")
    p = pair.iloc[0]
    beaten_by = [m for m in others
                 if ((pairwise["method_a"].astype(str) == m) & (pairwise["method_b"].astype(str) == knn)
                     & (pairwise["area_diff_lo"] > 0)).any()]
    verdict = DOES_NOT_HOLD if beaten_by else HOLDS
    reason = (f"significantly better than K-NN: {', '.join(beaten_by)}" if beaten_by
              else "no learned router is significantly better than K-NN") + f" (split {split}, area)"
    return Claim(*KNN_CLAIM, verdict, reason, float(p["area_diff"]), float(p["area_diff_lo"]), float(p["area_diff_hi"]),
                 "area", f"K-NN − {rival}: " + _interval(p["area_diff"], p["area_diff_lo"], p["area_diff_hi"]))


PSEUDO_CLAIM = ("pseudo_lowers_agreement",
                "Pseudo-specialists lower agreement with the heuristic, most on their target tasks", "Table 4")


def pseudo_claim(agreement: pd.DataFrame | None, targets: Sequence[str], learned: Sequence[str]) -> Claim:
    """Agreement change (after − before injection) overall and on the target tasks, per learned router.

    Holds when, for most learned routers, the mean change on the target tasks is negative and below the
    overall change, and the overall change is not significantly positive.
    """
    if agreement is None:
        return _untestable(*PSEUDO_CLAIM, "no 'pseudo' split or no heuristic router in the run")
    if not targets:
        return _untestable(*PSEUDO_CLAIM, "no task met the pseudo-specialist selection criteria")
    _need(agreement, ["method", "scope", "task", "change_pts", "change_lo_pts", "change_hi_pts"], "agreement table")
    rows = _learned_rows(agreement, learned)
    if rows.empty:
        return _untestable(*PSEUDO_CLAIM, "no learned router in the agreement table")
    overall = rows[rows["scope"].astype(str) == "overall"]
    overall = overall.set_index(overall["method"].astype(str))
    on_targets = rows[(rows["scope"].astype(str) == "task") & rows["task"].astype(str).isin(list(targets))]
    target_mean = on_targets.groupby(on_targets["method"].astype(str))["change_pts"].mean()
    methods = [m for m in target_mean.index if m in overall.index]
    ok = [m for m in methods if target_mean[m] < 0 and target_mean[m] < overall.loc[m, "change_pts"]
          and not overall.loc[m, "change_lo_pts"] > 0]
    verdict = HOLDS if len(ok) * 2 > len(methods) else DOES_NOT_HOLD
    mean_target = float(target_mean.reindex(methods).mean())
    mean_overall = float(overall.loc[methods, "change_pts"].mean())
    reason = (f"{len(ok)} of {len(methods)} learned routers lose more agreement on the {len(targets)} target tasks "
              "than overall")
    return Claim(*PSEUDO_CLAIM, verdict, reason, mean_target, unit="points",
                 display=f"targets {mean_target:+.1f} pts, overall {mean_overall:+.1f} pts (mean over learned routers)")


PRUNE_CLAIM = ("pruning_keeps_quality", "Pruning redundant models keeps routing quality", "Fig. 12")


def pruning_claim(compare: pd.DataFrame | None, learned: Sequence[str], tolerance: float) -> Claim:
    """Routers retrained on the pruned pool minus the full pool (area); holds when every learned router's
    interval lower bound is above −``tolerance`` (no router may lose more than that)."""
    if compare is None:
        return _untestable(*PRUNE_CLAIM, "no 'pruned' split compared with 'standard' (evaluation.compare_splits)")
    _need(compare, ["method", "area_delta", "area_delta_lo", "area_delta_hi"], "pruned comparison")
    rows = _learned_rows(compare, learned)
    if rows.empty:
        return _untestable(*PRUNE_CLAIM, "no learned router in the comparison")
    worst = rows.sort_values(["area_delta_lo", "method"]).iloc[0]
    losing = rows[rows["area_delta_lo"] < -tolerance]
    verdict = HOLDS if losing.empty else DOES_NOT_HOLD
    reason = (f"every learned router's area interval stays above −{tolerance:g}" if losing.empty
              else f"{', '.join(losing['method'].astype(str))} may lose more than {tolerance:g} area")
    return Claim(*PRUNE_CLAIM, verdict, reason, float(worst["area_delta"]), float(worst["area_delta_lo"]),
                 float(worst["area_delta_hi"]), "area",
                 f"{worst['method']}: " + _interval(worst["area_delta"], worst["area_delta_lo"], worst["area_delta_hi"]))


SPECIALIST_CLAIM = ("learned_need_specialists", "Learned routers beat the heuristic only where specialists exist",
                    "dominance argument")


def specialist_claim(learned_vs_heuristic: Finding, specialists: Finding) -> Claim:
    """Consistent when (specialists and a significant gain) or (no specialists and no significant gain)."""
    if learned_vs_heuristic.status == NOT_APPLICABLE:
        return _untestable(*SPECIALIST_CLAIM, learned_vs_heuristic.detail or "no learned router or heuristic")
    has_specialists = specialists.value >= 1
    gains = learned_vs_heuristic.lo > 0
    verdict = HOLDS if has_specialists == gains else DOES_NOT_HOLD
    reason = (f"{int(specialists.value)} task(s) with specialist score ≥ 0.05; the best learned router "
              + ("beats" if gains else "does not significantly beat") + " the heuristic")
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
