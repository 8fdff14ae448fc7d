"""Figure functions on small synthetic tables: labels name the cost type, one artist per method,
one panel per split (planted per-split values land in their own panel), files are written as real
PNG/PDF, and the HTML tables carry the numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure

from routerbench_plus.errors import InputError
from routerbench_plus.figures import (
    agreement,
    categories,
    deferral,
    dominance,
    near_duplicates,
    prune,
    specialist_score,
    style,
    sweeps,
    tradeoff,
)
from routerbench_plus.figures import compare as compare_figures
from routerbench_plus.figures import health as health_figures
from routerbench_plus.figures import ood as ood_figures
from routerbench_plus.store import COST_UNITS

METHODS = ["knn", "kmeans", "mlp", "mf", "heuristic", "random", "oracle"]


def make_curves(cost_type: str = "params", band: bool = True) -> pd.DataFrame:
    budgets = np.array([1.0, 3.0, 7.0, 13.0, 70.0])
    rows = []
    for i, method in enumerate(METHODS):
        quality = np.linspace(0.3, 0.5 + 0.05 * i, budgets.size)
        for b, q in zip(budgets, quality):
            rows.append({"benchmark": "demo", "split": "standard", "method": method, "cost_type": cost_type,
                         "budget": b, "budget_norm": b / budgets.max(), "quality": q, "realised_cost": b * 0.8,
                         "n_queries": 100, "quality_lo": q - 0.02, "quality_hi": q + 0.02})
    df = pd.DataFrame(rows)
    return df if band else df.drop(columns=["quality_lo", "quality_hi"])


def make_models() -> pd.DataFrame:
    return pd.DataFrame({"model": ["a-1b", "b-3b", "c-7b", "d-13b", "e-70b", "pseudo-x"],
                         "cost": [1.0, 3.0, 7.0, 13.0, 70.0, 1.0],
                         "quality": [0.3, 0.35, 0.4, 0.45, 0.55, 0.33],
                         "is_pseudo": [False] * 5 + [True]})


def make_areas() -> pd.DataFrame:
    area = np.array([0.56, 0.55, 0.54, 0.51, 0.50, 0.40, 0.70])
    return pd.DataFrame({"benchmark": "demo", "split": "standard", "cost_type": "params", "method": METHODS,
                         "area": area, "area_lo": area - 0.01, "area_hi": area + 0.012, "peak": area + 0.1,
                         "peak_lo": area + 0.08, "peak_hi": area + 0.12, "aiq": area - 0.02,
                         "n_resamples": 500, "confidence": 0.95})


def _png_pdf_ok(tmp_path, fig: Figure) -> None:
    assert style.layout_problems(fig) == []  # nothing cut off, no overlapping ticks, fonts >= 7 pt
    png, pdf = tmp_path / "f.png", tmp_path / "f.pdf"
    style.save(fig, png, pdf)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert not list(tmp_path.glob(".*.tmp"))  # atomic: no temp file left


def test_deferral_curves_lines_points_labels_and_files(tmp_path):
    fig = deferral.plot_deferral_curves(make_curves("usd"), make_models())
    ax = fig.axes[0]
    assert "USD per query" in ax.get_xlabel() and COST_UNITS["usd"] in ax.get_xlabel()
    assert ax.get_ylabel() == "Mean test quality"
    lines = [ln for ln in ax.get_lines() if ln.get_label() and not ln.get_label().startswith("_")]
    assert [ln.get_label() for ln in lines] == [style.method_label(m) for m in METHODS]
    styles = {ln.get_label(): ln.get_linestyle() for ln in lines}
    assert styles.pop("Oracle") == "--" and styles.pop("Random") == ":"  # oracle dashed, random dotted
    assert set(styles.values()) == {"-"}
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in points) == 6  # 5 models + 1 pseudo, each a point
    assert len(ax.collections) - len(points) == len(METHODS)  # one bootstrap band per method
    assert ax.get_xscale() == "log"  # 1..70: spans > 20x
    legend = fig.legends[0]
    assert {"single model", "pseudo-specialist", "K-NN"} <= {t.get_text() for t in legend.get_texts()}
    _png_pdf_ok(tmp_path, fig)


def test_deferral_curves_without_bands_or_models():
    fig = deferral.plot_deferral_curves(make_curves("params", band=False))
    ax = fig.axes[0]
    assert "parameters (billions)" in ax.get_xlabel()
    assert not ax.collections  # no bands, no model points
    assert len(ax.get_lines()) == len(METHODS)


def test_missing_column_is_one_input_error():
    with pytest.raises(InputError, match=r"curves: missing required column\(s\) \['quality'\]"):
        deferral.plot_deferral_curves(make_curves().drop(columns="quality"))
    with pytest.raises(InputError, match="cost type 'yen'"):
        style.cost_axis_label("yen")


def test_area_peak_figure_and_table(tmp_path):
    areas = make_areas()
    fig = deferral.plot_area_peak(areas)
    left, right = fig.axes[:2]
    assert left.get_xlabel() == deferral.AREA_AXIS_LABELS["area"] and right.get_xlabel() == "Peak quality"
    assert [t.get_text() for t in left.get_yticklabels()][-1] == "Oracle"  # best area on top
    assert "parameters (billions)" in fig.get_suptitle()
    assert len(left.collections[-1].get_offsets()) == len(METHODS)
    table = deferral.area_table(areas)
    assert table["method"].tolist()[0] == "Oracle"
    assert table.iloc[0]["area (95% CI)"] == "0.700 [0.690, 0.712]"
    csv, page = tmp_path / "t.csv", tmp_path / "t.html"
    style.write_table(areas, csv, page, title="Areas", extra=[("Formatted", table)])
    assert pd.read_csv(csv)["area"].tolist() == pytest.approx(areas["area"].tolist())
    text = page.read_text()
    assert text.count("<table>") == 2 and "0.700 [0.690, 0.712]" in text and "K-Means" in text
    _png_pdf_ok(tmp_path, fig)


def test_tradeoff_straight_line_and_oracle(tmp_path):
    f = np.linspace(0, 1, 11)
    curves = pd.concat([
        pd.DataFrame({"pair_small": "gen-s-1b", "pair_large": "gen-xl-70b", "method": m, "share_large": f, "quality": q})
        for m, q in [("knn", 0.4 + 0.2 * np.sqrt(f)), ("straight", 0.4 + 0.2 * f),
                     ("pair_oracle", np.minimum(0.7, 0.4 + 0.6 * f))]
    ])
    areas = pd.DataFrame({"method": ["knn", "straight", "pair_oracle"], "area": [0.533, 0.5, 0.6],
                          "area_lo": [0.52, 0.49, 0.59], "area_hi": [0.54, 0.51, 0.61], "apgr": [0.67, 0.5, 1.0],
                          "cpt50": [0.2, 0.5, 0.1], "cpt80": [0.6, 0.8, 0.2]})
    oracle_router = curves[curves["method"] == "pair_oracle"].assign(method="oracle")  # same order as the pair oracle
    fig = tradeoff.plot_tradeoff(pd.concat([curves, oracle_router]), areas)
    ax, diff = fig.axes[:2]
    styles = {ln.get_label(): (ln.get_linestyle(), ln.get_color()) for ln in ax.get_lines()}
    assert set(styles) == {"K-NN", "straight line", "oracle (pair)"}  # oracle router not repeated
    assert styles["straight line"][0] == ":" and styles["oracle (pair)"][0] == "--" and styles["K-NN"][0] == "-"
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["K-NN (0.533)", "straight line (0.500)", "oracle (pair) (0.600)"]  # one split: areas in the legend
    assert ax.get_title() == "gen-s-1b (small) vs gen-xl-70b (large)"
    assert "large model" in diff.get_xlabel() and diff.get_xlim() == (0.0, 1.0)
    # lower panel: K-NN minus the straight line in points, and the straight line itself at 0
    knn_diff = diff.get_lines()[0].get_ydata()
    assert knn_diff == pytest.approx(100 * 0.2 * (np.sqrt(f) - f)) and len(diff.get_lines()) == 2
    table = tradeoff.tradeoff_table(areas)
    assert table["method"].tolist() == ["oracle (pair)", "K-NN", "straight line"]
    assert table.loc[1, "area (CI)"] == "0.533 [0.520, 0.540]" and table.loc[1, "CPT(80%)"] == 0.6
    _png_pdf_ok(tmp_path, fig)


SPLITS = ["standard", "reduced", "remastered", "pseudo", "ood-planted", "frac-0.75", "frac-0.5", "frac-0.25",
          "catdrop"]


def per_split(make, splits):
    """make() once per split, tagged with the split and shifted by 0.01 x its position (planted)."""
    frames = []
    for i, split in enumerate(splits):
        df = make().assign(split=split)
        for column in [c for c in df.columns if c.startswith(("quality", "area", "peak"))]:
            df[column] = df[column] + 0.01 * i
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def test_split_order_and_grid_shape():
    df = pd.DataFrame({"split": ["b", "a", "b", "c"]})
    assert style.split_order(df) == ["b", "a", "c"]  # order of appearance
    assert style.split_order(df, ["c", "x", "a"]) == ["c", "a", "b"]  # given order first, unknown ignored
    assert style.split_order(df.drop(columns="split")) == [None]
    assert [style.grid_shape(n) for n in (1, 2, 4, 5, 7, 9)] == [(1, 1), (1, 2), (2, 2), (2, 3), (3, 3), (3, 3)]


def test_deferral_curves_one_panel_per_split(tmp_path):
    splits = ["standard", "ood-planted", "pseudo"]
    models = per_split(make_models, splits)
    models.loc[models["split"] != "pseudo", "is_pseudo"] = False
    models = models[~((models["model"] == "pseudo-x") & (models["split"] != "pseudo"))]  # a pseudo model on one split
    fig = deferral.plot_deferral_curves(per_split(make_curves, splits), models, cost_type="params",
                                        splits=["pseudo", "standard"])  # given order first, then the rest
    main, below = fig.subfigs
    assert fig.get_figwidth() == style.DOUBLE_COLUMN_IN
    assert [ax.get_title() for ax in fig.axes] == ["pseudo", "standard", "ood-planted"]
    for ax in fig.axes:
        lines = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
        assert [ln.get_label() for ln in lines] == [style.method_label(m) for m in METHODS]
        knn = lines[0].get_ydata()
        shift = {"standard": 0.0, "ood-planted": 0.01, "pseudo": 0.02}[ax.get_title()]  # each panel its own split
        assert knn == pytest.approx(np.linspace(0.3, 0.5, 5) + shift)
        assert lines[-1].get_linestyle() == "--"  # oracle dashed in every panel
        points = sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection))
        assert points == (6 if ax.get_title() == "pseudo" else 5)
        assert ax.get_xscale() == "log" and ax.get_ylim() == fig.axes[0].get_ylim()  # shared axes
    assert "parameters (billions)" in main.get_supxlabel() and main.get_supylabel() == "Mean test quality"
    assert "deferral curves per training split" in main.get_suptitle() and main.get_suptitle().startswith("demo")
    legend = {t.get_text() for t in below.legends[0].get_texts()}
    assert legend == {style.method_label(m) for m in METHODS} | {"single model", "pseudo-specialist"}
    assert not fig.legends and not main.legends  # one shared legend
    _png_pdf_ok(tmp_path, fig)


@pytest.mark.parametrize("n", [7, 9])  # tiny config: 7 splits (incomplete last row); demo: 9
def test_per_split_grids_stay_legible(n):
    """Every split count the demo/tiny configs produce: nothing cut off or overlapping at double-column width."""
    curves = per_split(make_curves, SPLITS[:n])
    fig = deferral.plot_deferral_curves(curves, per_split(make_models, SPLITS[:n]))
    assert len(fig.axes) == n and style.layout_problems(fig) == []
    rows, cols = style.grid_shape(n)
    shown = [ax.xaxis.get_major_ticks()[0].label1.get_visible() for ax in fig.axes]
    assert shown == [i + cols >= n for i in range(n)]  # x tick labels where no panel is below
    for make in (lambda: deferral.plot_area_peak(per_split(make_areas, SPLITS[:n])),
                 lambda: tradeoff.plot_tradeoff(per_split(make_tradeoff, SPLITS[:n]))):
        assert style.layout_problems(make()) == []


def test_area_peak_bands_per_split_and_tables(tmp_path):
    splits = ["standard", "reduced", "ood-planted"]
    areas = per_split(make_areas, splits)
    fig = deferral.plot_area_peak(areas)
    left, right = fig.axes
    assert left.get_xlabel() == deferral.AREA_AXIS_LABELS["area"] and right.get_xlabel() == "Peak quality"
    ticks = {t.get_text(): t.get_position()[1] for t in left.get_yticklabels()}
    assert ticks["standard"] > ticks["reduced"] > ticks["ood-planted"]  # first split on top
    dots = right.collections[-1].get_offsets()
    assert len(dots) == len(splits) * len(METHODS)
    # oracle on ood-planted (3rd split): peak 0.7 + 0.1 + 0.02, in the band of its split, below the other methods
    oracle = [(x, y) for (x, y), m, s in zip(dots, areas["method"], areas["split"]) if m == "oracle" and s == "ood-planted"]
    assert oracle[0][0] == pytest.approx(0.82) and abs(oracle[0][1] - ticks["ood-planted"]) < 0.5
    knn_y = [y for (x, y), m, s in zip(dots, areas["method"], areas["split"]) if m == "knn" and s == "ood-planted"][0]
    assert knn_y > oracle[0][1]  # study order within a band: K-NN first (top), oracle last
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [style.method_label(m) for m in METHODS]
    assert "area and peak per training split" in fig.get_suptitle() and "parameters (billions)" in fig.get_suptitle()
    wide = style.area_by_split(areas)
    assert wide.columns.tolist() == ["method", *splits]
    assert wide.set_index("method").loc["Oracle", "ood-planted"] == "0.720 [0.710, 0.732]"
    long = deferral.area_table(areas)
    assert long["split"].tolist()[:2] == ["standard", "standard"] and long["method"].iloc[7] == "Oracle"
    pairwise = pd.DataFrame({"split": ["standard", "standard", "reduced", "reduced"], "method_a": ["knn", "mf"] * 2,
                             "method_b": ["mf", "knn"] * 2, "area_diff": [0.01, -0.01, 0.02, -0.02]})
    pw = style.pairwise_table(pairwise)
    assert pw[["split", "method a", "method b"]].values.tolist() == [["standard", "K-NN", "MF"], ["reduced", "K-NN", "MF"]]
    csv, page = tmp_path / "t.csv", tmp_path / "t.html"
    style.write_table(areas, csv, page, title="Areas", show_raw=False, extra=[("Area by split", wide)])
    assert len(pd.read_csv(csv)) == len(areas)  # the CSV keeps every split's raw rows
    assert page.read_text().count("<table>") == 1 and "0.720 [0.710, 0.732]" in page.read_text()
    _png_pdf_ok(tmp_path, fig)


def make_tradeoff() -> pd.DataFrame:
    f = np.linspace(0, 1, 11)
    return pd.concat([
        pd.DataFrame({"benchmark": "demo", "pair_small": "gen-s-1b", "pair_large": "gen-xl-70b", "method": m,
                      "share_large": f, "quality": q})
        for m, q in [("knn", 0.4 + 0.2 * np.sqrt(f)), ("mlp", 0.4 + 0.2 * f ** 0.8), ("straight", 0.4 + 0.2 * f),
                     ("pair_oracle", np.minimum(0.7, 0.4 + 0.6 * f))]
    ], ignore_index=True)


def test_tradeoff_panel_pair_per_split(tmp_path):
    curves = per_split(make_tradeoff, ["standard", "ood-planted"])
    curves.loc[(curves["split"] == "ood-planted") & (curves["method"] == "knn"), "quality"] -= 0.05  # planted drop
    areas = pd.DataFrame({"split": ["standard", "ood-planted"], "method": "knn", "area": [0.53, 0.48]})
    fig = tradeoff.plot_tradeoff(curves, areas)
    main, below = fig.subfigs
    assert len(fig.axes) == 4  # (quality, minus line) per split
    top_a, bottom_a, top_b, bottom_b = fig.axes
    assert [top_a.get_title(), top_b.get_title()] == ["standard", "ood-planted"]
    assert bottom_a.get_ylim() == bottom_b.get_ylim() and top_a.get_ylim() == top_b.get_ylim()  # shared axes
    f = np.linspace(0, 1, 11)
    assert bottom_a.get_lines()[0].get_ydata() == pytest.approx(100 * 0.2 * (np.sqrt(f) - f))
    assert bottom_b.get_lines()[0].get_ydata() == pytest.approx(100 * (0.2 * (np.sqrt(f) - f) - 0.05))
    styles = {ln.get_label(): ln.get_linestyle() for ln in top_b.get_lines()}
    assert styles == {"K-NN": "-", "MLP": "-", "straight line": ":", "oracle (pair)": "--"}  # no areas: they differ per split
    assert [t.get_text() for t in below.legends[0].get_texts()] == ["K-NN", "MLP", "straight line", "oracle (pair)"]
    assert "large model" in main.get_supxlabel() and "gen-s-1b (small) vs gen-xl-70b (large)" in main.get_suptitle()
    table = tradeoff.tradeoff_table(areas)
    assert table[["split", "method"]].values.tolist() == [["standard", "K-NN"], ["ood-planted", "K-NN"]]
    _png_pdf_ok(tmp_path, fig)


def test_ood_heatmap_values_and_layout(tmp_path):
    ood = pd.DataFrame({"method": ["mf", "mf", "mf", "knn", "knn", "knn"],
                        "category": ["gsm8k", "asdiv", "(all held-out)"] * 2,
                        "pooled": [False, False, True] * 2, "split_ood": "ood-math",
                        "curve_mean_delta_pts": [-40.0, 0.0, -20.0, -60.0, -10.0, -35.0]})
    fig = ood_figures.plot_ood_heatmap(ood)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["K-NN", "MF"]  # study order
    assert [t.get_text() for t in ax.get_xticklabels()] == ["asdiv", "gsm8k", "(all held-out)"]  # pooled last
    assert [t.get_text() for t in ax.texts] == ["-10.0", "-60.0", "-35.0", "0.0", "-40.0", "-20.0"]
    assert ax.get_title() == "OOD hold-out: ood-math"
    assert "points" in fig.axes[1].get_ylabel()
    _png_pdf_ok(tmp_path, fig)


def test_ood_heatmap_rows_per_cost_type_and_empty_table(tmp_path):
    ood = pd.DataFrame({"method": ["knn", "knn"], "category": ["c1", "c1"], "cost_type": ["params", "usd"],
                        "curve_mean_delta_pts": [-5.0, -7.0]})
    fig = ood_figures.plot_ood_heatmap(ood, title="x")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["K-NN · params", "K-NN · usd"]
    assert [t.get_text() for t in fig.axes[0].texts] == ["-5.0", "-7.0"]
    one = pd.concat([ood, ood.assign(category="(all held-out)", pooled=True)]).assign(pooled=lambda d: d["pooled"].fillna(False))
    fig = ood_figures.plot_ood_heatmap(one, title="x")
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["c1"]  # pooled = c1: not repeated
    empty = ood_figures.plot_ood_heatmap(ood.iloc[:0], title="Redundant categories")
    assert "empty table" in empty.axes[0].texts[0].get_text() and empty.axes[0].get_title() == "Redundant categories"
    _png_pdf_ok(tmp_path, empty)


def test_train_fraction_one_line_per_method(tmp_path):
    rows = [{"benchmark": "demo", "cost_type": "params", "method": m, "train_fraction": f,
             "curve_mean_pts": 50 + 10 * f + i, "peak_pts": 70 + 5 * f + i, "area": 0.5}
            for i, m in enumerate(["oracle", "knn", "mlp"]) for f in (0.25, 0.5, 1.0)]
    fig = categories.plot_train_fraction(pd.DataFrame(rows))
    top, bottom = fig.axes
    assert [ln.get_label() for ln in top.get_lines()] == ["K-NN", "MLP", "Oracle"]
    assert list(top.get_lines()[0].get_ydata()) == pytest.approx([53.5, 56.0, 61.0])
    assert list(bottom.get_lines()[2].get_xdata()) == [0.25, 0.5, 1.0]
    assert [t.get_text() for t in bottom.get_xticklabels()] == ["0.25", "0.5", "1"]
    assert "points" in top.get_ylabel() and "training queries kept" in bottom.get_xlabel()
    _png_pdf_ok(tmp_path, fig)


def test_specialist_scores_sorted_with_thresholds(tmp_path):
    scores = pd.DataFrame({"task": [f"t{i}" for i in range(6)],
                           "specialist_score": [-0.1, 0.2, 0.01, np.nan, 0.06, -0.02], "cost_type": "params"})
    fig = specialist_score.plot_specialist_scores(scores, thresholds=(0.0, 0.05))
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights == sorted(heights, reverse=True) and len(heights) == 5  # NaN task not drawn
    assert [t.get_text() for t in ax.get_xticklabels()] == ["t1", "t4", "t2", "t5", "t0"]
    hlines = sorted(ln.get_ydata()[0] for ln in ax.get_lines())
    assert hlines == [0.0, 0.05]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["< 0: 2", "[0, 0.05): 1", "≥ 0.05: 2"]
    assert "1 task(s) undefined" in ax.get_title() and "parameters (billions)" in ax.get_title()
    _png_pdf_ok(tmp_path, fig)


def test_specialist_scores_many_tasks_hides_names():
    scores = pd.DataFrame({"task": [f"task-{i}" for i in range(80)], "specialist_score": np.linspace(-0.2, 0.3, 80)})
    fig = specialist_score.plot_specialist_scores(scores)
    assert fig.get_figwidth() == style.DOUBLE_COLUMN_IN
    assert fig.axes[0].get_xticklabels() == [] and "80 tasks" in fig.axes[0].get_xlabel()


def test_average_rank_top_k(tmp_path):
    ranks = pd.DataFrame({"model": [f"m{i}" for i in range(15)], "avg_rank": np.arange(15) + 1.5,
                          "n_tasks": 24, "is_pseudo": [False] * 14 + [True]})
    fig = dominance.plot_average_rank(ranks.sample(frac=1, random_state=0), top_k=5)
    ax = fig.axes[0]
    assert len(ax.patches) == 5
    assert [t.get_text() for t in ax.get_yticklabels()] == ["m4", "m3", "m2", "m1", "m0"]  # best at top
    assert [t.get_text() for t in ax.texts] == ["5.50", "4.50", "3.50", "2.50", "1.50"]
    assert "Average rank" in ax.get_xlabel() and "24 tasks" in ax.get_title()
    _png_pdf_ok(tmp_path, fig)


def test_category_similarity_is_clustered(tmp_path):
    # two planted blocks {a, c, e} and {b, d}: clustered order keeps each block contiguous
    names = ["a", "b", "c", "d", "e"]
    block = {"a": 0, "c": 0, "e": 0, "b": 1, "d": 1}
    rows = [{"category_a": x, "category_b": y, "cosine": 0.95 if block[x] == block[y] else 0.2}
            for i, x in enumerate(names) for y in names[i + 1:]]
    sim = pd.DataFrame(rows)
    matrix = categories.similarity_matrix(sim)
    assert np.allclose(matrix.to_numpy(), matrix.to_numpy().T) and np.allclose(np.diag(matrix), 1.0)
    order = categories.similarity_order(matrix)
    blocks = [block[n] for n in order]
    assert blocks in ([0, 0, 0, 1, 1], [1, 1, 0, 0, 0])
    fig = categories.plot_category_similarity(sim)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == order
    assert "Cosine similarity" in fig.axes[1].get_ylabel()  # colour bar
    _png_pdf_ok(tmp_path, fig)
    # an upstream clustered order (order_a) is used as given
    given = {"d": 0, "b": 1, "a": 2, "e": 3, "c": 4}
    fig = categories.plot_category_similarity(sim.assign(order_a=sim["category_a"].map(given)).query("category_a != 'e'"))
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["d", "b", "a", "c", "e"]  # e: no order, last


def test_duplicate_group_histogram_counts_groups_not_queries(tmp_path):
    groups = pd.DataFrame({"query_id": [f"q{i}" for i in range(10)],
                           "group_id": [0, 0, 1, 1, 1, 2, 2, 3, 4, 5],
                           "group_size": [2, 2, 3, 3, 3, 2, 2, 1, 1, 1]})
    fig = near_duplicates.plot_duplicate_groups(groups, delta=0.999)
    ax = fig.axes[0]
    bars = {int(round(p.get_x() + p.get_width() / 2)): p.get_height() for p in ax.patches}
    assert bars == {2: 2, 3: 1}  # singletons not shown
    assert "3 groups" in ax.texts[0].get_text() and "7 queries covered" in ax.texts[0].get_text()
    assert "0.999" in ax.get_title()
    _png_pdf_ok(tmp_path, fig)


def test_no_duplicate_group_is_a_figure_that_says_so(tmp_path):
    """A benchmark without near-duplicates at a threshold (LLMRouter's sample) gets a figure, not an error."""
    empty = pd.DataFrame({"scope": pd.Series([], dtype="string"), "query_id": pd.Series([], dtype="string"),
                          "group_id": pd.Series([], dtype="int64"), "group_size": pd.Series([], dtype="int64")})
    fig = near_duplicates.plot_duplicate_groups(empty, delta=0.995)
    ax = fig.axes[0]
    assert not ax.patches and ax.texts[0].get_text() == "no duplicate groups at this threshold"
    assert "0.995" in ax.get_title()
    _png_pdf_ok(tmp_path, fig)
    with pytest.raises(InputError, match="duplicate groups: missing required column"):
        near_duplicates.plot_duplicate_groups(empty.drop(columns="group_size"))


def test_duplicate_groups_of_both_scopes_draw_the_training_pool(tmp_path):
    training = pd.DataFrame({"scope": "training", "query_id": ["a", "b", "c", "d", "e"],
                             "group_id": [0, 0, 1, 1, 1], "group_size": [2, 2, 3, 3, 3]})
    whole = pd.DataFrame({"scope": "all", "query_id": list("abcdefg"), "group_id": [0, 0, 1, 1, 1, 1, 2],
                          "group_size": [2, 2, 4, 4, 4, 4, 1]})
    fig = near_duplicates.plot_duplicate_groups(pd.concat([training, whole]), delta=0.999)
    ax = fig.axes[0]
    bars = {int(round(p.get_x() + p.get_width() / 2)): p.get_height() for p in ax.patches}
    assert bars == {2: 1, 3: 1}  # the training pool's groups only
    assert "all splits: 3 groups" in ax.texts[0].get_text() and "training pool" in ax.get_title()
    _png_pdf_ok(tmp_path, fig)
    summary = pd.DataFrame({"benchmark": ["b", "b"], "scope": ["training", "all"], "n_groups": [2, 3]})
    table = near_duplicates.transpose_summary(summary)
    assert table.columns.tolist() == ["statistic", "training", "all"]
    assert table.set_index("statistic").loc["n_groups"].tolist() == ["2", "3"]


def contamination_summary(n_contaminated=(3, 2, 1, 0)) -> pd.DataFrame:
    cats = ["(all)", "cat-a", "cat-b", "cat-c"]
    n_test = np.array([30, 10, 10, 10])
    return pd.DataFrame({"benchmark": "b", "delta": 0.999, "level": ["overall"] + ["category"] * 3,
                         "category": cats, "n_test": n_test, "n_contaminated": list(n_contaminated),
                         "share_contaminated": np.array(n_contaminated) / n_test, "n_pairs": [4, 3, 1, 0],
                         "n_training_duplicates": [4, 3, 1, 0], "n_label_pairs": [40, 30, 10, 0],
                         "label_agreement": [0.7, 0.8, 0.4, np.nan], "baseline_agreement": [0.5, 0.5, 0.6, 0.4],
                         "label_rule": "binarise at 0.5", "soft_labels": False})


def test_contamination_figure_and_table(tmp_path):
    fig = near_duplicates.plot_contamination(contamination_summary())
    left, right = fig.axes[:2]
    assert [t.get_text() for t in left.get_yticklabels()] == ["cat-a", "cat-b"]  # uncontaminated cat-c left out
    assert [round(p.get_width(), 6) for p in left.patches] == [20.0, 10.0]
    assert left.lines[0].get_xdata()[0] == pytest.approx(10.0)  # overall share, dashed
    assert list(right.lines[0].get_xdata()) == [0.8, 0.4]
    assert "binarise at 0.5" in right.get_title()
    _png_pdf_ok(tmp_path, fig)
    table = near_duplicates.contamination_table(contamination_summary())
    assert table["category"].tolist() == ["(all)", "cat-a", "cat-b", "cat-c"]
    assert table["share contaminated (%)"].tolist() == pytest.approx([10.0, 20.0, 10.0, 0.0])
    empty = near_duplicates.plot_contamination(contamination_summary((0, 0, 0, 0)))
    assert "no test query" in empty.axes[0].texts[0].get_text()


def test_pruning_curve_and_removal_order(tmp_path):
    steps = pd.DataFrame({"step": [1, 2, 3], "removed_model": ["x", "y", "z"], "score": [-0.3, -0.2, -0.1],
                          "acc": [0.3, 0.4, 0.5], "avg_sim": [0.9, 0.8, 0.7], "pool_size_after": [9, 8, 7],
                          "lambda": 0.5})
    fig = prune.plot_pruning(steps)
    left, right = fig.axes
    assert len(left.get_lines()) == 3 and left.xaxis_inverted()
    assert list(left.get_lines()[0].get_xdata()) == [10, 9, 8]
    assert [t.get_text() for t in right.get_yticklabels()] == ["1. x", "2. y", "3. z"]
    assert "λ = 0.5" in left.get_title()
    _png_pdf_ok(tmp_path, fig)


def test_pruning_pool_size_vs_routing_area(tmp_path):
    steps = pd.DataFrame({"step": [1, 2, 3], "removed_model": ["x", "y", "z"], "score": [-0.3, -0.2, -0.1],
                          "acc": [0.3, 0.4, 0.5], "avg_sim": [0.9, 0.8, 0.7], "pool_size_after": [9, 8, 7],
                          "lambda": 0.5})
    curve = pd.DataFrame({"pool_size": [7, 10, 9, 8], "removed_model": ["z", None, "x", "y"],
                          "oracle_area": [0.80, 0.90, 0.90, 0.85], "heuristic_area": [0.5, 0.55, 0.52, 0.5],
                          "best_single_acc": [0.6, 0.6, 0.6, 0.6]})
    fig = prune.plot_pruning(steps, curve)
    top, left, right = fig.axes
    lines = {ln.get_label(): ln for ln in top.get_lines()}
    oracle = lines["oracle: area under deferral curve"]
    assert list(oracle.get_xdata()) == [10, 9, 8, 7] and list(oracle.get_ydata()) == [0.9, 0.9, 0.85, 0.8]
    assert oracle.get_linestyle() == "--" and list(lines["heuristic: area under deferral curve"].get_ydata()) == [0.55, 0.52, 0.5, 0.5]
    assert "best single model: test accuracy" in lines
    assert top.xaxis_inverted() and left.get_xlabel() == "Pool size (models)"  # shared x, full pool on the left
    assert list(left.get_lines()[0].get_xdata()) == [10, 9, 8]  # removed model at the size it was removed from
    assert [t.get_text() for t in right.get_yticklabels()] == ["1. x", "2. y", "3. z"]  # removal order kept
    assert "λ = 0.5" in top.get_title() and len(fig.legends[0].get_texts()) == 6
    _png_pdf_ok(tmp_path, fig)


def test_agreement_heatmap_overall_targets_then_other_tasks(tmp_path):
    rows = []
    for m in ["mlp", "knn"]:
        for task, before, after in [("overall", 80, 75), ("logiqa", 70, 50), ("t1", 90, 88), ("t2", 90, 86)]:
            rows.append({"method": m, "scope": "overall" if task == "overall" else "task", "task": task,
                         "agreement_before_pts": before, "agreement_after_pts": after, "change_pts": after - before})
    fig = agreement.plot_agreement(pd.DataFrame(rows), targets=["logiqa", "not-a-task"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["overall", "logiqa *", agreement.OTHER_TASKS]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["K-NN", "MLP"]
    # other tasks: mean of t1 (-2) and t2 (-4) = -3; before 90 -> after 87
    assert [t.get_text() for t in ax.texts][:3] == ["-5.0\n80→75", "-20.0\n70→50", "-3.0\n90→87"]
    _png_pdf_ok(tmp_path, fig)


def test_original_vs_reduced_differences(tmp_path):
    table = pd.DataFrame({"method": ["mf", "knn"], "cost_type": "params",
                          "avg_original_pts": [50.5, 54.4], "avg_reduced_pts": [50.9, 54.0],
                          "peak_original_pts": [60.1, 67.4], "peak_reduced_pts": [60.9, 66.5]})
    fig = near_duplicates.plot_original_vs_reduced(table)
    left, right = fig.axes
    ticks = {t.get_text(): t.get_position()[1] for t in left.get_yticklabels()}
    assert ticks["K-NN"] > ticks["MF"]  # study order, top to bottom
    assert left.get_title() == "Mean over the curve" and right.get_title() == "Peak"
    dots = {round(y): x for x, y in right.collections[-1].get_offsets()}
    assert dots[ticks["K-NN"]] == pytest.approx(-0.9) and dots[ticks["MF"]] == pytest.approx(0.8)
    assert left.get_xlim()[0] == -left.get_xlim()[1]  # symmetric around 0
    assert "points" in fig.get_supxlabel()
    _png_pdf_ok(tmp_path, fig)


def test_sweep_one_line_per_hue(tmp_path):
    table = pd.DataFrame({"lambda": [0.3, 0.5, 0.7] * 2, "target": [10] * 3 + [20] * 3,
                          "mean_acc_kept": np.arange(6) / 10, "mean_avg_sim_kept": np.arange(6) / 20})
    fig = sweeps.plot_sweep(table, "lambda", {"mean_acc_kept": "Mean accuracy of kept pool",
                                              "mean_avg_sim_kept": "Mean Jaccard similarity"}, hue="target")
    axes = [a for a in fig.axes if a.get_visible()]
    assert len(axes) == 2 and all(len(a.get_lines()) == 2 for a in axes)
    assert axes[0].get_xlabel() == "lambda" and axes[0].get_ylabel() == "Mean accuracy of kept pool"
    assert list(axes[0].get_lines()[1].get_ydata()) == [0.3, 0.4, 0.5]
    _png_pdf_ok(tmp_path, fig)


def test_method_colours_fixed_and_distinct():
    colours = style.method_colours(["custom", "knn", "oracle", "other"])
    assert colours["oracle"] == "#000000" and colours["knn"] == style.PALETTE[0]
    assert len(set(colours.values())) == 4
    assert style.method_colours(["knn"])["knn"] == colours["knn"]
    assert style.short("a" * 40, 10) == "aaaaa…aaaa" and len(style.short("a" * 40, 10)) == 10


@pytest.mark.filterwarnings("ignore:constrained_layout not applied")
def test_layout_problems_detects_cut_text_overlap_and_small_font():
    fig = style.new_figure(2.0, 2.0)
    ax = fig.add_subplot()
    ax.set_xticks([0, 1], ["a very long tick label that collides", "another very long tick label"])
    fig.text(0.9, 0.5, "this text runs off the right edge of the figure", fontsize=8)
    ax.set_title("tiny", fontsize=5)
    fig.text(0.1, 0.1, "first label", fontsize=8)
    fig.text(0.12, 0.1, "second label", fontsize=8)
    problems = style.layout_problems(fig)
    assert any("'first label' and 'second label' overlap" in p for p in problems)
    assert any("beyond the figure" in p for p in problems)
    assert any("x tick labels overlap" in p for p in problems)
    assert any("'tiny' is 5 pt" in p for p in problems)


def test_area_variants_in_figure_and_tables(tmp_path):
    areas = make_areas()
    for column, shift in (("area_span", 0.1), ("area_log", 0.05), ("curve_mean", 0.02)):
        areas[column] = areas["area"] + shift
        areas[f"{column}_lo"], areas[f"{column}_hi"] = areas[column] - 0.01, areas[column] + 0.01
    fig = deferral.plot_area_peak(areas, area="area_span")
    left = fig.axes[0]
    assert left.get_xlabel().startswith("Area over the cost span\n(x = (b − min)")
    assert sorted(left.collections[-1].get_offsets()[:, 0]) == pytest.approx(sorted(areas["area_span"]))
    with pytest.raises(InputError, match="evaluation.figure_area"):
        deferral.plot_area_peak(areas, area="area_linear")
    table = deferral.area_table(areas).set_index("method")
    assert table.loc["Oracle", "area over cost span (95% CI)"] == "0.800 [0.790, 0.810]"
    assert table.loc["Oracle", "area over log cost (95% CI)"] == "0.750 [0.740, 0.760]"
    assert "curve mean (95% CI)" in table.columns
    pairwise = pd.DataFrame({"method_a": ["knn", "straight"], "method_b": ["straight", "knn"], "area_diff": [0.03, -0.03],
                             "area_diff_lo": [0.01, -0.05], "area_diff_hi": [0.05, -0.01], "area_significant": True,
                             "area_log_diff": [0.02, -0.02], "area_log_diff_lo": [-0.01, -0.04],
                             "area_log_diff_hi": [0.04, 0.01], "area_log_significant": False})
    pw = style.pairwise_table(pairwise)
    assert pw.iloc[0]["method b"] == "straight line" and pw.iloc[0]["area over log cost significant"] == False  # noqa: E712
    assert pw.iloc[0]["area over log cost a − b (CI)"] == "+0.020 [-0.010, +0.040]"
    _png_pdf_ok(tmp_path, fig)


def test_tradeoff_bands_and_apgr_interval(tmp_path):
    curves = make_tradeoff()
    curves["quality_lo"], curves["quality_hi"] = curves["quality"] - 0.02, curves["quality"] + 0.02
    curves["vs_straight_lo"], curves["vs_straight_hi"] = -0.01, 0.03
    fig = tradeoff.plot_tradeoff(curves)
    top, bottom = fig.axes[:2]
    fills = lambda ax: [c for c in ax.collections if "PolyCollection" in c.__class__.__name__]  # noqa: E731
    assert len(fills(top)) == 2 and len(fills(bottom)) == 2  # K-NN and MLP; the references get none
    assert fills(bottom)[0].get_paths()[0].vertices[:, 1].max() == pytest.approx(3.0)  # points
    areas = pd.DataFrame({"method": ["knn", "straight"], "area": [0.53, 0.5], "area_lo": [0.52, 0.49],
                          "area_hi": [0.54, 0.51], "apgr": [0.6, 0.5], "apgr_lo": [0.55, 0.45], "apgr_hi": [0.65, 0.55]})
    table = tradeoff.tradeoff_table(areas)
    assert table.loc[0, "APGR (CI)"] == "0.600 [0.550, 0.650]"
    _png_pdf_ok(tmp_path, fig)


def test_ood_heatmap_marks_significant_cells_with_their_interval(tmp_path):
    ood = pd.DataFrame({"method": ["knn"] * 3 + ["mf"] * 3, "category": ["asdiv", "gsm8k", "(all held-out)"] * 2,
                        "pooled": [False, False, True] * 2, "split_ood": "ood-math",
                        "curve_mean_delta_pts": [-40.0, -10.0, -20.0, -2.0, 0.0, -1.0],
                        "curve_mean_delta_lo_pts": [-50.0, -15.0, -26.0, -6.0, 0.0, -3.0],
                        "curve_mean_delta_hi_pts": [-30.0, -5.0, -14.0, 2.0, 0.0, 1.0],
                        "curve_mean_significant": [True, True, True, False, False, False]})
    fig = ood_figures.plot_ood_heatmap(ood)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["-40.0*\n[-50, -30]", "-10.0*\n[-15, -5]", "-20.0*\n[-26, -14]",
                     "-2.0\n[-6, 2]", "0.0\n[0, 0]", "-1.0\n[-3, 1]"]
    assert "interval excludes 0" in fig.axes[0].get_xlabel()
    _png_pdf_ok(tmp_path, fig)


def test_agreement_heatmap_marks_significant_changes(tmp_path):
    rows = [{"method": "knn", "scope": s, "task": t, "agreement_before_pts": 80, "agreement_after_pts": 60,
             "change_pts": -20.0, "change_significant": sig}
            for s, t, sig in [("overall", "overall", True), ("task", "logiqa", True), ("task", "t1", False)]]
    fig = agreement.plot_agreement(pd.DataFrame(rows), targets=["logiqa"])
    assert [t.get_text() for t in fig.axes[0].texts] == ["-20.0*\n80→60", "-20.0*\n80→60", "-20.0\n80→60"]
    _png_pdf_ok(tmp_path, fig)


def test_original_vs_reduced_whiskers_and_split_comparison(tmp_path):
    table = pd.DataFrame({"method": ["mf", "knn"], "cost_type": "params",
                          "avg_original_pts": [50.5, 54.4], "avg_reduced_pts": [50.9, 54.0],
                          "avg_delta_lo_pts": [-0.1, -0.9], "avg_delta_hi_pts": [0.9, 0.1],
                          "peak_original_pts": [60.1, 67.4], "peak_reduced_pts": [60.9, 66.5],
                          "peak_delta_lo_pts": [0.2, -2.5], "peak_delta_hi_pts": [1.4, -0.2]})
    fig = near_duplicates.plot_original_vs_reduced(table)
    right = fig.axes[1]
    segments = [seg for coll in right.collections[:-1] for seg in coll.get_segments()]
    spans = sorted((round(seg[0][0], 3), round(seg[1][0], 3)) for seg in segments if seg[0][0] != 0)
    assert (-2.5, -0.2) in spans and (0.2, 1.4) in spans  # the intervals of the peak deltas
    assert right.get_xlim()[1] >= 2.5  # the whiskers fit
    _png_pdf_ok(tmp_path, fig)
    compare = pd.DataFrame({"benchmark": "demo", "split_base": "standard", "split": "pruned", "cost_type": "params",
                            "method": ["knn", "mf"], "curve_mean_delta": [0.01, -0.02],
                            "curve_mean_delta_lo": [0.0, -0.03], "curve_mean_delta_hi": [0.02, -0.01],
                            "peak_delta": [0.0, 0.01], "area_log_delta": [0.004, -0.002],
                            "area_log_delta_lo": [0.001, -0.005], "area_log_delta_hi": [0.007, 0.001]})
    fig = compare_figures.plot_split_comparison(compare, area="area_log")
    assert len(fig.axes) == 3 and fig.axes[2].get_title() == "Area over\nlog cost"
    assert fig.axes[0].collections[-1].get_offsets()[:, 0].tolist() == pytest.approx([1.0, -2.0])  # points
    assert "pruned" in fig.get_suptitle() and "same test queries" in fig.get_supxlabel()
    _png_pdf_ok(tmp_path, fig)


def test_agreement_heatmap_pooled_targets_is_its_own_column(tmp_path):
    """The agreement table's scope 'targets' (target tasks pooled) is a column after overall, never an 'other task'."""
    rows = [{"method": "knn", "scope": s, "task": t, "agreement_before_pts": 80, "agreement_after_pts": a,
             "change_pts": a - 80.0}
            for s, t, a in [("overall", "overall", 70), ("targets", "targets", 40), ("task", "logiqa", 50),
                            ("task", "t1", 78)]]
    fig = agreement.plot_agreement(pd.DataFrame(rows), targets=["logiqa"])
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels == ["overall", agreement.POOLED, "logiqa *", agreement.OTHER_TASKS]
    assert [t.get_text() for t in fig.axes[0].texts] == ["-10.0\n80→70", "-40.0\n80→40", "-30.0\n80→50",
                                                         "-2.0\n80→78"]
    _png_pdf_ok(tmp_path, fig)


def test_health_grid_colours_each_cell_by_status(tmp_path):
    from routerbench_plus import health

    t = health.HealthThresholds()
    cards = health.compare_cards([
        health.card_table("demo", [health.size_finding(2400, 30, 24), health.contamination_finding(500, 40, 0.999, t),
                                   health.not_applicable("duplicate_share", reason="no prompts")]),
        health.card_table("openllm", [health.size_finding(21000, 19, 38),
                                      health.not_applicable("contamination_share", reason="no prompts")]),
    ])
    claims = health.compare_cards([
        health.claims_table("demo", [health.Claim("knn_best", "K-NN is the best learned router", "Fig. 7",
                                                  health.HOLDS, "", 0.01, 0.0, 0.02, "area", "+0.010")]),
        health.claims_table("openllm", [health.Claim("knn_best", "K-NN is the best learned router", "Fig. 7",
                                                     health.NOT_TESTABLE, "no prompts")]),
    ])
    fig = health_figures.plot_health(cards, claims)
    ax = fig.axes[0]
    grid = ax.images[0].get_array()
    # rows: size, contamination, duplicates (demo's card order), then the claim; columns: demo, openllm
    assert grid.tolist() == [[3, 3], [1, 2], [2, 2], [0, 2]]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["demo", "openllm"]
    texts = [t.get_text() for t in ax.texts]
    assert "8.0 %" in texts and "holds: +0.010 [+0.000,\n+0.020]" in texts  # the value, then verdict: effect [interval]
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == health_figures.ROW_LABELS["knn_best"]
    _png_pdf_ok(tmp_path, fig)
