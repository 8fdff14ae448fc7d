"""Resume after kill -9: nothing partial is left, and the resumed run equals an uninterrupted one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from tiny_runs import BENCHMARK, copy_workflow, parquet_hashes, reference_run, run_tiny, snakemake_args, temp_files

from routerbench_plus import store
from routerbench_plus.errors import InputError

FRAME = pd.DataFrame({"query_id": ["q1", "q2"], "score": [0.25, 0.75]})


# --------------------------------------------------------------------------- atomic writes (library)


def test_a_failed_write_leaves_neither_target_nor_temp_file(tmp_path):
    target = tmp_path / "out" / "table.parquet"
    with pytest.raises(ZeroDivisionError):
        with store.atomic_path(target) as tmp:
            tmp.write_bytes(b"half a parquet file")
            raise ZeroDivisionError("the write fails halfway")
    assert not target.exists()
    assert list((tmp_path / "out").iterdir()) == []


def test_rule_logging_removes_temp_files_a_killed_run_left(tmp_path, capsys):
    out = tmp_path / "results" / "scores.parquet"
    out.parent.mkdir(parents=True)
    stale = out.parent / ".scores.parquet.k9x2ab.tmp"  # what atomic_path leaves when killed mid-write
    stale.write_bytes(b"PAR1 partial")
    other = out.parent / ".picks.parquet.zz.tmp"  # another rule's file: not ours to delete
    other.write_bytes(b"x")
    with store.rule_logging(tmp_path / "rule.log", [str(out)]):
        store.write(FRAME, out)
    assert not stale.exists() and other.exists()
    pd.testing.assert_frame_equal(store.read(out), FRAME)
    assert "removed 1 temp file(s)" in (tmp_path / "rule.log").read_text()


def test_rule_logging_error_removes_written_outputs_and_logs_the_traceback(tmp_path, capsys):
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    log = tmp_path / "logs" / "rule.log"
    with pytest.raises(SystemExit) as stop:
        with store.rule_logging(log, [str(first), str(second)]):
            store.write(FRAME, first)  # one output written ...
            raise InputError(f"{second}: column 'x' must be > 0")  # ... then the rule fails
    assert stop.value.code == 1
    assert not first.exists() and not second.exists()
    err = capsys.readouterr().err
    assert f"RouterBench+ error: {second}: column 'x' must be > 0 (traceback in {log})" in err
    assert "Traceback (most recent call last)" not in err
    assert "Traceback (most recent call last)" in log.read_text()


# --------------------------------------------------------------------------- kill -9, then resume


def _snakemake_exe() -> str:
    return str(Path(sys.executable).with_name("snakemake"))


@pytest.mark.slow
def test_kill_9_during_a_long_rule_then_rerun_equals_an_uninterrupted_run(tmp_path_factory, tmp_path):
    reference = reference_run(tmp_path_factory)
    workdir = copy_workflow(tmp_path / "wf")
    # a torch router's training is the long rule to interrupt
    long_rule_log = workdir / f"logs/{BENCHMARK}/routers_train/split~standard/method~mf.log"
    with open(tmp_path / "killed.out", "w") as out, open(tmp_path / "killed.err", "w") as err:
        proc = subprocess.Popen(
            [_snakemake_exe(), *snakemake_args()], cwd=workdir, stdout=out, stderr=err, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 600
            while not long_rule_log.exists() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            assert proc.poll() is None, "the run ended before the long rule started: nothing to interrupt"
            assert long_rule_log.exists(), "the long rule never started"
        finally:
            os.killpg(proc.pid, signal.SIGKILL)  # Snakemake and every job it started
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    interrupted = workdir / f"results/{BENCHMARK}/routers/split~standard/method~mf/scores.parquet"
    assert not interrupted.exists()  # the job was running: no (partial) output

    # the killed run left its lock: Snakemake refuses and says how to remove it (docs/errors.md)
    locked = run_tiny(workdir)
    assert locked.returncode != 0
    assert "--unlock" in locked.stdout + locked.stderr
    unlock = subprocess.run([_snakemake_exe(), "--unlock"], cwd=workdir, capture_output=True, text=True, timeout=300)
    assert unlock.returncode == 0, unlock.stderr[-2000:]

    resumed = run_tiny(workdir)  # the default profile has rerun-incomplete
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    assert interrupted.exists()
    assert parquet_hashes(workdir) == parquet_hashes(reference)
    assert temp_files(workdir) == []
