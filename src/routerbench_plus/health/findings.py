"""The findings of the benchmark health card: one line each, red or green by a config threshold.

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
* ``specialist_tasks``: tasks with specialist score >= ``health.specialist_score`` (the study's 0.05;
  the display also counts those < 0); red below ``health.min_specialist_tasks``;
* ``redundant_categories``: categories whose mean embedding is a near copy of another's; red above
  ``health.max_redundant_categories``;
* ``prunable_models``: models the greedy pruning removes before the oracle's deferral area drops by more
  than ``health.prune_drop_pts`` points; red when that is more than ``health.prunable_share`` of the pool;
* ``oracle_headroom``: oracle peak minus the best single model's test quality (points); red below
  ``health.oracle_headroom_pts`` (little to gain from routing at all);
* ``learned_vs_heuristic``: the best learned router's deferral area minus the heuristic's, with its
  paired-bootstrap interval; red when the interval's lower end is not above ``health.min_learned_gain``.

A finding whose input does not exist for a benchmark (no prompts: no duplicates, no learned routers)
is ``n/a`` with the reason (:func:`not_applicable`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError, InputError

GREEN, RED, NOT_APPLICABLE, INFO = "green", "red", "n/a", "info"
LEARNED_EXCLUDED = ("heuristic", "oracle", "random")
# every finding of a card, in card order, with the label shown when it cannot be measured
FINDING_LABELS = {
    "size": "Queries / models / categories",
    "duplicate_share": "Training queries in near-duplicate groups",
    "duplicate_disagreement": "Duplicate groups with contradicting labels",
    "contamination_share": "Test queries with a near-duplicate in training",
    "top_model_avg_rank": "Top model's average rank over tasks",
    "specialist_tasks": "Tasks with a high specialist score",
    "redundant_categories": "Redundant categories (near-copy mean embeddings)",
    "prunable_models": "Models removable before the oracle area drops",
    "oracle_headroom": "Oracle minus best single model (points)",
    "learned_vs_heuristic": "Best learned router − heuristic (area)",
}


@dataclass(frozen=True)
class HealthThresholds:
    """The thresholds that turn a finding red (config ``health``; defaults from the study's discussion)."""

    duplicate_share: float = 0.01
    disagreement_share: float = 0.5
    contamination_share: float = 0.01
    dominant_avg_rank: float = 2.0
    specialist_score: float = 0.05
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


def need(df: pd.DataFrame, columns: Iterable[str], where: str) -> None:
    """InputError naming the table and the columns it lacks."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"{where}: missing required column(s) {missing}; found {list(df.columns)}")


def _red_if(condition: bool) -> str:
    return RED if condition else GREEN


def not_applicable(finding: str, label: str | None = None, reason: str = "") -> Finding:
    """A finding that cannot be measured on this benchmark, with the reason."""
    return Finding(finding, label or FINDING_LABELS.get(finding, finding), math.nan, "–", NOT_APPLICABLE, "", reason)


def size_finding(n_queries: int, n_models: int, n_categories: int) -> Finding:
    return Finding(
        "size", FINDING_LABELS["size"], float(n_queries),
        f"{n_queries:,} / {n_models} / {n_categories}", INFO, "",
    )


def duplicate_findings(summary: pd.DataFrame, t: HealthThresholds) -> list[Finding]:
    """Near-duplicate share of the training pool and the share of its groups whose labels disagree.

    ``summary``: the near-duplicate summary at the reduced delta; its ``scope == 'training'`` row when
    the table has a scope column (the study's row), else its only row.
    """
    where = "near-duplicate summary"
    need(summary, ["delta", "n_queries", "queries_covered", "n_groups", "share_groups_within_model_disagreement"], where)
    row = summary
    if "scope" in summary.columns:
        row = summary[summary["scope"].astype(str) == "training"]
    if len(row) != 1:
        raise InputError(f"{where}: expected one row for the training pool; found {len(row)}")
    r = row.iloc[0]
    share = float(r["queries_covered"]) / float(r["n_queries"]) if r["n_queries"] else math.nan
    truncated = int(r["n_groups_truncated_prefix"]) if "n_groups_truncated_prefix" in r.index else 0
    dup = Finding(
        "duplicate_share", f"{FINDING_LABELS['duplicate_share']} (cos ≥ {float(r['delta']):g})", share,
        f"{100 * share:.1f} % ({int(r['n_groups'])} groups" + (f", {truncated} truncated)" if truncated else ")"),
        _red_if(share > t.duplicate_share), f"red above {100 * t.duplicate_share:g} %",
        # groups whose prompts differ beyond the encoder's window are grouped by their shared prefix only
        f"{truncated} of {int(r['n_groups'])} group(s) join prompts whose full texts differ beyond the encoder's "
        "window (truncated_prefix): likely an artefact; embed.long_prompts: tail or mean_windows re-embeds them"
        if truncated else "",
    )
    if not r["n_groups"]:
        return [dup, not_applicable("duplicate_disagreement", reason="no near-duplicate group")]
    disagree = float(r["share_groups_within_model_disagreement"])
    return [dup, Finding(
        "duplicate_disagreement", FINDING_LABELS["duplicate_disagreement"], disagree, f"{100 * disagree:.1f} %",
        _red_if(disagree > t.disagreement_share), f"red above {100 * t.disagreement_share:g} %",
        "a model is right on one copy of a query and wrong on another",
    )]


def contamination_finding(n_test: int, n_contaminated: int, delta: float, t: HealthThresholds) -> Finding:
    """Share of test queries with a near-duplicate among the training (train + val) queries."""
    share = n_contaminated / n_test if n_test else math.nan
    return Finding(
        "contamination_share", f"{FINDING_LABELS['contamination_share']} (cos ≥ {delta:g})", share,
        f"{100 * share:.1f} % ({n_contaminated:,} of {n_test:,})", _red_if(share > t.contamination_share),
        f"red above {100 * t.contamination_share:g} %",
    )


def contamination_summary_finding(summary: pd.DataFrame, t: HealthThresholds) -> Finding:
    """:func:`contamination_finding` from the contamination summary (its ``level == 'overall'`` row)."""
    where = "contamination summary"
    need(summary, ["delta", "n_test", "n_contaminated"], where)
    row = summary[summary["level"].astype(str) == "overall"] if "level" in summary.columns else summary
    if len(row) != 1:
        raise InputError(f"{where}: expected one overall row; found {len(row)}")
    r = row.iloc[0]
    return contamination_finding(int(r["n_test"]), int(r["n_contaminated"]), float(r["delta"]), t)


def dominance_finding(avg_rank: pd.DataFrame, t: HealthThresholds) -> Finding:
    """The top model's average rank over tasks and how many tasks it wins."""
    need(avg_rank, ["model", "avg_rank", "n_tasks", "n_first"], "average rank table")
    ranked = avg_rank.dropna(subset=["avg_rank"]).sort_values(["avg_rank", "model"], kind="stable")
    if ranked.empty:
        raise InputError("average rank table: no model has an average rank")
    top = ranked.iloc[0]
    value = float(top["avg_rank"])
    return Finding(
        "top_model_avg_rank", FINDING_LABELS["top_model_avg_rank"], value,
        f"{value:.2f} ({top['model']}, best on {int(top['n_first'])} of {int(top['n_tasks'])} tasks)",
        _red_if(value <= t.dominant_avg_rank), f"red at or below {t.dominant_avg_rank:g} (one model dominates)",
    )


def specialist_finding(scores: pd.DataFrame, t: HealthThresholds) -> Finding:
    """Tasks with specialist score >= ``t.specialist_score`` (specialists matter) and < 0 (a generalist suffices)."""
    need(scores, ["task", "specialist_score"], "specialist scores")
    s = scores["specialist_score"].astype(float)
    high, negative, total = int((s >= t.specialist_score).sum()), int((s < 0).sum()), int(s.notna().sum())
    return Finding(
        "specialist_tasks", f"Tasks with specialist score ≥ {t.specialist_score:g}", float(high),
        f"{high} of {total} (< 0: {negative})", _red_if(high < t.min_specialist_tasks),
        f"red below {t.min_specialist_tasks}",
    )


def redundancy_finding(redundant: pd.DataFrame, t: HealthThresholds) -> Finding:
    """Categories the category-redundancy stage flags as near copies of another category."""
    need(redundant, ["category", "dropped"], "redundant categories")
    dropped = redundant.loc[redundant["dropped"].astype(bool), "category"].astype(str).tolist()
    return Finding(
        "redundant_categories", FINDING_LABELS["redundant_categories"], float(len(dropped)),
        f"{len(dropped)}" + (f" ({', '.join(dropped[:3])}{', …' if len(dropped) > 3 else ''})" if dropped else ""),
        _red_if(len(dropped) > t.max_redundant_categories), f"red above {t.max_redundant_categories}",
    )


def pruning_finding(curve: pd.DataFrame, t: HealthThresholds) -> Finding:
    """Models removed (in the greedy order) before the oracle area drops by more than the tolerance.

    ``curve``: the pruning pool curve (step 0 = full pool; its first cost type when it holds several).
    When the drop never happens down to the pruning target, the count is a lower bound (said in the
    display).
    """
    need(curve, ["step", "pool_size", "oracle_area"], "pruning curve")
    c = curve
    if "cost_type" in c.columns and len(c):
        c = c[c["cost_type"].astype(str) == str(c["cost_type"].iloc[0])]
    c = c.sort_values("step", kind="stable")
    if c.empty:
        raise InputError("pruning curve: no row (expected step 0, the full pool, then one row per removal)")
    full, pool = float(c["oracle_area"].iloc[0]), int(c["pool_size"].iloc[0])
    over = np.flatnonzero(full - c["oracle_area"].to_numpy(dtype=float) > t.prune_drop_pts / 100.0)
    removable = int(c["step"].iloc[over[0] - 1]) if len(over) else int(c["step"].iloc[-1])
    share = removable / pool if pool else math.nan
    return Finding(
        "prunable_models", f"Models removable before the oracle area drops > {t.prune_drop_pts:g} pt", float(removable),
        f"{'' if len(over) else '≥ '}{removable} of {pool}", _red_if(share > t.prunable_share),
        f"red above {100 * t.prunable_share:g} % of the pool",
        "" if len(over) else f"the drop never happened down to the pruning target ({int(c['pool_size'].iloc[-1])} models)",
    )


def headroom_finding(areas: pd.DataFrame, models: pd.DataFrame, t: HealthThresholds, oracle: str | None = "oracle") -> Finding:
    """Oracle peak minus the best single model's test quality, in points."""
    need(areas, ["method", "peak"], "areas table")
    need(models, ["model", "quality"], "model points table")
    row = areas[areas["method"].astype(str) == str(oracle)]
    if not oracle or row.empty:
        return not_applicable("oracle_headroom", reason="no oracle router configured")
    real = models[~models["is_pseudo"].astype(bool)] if "is_pseudo" in models.columns else models
    best = real.dropna(subset=["quality"]).sort_values(["quality", "model"], ascending=[False, True]).iloc[0]
    gap = 100.0 * (float(row["peak"].iloc[0]) - float(best["quality"]))
    return Finding(
        "oracle_headroom", FINDING_LABELS["oracle_headroom"], gap, f"{gap:+.1f} pts (best: {best['model']})",
        _red_if(gap < t.oracle_headroom_pts), f"red below {t.oracle_headroom_pts:g} pts",
    )


def pair_row(pairwise: pd.DataFrame, a: str, b: str) -> pd.Series:
    """The one row of a pairwise table for ``a`` minus ``b``."""
    need(pairwise, ["method_a", "method_b", "area_diff", "area_diff_lo", "area_diff_hi"], "pairwise table")
    pair = pairwise[(pairwise["method_a"].astype(str) == a) & (pairwise["method_b"].astype(str) == b)]
    if len(pair) != 1:
        raise InputError(f"pairwise table: expected one row {a} vs {b}; found {len(pair)}")
    return pair.iloc[0]


def learned_vs_heuristic_finding(
    areas: pd.DataFrame, pairwise: pd.DataFrame, t: HealthThresholds, heuristic: str | None = "heuristic",
    learned: Sequence[str] | None = None,
) -> Finding:
    """Best learned router's area minus the heuristic's, with the paired-bootstrap interval.

    ``learned``: the learned routers (default: every method but heuristic, oracle and random).
    """
    need(areas, ["method", "area"], "areas table")
    methods = areas["method"].astype(str)
    if not heuristic or heuristic not in set(methods):
        return not_applicable("learned_vs_heuristic", reason="no heuristic router configured")
    chosen = methods.isin([str(m) for m in learned]) if learned is not None else ~methods.isin(list(LEARNED_EXCLUDED))
    candidates = areas[chosen & (methods != heuristic)]
    if candidates.empty:
        return not_applicable("learned_vs_heuristic", reason="no learned router (a benchmark without prompts "
                              "runs only the label-only routers)")
    best = candidates.sort_values(["area", "method"], ascending=[False, True]).iloc[0]
    p = pair_row(pairwise, str(best["method"]), heuristic)
    diff, lo, hi = float(p["area_diff"]), float(p["area_diff_lo"]), float(p["area_diff_hi"])
    return Finding(
        "learned_vs_heuristic", FINDING_LABELS["learned_vs_heuristic"], diff,
        f"{diff:+.3f} [{lo:+.3f}, {hi:+.3f}] ({best['method']})",
        _red_if(not lo > t.min_learned_gain), f"red unless the interval is above {t.min_learned_gain:g}",
        lo=lo, hi=hi,
    )
