"""SLURM submission, for real: a single-node cluster on localhost runs the workflow through
`snakemake --profile profiles/slurm`, and its Parquet outputs equal a local run byte for byte.

Runs in CI (CI=true, as root) or when opted in with RBP_SLURM_TEST=1 (needs root); set
RBP_SLURM_TEST=0 to skip it. The session fixture runs tests/slurm/bring_up.sh
(installs slurm-wlm and munge if missing, starts munged, slurmctld and slurmd) and
tests/slurm/tear_down.sh at the end, also on failure. The test cluster has no accounting
database, so the runs add the overrides in ACCOUNTING_FREE (see docs/slurm.md).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, copy_workflow

pytestmark = pytest.mark.slurm

SCRIPTS = REPO / "tests" / "slurm"
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
RUN_TIMEOUT_S = 600  # a hang (e.g. a status check that never sees a job end) fails, not stalls CI
CPUS = os.cpu_count() or 1

# Overrides of profiles/slurm for a cluster without accounting (the test cluster):
# job status from squeue (sacct answers "accounting storage is disabled"), no account,
# a short first status check, SLURM's job logs kept as evidence, threads capped at the node's CPUs.
ACCOUNTING_FREE = (
    "--slurm-status-command", "squeue",
    "--slurm-no-account",
    "--slurm-init-seconds-before-status-checks", "2",
    "--slurm-keep-successful-logs",
    "--max-threads", str(CPUS),
)
# The tiny benchmark's ingest and specialist-score stages (tests/tiny.yaml).
PIPELINE_TARGETS = ("results/tiny/data/labels.parquet", "results/tiny/specialist/scores.parquet")
SUBMITTED = re.compile(r"Job \d+ has been submitted with SLURM jobid (\d+) \(log: (\S+)\)\.")


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A running single-node SLURM cluster; yields its run dir (config, logs), stops it after."""
    opted_in = os.environ.get("RBP_SLURM_TEST", "1" if os.environ.get("CI") == "true" else "0")
    if opted_in != "1":
        pytest.skip("set RBP_SLURM_TEST=1 (or run in CI) to bring up a local SLURM cluster (root; tests/slurm/bring_up.sh)")
    if os.geteuid() != 0:
        pytest.fail("the SLURM test needs root: bring_up.sh installs packages and starts daemons")
    run_dir = tmp_path_factory.mktemp("slurm")
    try:
        up = subprocess.run(
            ["bash", str(SCRIPTS / "bring_up.sh"), str(run_dir)],
            capture_output=True, text=True, timeout=900,
        )
        if up.returncode != 0:
            pytest.fail(f"bring_up.sh failed ({up.returncode}):\n{up.stdout}\n{up.stderr}")
        yield run_dir
    finally:
        subprocess.run(["bash", str(SCRIPTS / "tear_down.sh"), str(run_dir)], timeout=180)


def snakemake(workdir: Path, *args: str) -> str:
    """Run snakemake in workdir with a hard timeout (killing its process group); returns its output."""
    proc = subprocess.Popen(
        [SNAKEMAKE, *args], cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    try:
        out, _ = proc.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"snakemake {' '.join(args)} did not finish within {RUN_TIMEOUT_S}s:\n{out[-5000:]}")
    assert proc.returncode == 0, f"snakemake {' '.join(args)} failed:\n{out[-8000:]}"
    return out


def slurm_jobs(output: str) -> dict[str, Path]:
    """SLURM job id -> the job's SLURM log, for every job the plugin reports as submitted."""
    return {job_id: Path(log) for job_id, log in SUBMITTED.findall(output)}


def remote_rules(output: str) -> set[str]:
    """Rules Snakemake ran as cluster jobs (localrules are printed as 'localrule <name>:')."""
    return set(re.findall(r"^rule (\w+):$", output, flags=re.MULTILINE))


def assert_ran_in_slurm(run_dir: Path, jobs: dict[str, Path], rules: set[str]) -> None:
    """Every job finished in SLURM: its SLURM log exists and slurmctld logged exit status 0."""
    assert jobs, "no job was submitted to SLURM"
    # The plugin writes a job's log to .snakemake/slurm_logs/rule_<rule>/[<wildcards>/]<id>.log.
    submitted = {part[len("rule_"):] for log in jobs.values() for part in log.parts if part.startswith("rule_")}
    assert rules <= submitted, f"rules run but not submitted to SLURM: {sorted(rules - submitted)}"
    controller_log = (run_dir / "log" / "slurmctld.log").read_text()
    for job_id, log in jobs.items():
        assert log.is_file(), f"SLURM log of job {job_id} missing: {log}"
        assert f"_job_complete: JobId={job_id} WEXITSTATUS 0" in controller_log, (
            f"slurmctld did not log a successful end of job {job_id}"
        )


def parquet_hashes(workdir: Path) -> dict[str, str]:
    return {
        str(p.relative_to(workdir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((workdir / "results").rglob("*.parquet"))
    }


def test_job_runs_inside_a_slurm_allocation(slurm_cluster: Path, tmp_path: Path) -> None:
    """Smoke test of profile + cluster: the job records the SLURM job and CPUs it ran with."""
    wf = tmp_path / "wf"
    shutil.copytree(REPO / "profiles", wf / "profiles")
    (wf / "Snakefile").write_text(textwrap.dedent(f"""
        import os
        localrules: all
        rule all:
            input: "results/job.parquet"
        rule record_job:
            output: "results/job.parquet"
            threads: {CPUS}
            resources: mem_mb=500, runtime=5
            run:
                import pandas as pd
                env = {{k: [os.environ.get(k)] for k in ("SLURM_JOB_ID", "SLURM_CPUS_PER_TASK")}}
                pd.DataFrame(env).to_parquet(output[0])
    """))
    out = snakemake(wf, "--profile", "profiles/slurm", *ACCOUNTING_FREE)
    jobs = slurm_jobs(out)
    assert remote_rules(out) == {"record_job"} and "localrule all:" in out
    assert_ran_in_slurm(slurm_cluster, jobs, {"record_job"})
    seen = pd.read_parquet(wf / "results" / "job.parquet").iloc[0]
    assert [seen.SLURM_JOB_ID] == list(jobs), "output not written by the submitted job"
    assert seen.SLURM_CPUS_PER_TASK == str(CPUS), "threads not passed as --cpus-per-task"


def test_pipeline_through_slurm_equals_local_run(slurm_cluster: Path, tmp_path: Path) -> None:
    """The tiny config's ingest and specialist stages, via profiles/slurm, give the local run's bytes."""
    local, cluster = copy_workflow(tmp_path / "local"), copy_workflow(tmp_path / "slurm")
    snakemake(local, *PIPELINE_TARGETS, "--cores", str(CPUS), "--configfile", "tests/tiny.yaml")
    out = snakemake(
        cluster, *PIPELINE_TARGETS, "--profile", "profiles/slurm", "--configfile", "tests/tiny.yaml",
        *ACCOUNTING_FREE,
    )
    assert_ran_in_slurm(slurm_cluster, slurm_jobs(out), remote_rules(out))
    local_hashes, cluster_hashes = parquet_hashes(local), parquet_hashes(cluster)
    assert set(PIPELINE_TARGETS) <= set(cluster_hashes)
    assert cluster_hashes.keys() == local_hashes.keys()
    for path in PIPELINE_TARGETS:
        pd.testing.assert_frame_equal(pd.read_parquet(cluster / path), pd.read_parquet(local / path))
    assert cluster_hashes == local_hashes, "SLURM and local runs wrote different Parquet bytes"
