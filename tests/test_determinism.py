"""Determinism and integrity: same config -> byte-identical Parquet; another seed changes only the
seeded stages; every Parquet output carries its provenance (package version, config hash, seed,
sha256 of its inputs)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from tiny_runs import BENCHMARK, copy_workflow, parquet_hashes, reference_run, run_tiny, tiny_config

from routerbench_plus import store

pytestmark = pytest.mark.slow

B = BENCHMARK
# Stages whose outputs depend on pseudo.seed or evaluation.bootstrap_seed; everything else must not.
SEEDED = re.compile(rf"results/{B}/(pseudo/|remaster/|eval/split~[^/]+/(cost~[^/]+/(areas|pairwise|bands)|tradeoff/))")


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    return reference_run(tmp_path_factory)


@pytest.fixture(scope="module")
def second(tmp_path_factory) -> Path:
    """An independent run of the same config in another folder (its own embeddings, its own cache)."""
    workdir = copy_workflow(tmp_path_factory.mktemp("second") / "wf")
    done = run_tiny(workdir)
    assert done.returncode == 0, done.stderr[-4000:]
    return workdir


@pytest.fixture(scope="module")
def reseeded(tmp_path_factory) -> Path:
    """The same config with pseudo.seed and evaluation.bootstrap_seed changed, in a fresh folder."""
    config = tiny_config()
    assert config["pseudo"]["seed"] != 1 and config["evaluation"]["bootstrap_seed"] != 1
    workdir = copy_workflow(tmp_path_factory.mktemp("reseeded") / "wf")
    (workdir / "seed1.yaml").write_text(yaml.safe_dump({"pseudo": {"seed": 1}, "evaluation": {"bootstrap_seed": 1}}))
    done = run_tiny(workdir, "seed1.yaml")
    assert done.returncode == 0, done.stderr[-4000:]
    return workdir


def test_runs_cover_every_cheap_rule_kind(reference):
    files = parquet_hashes(reference)
    expected = [
        f"results/{B}/data/labels.parquet",
        f"results/{B}/embed/embeddings.parquet",
        f"results/{B}/dedup/delta~{tiny_config()['dedup']['reduced_delta']}/groups.parquet",
        f"results/{B}/categories/similarity.parquet",
        f"results/{B}/specialist/detail.parquet",
        f"results/{B}/dominance/avg_rank.parquet",
        f"results/{B}/prune/jaccard.parquet",
        f"results/{B}/remaster/labels.parquet",
        f"results/{B}/splits/split~standard/labels.parquet",
        f"results/{B}/eval/split~standard/cost~params/pairwise.parquet",
    ]
    for method in tiny_config()["routers"]:
        expected.append(f"results/{B}/routers/split~standard/method~{method}/scores.parquet")
        expected.append(f"results/{B}/routers/split~standard/method~{method}/picks_cost~params.parquet")
    assert not [f for f in expected if f not in files]
    assert any(f.startswith(f"results/{B}/prune/lambda~") for f in files)
    assert any(f.startswith(f"results/{B}/pseudo/boost~") for f in files)
    assert {"mlp", "mf", "knn"} <= set(tiny_config()["routers"])


def test_same_config_gives_byte_identical_parquet(reference, second):
    first, again = parquet_hashes(reference), parquet_hashes(second)
    assert len(first) >= 50
    assert sorted(first) == sorted(again)
    differing = [path for path in first if first[path] != again[path]]
    assert differing == []


def test_other_seed_changes_only_the_seeded_stages(reference, reseeded):
    first, other = parquet_hashes(reference), parquet_hashes(reseeded)
    assert sorted(first) == sorted(other)
    deterministic = [p for p in first if not SEEDED.match(p)]
    # data, embed, dedup, categories, specialist, dominance, pruning, splits, routers, curves
    assert len(deterministic) >= 40
    assert [p for p in deterministic if first[p] != other[p]] == []

    # the pseudo-specialists' sampled labels differ ...
    boost = tiny_config()["pseudo"]["boost"][0]
    labels = f"results/{B}/pseudo/boost~{boost}/labels.parquet"
    a, b = store.read(reference / labels), store.read(reseeded / labels)
    models = store.read(reference / labels.replace("labels.parquet", "models.parquet"))
    pseudo = set(models.loc[models["is_pseudo"], "model"])
    assert pseudo
    real_a = a[~a["model"].isin(pseudo)].reset_index(drop=True)
    real_b = b[~b["model"].isin(pseudo)].reset_index(drop=True)
    pd.testing.assert_frame_equal(real_a, real_b)  # the real models' labels are untouched
    assert not a[a["model"].isin(pseudo)].reset_index(drop=True).equals(b[b["model"].isin(pseudo)].reset_index(drop=True))

    # ... and so do the bootstrap intervals, around the same point estimates
    areas = f"results/{B}/eval/split~standard/cost~params/areas.parquet"
    x, y = store.read(reference / areas), store.read(reseeded / areas)
    pd.testing.assert_series_equal(x["area"], y["area"])
    pd.testing.assert_series_equal(x["peak"], y["peak"])
    assert (x["area_lo"] != y["area_lo"]).any() and (x["area_hi"] != y["area_hi"]).any()
    assert set(x["seed"]) == {0} and set(y["seed"]) == {1}


def test_every_parquet_output_carries_its_provenance(reference):
    hashes = parquet_hashes(reference)
    known = set(hashes.values())
    version = store.package_version()
    config = tiny_config()
    for path in hashes:
        record = store.read_provenance(reference / path)
        assert record.get("package_version") == version, path
        assert re.fullmatch(r"[0-9a-f]{16}", record.get("config_hash", "")), path
        assert "seed" in record, path
        inputs = record.get("inputs")
        assert isinstance(inputs, dict), path
        # every recorded input hash is the sha256 of an upstream file of this run
        assert set(inputs.values()) <= known, path
        generated = path.startswith((f"results/{B}/data/", f"results/{B}/truth/"))
        assert bool(inputs) != generated, path  # only the demo generator has no input
    seeds = {
        f"results/{B}/data/labels.parquet": config["benchmarks"][B]["demo"]["seed"],
        f"results/{B}/pseudo/boost~{config['pseudo']['boost'][0]}/labels.parquet": config["pseudo"]["seed"],
        f"results/{B}/eval/split~standard/cost~params/areas.parquet": config["evaluation"]["bootstrap_seed"],
        f"results/{B}/remaster/queries.parquet": config["remaster"]["seed"],
    }
    for path, seed in seeds.items():
        assert store.read_provenance(reference / path)["seed"] == seed, path
    # the config hash is the hash of the rule's parameters (here: the pruning run's)
    kept = next(p for p in hashes if p.startswith(f"results/{B}/prune/lambda~") and p.endswith("kept.parquet"))
    lam, target = re.search(r"lambda~([0-9.]+)/target~([0-9]+)/", kept).groups()
    params = {"lambda": float(lam), "target": int(target), "binarise_threshold": config["prune"]["binarise_threshold"]}
    assert store.read_provenance(reference / kept)["config_hash"] == store.config_hash(params)
