"""One benchmark's health card and claims from the tables its run wrote (absent tables: n/a, with why)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from ..errors import InputError
from .card import card_table
from .claims import claims_table, dedup_claim, knn_claim, pruning_claim, pseudo_claim, specialist_claim
from .findings import (
    FINDING_LABELS,
    Finding,
    HealthThresholds,
    contamination_summary_finding,
    dominance_finding,
    duplicate_findings,
    headroom_finding,
    learned_vs_heuristic_finding,
    need,
    not_applicable,
    pruning_finding,
    redundancy_finding,
    size_finding,
    specialist_finding,
)

# The tables a card reads, by name (the health rule's input names): what each is.
SOURCES = {
    "queries": "the benchmark's queries (results/<b>/data)",
    "models": "the benchmark's models",
    "dedup_summary": "near-duplicate summary at dedup.reduced_delta",
    "contamination_summary": "contamination summary at dedup.reduced_delta",
    "avg_rank": "average rank table",
    "specialist_scores": "specialist scores",
    "redundant": "redundant categories",
    "prune_curve": "pruning curve of the first prune.lambda / prune.target",
    "areas": "areas of split standard (first cost type)",
    "pairwise": "pairwise differences of split standard",
    "model_points": "single models of split standard",
    "compare_reduced": "comparison reduced vs standard",
    "compare_pruned": "comparison pruned vs standard",
    "knn_areas": "areas of the K-NN claim's split",
    "knn_pairwise": "pairwise differences of the K-NN claim's split",
    "agreement": "agreement with the heuristic",
    "pseudo_selection": "pseudo-specialist selection",
}


@dataclass(frozen=True)
class HealthSources:
    """The tables a benchmark's card and claims read, and the run's routers.

    ``tables``: name (a key of :data:`SOURCES`) -> table; an absent name is not measured, with its
    reason in ``missing`` (e.g. 'no prompts: label-only benchmark'). ``learned``: the learned
    routers; ``knn``/``heuristic``/``oracle``: the routers of those types (None when not configured);
    ``knn_split``: the split the K-NN claim is read on (remastered, else standard).
    """

    benchmark: str
    tables: Mapping[str, pd.DataFrame]
    missing: Mapping[str, str] = field(default_factory=dict)
    learned: Sequence[str] = ()
    knn: str | None = "knn"
    heuristic: str | None = "heuristic"
    oracle: str | None = "oracle"
    knn_split: str = "standard"

    def __post_init__(self) -> None:
        unknown = sorted(set(self.tables) - set(SOURCES))
        if unknown:
            raise InputError(f"health card of {self.benchmark}: unknown table(s) {unknown}; expected {sorted(SOURCES)}")
        for name in ("queries", "models"):
            if name not in self.tables:
                raise InputError(f"health card of {self.benchmark}: the {SOURCES[name]} table is required")

    def get(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    def why(self, *names: str) -> str:
        """Why the first absent table of ``names`` is absent."""
        for name in names:
            if name not in self.tables:
                return self.missing.get(name, f"no {SOURCES[name]} in this run")
        return ""


def _size(s: HealthSources) -> Finding:
    queries, models = s.tables["queries"], s.tables["models"]
    need(queries, ["query_id", "category"], "queries")
    real = models[~models["is_pseudo"].astype(bool)] if "is_pseudo" in models.columns else models
    return size_finding(len(queries), len(real), int(queries["category"].nunique()))


def findings(s: HealthSources, t: HealthThresholds) -> list[Finding]:
    """Every finding of :data:`findings.FINDING_LABELS`, in that order; n/a (with why) where a table is absent."""
    out = [_size(s)]
    if s.get("dedup_summary") is not None:
        out += duplicate_findings(s.tables["dedup_summary"], t)
    else:
        out += [not_applicable(f, reason=s.why("dedup_summary")) for f in ("duplicate_share", "duplicate_disagreement")]
    one = {
        "contamination_share": ("contamination_summary", lambda: contamination_summary_finding(s.tables["contamination_summary"], t)),
        "top_model_avg_rank": ("avg_rank", lambda: dominance_finding(s.tables["avg_rank"], t)),
        "specialist_tasks": ("specialist_scores", lambda: specialist_finding(s.tables["specialist_scores"], t)),
        "redundant_categories": ("redundant", lambda: redundancy_finding(s.tables["redundant"], t)),
        "prunable_models": ("prune_curve", lambda: pruning_finding(s.tables["prune_curve"], t)),
    }
    for finding, (name, compute) in one.items():
        out.append(compute() if s.get(name) is not None else not_applicable(finding, reason=s.why(name)))
    if s.get("areas") is not None and s.get("model_points") is not None:
        out.append(headroom_finding(s.tables["areas"], s.tables["model_points"], t, s.oracle))
    else:
        out.append(not_applicable("oracle_headroom", reason=s.why("areas", "model_points")))
    if s.get("areas") is not None and s.get("pairwise") is not None:
        out.append(learned_vs_heuristic_finding(s.tables["areas"], s.tables["pairwise"], t, s.heuristic, s.learned))
    else:
        out.append(not_applicable("learned_vs_heuristic", reason=s.why("areas", "pairwise")))
    assert [f.finding for f in out] == list(FINDING_LABELS)
    return out


def _training_duplicates(s: HealthSources) -> int | None:
    """Queries deduplication removes from training (None when unknown)."""
    summary = s.get("dedup_summary")
    if summary is None or "queries_removed" not in summary.columns:
        return None
    row = summary[summary["scope"].astype(str) == "training"] if "scope" in summary.columns else summary
    return int(row["queries_removed"].iloc[0]) if len(row) == 1 else None


def _targets(s: HealthSources) -> list[str]:
    selection = s.get("pseudo_selection")
    if selection is None:
        return []
    need(selection, ["task", "selected"], "pseudo-specialist selection")
    return selection.loc[selection["selected"].astype(bool), "task"].astype(str).tolist()


def assess(s: HealthSources, t: HealthThresholds | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(card, claims) of one benchmark: :func:`card.card_table` and :func:`claims.claims_table`."""
    t = t or HealthThresholds()
    found = findings(s, t)
    by_name = {f.finding: f for f in found}
    claims = [
        dedup_claim(s.get("compare_reduced"), s.learned, _training_duplicates(s), s.why("compare_reduced")),
        knn_claim(s.get("knn_areas"), s.get("knn_pairwise"), s.learned, s.knn_split, s.knn,
                  s.why("knn_areas", "knn_pairwise")),
        pseudo_claim(s.get("agreement"), _targets(s), s.learned, s.why("agreement")),
        pruning_claim(s.get("compare_pruned"), s.learned, t.prune_drop_pts / 100.0, s.why("compare_pruned")),
        specialist_claim(by_name["learned_vs_heuristic"], by_name["specialist_tasks"], t),
    ]
    return card_table(s.benchmark, found), claims_table(s.benchmark, claims)
