"""Benchmark: whole DAGs, wall clock. ``demo``: the default demo run, ``snakemake --cores 8``, cold
(empty results/ and embedding cache, encoder included); ``fullscale``: the full-scale EmbedLLM layout
(35,673 prompts x 112 models) with synthetic 768-d embeddings instead of the encoder.

Both run in a temporary copy of the workflow (Snakefile, rules, workflow, config, ...), never in the
repository. Reported: wall time of the snakemake command(s), the largest peak RSS of any job
(RUSAGE_CHILDREN), the number of jobs, and the slowest rules from their ``benchmarks/*.tsv``.

fullscale (config bench/fullscale.yaml): (1) ``snakemake results/embedllm/data/queries.parquet``
(ingest of the ~4.9 GB CSVs); (2) synthetic embeddings written as
``results/embedllm/embed/embeddings.parquet`` (80 category clusters matching the queries' categories,
a power-law spectrum, 1,346 planted near-duplicate groups, about the study's count, at cosine
0.9995-1.0, and decoy pairs at 0.9985; not timed as part of the DAG); (3) ``snakemake
--rerun-triggers mtime`` for every target (or ``--until RULE``/targets given after ``--``). Targets:
demo <= 90 s cold, <= 5 s warm no-op, <= 30 s for one more
``dedup.delta`` (the demo part times all three), fullscale <= 5 min on 2 cores.

Run: python bench/bench_dag.py demo [--cores 8] [--keep DIR] [--json out.json]
     python bench/bench_dag.py fullscale [--cores 2] [--data DIR] [--keep DIR] [--json out.json] [-- TARGET ...]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import append_rows, load_average, peak_rss_mb, row
from embedllm_layout import write_embedllm_layout

REPO = Path(__file__).resolve().parents[1]
WORKFLOW_PARTS = ("Snakefile", "rules", "workflow", "config", "profiles", "envs", "report", "tests")
DEFAULT_DATA = Path("/tmp/rbp-bench/embedllm-layout")


def copy_workflow(dest: Path) -> Path:
    """The workflow files (no results/, resources/, logs/) copied into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in WORKFLOW_PARTS:
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"), dirs_exist_ok=True)
        elif src.exists():
            shutil.copy2(src, dest / part)
    return dest


def snakemake(workdir: Path, cores: int, extra: list[str], log: Path) -> float:
    """Run snakemake in ``workdir``; seconds of wall clock. Output goes to ``log``."""
    cmd = [sys.executable, "-m", "snakemake", "--cores", str(cores), *extra]
    start = time.perf_counter()
    with log.open("a") as handle:
        handle.write(f"$ {' '.join(cmd)}\n")
        handle.flush()
        done = subprocess.run(cmd, cwd=workdir, stdout=handle, stderr=subprocess.STDOUT, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode:
        tail = log.read_text()[-4000:]
        raise SystemExit(f"snakemake failed in {workdir} (exit {done.returncode}); end of {log}:\n{tail}")
    return elapsed


def rule_times(workdir: Path) -> pd.DataFrame:
    """rule, jobs, total_s, max_s, max_rss_mb from every benchmarks/**/*.tsv of the run."""
    rows = []
    for tsv in (workdir / "benchmarks").rglob("*.tsv"):
        parts = tsv.relative_to(workdir / "benchmarks").parts  # <benchmark>/<rule>/...
        table = pd.read_csv(tsv, sep="\t")
        rss = pd.to_numeric(table.get("max_rss", pd.Series([np.nan])), errors="coerce").max()
        rows.append((parts[1] if len(parts) > 2 else parts[-1].removesuffix(".tsv"), float(table["s"].iloc[-1]), rss))
    if not rows:
        return pd.DataFrame(columns=["rule", "jobs", "total_s", "max_s", "max_rss_mb"])
    df = pd.DataFrame(rows, columns=["rule", "s", "rss"])
    return (
        df.groupby("rule")
        .agg(jobs=("s", "size"), total_s=("s", "sum"), max_s=("s", "max"), max_rss_mb=("rss", "max"))
        .sort_values("total_s", ascending=False)
        .reset_index()
    )


def describe(times: pd.DataFrame, top: int = 6) -> str:
    return "; ".join(f"{r.rule} {r.total_s:.0f} s/{r.jobs} job(s)" for r in times.head(top).itertuples())


# --------------------------------------------------------------------------- synthetic embeddings


def synthetic_embeddings(query_ids: pd.Index, categories: pd.Series, dim: int = 768, seed: int = 0,
                         n_groups: int = 1346) -> tuple[np.ndarray, int]:
    """Unit vectors clustered by category with planted near-duplicate groups; (vectors, planted groups)."""
    rng = np.random.default_rng(seed)
    n = len(query_ids)
    cat_codes, _ = pd.factorize(categories, sort=True)
    spectrum = np.arange(1, dim + 1) ** -0.8
    spectrum /= spectrum.sum()
    basis = (np.linalg.qr(rng.standard_normal((dim, dim)))[0].T * np.sqrt(spectrum)[:, None]).astype(np.float32)
    common = rng.standard_normal(dim).astype(np.float32)
    common /= np.linalg.norm(common)
    centres = rng.standard_normal((cat_codes.max() + 1, dim)).astype(np.float32) @ basis * 1.2
    x = 0.3 * common + centres[cat_codes] + rng.standard_normal((n, dim), dtype=np.float32) @ basis
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float64)
    sizes = rng.choice([2, 2, 2, 3, 3, 4, 5], n_groups)
    rows = rng.permutation(n)[: sizes.sum() + 1000]
    members, decoys = rows[: sizes.sum()], rows[sizes.sum():]
    leader = np.repeat(members[np.cumsum(sizes) - sizes], sizes)
    follower = members != leader
    cos = rng.choice([0.9995, 0.9999, 1.0], int(follower.sum()))
    x[members[follower]] = _at_cosine(x[leader[follower]], cos, rng)
    x[decoys[500:]] = _at_cosine(x[decoys[:500]], np.full(500, 0.9985), rng)
    return np.ascontiguousarray(x, dtype=np.float32), n_groups


def _at_cosine(base: np.ndarray, cos: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    u = rng.standard_normal(base.shape)
    u -= (u * base).sum(1, keepdims=True) * base
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    return cos[:, None] * base + np.sqrt(1 - cos[:, None] ** 2) * u


def write_embeddings(workdir: Path, benchmark: str) -> int:
    from routerbench_plus import store

    queries = store.read(workdir / f"results/{benchmark}/data/queries.parquet", ["query_id", "category"])
    ids = pd.Index(queries["query_id"].astype(str), dtype=object)
    vectors, planted = synthetic_embeddings(ids, queries["category"].astype(str))
    path = workdir / f"results/{benchmark}/embed/embeddings.parquet"
    store.write_embeddings(store.Embeddings(ids, vectors, "synthetic-768d"), path,
                        provenance={"synthetic": "bench/bench_dag.py", "planted_groups": planted})
    os.utime(path)  # newer than its input: the embed rule has nothing to do
    return planted


# --------------------------------------------------------------------------- runs


def run_demo(args: argparse.Namespace, workdir: Path) -> list[dict]:
    log = workdir / "bench_dag.log"
    load = load_average()
    elapsed = snakemake(workdir, args.cores, list(args.targets), log)
    times = rule_times(workdir)
    rss = peak_rss_mb(children=True)
    print(f"demo DAG: {elapsed:.0f} s wall ({times['jobs'].sum()} jobs, --cores {args.cores} on {os.cpu_count()} cores), "
          f"largest job peak RSS {rss:.0f} MB, load {load} -> {load_average()}")
    print(times.head(12).to_string(index=False))
    if args.keep:
        times.to_csv(workdir / "bench_rule_times.csv", index=False)
    warm = snakemake(workdir, args.cores, list(args.targets), log)
    print(f"warm no-op: {warm:.1f} s", flush=True)
    # a threshold sweep: one more dedup.delta (a config file on top of config/config.yaml)
    deltas = yaml.safe_load((workdir / "config" / "config.yaml").read_text())["dedup"]["delta"]
    (workdir / "config" / "one_more_delta.yaml").write_text(yaml.safe_dump({"dedup": {"delta": [*deltas, 0.98]}}))
    before = {p: p.stat().st_mtime_ns for p in (workdir / "benchmarks").rglob("*.tsv")}
    sweep = snakemake(workdir, args.cores, [*args.targets, "--configfile", "config/one_more_delta.yaml"], log)
    rerun = sorted(p.relative_to(workdir / "benchmarks").parts[1] for p in (workdir / "benchmarks").rglob("*.tsv")
                   if before.get(p) != p.stat().st_mtime_ns)
    print(f"one more dedup.delta: {sweep:.1f} s, new jobs: {rerun}", flush=True)
    return [row(f"whole demo DAG, snakemake --cores {args.cores}", elapsed, "-", None, "<= 90 s on 2 cores",
                elapsed <= 90, rss, None,
                f"cold (encoder + embedding cache empty), {int(times['jobs'].sum())} jobs; slowest rules: {describe(times)}"),
            row("demo DAG, warm no-op (snakemake again)", warm, "-", None, "<= 5 s", warm <= 5),
            row("demo DAG, one more dedup.delta (0.98)", sweep, "-", None, "<= 30 s", sweep <= 30,
                notes=f"re-ran {len(rerun)} jobs: {', '.join(rerun)}")]


def run_fullscale(args: argparse.Namespace, workdir: Path) -> list[dict]:
    data = args.data.resolve()
    if not (data / "train.csv").exists():
        print(f"generating the EmbedLLM layout into {data} ...", flush=True)
        write_embedllm_layout(data)
    encoders = REPO / "resources" / "encoders"  # the tokenizer of embed_prompt_lengths (assemble-mpnet, README)
    if encoders.is_dir() and not (workdir / "resources" / "encoders").exists():
        (workdir / "resources").mkdir(exist_ok=True)
        (workdir / "resources" / "encoders").symlink_to(encoders)
    config = yaml.safe_load((REPO / "bench" / "fullscale.yaml").read_text())
    (name,) = config["run"]
    config["benchmarks"][name]["source"] = str(data)
    config["benchmarks"][name]["options"]["models_table"] = str(data / "model_params.csv")
    (workdir / "config" / "fullscale.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    base = ["--configfile", "config/fullscale.yaml"]
    log = workdir / "bench_dag.log"
    load = load_average()
    # targets first: --configfile and --rerun-triggers take several values
    t_ingest = snakemake(workdir, args.cores, [f"results/{name}/data/queries.parquet", *base], log)
    print(f"ingest: {t_ingest:.0f} s", flush=True)
    start = time.perf_counter()
    planted = write_embeddings(workdir, name)
    t_emb = time.perf_counter() - start
    print(f"synthetic embeddings ({planted} planted groups): {t_emb:.0f} s (not part of the DAG time)", flush=True)
    t_rest = snakemake(workdir, args.cores, [*args.targets, *base, "--rerun-triggers", "mtime"], log)
    times = rule_times(workdir)
    total = t_ingest + t_rest
    rss = peak_rss_mb(children=True)
    what = "every target" if not args.targets else " ".join(args.targets)
    print(f"full-scale DAG ({what}): {total:.0f} s wall = ingest {t_ingest:.0f} + rest {t_rest:.0f} "
          f"({times['jobs'].sum()} jobs, --cores {args.cores}), largest job peak RSS {rss:.0f} MB, "
          f"load {load} -> {load_average()}")
    print(times.head(15).to_string(index=False))
    print(times.to_markdown(index=False, floatfmt=".1f"))
    summary = workdir / f"results/{name}/remaster/summary.parquet"
    if summary.exists():
        print("remaster stage counts:")
        print(pd.read_parquet(summary).to_markdown(index=False))
    if args.keep:
        times.to_csv(workdir / "bench_rule_times.csv", index=False)
    return [row(f"full-scale DAG without the encoder, --cores {args.cores}", total, "-", None,
                "<= 5 min on 2 cores", total <= 300 if not args.targets else None, rss, None,
                f"{what}; {int(times['jobs'].sum())} jobs; ingest {t_ingest:.0f} s + rest {t_rest:.0f} s; "
                f"slowest rules: {describe(times)}")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", choices=["demo", "fullscale"])
    parser.add_argument("--cores", type=int, default=None, help="snakemake --cores (demo: 8, fullscale: 2)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="EmbedLLM-layout folder (fullscale)")
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it (default: a temp folder)")
    parser.add_argument("--json", help="append result rows to this JSON file")
    parser.add_argument("targets", nargs="*", help="snakemake targets/options after -- (default: all)")
    args = parser.parse_args()
    args.cores = args.cores or (8 if args.which == "demo" else 2)
    with contextlib.ExitStack() as stack:
        if args.keep:
            if args.keep.exists():
                shutil.rmtree(args.keep)
            workdir = copy_workflow(args.keep)
        else:
            workdir = copy_workflow(Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dag-bench-"))) / "wf")
        rows = run_demo(args, workdir) if args.which == "demo" else run_fullscale(args, workdir)
    append_rows(args.json, rows)


if __name__ == "__main__":
    main()
