"""Near-duplicate queries (stage 1): groups of queries whose embeddings are at least ``delta``
cosine-similar, the reduced benchmark (one training member per group), the cross-split
contamination audit, and the study's Table 1 (routers trained on the original vs the reduced data).

``search`` finds every pair with cosine >= delta (exact FAISS search); ``groups`` builds the groups,
their summary and the reduced benchmark; ``contamination`` the test queries with a train/val
near-duplicate; ``original_vs_reduced`` Table 1. The names below are the stage's interface.
"""

from .groups import (
    GROUP_COLUMNS,
    LENGTH_COLUMNS,
    TRAINING_ROLES,
    Deduplication,
    DuplicateGroups,
    LabelRule,
    deduplicate,
    find_groups,
    is_soft,
    query_roles,
    reduce,
    stack_groups,
    summarise,
    truncated_prefix,
)
from .search import PairGraph, check_delta, duplicate_pairs, exact_duplicate_nodes, pair_graph

__all__ = [
    "GROUP_COLUMNS", "LENGTH_COLUMNS", "TRAINING_ROLES", "Deduplication", "DuplicateGroups", "LabelRule", "PairGraph",
    "check_delta", "deduplicate", "duplicate_pairs", "exact_duplicate_nodes", "find_groups", "is_soft", "pair_graph",
    "query_roles", "reduce", "stack_groups", "summarise", "truncated_prefix",
]
