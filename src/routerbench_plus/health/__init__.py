"""The benchmark health card and the study's claims, re-tested (stage ``health``).

``findings``: one line per audit finding, red or green by a config threshold (config ``health``);
``claims``: the study's headline claims with effect, paired interval and verdict; ``assess``: both
from the tables a run wrote (absent tables: n/a / not testable here, with the reason); ``card``: the
tables stacked over benchmarks and their HTML pages. docs/audit.md "Benchmark health card".
"""

from .assess import SOURCES, HealthSources, assess, findings
from .card import CARD_COLUMNS, card_table, cards_html, claims_html, compare_cards, status_counts, write_page
from .claims import (
    CLAIM_COLUMNS,
    DOES_NOT_HOLD,
    HOLDS,
    NOT_TESTABLE,
    Claim,
    claims_table,
    dedup_claim,
    knn_claim,
    pruning_claim,
    pseudo_claim,
    specialist_claim,
)
from .findings import (
    FINDING_LABELS,
    GREEN,
    INFO,
    LEARNED_EXCLUDED,
    NOT_APPLICABLE,
    RED,
    Finding,
    HealthThresholds,
    contamination_finding,
    contamination_summary_finding,
    dominance_finding,
    duplicate_findings,
    headroom_finding,
    learned_vs_heuristic_finding,
    not_applicable,
    pruning_finding,
    redundancy_finding,
    size_finding,
    specialist_finding,
)

__all__ = [
    "CARD_COLUMNS", "CLAIM_COLUMNS", "DOES_NOT_HOLD", "FINDING_LABELS", "GREEN", "HOLDS", "INFO", "LEARNED_EXCLUDED",
    "NOT_APPLICABLE", "NOT_TESTABLE", "RED", "SOURCES", "Claim", "Finding", "HealthSources", "HealthThresholds",
    "assess", "card_table", "cards_html", "claims_html", "claims_table", "compare_cards", "contamination_finding",
    "contamination_summary_finding", "dedup_claim", "dominance_finding", "duplicate_findings", "findings",
    "headroom_finding", "knn_claim", "learned_vs_heuristic_finding", "not_applicable", "pruning_claim",
    "pruning_finding", "pseudo_claim", "redundancy_finding", "size_finding", "specialist_claim",
    "specialist_finding", "status_counts", "write_page",
]
