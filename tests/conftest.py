"""Shared fixtures: repository paths and the shared real data folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO.parent / "shared" / "data").resolve()
WORKFLOW_PARTS = ("Snakefile", "rules", "workflow", "config", "profiles", "envs", "report", "tests")


def shared_data(*parts: str) -> Path:
    """Path under ../shared/data, or skip the test when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not available: {path} (../shared is absent)")
    return path


def copy_workflow(dest: Path) -> Path:
    """Copy the workflow (Snakefile, rules, scripts, config, ...) into a new folder ``dest``."""
    dest.mkdir(parents=True)
    for part in WORKFLOW_PARTS:
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif src.exists():
            shutil.copy2(src, dest / part)
    return dest


@pytest.fixture
def workflow_copy(tmp_path: Path) -> Path:
    """A copy of the workflow in a temp folder, so runs never write into the repository."""
    return copy_workflow(tmp_path / "wf")


def run_snakemake(workdir: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run snakemake from the venv in workdir; returns the completed process (no check)."""
    exe = Path(sys.executable).with_name("snakemake")
    env = dict(os.environ)
    return subprocess.run(
        [str(exe), *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout
    )
