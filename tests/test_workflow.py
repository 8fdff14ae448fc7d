"""End to end: the whole DAG (`snakemake --cores 2`) on the tiny config, asserting on content.

The tiny benchmark is the demo generator at small size, so every stage is checked against the
truth planted in it: duplicate groups, specialists, near-copy models, a redundant category.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import copy_workflow, run_snakemake
from tiny_runs import tiny_config

from routerbench_plus import store

pytestmark = pytest.mark.slow

B = "tiny"
CONFIG = ("--configfile", "tests/tiny.yaml")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny config's whole DAG, run once in a fresh copy of the workflow."""
    dest = copy_workflow(tmp_path_factory.mktemp("e2e") / "wf")
    result = run_snakemake(dest, "--cores", "2", *CONFIG, timeout=1500)
    assert result.returncode == 0, result.stderr[-3000:]
    return dest


def read(run: Path, path: str) -> pd.DataFrame:
    return store.read(run / "results" / B / path)


def test_lint_is_clean(run: Path) -> None:
    result = run_snakemake(run, "--lint", *CONFIG)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Lints for" not in result.stdout + result.stderr


def test_dry_run_after_a_complete_run_has_nothing_to_do(run: Path) -> None:
    result = run_snakemake(run, "-n", *CONFIG)
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr


def dry_run_jobs(run: Path, *args: str) -> tuple[dict[str, int], list[str]]:
    """({rule: jobs} of the "Job stats" table, the jobs' "output:" lines) of ``snakemake -n`` in a
    finished run (rule all left out)."""
    result = run_snakemake(run, "-n", *CONFIG, *args)
    assert result.returncode == 0, result.stderr[-2000:]
    text = result.stdout + result.stderr
    outputs = [line.strip() for line in text.splitlines() if line.strip().startswith("output:")]
    jobs = {}
    for line in text.split("Job stats:")[1].splitlines()[3:]:
        rule, count = line.split()
        if rule == "total":
            return jobs, outputs
        if rule != "all":
            jobs[rule] = int(count)
    raise AssertionError("no total line in the job stats")


def test_a_threshold_sweep_reruns_only_the_new_value(run: Path, tmp_path: Path) -> None:
    # one more dedup.delta: the near-duplicate jobs of that value, their figures and the delta sweep table;
    # not ingest/embed, no split, no router, no evaluation, no other threshold's files (README "Sweeps")
    deltas = [0.99, 0.995, 0.999]
    assert tiny_config()["dedup"]["delta"] == deltas  # the run's sweep, so 0.98 is the one new value
    extra = tmp_path / "one_more_delta.yaml"
    extra.write_text(yaml.safe_dump({"dedup": {"delta": [*deltas, 0.98]}}))
    jobs, outputs = dry_run_jobs(run, str(extra))
    assert jobs == {
        "near_duplicates": 1,
        "near_duplicates_figure": 1,
        "sweeps": 1,
    }
    assert len(outputs) == 3
    assert all("delta~0.98/" in line or f"results/{B}/sweeps/delta.parquet" in line for line in outputs), outputs


def test_routers_train_routes_the_shared_cost_types_and_routers_route_the_others(run: Path, tmp_path: Path) -> None:
    # the run's routers_train jobs wrote their picks for params (the cost type every benchmark has), so a
    # second cost type for one benchmark adds one routers_route job per router and split, and trains nothing
    extra = tmp_path / "second_cost_type.yaml"
    extra.write_text(yaml.safe_dump({"benchmarks": {B: {"cost_types": ["params", "usd"]}}}))
    jobs, outputs = dry_run_jobs(run, str(extra))
    trained = sorted((run / "results" / B / "routers").glob("split~*/method~*/scores.parquet"))
    assert all(p.with_name("picks_cost~params.parquet").exists() for p in trained)
    assert jobs["routers_route"] == len(trained) > 0
    assert "routers_train" not in jobs and "splits" not in jobs
    picks = [line for line in outputs if "/routers/" in line]
    assert len(picks) == len(trained) and all(line.endswith("picks_cost~usd.parquet") for line in picks)


def test_planted_duplicate_groups_recovered_exactly(run: Path) -> None:
    truth = read(run, "truth/duplicates.parquet")
    data = read(run, "data/queries.parquet")
    found = read(run, "dedup/delta~0.999/groups.parquet")
    as_sets = lambda t, g: {frozenset(m["query_id"]) for _, m in t.groupby(g)}  # noqa: E731
    assert as_sets(found[found["scope"] == "all"], "group_id") == as_sets(truth, "group_id")
    # the training pool's groups: the planted groups without their test members
    training = truth.merge(data[["query_id", "split"]], on="query_id").query("split != 'test'")
    training = training[training.groupby("group_id")["query_id"].transform("size") >= 2]
    assert as_sets(found[found["scope"] == "training"], "group_id") == as_sets(training, "group_id")
    summary = read(run, "dedup/delta~0.999/summary.parquet").set_index("scope")
    assert summary.loc["all", "n_groups"] == truth["group_id"].nunique()
    assert summary.loc["training", "n_groups"] == training["group_id"].nunique()
    # labels of members are drawn independently, so groups carry disagreement
    assert summary.loc["training", "share_groups_within_model_disagreement"] > 0.5
    reduced = read(run, "dedup/delta~0.999/reduced/queries.parquet")
    assert len(data) - len(reduced) == len(training) - training["group_id"].nunique()
    assert set(data.loc[data["split"] == "test", "query_id"]) <= set(reduced["query_id"])  # test untouched
    # contamination: exactly the planted (test, train/val) pairs
    pairs = read(run, "dedup/delta~0.999/contamination.parquet")
    members = truth.merge(data[["query_id", "split"]], on="query_id")
    both = members.merge(members, on="group_id", suffixes=("", "_dup"))
    planted = both[(both["split"] == "test") & (both["split_dup"] != "test")]
    assert set(zip(pairs["query_id"], pairs["dup_query_id"])) == set(zip(planted["query_id"], planted["query_id_dup"]))
    contaminated = read(run, "dedup/delta~0.999/contamination_summary.parquet").iloc[0]
    assert contaminated["n_contaminated"] == planted["query_id"].nunique()


def test_planted_specialists_drive_the_specialist_score(run: Path) -> None:
    planted = read(run, "truth/specialists.parquet")
    costs = read(run, "data/models.parquet").set_index("model")["params_b"]
    detail = read(run, "specialist/detail.parquet")
    for _, row in planted.iterrows():
        affordable = detail[
            (detail["task"] == row["category"])
            & (detail["budget"] >= costs[row["model"]])
            & (detail["generalist"] != row["model"])  # a cheap specialist can be the heuristic's choice
        ]
        assert len(affordable) > 0
        # wherever the specialist is affordable it is the best non-generalist, above the generalist
        assert (affordable["best_specialist"] == row["model"]).all(), row.to_dict()
        assert (affordable["gap"] > 0).all(), row.to_dict()
    scores = read(run, "specialist/scores.parquet").set_index("task")["specialist_score"]
    cheap = planted.loc[planted["model"].map(costs) <= 7, "category"]
    assert (scores[list(cheap)] >= 0.05).all()  # affordable at most budgets: a clearly positive score
    counts = read(run, "specialist/counts.parquet")
    assert counts["n_tasks"].sum() == len(scores)


def test_pruning_removes_one_of_each_near_copy_pair_first_and_keeps_specialists(run: Path) -> None:
    redundant = read(run, "truth/redundant.parquet")
    steps = read(run, "prune/lambda~0.2/target~20/steps.parquet")
    first = list(steps.sort_values("step")["removed_model"].head(len(redundant)))
    for _, pair in redundant.iterrows():
        assert {pair["model"], pair["copy_of"]} & set(first), (pair.to_dict(), first)
    kept = set(read(run, "prune/lambda~0.2/target~20/kept.parquet")["model"])
    assert set(read(run, "truth/specialists.parquet")["model"]) <= kept
    assert len(kept) == 20


def test_remastered_benchmark_is_canonical_and_marks_pseudo_models(run: Path) -> None:
    bench = store.read_benchmark(*(run / "results" / B / "remaster" / f"{n}.parquet" for n in store.BENCHMARK_FILES))
    summary = read(run, "remaster/summary.parquet").set_index("step")
    assert summary.loc["pseudo", "n_models"] == len(bench.models)
    assert summary.loc["pseudo", "n_queries"] == len(bench.queries)
    assert summary.loc["pseudo", "n_labels"] == len(bench.labels)
    pseudo = bench.models[bench.models["is_pseudo"]]
    assert len(pseudo) >= 1 and pseudo["model"].str.startswith("pseudo-").all()


def test_every_method_and_split_has_curves_with_ci_and_oracle_on_top(run: Path) -> None:
    methods = {"knn", "kmeans", "mlp", "mf", "heuristic", "oracle", "random", "cheapest-adequate"}
    for split in ("standard", "reduced", "remastered", "pseudo", "ood-planted", "catdrop", "frac-0.5", "pruned"):
        areas = read(run, f"eval/split~{split}/cost~params/areas.parquet").set_index("method")
        assert set(areas.index) == methods, split  # the user's router shows up like the built-ins
        assert ((areas["area_lo"] <= areas["area"]) & (areas["area"] <= areas["area_hi"])).all()
        assert areas.loc["oracle", "area"] >= areas["area"].max() - 1e-12
        curves = read(run, f"eval/split~{split}/cost~params/curves.parquet")
        queries = read(run, f"splits/split~{split}/queries.parquet")
        # curves are computed on the split's test queries only
        assert (curves["n_queries"] == (queries["split"] == "test").sum()).all()
        wide = curves.pivot(index="budget", columns="method", values="quality")
        assert (wide["oracle"].to_numpy()[:, None] >= wide.to_numpy() - 1e-9).all()


def test_knn_beats_heuristic_significantly_with_planted_specialists(run: Path) -> None:
    pairwise = read(run, "eval/split~standard/cost~params/pairwise.parquet")
    row = pairwise[(pairwise["method_a"] == "knn") & (pairwise["method_b"] == "heuristic")].iloc[0]
    assert row["area_diff"] > 0 and row["area_significant"]


def test_ood_and_catdrop_tables_name_the_held_out_categories(run: Path) -> None:
    ood = read(run, "eval/ood/group~ood-planted.parquet")
    assert set(ood.loc[~ood["pooled"], "category"]) == {"cat-00"}
    catdrop = read(run, "eval/catdrop.parquet")
    planted = read(run, "truth/redundant_categories.parquet").iloc[0]
    assert set(catdrop.loc[~catdrop["pooled"], "category"]) <= {planted["category"], planted["copy_of"]}
    assert len(catdrop) > 0
    fractions = read(run, "eval/train_fraction.parquet")
    assert set(fractions["train_fraction"]) == {0.5, 1.0}


def test_tradeoff_agreement_and_dedup_tables(run: Path) -> None:
    areas = read(run, "eval/split~standard/tradeoff/pair~small-vs-large/areas.parquet").set_index("method")
    assert {"apgr", "apgr_lo", "apgr_hi", "cpt50", "cpt80"} <= set(areas.columns)
    # the heuristic has one confidence for every query: exactly the straight line, whatever the ids
    assert areas.loc["heuristic", "area"] == areas.loc["straight", "area"]
    assert areas.loc["heuristic", "cpt50"] == pytest.approx(0.5)
    pairwise = read(run, "eval/split~standard/tradeoff/pair~small-vs-large/pairwise.parquet")
    assert len(pairwise) == len(areas) * (len(areas) - 1)
    agreement = read(run, "eval/agreement.parquet")
    assert agreement["agreement_before_pts"].between(0, 100).all()
    assert (agreement["change_lo_pts"] <= agreement["change_pts"] + 1e-9).all()
    ood = read(run, "eval/ood/group~ood-planted.parquet")
    assert (ood["curve_mean_delta_lo_pts"] <= ood["curve_mean_delta_pts"] + 1e-9).all()
    compare = read(run, "eval/compare/base~standard/split~reduced/cost~params.parquet").set_index("method")
    table = read(run, "eval/original_vs_reduced.parquet").set_index("method")
    assert set(table.index) >= {"knn", "mlp"}
    # Table 1 is the paired comparison in points; the same resamples give the reduced split's own intervals
    assert table["avg_delta_pts"].to_numpy() == pytest.approx(100 * compare.loc[table.index, "curve_mean_delta"].to_numpy())
    assert (table["avg_delta_lo_pts"] <= table["avg_delta_pts"] + 1e-9).all()
    own = read(run, "eval/split~reduced/cost~params/areas.parquet").set_index("method")
    assert compare["area_lo"].to_numpy() == pytest.approx(own.loc[compare.index, "area_lo"].to_numpy())


def test_figures_are_real_images(run: Path) -> None:
    pngs = sorted((run / "results" / B / "figures").rglob("*.png"))
    assert len(pngs) >= 10
    for png in pngs:
        image = matplotlib.image.imread(png)
        assert image.shape[0] > 200 and image.shape[1] > 200, png
        assert np.ptp(image[..., :3]) > 0, f"{png} is blank"
        assert png.with_suffix(".pdf").stat().st_size > 1000


def test_remastered_recipe_pruned_split_tradeoffs_and_pseudo_cost_sweep(run: Path) -> None:
    """The study's remastering recipe, Fig. 8 on the pruned pools, Fig. 12's pruned split and the
    pseudo-cost sweep, end to end on the tiny config."""
    summary = read(run, "remaster/summary.parquet").set_index("step")
    assert list(summary.index) == ["source", "deduplicated", "tasks", "sampled", "pruned", "pseudo"]
    assert summary.loc["tasks", "n_categories"] == round(0.85 * 12)  # remaster.top_task_share
    reduced = read(run, "dedup/delta~0.999/reduced/queries.parquet")
    tasks = read(run, "remaster/tasks.parquet")
    kept = set(tasks.loc[tasks["kept"], "task"])
    assert summary.loc["sampled", "n_queries"] == reduced["category"].isin(kept).sum()  # every query of kept tasks
    kept_pool = set(read(run, "prune/lambda~0.2/target~20/kept.parquet")["model"])
    pruned_models = read(run, "splits/split~pruned/models.parquet")
    assert set(pruned_models["model"]) == kept_pool
    assert read(run, "splits/split~pruned/queries.parquet").equals(read(run, "splits/split~standard/queries.parquet"))
    assert read(run, "prune/lambda~0.2/target~20/pairs.parquet")["kept"].all()
    for split in ("remastered", "pruned"):
        areas = read(run, f"eval/split~{split}/tradeoff/pair~small-vs-large/areas.parquet")
        assert {"knn", "oracle"} <= set(areas["method"])
    sweep = read(run, "sweeps/pseudo_cost.parquet")
    assert set(sweep["cost_setting"]) == {"1", "average"} and set(sweep["method"]) == {"knn", "heuristic"}
    costs = sweep.drop_duplicates("cost_setting").set_index("cost_setting")["pseudo_cost"]
    average_model = read(run, "pseudo/boost~0.25/selection.parquet")["cost_reference_model"].dropna().iloc[0]
    data_models = read(run, "data/models.parquet").set_index("model")["params_b"]
    assert costs["1"] == 1.0 and costs["average"] == data_models[average_model]
    assert (run / "results" / B / "figures/sweeps/pseudo_cost.png").exists()


def test_health_card_flags_the_planted_flaws_and_the_claims_read_the_run(run: Path) -> None:
    """The demo plants near-duplicates, a redundant category and specialists: the card says so."""
    card = read(run, "health/card.parquet").set_index("finding")
    planted = read(run, "truth/redundant_categories.parquet").iloc[0]
    assert card.loc["redundant_categories", "status"] == "red" and planted["category"] in card.loc["redundant_categories", "display"]
    assert card.loc["duplicate_share", "status"] == "red" and card.loc["duplicate_disagreement", "status"] == "red"
    assert card.loc["specialist_tasks", "status"] == "green" and card.loc["learned_vs_heuristic", "status"] == "green"
    assert card.loc["top_model_avg_rank", "status"] == "green"  # the specialists variant has no dominant model
    pairwise = read(run, "eval/split~standard/cost~params/pairwise.parquet")
    best = pairwise[(pairwise["method_b"] == "heuristic") & pairwise["method_a"].isin(["knn", "kmeans", "mlp", "mf"])]
    assert card.loc["learned_vs_heuristic", "value"] == pytest.approx(best["area_diff"].max())
    claims = read(run, "health/claims.parquet").set_index("claim")
    assert claims.loc["learned_need_specialists", "verdict"] == "holds"
    assert claims.loc["knn_best", "reason"].endswith("(split remastered, area)")
    # the pseudo claim reads the agreement table's pooled target scope
    agreement = read(run, "eval/agreement.parquet")
    pooled = agreement[agreement["scope"] == "targets"].set_index("method")
    assert claims.loc["pseudo_lowers_agreement", "effect"] in set(pooled["change_pts"])
    assert (run / "results" / B / "health/card.html").read_text().count("<tr>") == len(card) + 1
