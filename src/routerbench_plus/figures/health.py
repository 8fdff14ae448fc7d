"""The health cards and the study's claims of several benchmarks: findings x benchmarks, coloured by status."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..health import CARD_COLUMNS, CLAIM_COLUMNS, DOES_NOT_HOLD, GREEN, HOLDS, INFO, NOT_APPLICABLE, NOT_TESTABLE, RED
from . import style

# status -> (colour index, legend label); the colours are the HTML pages' (health.card.STATUS_COLOURS)
COLOURS = ["#bfe5bf", "#f4b6b6", "#e4e4e4", "#ffffff"]
CODES = {GREEN: 0, HOLDS: 0, RED: 1, DOES_NOT_HOLD: 1, NOT_APPLICABLE: 2, NOT_TESTABLE: 2, INFO: 3}
LEGEND = [("healthy / holds", 0), ("flaw present / does not hold", 1), ("n/a / not testable here", 2)]
# style.short row labels (the tables keep the long ones)
ROW_LABELS = {
    "size": "Queries / models / tasks",
    "duplicate_share": "Near-duplicates in training",
    "duplicate_disagreement": "… groups with contradicting labels",
    "contamination_share": "Test queries with a train duplicate",
    "top_model_avg_rank": "Top model's average rank",
    "specialist_tasks": "Tasks needing a specialist",
    "redundant_categories": "Redundant categories",
    "prunable_models": "Models prunable (oracle −1 pt)",
    "oracle_headroom": "Oracle − best model (points)",
    "learned_vs_heuristic": "Best learned − heuristic (area)",
    "dedup_helps": "Dedup helps (Table 1)",
    "knn_best": "K-NN is the best router (Fig. 7)",
    "pseudo_lowers_agreement": "Pseudo-specialists: agreement (Tab. 4)",
    "pruning_keeps_quality": "Pruning keeps quality (Fig. 12)",
    "learned_need_specialists": "Learned > heuristic iff specialists",
}


def finding_text(display: str) -> str:
    """A card cell: the display without its parenthesised detail."""
    return str(display).split(" (")[0]


def claim_text(verdict: str, effect: float, lo: float, hi: float, unit: str) -> str:
    """A claims cell: the verdict, then the effect [interval] (points: one decimal, area: three)."""
    if not np.isfinite(effect):
        return str(verdict)
    digits = 1 if unit == "points" else 3
    interval = f" [{lo:+.{digits}f}, {hi:+.{digits}f}]" if np.isfinite(lo) and np.isfinite(hi) else ""
    return f"{verdict}: {effect:+.{digits}f}{interval}"


def _cell_text(text: str, width: int) -> str:
    lines = textwrap.wrap(str(text), width) or ["–"]
    return "\n".join(lines[:3]) + ("…" if len(lines) > 3 else "")


def _rows(table: pd.DataFrame, key: str, label: str, text: str, status: str) -> list[tuple[str, dict[str, tuple[int, str]]]]:
    """[(row label, {benchmark: (colour code, cell text)})] in the first benchmark's order."""
    order = table.drop_duplicates(key).sort_values("position", kind="stable")
    cells: dict[str, dict[str, tuple[int, str]]] = {}
    for r in table.itertuples(index=False):
        cells.setdefault(str(getattr(r, key)), {})[str(r.benchmark)] = (CODES.get(str(getattr(r, status)), 2),
                                                                      str(getattr(r, text)))
    return [(ROW_LABELS.get(str(getattr(r, key)), str(getattr(r, label))), cells[str(getattr(r, key))])
            for r in order.itertuples(index=False)]


@style.styled
def plot_health(cards: pd.DataFrame, claims: pd.DataFrame | None = None) -> Figure:
    """A grid of the health cards' findings (top) and the claims' verdicts (bottom, below a rule) per
    benchmark (columns), each cell coloured by its status and showing the measured value."""
    style.need_columns(cards, CARD_COLUMNS, "health cards")
    rows = _rows(cards.assign(text=cards["display"].map(finding_text)), "finding", "label", "text", "status")
    n_findings = len(rows)
    if claims is not None and len(claims):
        style.need_columns(claims, CLAIM_COLUMNS, "claims")
        text = [claim_text(*r) for r in claims[["verdict", "effect", "lo", "hi", "unit"]].itertuples(index=False)]
        rows += _rows(claims.assign(text=text), "claim", "statement", "text", "verdict")
    benchmarks = list(dict.fromkeys(cards["benchmark"].astype(str)))
    if claims is not None:
        benchmarks += [b for b in dict.fromkeys(claims["benchmark"].astype(str)) if b not in benchmarks]
    grid = np.full((len(rows), len(benchmarks)), 2, dtype=int)
    texts = np.full(grid.shape, "–", dtype=object)
    for i, (_, cells) in enumerate(rows):
        for j, b in enumerate(benchmarks):
            if b in cells:
                grid[i, j], texts[i, j] = cells[b]
    width = max(10, min(24, int(80 / max(len(benchmarks), 1))))
    fig = style.new_figure(style.DOUBLE_COLUMN_IN, 1.1 + 0.36 * len(rows))
    ax = fig.add_subplot()
    ax.imshow(grid, cmap=ListedColormap(COLOURS), vmin=-0.5, vmax=len(COLOURS) - 0.5, aspect="auto",
              interpolation="nearest")
    for (i, j), text in np.ndenumerate(texts):
        ax.text(j, i, _cell_text(text, width), ha="center", va="center", fontsize=7, linespacing=1.0)
    ax.set_xticks(np.arange(len(benchmarks)), [style.short(b, 22) for b in benchmarks])
    ax.xaxis.tick_top()
    ax.set_yticks(np.arange(len(rows)), [style.short(label, 40) for label, _ in rows])
    ax.set_xticks(np.arange(len(benchmarks) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(rows) + 1) - 0.5, minor=True)
    ax.grid(False)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="both", length=0)
    if n_findings < len(rows):
        ax.axhline(n_findings - 0.5, color="#333333", linewidth=1.2)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title("Benchmark health card (above the rule) and the study's claims (below)")
    style.legend_below(fig, [Patch(facecolor=COLOURS[code], edgecolor="#999999", label=text) for text, code in LEGEND], 3)
    return fig
