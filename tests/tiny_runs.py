"""Test helper: Snakemake runs of the tiny config shared by the reliability tests.

One *reference run* (the tiny config up to :func:`targets`, in a fresh copy of the workflow) is
made once per pytest session and reused by tests/test_determinism.py (compared with a second,
independent run), tests/test_resume.py (compared with a run killed with SIGKILL and resumed) and
tests/test_bad_inputs.py (copies of it, to make one rule fail without recomputing its inputs).
"""

from __future__ import annotations

import copy
import hashlib
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import REPO, copy_workflow, run_snakemake

BENCHMARK = "tiny"
CONFIGFILE = "tests/tiny.yaml"
_REFERENCE: dict[str, Path] = {}


def tiny_config() -> dict:
    """config/config.yaml merged with tests/tiny.yaml the way --configfile merges (dicts recursively)."""

    def merge(base: dict, extra: dict) -> dict:
        out = copy.deepcopy(base)
        for key, value in extra.items():
            out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        return out

    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    return merge(config, yaml.safe_load((REPO / CONFIGFILE).read_text()))


def targets() -> list[str]:
    """One output of every cheap rule kind: data, embed, dedup, contamination (and the decontaminated
    split), categories, specialist, dominance,
    jaccard + pruning (through remaster), pseudo-specialists, remaster, the standard split, every
    router (knn, kmeans, mlp, mf, heuristic, oracle, random, the user router) trained and routed on
    it, deferral curves, bootstrap and the binary trade-off."""
    config = tiny_config()
    b = BENCHMARK
    delta = config["dedup"]["reduced_delta"]  # the threshold the reduced split uses
    boost = config["pseudo"]["boost"][0]
    pair = next(iter(config["benchmarks"][b]["binary_pairs"]))
    return [
        f"results/{b}/data/ingest_report.parquet",
        f"results/{b}/embed/embeddings.parquet",
        f"results/{b}/dedup/delta~{delta}/summary.parquet",
        f"results/{b}/dedup/delta~{delta}/contamination_summary.parquet",
        f"results/{b}/splits/split~decontaminated/summary.parquet",
        f"results/{b}/categories/redundant.parquet",
        f"results/{b}/specialist/scores.parquet",
        f"results/{b}/dominance/top.parquet",
        f"results/{b}/prune/jaccard.parquet",
        f"results/{b}/pseudo/boost~{boost}/labels.parquet",
        f"results/{b}/remaster/summary.parquet",
        f"results/{b}/splits/split~standard/summary.parquet",
        f"results/{b}/eval/split~standard/cost~params/curves.parquet",
        f"results/{b}/eval/split~standard/cost~params/areas.parquet",
        f"results/{b}/eval/split~standard/tradeoff/pair~{pair}/areas.parquet",
    ]


def snakemake_args(*configfiles: str, cores: int = 2, targets_: list[str] | None = None) -> list[str]:
    """``--cores N --configfile tests/tiny.yaml [more...] -- targets`` (targets after ``--``)."""
    return ["--cores", str(cores), "--configfile", CONFIGFILE, *configfiles, "--", *(targets_ or targets())]


def run_tiny(workdir: Path, *configfiles: str, targets_: list[str] | None = None):
    """Run the tiny config up to ``targets_`` (default :func:`targets`) in ``workdir``."""
    return run_snakemake(workdir, *snakemake_args(*configfiles, targets_=targets_))


def parquet_hashes(workdir: Path) -> dict[str, str]:
    """sha256 of every Parquet file under ``workdir/results``, keyed by its path relative to workdir."""
    return {
        path.relative_to(workdir).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((workdir / "results").rglob("*.parquet"))
    }


def temp_files(workdir: Path) -> list[str]:
    """Temp files of interrupted atomic writes (``.<name>.*.tmp``) anywhere outside ``.snakemake``."""
    return sorted(
        p.relative_to(workdir).as_posix() for p in workdir.rglob("*.tmp") if ".snakemake" not in p.parts
    )


def reference_run(factory: pytest.TempPathFactory) -> Path:
    """The session's uninterrupted run of :func:`targets` (made on first use, then reused)."""
    if "dir" not in _REFERENCE:
        workdir = copy_workflow(factory.mktemp("reference") / "wf")
        done = run_tiny(workdir)
        assert done.returncode == 0, done.stderr[-4000:]
        _REFERENCE["dir"] = workdir
    return _REFERENCE["dir"]


def copy_of_run(run: Path, dest: Path) -> Path:
    """A copy of a finished run (results and Snakemake's metadata, mtimes kept): nothing is stale in it."""
    shutil.copytree(run, dest, symlinks=True)
    return dest
