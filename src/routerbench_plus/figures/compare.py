"""Routers trained on two splits and scored on the same test queries: the changes with paired intervals."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from . import style

AREA_PANEL_TITLES = {"area": "Area\n(x = budget / max cost)", "area_span": "Area over\nthe cost span",
                     "area_log": "Area over\nlog cost"}


@style.styled
def plot_split_comparison(compare: pd.DataFrame, area: str = "area") -> Figure:
    """A ``compare.compare_splits`` table: per method (and cost type), the change of the curve
    mean and the peak (points) and of one area (``area``: area | area_span | area_log) when
    routers train on split ``split`` instead of ``split_base``, with the paired intervals."""
    style.need_columns(compare, ["method", "curve_mean_delta", "peak_delta", f"{area}_delta"], "split comparison")
    df = style.study_rows(compare)
    panels = []
    for column, title, scale in (("curve_mean", "Mean over the curve\n(points)", 100.0),
                                 ("peak", "Peak (points)", 100.0),
                                 (area, AREA_PANEL_TITLES.get(area, area), 1.0)):
        lo, hi = f"{column}_delta_lo", f"{column}_delta_hi"
        has = {lo, hi} <= set(df.columns)
        panels.append((scale * df[f"{column}_delta"].to_numpy(dtype=float),
                       scale * df[lo].to_numpy(dtype=float) if has else None,
                       scale * df[hi].to_numpy(dtype=float) if has else None, title))
    base, split = style.single_value(compare, "split_base"), style.single_value(compare, "split")
    fig = style.delta_lollipops(df, panels, f"Split {split or '?'} − split {base or '?'} (same test queries)")
    benchmark = style.single_value(compare, "benchmark")
    fig.suptitle((f"{benchmark}: " if benchmark else "") + f"training split {split} vs {base}")
    return fig


def comparison_table(compare: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """A ``compare.compare_splits`` table made readable: per method (and cost type) and metric, the
    value on each split and the change with its interval (* when the interval excludes 0); curve
    mean and peak in points."""
    style.need_columns(compare, ["method", "split_base", "split"], "split comparison")
    df = style.study_rows(compare)
    base, split = style.single_value(compare, "split_base"), style.single_value(compare, "split")
    out = pd.DataFrame({"method": df["method"].map(style.method_label).to_numpy()})
    if "cost_type" in df and df["cost_type"].nunique() > 1:
        out.insert(0, "cost type", df["cost_type"].astype(str).to_numpy())
    for column in ("curve_mean", "peak", "area", "area_span", "area_log"):
        if f"{column}_delta" not in df:
            continue
        scale, places, name = (100.0, 2, f"{style.METRIC_NAMES[column]} (points)") if column in ("curve_mean", "peak") \
            else (1.0, digits, style.METRIC_NAMES[column])
        out[f"{name}, {base}"] = [f"{scale * v:.{places}f}" for v in df[f"{column}_base"]]
        out[f"{name}, {split}"] = [f"{scale * v:.{places}f}" for v in df[column]]
        if {f"{column}_delta_lo", f"{column}_delta_hi"} <= set(df.columns):
            out[f"Δ {name} (CI)"] = [
                f"{scale * v:+.{places}f} [{scale * a:+.{places}f}, {scale * b:+.{places}f}]{'*' if a > 0 or b < 0 else ''}"
                for v, a, b in zip(df[f"{column}_delta"], df[f"{column}_delta_lo"], df[f"{column}_delta_hi"])
            ]
    return out


COMPARE_NOTE = ("Routers trained on two splits and scored on the same test queries. Curve mean (the study's "
                "average accuracy over the deferral curve) and peak in points; areas over the three axes (x = budget / "
                "max cost, the study's; over the pool's cost span; over log cost). Δ = split - base; intervals: one set of "
                "paired bootstrap resamples of the test queries for both splits and every method; * = the interval "
                "excludes 0.")
