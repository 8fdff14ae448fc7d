"""Helpers shared by the bench scripts: peak RSS, machine load, and the result row run_all.py collects.

Every bench script accepts ``--json PATH`` and appends its result rows there (a JSON list). A row:

    stage, ours_s, baseline, baseline_s, ratio, ours_rss_mb, baseline_rss_mb, target, met, notes, cpu

``met`` is "yes", "no" or "n/a"; ``notes`` says what was measured, how, and why a target was missed;
``cpu`` the CPU it was measured on: model, cores and SIMD/matrix features (kernels that are fast on
one CPU can be slow on another: ``routerbench_plus.hardware``).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

from routerbench_plus import hardware


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident set size (MB) of this process, or of its waited-for children."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def run_worker(script: str, method: str, *options: str) -> dict[str, Any]:
    """Run ``script --worker method *options`` in its own Python process (so that its peak RSS is
    its own) and return the JSON object it prints last; a failed worker stops the bench."""
    cmd = [sys.executable, script, "--worker", method, *options]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.stderr.write(done.stderr[-5000:])
        raise SystemExit(f"worker {method} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def load_average() -> float:
    """1-minute load average (other processes share the cores: ratios within a run are what count)."""
    return round(os.getloadavg()[0], 1)


def row(
    stage: str,
    ours_s: float | None,
    baseline: str,
    baseline_s: float | None,
    target: str,
    met: bool | None,
    ours_rss_mb: float | None = None,
    baseline_rss_mb: float | None = None,
    notes: str = "",
) -> dict[str, Any]:
    """One result row (ratio = baseline / ours when both were measured)."""
    ratio = baseline_s / ours_s if ours_s and baseline_s else None
    return {
        "stage": stage,
        "ours_s": None if ours_s is None else round(ours_s, 3),
        "baseline": baseline,
        "baseline_s": None if baseline_s is None else round(baseline_s, 3),
        "ratio": None if ratio is None else round(ratio, 2),
        "ours_rss_mb": None if ours_rss_mb is None else round(ours_rss_mb),
        "baseline_rss_mb": None if baseline_rss_mb is None else round(baseline_rss_mb),
        "target": target,
        "met": "n/a" if met is None else ("yes" if met else "no"),
        "notes": notes,
        "cpu": cpu_summary(),
    }


def cpu_summary() -> str:
    """The CPU of this run (model, cores, SIMD/matrix features), as each row records it."""
    return hardware.cpu_info().summary()


def append_rows(path: str | os.PathLike | None, rows: list[dict[str, Any]]) -> None:
    """Append rows to the JSON list at ``path`` (created if absent); no-op without a path."""
    if not path:
        return
    path = Path(path)
    existing = json.loads(path.read_text()) if path.exists() and path.stat().st_size else []
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(existing + rows, indent=1))
