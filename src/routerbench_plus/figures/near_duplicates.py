"""Near-duplicate groups, cross-split contamination and Table 1 (original vs deduplicated training data)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from . import style


@style.styled
def plot_duplicate_groups(groups: pd.DataFrame, delta: float | None = None) -> Figure:
    """Histogram of near-duplicate group sizes (groups of >= 2 queries; one count per group).

    With a ``scope`` column (near_duplicates.stack_groups), the training pool's groups are drawn (the study's
    row) and the whole benchmark's count is noted beside them.
    """
    style.need_columns(groups, ["group_id", "group_size"], "duplicate groups", allow_empty=True)  # no group: said so
    scope_note = ""
    if "scope" in groups.columns and groups["scope"].nunique() > 1:
        whole = groups[groups["scope"] == "all"].drop_duplicates("group_id")
        scope_note = f"\nall splits: {len(whole)} groups, {int(whole['group_size'].sum())} queries"
        groups = groups[groups["scope"] == "training"]
    elif "scope" in groups.columns and len(groups):
        scope_note = f"\nscope: {groups['scope'].iloc[0]}"
    per_group = groups.drop_duplicates("group_id")
    sizes = per_group.loc[per_group["group_size"] >= 2, "group_size"].to_numpy(dtype=int)
    if delta is None and "delta" in groups and len(groups):
        delta = float(groups["delta"].iloc[0])
    where = ", training pool" if scope_note.startswith("\nall splits") else ""
    title = f"Near-duplicate groups{where}"
    if delta is not None:
        title += ("\n" if where else " ") + f"(cosine ≥ {delta:g})"
    if not sizes.size:
        return style.empty_figure(title, "no duplicate groups at this threshold")
    fig = style.new_figure(style.SINGLE_COLUMN_IN, 2.5)
    ax = fig.add_subplot()
    values, counts = np.unique(sizes, return_counts=True)
    ax.bar(values, counts, width=0.8, color=style.PALETTE[0])
    ax.set_xticks(values if len(values) <= 15 else np.unique(np.linspace(values.min(), values.max(), 10).round().astype(int)))
    if counts.max() / max(counts.min(), 1) > 50:
        ax.set_yscale("log")
        ax.set_ylim(top=counts.max() * 8)
    else:
        ax.set_ylim(0, counts.max() * (1.8 if scope_note else 1.45))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    covered = int(sizes.sum())
    ax.text(0.98, 0.95, f"{sizes.size} groups\nmean size {sizes.mean():.2f}\n{covered} queries covered{scope_note}",
            transform=ax.transAxes, ha="right", va="top", fontsize=7)
    ax.set_xlabel("Group size (queries per near-duplicate group)")
    ax.set_ylabel("Number of groups")
    ax.grid(axis="x", visible=False)
    ax.set_title(title)
    return fig


def transpose_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """A one-row summary as a two-column (statistic, value) table, easier to read in a report; a
    summary with one row per ``scope`` as (statistic, one column per scope)."""
    if len(summary) > 1 and "scope" in summary.columns and summary["scope"].is_unique:
        rest = summary.drop(columns=["scope"])
        return pd.DataFrame({"statistic": [str(c) for c in rest.columns],
                             **{str(scope): [style.cell_text(v, 4) if not isinstance(v, str) else v for v in row.to_list()]
                                for scope, (_, row) in zip(summary["scope"], rest.iterrows())}})
    if len(summary) != 1:
        return summary
    row = summary.iloc[0]
    return pd.DataFrame({"statistic": [str(c) for c in summary.columns],
                         "value": [style.cell_text(v, 4) if not isinstance(v, str) else v for v in row.to_list()]})


CONTAMINATION_MAX_CATEGORIES = 30  # categories drawn in the contamination figure (most contaminated first)


@style.styled
def plot_contamination(summary: pd.DataFrame, delta: float | None = None,
                       max_categories: int = CONTAMINATION_MAX_CATEGORIES) -> Figure:
    """Cross-split contamination (``contamination.audit`` summary): per category, the share of test
    queries with a train/val near-duplicate (bars; overall dashed) and the label agreement of those
    pairs (dots) against the same-category baseline (grey bars)."""
    style.need_columns(summary, ["level", "category", "share_contaminated", "n_contaminated", "label_agreement",
                    "baseline_agreement"], "contamination summary")
    if delta is None and "delta" in summary and len(summary):
        delta = float(summary["delta"].iloc[0])
    title = "Test queries with a train/val near-duplicate" + (f" (cosine ≥ {delta:g})" if delta is not None else "")
    overall = summary[summary["level"] == "overall"]
    cats = summary[summary["level"] == "category"]
    if overall.empty or int(overall["n_contaminated"].iloc[0]) == 0:
        return style.empty_figure(title, "no test query has a train/val near-duplicate")
    cats = cats[cats["n_contaminated"] > 0].sort_values(["share_contaminated", "category"], ascending=[False, True],
                                                         kind="stable")
    hidden = max(0, len(cats) - max_categories)
    cats = cats.head(max_categories)
    n = len(cats)
    fig = style.new_figure(style.DOUBLE_COLUMN_IN, 1.3 + 0.17 * n)
    left, right = fig.subplots(1, 2, sharey=True)
    y = np.arange(n)
    names = [style.short(c, 22) for c in cats["category"]]
    share = 100 * cats["share_contaminated"].to_numpy(dtype=float)
    left.barh(y, share, height=0.7, color=style.PALETTE[0], linewidth=0)
    total = 100 * float(overall["share_contaminated"].iloc[0])
    left.axvline(total, color="#333333", ls="--", lw=0.8)
    left.set_yticks(y, names)
    left.invert_yaxis()
    left.set_xlabel("Test queries with a train/val near-duplicate (%)")
    left.set_title(f"overall {total:.1f} % ({int(overall['n_contaminated'].iloc[0])} of "
                   f"{int(overall['n_test'].iloc[0])})" if "n_test" in overall else f"overall {total:.1f} %")
    left.grid(axis="y", visible=False)
    base = cats["baseline_agreement"].to_numpy(dtype=float)
    agree = cats["label_agreement"].to_numpy(dtype=float)
    right.barh(y, base, height=0.7, color=style.GREY, alpha=0.6, linewidth=0, label="same-category baseline")
    right.plot(agree, y, "o", color=style.PALETTE[3], ms=3.5, label="near-duplicate pairs")
    right.set_xlim(0, 1.02)
    right.set_xlabel("Label agreement (same model, both observed)")
    rule = style.single_value(summary, "label_rule")
    o_agree, o_base = float(overall["label_agreement"].iloc[0]), float(overall["baseline_agreement"].iloc[0])
    right.set_title(f"overall {o_agree:.2f} vs baseline {o_base:.2f}" + (f" ({rule})" if rule else ""))
    right.grid(axis="y", visible=False)
    right.tick_params(axis="y", length=0)
    handles, _ = right.get_legend_handles_labels()
    style.legend_below(fig, handles, ncols=2)
    more = f"; {hidden} more categories in the table" if hidden else ""
    fig.suptitle(f"{title}{more}")
    return fig


def contamination_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The contamination summary as the report shows it: overall first, then categories by share."""
    style.need_columns(summary, ["level", "category", "n_test", "n_contaminated", "share_contaminated", "n_pairs",
                    "n_training_duplicates", "label_agreement", "baseline_agreement"], "contamination summary")
    order = summary.assign(_o=(summary["level"] != "overall").astype(int))
    order = order.sort_values(["_o", "share_contaminated", "category"], ascending=[True, False, True], kind="stable")
    out = pd.DataFrame({
        "category": order["category"].astype(str),
        "test queries": order["n_test"].to_numpy(),
        "contaminated": order["n_contaminated"].to_numpy(),
        "share contaminated (%)": 100 * order["share_contaminated"].to_numpy(dtype=float),
        "pairs": order["n_pairs"].to_numpy(),
        "train/val duplicates": order["n_training_duplicates"].to_numpy(),
        "label agreement": order["label_agreement"].to_numpy(dtype=float),
        "baseline agreement": order["baseline_agreement"].to_numpy(dtype=float),
    })
    if "label_rule" in order:
        out["label rule"] = order["label_rule"].astype(str).to_numpy()
    return out.reset_index(drop=True)


@style.styled
def plot_original_vs_reduced(
    table: pd.DataFrame,
    metrics: Sequence[tuple[str, str, str]] = (
        ("avg_original_pts", "avg_reduced_pts", "Mean over the curve"),
        ("peak_original_pts", "peak_reduced_pts", "Peak"),
    ),
) -> Figure:
    """Per method (and cost type): change of a metric when routers train on the deduplicated
    instead of the original data (reduced − original, points), as lollipops around 0, with the
    change's paired-bootstrap interval as a whisker when the table has it
    (``<metric>_delta_lo_pts``/``_hi_pts``).

    ``table``: ``near_duplicates.original_vs_reduced`` columns; each metric is (original column, reduced
    column, panel title). Absolute values belong in the table; the differences are what matter.
    """
    needed = ["method"] + [c for pair in metrics for c in pair[:2]]
    style.need_columns(table, needed, "original vs reduced")
    df = style.study_rows(table)
    panels = []
    for original, reduced, title in metrics:
        delta = df[reduced].to_numpy(dtype=float) - df[original].to_numpy(dtype=float)
        stem = original[: -len("_original_pts")] if original.endswith("_original_pts") else original
        lo, hi = f"{stem}_delta_lo_pts", f"{stem}_delta_hi_pts"
        has = {lo, hi} <= set(df.columns)
        panels.append((delta, df[lo].to_numpy(dtype=float) if has else None,
                       df[hi].to_numpy(dtype=float) if has else None, title))
    return style.delta_lollipops(df, panels, "Deduplicated − original training data (points)")


DEDUP_NOTE = ("Near-duplicate groups: connected components of cosine(e_i, e_j) >= delta over L2-normalised embeddings; "
              "training = among train + val queries (the study's statistics; the reduced data keeps one training member "
              "per group, test untouched), all = the whole benchmark. label_rule: when two labels count as different.")
CONTAMINATION_NOTE = ("Test queries with a direct near-duplicate (cosine >= delta) among the train + val queries, overall "
                      "and per category; label agreement: share of (pair, model) with both labels observed that agree "
                      "under the label rule; baseline: the same over every (test, train/val) pair of one category.")
REDUCED_NOTE = ("Average (unweighted over budget points) and peak quality in points of routers trained on the "
                "original vs the deduplicated training data (test data identical); delta = reduced - original, with "
                "a paired bootstrap interval (the same resamples for both trainings); areas over the three axes.")
