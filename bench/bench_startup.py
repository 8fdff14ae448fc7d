"""Benchmark: what a job costs beyond its work. Two parts, each the median of ``--runs`` runs:

1. Snakemake's own per-job cost: a throw-away workflow of ``--jobs`` independent ``script:`` jobs whose
   script does nothing (with ``log:`` and ``benchmark:`` like the pipeline's rules), run with
   ``--cores 1``; (wall of the run - wall of its dry run) / jobs. It covers the job's bookkeeping in the
   main process, the script's temp file and the child Python with Snakemake's preamble (``python -c
   pass`` included).
2. Start-up of each script kind: the imports of the pipeline's scripts, as a child Python
   (``python -c "<imports>"``), minus ``python -c pass``.

A job's overhead is (1) + (2) of its kind; the target is <= 1 s for a light rule (route, a table, a small
figure) on a 2-core machine. The import time of every kind is also printed as the top lines of
``python -X importtime``.

Run: python bench/bench_startup.py [--runs 5] [--jobs 20] [--json out.json]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import append_rows, load_average, row

# The imports of each script kind of workflow/scripts (what a job of that kind loads before its work).
KINDS = {
    "table (routers_route, splits, report tables)": "from routerbench_plus import routing, store",
    "deferral (curves + bootstrap)": "from routerbench_plus import curves, deferral, store",
    "router: knn (faiss)": "from routerbench_plus import routers, routing, store; import faiss",
    "router: kmeans (scikit-learn)": "from routerbench_plus import routers, routing, store; from sklearn.cluster import KMeans",
    "router: mlp / mf (torch)": "from routerbench_plus import routers, routing, store; import torch",
    "figure (matplotlib)": "from routerbench_plus import store; from routerbench_plus.figures import deferral, style",
    "figure with a heatmap (+ seaborn)": "from routerbench_plus import store; from routerbench_plus.figures import ood, style; "
                                         "import seaborn",
}
LIGHT = ("table", "deferral", "figure (")  # no heavy library: the <= 1 s target applies
NOOP_SNAKEFILE = """
rule all:
    input: expand("out/{{i}}.txt", i=range({jobs}))

rule noop:
    output: "out/{{i}}.txt"
    log: "logs/{{i}}.log"
    benchmark: "benchmarks/{{i}}.tsv"
    script: "noop.py"
"""


def child_seconds(cmd: list[str], cwd: str | None = None) -> tuple[float, float]:
    """(wall, user + system CPU) seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_of(cmd: list[str], runs: int, cwd: str | None = None, setup: list[str] | None = None) -> tuple[float, float]:
    """Median wall and CPU of ``runs`` runs of ``cmd`` (after one warm-up; ``setup`` runs before each)."""
    walls, cpus = [], []
    for i in range(runs + 1):
        if setup:
            subprocess.run(setup, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall, cpu = child_seconds(cmd, cwd)
        if i:
            walls.append(wall)
            cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


def snakemake_per_job(jobs: int, runs: int) -> tuple[float, float]:
    """Snakemake's wall and CPU seconds per no-op script job (see the module docstring)."""
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as tmp:
        Path(tmp, "Snakefile").write_text(NOOP_SNAKEFILE.format(jobs=jobs))
        Path(tmp, "noop.py").write_text("open(snakemake.output[0], 'w').close()\n")
        snake = [sys.executable, "-m", "snakemake", "--cores", "1", "-q", "--nolock"]
        clean = ["rm", "-rf", "out", "logs", "benchmarks", ".snakemake"]
        full = median_of(snake, runs, tmp, setup=clean)
        dry = median_of([*snake, "-n"], runs, tmp, setup=clean)
    return (full[0] - dry[0]) / jobs, (full[1] - dry[1]) / jobs


def import_profile(code: str, top: int = 4) -> str:
    """The slowest top-level imports of ``code`` by ``python -X importtime`` (cumulative ms)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True)
    rows = []
    for line in done.stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) == 3 and fields[1].strip().isdigit():
            raw = fields[2].rstrip()
            if len(raw) - len(raw.lstrip()) == 1:  # a top-level import (nested ones are indented further)
                rows.append((int(fields[1]) / 1000, raw.strip()))
    return ", ".join(f"{name} {ms:.0f} ms" for ms, name in sorted(rows, reverse=True)[:top])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=20, help="no-op jobs of the Snakemake part")
    parser.add_argument("--json", help="append result rows to this JSON file")
    args = parser.parse_args()
    env_note = f"load {load_average()}, PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}"
    base_wall, base_cpu = median_of([sys.executable, "-c", "pass"], args.runs)
    job_wall, job_cpu = snakemake_per_job(args.jobs, args.runs)
    print(f"python -c pass: {base_wall:.3f} s wall, {base_cpu:.3f} s CPU")
    print(f"Snakemake per no-op script job: {job_wall:.3f} s wall, {job_cpu:.3f} s CPU ({args.jobs} jobs, --cores 1)")
    base = f"python -c pass: {base_wall:.3f} s"  # the yardstick (no ratio: the overhead is added to it)
    rows = [row("per-job overhead: Snakemake, one no-op script job", job_wall, base, None,
                "<= 1 s beyond the work (light rule)", job_wall <= 1.0,
                notes=f"median of {args.runs} runs of {args.jobs} jobs at --cores 1: wall {job_wall:.2f} s, "
                      f"CPU {job_cpu:.2f} s per job; {env_note}")]
    for kind, code in KINDS.items():
        wall, cpu = median_of([sys.executable, "-c", code], args.runs)
        overhead = job_wall + wall - base_wall
        light = kind.startswith(LIGHT)
        print(f"{kind}: imports {wall - base_wall:.2f} s wall ({cpu - base_cpu:.2f} s CPU) -> job overhead "
              f"{overhead:.2f} s; {import_profile(code)}")
        rows.append(row(f"per-job overhead: {kind}", overhead, base, None,
                        "<= 1 s (light rule)" if light else "- (heavy library: its work is larger)",
                        overhead <= 1.0 if light else None,
                        notes=f"Snakemake per job {job_wall:.2f} s + imports {wall - base_wall:.2f} s wall "
                              f"({cpu - base_cpu:.2f} s CPU); slowest imports: {import_profile(code)}; {env_note}"))
    append_rows(args.json, rows)


if __name__ == "__main__":
    main()
