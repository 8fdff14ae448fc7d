"""Every shared real sample through the DAG with only its adapter entry (tests/samples.yaml): the defaults
of config/config.yaml (shares of the pool, auto) fit LLMRouter, RouterDC, CARROT's leaderboard pickle and
the RouterBench subset, and their health cards come out side by side. One Snakemake invocation for all four.

CI time: the RouterBench subset's prompts are long (256 tokens each once truncated): this test reads the
first 60 rows of each of its six files (three tasks kept); the full files run in config/compare.yaml. The
routers are those without a network (K-NN, K-Means, heuristic, oracle), the resamples 200, and the targets
the health cards (which need splits standard, reduced, remastered, pseudo and pruned), the OOD table of
ood-auto and the trade-off of the auto pair, not every figure.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import copy_workflow, run_snakemake, shared_data

from routerbench_plus import store

pytestmark = pytest.mark.slow

BENCHMARKS = ("llmrouter_sample", "routerdc_sample", "carrot", "routerbench_dc")
PROMPTS = ("llmrouter_sample", "routerdc_sample", "routerbench_dc")
ROUTERS = ("knn", "kmeans", "heuristic", "oracle")
ROWS_PER_FILE = 60


def routerbench_rows(source: Path, dest: Path, n: int) -> Path:
    """The first ``n`` records of every CSV of the RouterBench subset (csv module: prompts hold newlines)."""
    dest.mkdir()
    csv.field_size_limit(1 << 30)
    for path in sorted(source.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f, (dest / path.name).open("w", newline="", encoding="utf-8") as g:
            writer = csv.writer(g)
            for i, row in enumerate(csv.reader(f)):
                if i > n:
                    break
                writer.writerow(row)
    return dest


def targets() -> list[str]:
    out = [f"results/compare/{name}" for name in ("cards.parquet", "claims.parquet", "cards.html", "claims.html",
                                                  "figures/health.png")]
    for b in BENCHMARKS:
        out += [f"results/{b}/eval/ood/group~auto.parquet", f"results/{b}/prune/lambda~0.5/target~0.73/pairs.parquet"]
        out += [f"results/{b}/eval/split~{s}/tradeoff/pair~auto/areas.parquet" for s in ("standard", "pruned")]
    return out + ["results/llmrouter_sample/eval/split~standard/cost~usd/areas.parquet",  # its second cost type
                  "results/llmrouter_sample/figures/dedup/delta~0.999/group_sizes.png"]  # no group: a figure says so


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shared = shared_data()
    root = tmp_path_factory.mktemp("samples")
    dest = copy_workflow(root / "wf")
    # a --configfile merges dicts, so the copy's own config/config.yaml loses the network routers
    config = yaml.safe_load((dest / "config/config.yaml").read_text())
    config["routers"] = {name: spec for name, spec in config["routers"].items() if name in ROUTERS}
    (dest / "config/config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    sources = yaml.safe_load((dest / "tests/samples.yaml").read_text())["benchmarks"]
    rows = routerbench_rows(shared / "routerbench_routerdc_subset", root / "routerbench_rows", ROWS_PER_FILE)
    override = {"benchmarks": {
        b: {"source": str(rows if b == "routerbench_dc" else shared / Path(entry["source"]).relative_to("../shared/data"))}
        for b, entry in sources.items()}}
    (dest / "sources.yaml").write_text(yaml.safe_dump(override))
    result = run_snakemake(dest, "--cores", "2", "--configfile", "tests/samples.yaml", "sources.yaml", "--",
                           *targets(), timeout=2400)
    assert result.returncode == 0, result.stderr[-4000:]
    return dest


def read(run: Path, b: str, path: str) -> pd.DataFrame:
    return store.read(run / "results" / b / path)


def test_the_samples_use_only_their_adapter_entry() -> None:
    entries = yaml.safe_load((Path(__file__).parent / "samples.yaml").read_text())["benchmarks"]
    assert set(entries) == set(BENCHMARKS)
    for entry in entries.values():
        assert set(entry) <= {"adapter", "source", "options", "has_prompts"}


def test_pool_shares_resolve_per_benchmark(run: Path) -> None:
    """prune.target 0.73 keeps round(0.73 x pool) of each pool; the auto pair survives pruning."""
    for b in BENCHMARKS:
        models = read(run, b, "data/models.parquet")
        kept = read(run, b, "prune/lambda~0.5/target~0.73/kept.parquet")
        want = math.floor(0.73 * len(models) + 0.5)
        assert len(kept) == want and kept["target"].eq(want).all(), b
        pairs = read(run, b, "prune/lambda~0.5/target~0.73/pairs.parquet")
        assert pairs["pair"].eq("auto").all() and pairs["kept"].all()
        areas = read(run, b, "eval/split~standard/tradeoff/pair~auto/areas.parquet")
        cost = "usd_per_query" if b == "routerbench_dc" else "params_b"
        known = models[models[cost].notna()].sort_values([cost, "model"])
        assert areas["pair_small"].eq(known["model"].iloc[0]).all() and areas["pair_large"].eq(known["model"].iloc[-1]).all()
    assert len(read(run, "carrot", "data/models.parquet")) == 19  # 19 -> 14


def test_auto_sizes_resolve_from_the_data(run: Path) -> None:
    for b in BENCHMARKS:
        selection = read(run, b, "pseudo/boost~0.25/selection.parquet")
        n_tasks = len(selection)
        assert selection["n_targets"].eq(max(1, min(3, n_tasks // 10))).all(), b
        assert selection["selected"].sum() <= selection["n_targets"].iloc[0]
        ood = read(run, b, "eval/ood/group~auto.parquet")
        held = set(ood.loc[~ood["pooled"], "category"])
        assert len(held) == max(1, math.floor(0.1 * n_tasks + 0.5)), b
        train = read(run, b, "splits/split~ood-auto/queries.parquet")
        assert not train.loc[train["split"].isin(["train", "val"]), "category"].isin(held).any()
    for b in PROMPTS:
        n_train = (read(run, b, "splits/split~standard/queries.parquet")["split"] == "train").sum()
        log = (run / f"logs/{b}/routers_train/split~standard/method~knn.log").read_text()
        assert f"routers.knn.k=auto: {math.floor(math.sqrt(n_train) + 0.5)} for {n_train} training queries" in log


def test_cost_types_default_to_the_source_own(run: Path) -> None:
    assert (run / "results/routerbench_dc/eval/split~standard/cost~usd/areas.parquet").exists()
    assert not (run / "results/routerbench_dc/eval/split~standard/cost~params").exists()
    assert (run / "results/llmrouter_sample/eval/split~standard/cost~usd/areas.parquet").exists()
    curves = read(run, "routerbench_dc", "eval/split~standard/cost~usd/curves.parquet")
    models = read(run, "routerbench_dc", "data/models.parquet")
    assert curves["budget"].max() == pytest.approx(models["usd_per_query"].max())


def test_health_cards_side_by_side(run: Path) -> None:
    cards = store.read(run / "results/compare/cards.parquet")
    claims = store.read(run / "results/compare/claims.parquet")
    assert list(dict.fromkeys(cards["benchmark"])) == list(BENCHMARKS)
    assert cards.groupby("benchmark").size().eq(10).all() and claims.groupby("benchmark").size().eq(5).all()
    for b in BENCHMARKS:
        own = read(run, b, "health/card.parquet")
        pd.testing.assert_frame_equal(cards[cards["benchmark"] == b].reset_index(drop=True), own)
    # the label-only leaderboard: no duplicates, no learned router, with the reason
    carrot = cards[cards["benchmark"] == "carrot"].set_index("finding")
    assert carrot.loc["duplicate_share", "status"] == "n/a" and "label-only" in carrot.loc["duplicate_share", "detail"]
    assert carrot.loc["learned_vs_heuristic", "status"] == "n/a"
    assert claims.set_index(["benchmark", "claim"]).loc[("carrot", "knn_best"), "verdict"] == "not testable here"
    # prompt benchmarks measure every finding; the disagreement within near-duplicate groups only where there
    # is a group (LLMRouter's sample has none at delta 0.999 once ingest merged its repeated questions)
    for b in PROMPTS:
        card = cards[cards["benchmark"] == b].set_index("finding")
        unmeasured = card[card["status"] == "n/a"]
        assert set(unmeasured.index) <= {"duplicate_disagreement"}, (b, unmeasured["detail"].to_dict())
        assert unmeasured["detail"].str.contains("no near-duplicate group").all()
        assert (card.loc["duplicate_share", "value"] == 0) == ("duplicate_disagreement" in unmeasured.index)
    size = cards.set_index(["benchmark", "finding"]).loc[("llmrouter_sample", "size"), "display"]
    report = read(run, "llmrouter_sample", "data/ingest_report.parquet").set_index("key")["value"]
    # 600 train + 150 test questions, less those also in test (kept there once), 9 models, 14 task names
    assert report["n_queries"] == 750 - report["ids_in_multiple_splits"]
    assert size == f"{report['n_queries']} / 9 / 14"
    page = (run / "results/compare/cards.html").read_text()
    assert all(f"<th>{b}</th>" in page for b in BENCHMARKS)
    assert (run / "results/compare/figures/health.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_routerbench_routes_with_each_query_own_usd(run: Path) -> None:
    """RouterBench's cost is USD per query, each query's own (labels column cost_usd): every pick costs what its
    model costs on that query, within the budget (formerly tests/test_routerbench_real.py, on the full files)."""
    b = "routerbench_dc"
    areas = read(run, b, "eval/split~standard/cost~usd/areas.parquet").set_index("method")
    assert set(areas.index) == set(ROUTERS)
    assert areas.loc["oracle", "area"] >= areas["area"].max() - 1e-12
    assert (areas["area_lo"] <= areas["area"]).all() and (areas["area"] <= areas["area_hi"]).all()
    curves = read(run, b, "eval/split~standard/cost~usd/curves.parquet")
    queries = read(run, b, "data/queries.parquet")
    assert (curves["n_queries"] == (queries["split"] == "test").sum()).all()
    labels = read(run, b, "data/labels.parquet").set_index(["model", "query_id"])["cost_usd"]
    picks = read(run, b, "routers/split~standard/method~oracle/picks_cost~usd.parquet")
    routed = picks[picks["model"].notna()]
    own = labels.loc[list(zip(routed["model"], routed["query_id"]))].to_numpy()
    assert (routed["cost"].to_numpy() == own).all() and (routed["cost"] <= routed["budget"]).all()
    assert routed.groupby("model")["cost"].nunique().max() > 10  # not one constant per model
    realised = picks.assign(cost=picks["cost"].fillna(0.0)).groupby("budget")["cost"].mean()
    oracle = curves[curves["method"] == "oracle"].set_index("budget")["realised_cost"]
    assert oracle.to_numpy() == pytest.approx(realised.loc[oracle.index].to_numpy())
    tradeoff = read(run, b, "eval/split~standard/tradeoff/pair~auto/areas.parquet")
    assert {"apgr", "cpt50", "cpt80"} <= set(tradeoff.columns)
