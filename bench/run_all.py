"""Run every benchmark of bench/ and write bench/out/results.md and bench/out/results.csv.

One row per stage: ours | baseline (measured in the same run) | ratio | peak RSS | target | met?, plus
notes (workload, how the baseline was measured, why a target was missed). Each bench runs as its own
subprocess, one after the other (never two at once: they would share the 2 cores); its full output
goes to bench/out/<bench>.log. The machine's load average is recorded with each run: other
processes may share the cores, so ratios measured within one run are what count.

Run: python bench/run_all.py [--only NAME ...] [--skip NAME ...] [--data DIR] [--out bench/out] [--append]
Names: bootstrap knn near_duplicates near_duplicates_isotropic prune ingest dag_demo dag_fullscale embed
bootstrap_no_onednn routers startup
(about 25 min in all on 2 cores: the full-scale DAG ~9 min, the embed bench with the paper's mpnet encoder ~10 min;
plus routers, EmbedLLM-scale router training, ~15-25 min).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = ["stage", "ours_s", "baseline", "baseline_s", "ratio", "ours_rss_mb", "baseline_rss_mb", "target", "met", "notes",
           "cpu"]


def benches(data: Path | None) -> dict[str, list[str]]:
    data_args = ["--data", str(data)] if data else []
    return {
        "bootstrap": ["bench_bootstrap.py"],
        "knn": ["bench_knn.py"],
        "near_duplicates": ["bench_near_duplicates.py"],
        "near_duplicates_isotropic": ["bench_near_duplicates.py", "--isotropic"],
        "prune": ["bench_prune.py"],
        "ingest": ["bench_ingest.py", *data_args],
        "dag_demo": ["bench_dag.py", "demo"],
        "dag_fullscale": ["bench_dag.py", "fullscale", *data_args],
        "embed": ["bench_embed.py"],
        "bootstrap_no_onednn": ["bench_bootstrap.py", "--no-onednn"],
        "routers": ["bench_routers.py"],
        "startup": ["bench_startup.py"],
    }


def fmt_s(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 120:
        return f"{int(value // 60)} min {value % 60:.0f} s"
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def fmt_rss(ours: float | None, base: float | None) -> str:
    if ours is None:
        return "-"
    return f"{ours:.0f} MB" + (f" (baseline {base:.0f} MB)" if base is not None else "")


def markdown(rows: list[dict], header: str) -> str:
    lines = [header, "", "| stage | ours | baseline (same run) | ratio | peak RSS | target | met? | notes | CPU |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        baseline = "-" if r["baseline"] == "-" else f"{fmt_s(r['baseline_s'])} ({r['baseline']})"
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.1f}x"
        lines.append(
            f"| {r['stage']} | {fmt_s(r['ours_s'])} | {baseline} | {ratio} | "
            f"{fmt_rss(r['ours_rss_mb'], r['baseline_rss_mb'])} | {r['target']} | {r['met']} | {r['notes']} | "
            f"{r.get('cpu', '-')} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="run only these benches")
    parser.add_argument("--skip", nargs="*", default=[], help="skip these benches")
    parser.add_argument("--data", type=Path, help="EmbedLLM-layout CSV folder for ingest/dag_fullscale (kept)")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--append", action="store_true", help="keep the rows of earlier runs (bench/out/rows.json)")
    args = parser.parse_args()

    table = benches(args.data)
    unknown = (set(args.only or []) | set(args.skip)) - set(table)
    if unknown:
        raise SystemExit(f"unknown bench name(s) {sorted(unknown)}; expected {list(table)}")
    names = [n for n in (args.only or table) if n not in args.skip]  # --only: in the order given
    args.out.mkdir(parents=True, exist_ok=True)
    rows_path = args.out / "rows.json"
    if not args.append:
        rows_path.unlink(missing_ok=True)
    failed = []
    started = time.strftime("%Y-%m-%d %H:%M")
    for name in names:
        log = args.out / f"{name}.log"
        cmd = [sys.executable, str(HERE / table[name][0]), *table[name][1:], "--json", str(rows_path)]
        print(f"[{time.strftime('%H:%M:%S')}] {name}: {' '.join(cmd[1:])} (load {os.getloadavg()[0]:.1f})", flush=True)
        start = time.perf_counter()
        with log.open("w") as handle:
            done = subprocess.run(cmd, stdout=handle, stderr=subprocess.STDOUT, check=False)
        print(f"    {'ok' if done.returncode == 0 else f'FAILED (exit {done.returncode})'} in "
              f"{fmt_s(time.perf_counter() - start)}; log {log}", flush=True)
        if done.returncode:
            failed.append(name)

    rows = json.loads(rows_path.read_text()) if rows_path.exists() else []
    rows = list({r["stage"]: r for r in rows}.values())  # --append re-runs replace a stage's earlier row
    with (args.out / "results.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    header = (f"RouterBench+ benchmarks, {started}, {platform.node()}: {os.cpu_count()} cores, "
              f"Python {platform.python_version()}; `python bench/run_all.py`"
              + (f"; FAILED: {', '.join(failed)} (see their logs)" if failed else ""))
    (args.out / "results.md").write_text(markdown(rows, header))
    print((args.out / "results.md").read_text())
    if failed:
        raise SystemExit(f"failed: {failed}")


if __name__ == "__main__":
    main()
