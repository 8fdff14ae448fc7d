"""The study's Table 1: routers trained on the original vs the deduplicated training data, from the
paired comparison of split ``reduced`` with split ``standard`` (``compare.compare_splits``)."""

from __future__ import annotations

import pandas as pd

from ..curves import CURVE_METRICS
from ..errors import InputError


def original_vs_reduced(compare: pd.DataFrame) -> pd.DataFrame:
    """The study's Table 1 from ``compare_splits`` tables (base = original training data, the
    other split = deduplicated): average (curve mean) and peak in points, the three areas, each
    with the change reduced - original, its interval and significance.

    Columns: [benchmark], cost_type, method, split_original, split_reduced, avg_original_pts,
    avg_reduced_pts, avg_delta_pts, avg_delta_lo_pts, avg_delta_hi_pts, avg_significant, the same
    for peak; area_original, area_reduced, area_delta, area_delta_lo, area_delta_hi,
    area_significant and the same for area_span and area_log; n_queries, n_resamples,
    confidence, seed.
    """
    needed = ["method", "split_base", "split", *(f"{m}{s}" for m in CURVE_METRICS for s in ("_base", "", "_delta"))]
    missing = [c for c in needed if c not in compare.columns]
    if missing:
        raise InputError(f"original vs reduced: comparison table lacks column(s) {missing}")
    keys = [c for c in ("benchmark", "cost_type", "method") if c in compare.columns]
    out = compare[keys].reset_index(drop=True).copy()
    out["split_original"] = compare["split_base"].astype("string").to_numpy()
    out["split_reduced"] = compare["split"].astype("string").to_numpy()
    for name, metric in (("avg", "curve_mean"), ("peak", "peak")):
        out[f"{name}_original_pts"] = 100 * compare[f"{metric}_base"].to_numpy()
        out[f"{name}_reduced_pts"] = 100 * compare[metric].to_numpy()
        for part in ("", "_lo", "_hi"):
            out[f"{name}_delta{part}_pts"] = 100 * compare[f"{metric}_delta{part}"].to_numpy()
        out[f"{name}_significant"] = compare[f"{metric}_significant"].to_numpy(dtype=bool)
    for metric in ("area", "area_span", "area_log"):
        out[f"{metric}_original"] = compare[f"{metric}_base"].to_numpy()
        out[f"{metric}_reduced"] = compare[metric].to_numpy()
        for part in ("", "_lo", "_hi"):
            out[f"{metric}_delta{part}"] = compare[f"{metric}_delta{part}"].to_numpy()
        out[f"{metric}_significant"] = compare[f"{metric}_significant"].to_numpy(dtype=bool)
    for column in ("n_queries", "n_resamples", "confidence", "seed"):
        out[column] = compare[column].to_numpy()
    return out
