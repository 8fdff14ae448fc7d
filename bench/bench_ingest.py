"""Benchmark: ingest full-scale EmbedLLM-layout CSVs (ours, streaming) vs pandas.read_csv + pivot.

Data: ``python bench/embedllm_layout.py`` at full scale (35,673 prompts x 112 models:
train/val/test.csv, ~4.9 GB, every row carrying its prompt text as in EmbedLLM's files, plus 20
planted conflicting duplicate rows). Generated once into a temp folder (deleted afterwards), or
into/from ``--data DIR`` (kept, reused when it already holds the files).

Ours: ``ingest.ingest("embedllm", DIR, {"models_table": DIR/model_params.csv})`` (pyarrow streaming
CSV reader in blocks, compact arrays, validation, duplicate collapse with max, ingest report, the
sha256 of every file for provenance) and writing the three canonical Parquet tables, i.e. the
whole ``ingest`` rule.
Baseline, same run: EmbedLLM's own approach, ``pandas.read_csv`` of each whole file, concatenated,
one row per prompt for the texts, and ``pivot_table(index=model_id, columns=prompt_id,
values=label, aggfunc="max")`` for the label matrix (no validation, nothing written).
Each side runs in its own subprocess (peak RSS = that process's ru_maxrss). Both must give the same
label matrix. Targets: ours <= 3 min, peak RSS <= 4 GB, >= 3x faster than the baseline.

Run: python bench/bench_ingest.py [--data DIR] [--json out.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import append_rows, load_average, peak_rss_mb, row, run_worker
from embedllm_layout import write_embedllm_layout

SPLITS = ("train", "val", "test")


def ensure_data(folder: Path) -> float:
    """Write the full-scale EmbedLLM layout into ``folder`` unless it is there; seconds spent."""
    if all((folder / f"{s}.csv").exists() for s in SPLITS) and (folder / "model_params.csv").exists():
        return 0.0
    start = time.perf_counter()
    write_embedllm_layout(folder)
    return time.perf_counter() - start


def worker_ours(data: Path, out: Path) -> dict:
    from routerbench_plus import ingest, store

    start = time.perf_counter()
    result = ingest.ingest("embedllm", data, {"models_table": str(data / "model_params.csv")}, "drop",
                           {"val_fraction": 0.1, "test_fraction": 0.2, "seed": 0}, name="embedllm")
    bench = result.benchmark
    store.write_benchmark(bench, out / "queries.parquet", out / "models.parquet", out / "labels.parquet")
    elapsed = time.perf_counter() - start
    rss = peak_rss_mb()
    start = time.perf_counter()  # for the notes: the provenance hash alone (inside the time above)
    for split in SPLITS:
        store.file_sha256(data / f"{split}.csv")
    return {"time_s": elapsed, "n_queries": len(bench.queries), "n_models": len(bench.models),
            "n_labels": len(bench.labels), "peak_rss_mb": rss, "sha256_s": time.perf_counter() - start}


def worker_baseline(data: Path, out: Path) -> dict:
    import pandas as pd

    start = time.perf_counter()
    frames = [pd.read_csv(data / f"{s}.csv") for s in SPLITS]  # the whole file at once, as EmbedLLM does
    df = pd.concat(frames, ignore_index=True)
    del frames
    prompts = df.drop_duplicates("prompt_id")[["prompt_id", "prompt", "category"]]
    matrix = df.pivot_table(index="model_id", columns="prompt_id", values="label", aggfunc="max")
    elapsed = time.perf_counter() - start
    np.save(out / "baseline_matrix.npy", matrix.to_numpy(dtype=np.float32))
    np.save(out / "baseline_models.npy", matrix.index.to_numpy())
    np.save(out / "baseline_prompts.npy", matrix.columns.to_numpy())
    return {"time_s": elapsed, "n_queries": len(prompts), "n_models": matrix.shape[0],
            "n_labels": int(matrix.notna().to_numpy().sum()), "peak_rss_mb": peak_rss_mb()}


def same_labels(data: Path, out: Path) -> bool:
    """Ours (long labels, model names) against the baseline's matrix (model ids x prompt ids)."""
    import pandas as pd

    from routerbench_plus import store

    labels = store.read(out / "labels.parquet")
    order = pd.read_csv(data / "model_order.csv")
    name_of = dict(zip(order["model_id"], order["model_name"].astype(str)))
    base = np.load(out / "baseline_matrix.npy")
    models = [name_of[m] for m in np.load(out / "baseline_models.npy", allow_pickle=True)]
    prompts = [str(p) for p in np.load(out / "baseline_prompts.npy", allow_pickle=True)]
    mine = np.full(base.shape, np.nan, dtype=np.float32)
    rows = pd.Index(models).get_indexer(labels["model"].astype(str))
    cols = pd.Index(prompts).get_indexer(labels["query_id"].astype(str))
    if (rows < 0).any() or (cols < 0).any():
        return False
    mine[rows, cols] = labels["label"].to_numpy()
    return bool(np.array_equal(mine, base, equal_nan=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="folder for the EmbedLLM-layout CSVs (generated there if absent; kept)")
    parser.add_argument("--json", help="append result rows to this JSON file")
    parser.add_argument("--worker", choices=["ours", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        fn = worker_ours if args.worker == "ours" else worker_baseline
        print(json.dumps(fn(args.data, Path(args.out))))
        return

    with contextlib.ExitStack() as stack:
        data = args.data or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="embedllm-layout-")))
        data.mkdir(parents=True, exist_ok=True)
        generated = ensure_data(data)
        size_gb = sum((data / f"{s}.csv").stat().st_size for s in SPLITS) / 1e9
        print(f"data: {data} ({size_gb:.2f} GB of CSV{f', generated in {generated:.0f} s' if generated else ', reused'}), "
              f"load {load_average()}")
        out = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ingest-bench-")))
        results = {}
        for method in ("ours", "baseline"):
            results[method] = run_worker(__file__, method, "--data", str(data), "--out", str(out))
            r = results[method]
            print(f"{method}: {r['time_s']:.1f} s, peak RSS {r['peak_rss_mb']:.0f} MB, "
                  f"{r['n_queries']} queries x {r['n_models']} models, {r['n_labels']} labels", flush=True)
        same = same_labels(data, out)
    o, b = results["ours"], results["baseline"]
    ratio = b["time_s"] / o["time_s"]
    print(f"ratio {ratio:.1f}x; same label matrix: {same}; sha256 of the CSVs alone (inside ours): "
          f"{o['sha256_s']:.1f} s; load {load_average()}")
    met = o["time_s"] <= 180 and o["peak_rss_mb"] <= 4096 and ratio >= 3 and same
    append_rows(args.json, [row(
        "ingest EmbedLLM-layout CSVs, full scale", o["time_s"], "pandas.read_csv whole files + pivot_table",
        b["time_s"], "<= 3 min, peak RSS <= 4 GB, >= 3x", met, o["peak_rss_mb"], b["peak_rss_mb"],
        f"{size_gb:.1f} GB CSV, {o['n_labels']} labels; ours includes validation, writing Parquet and the "
        f"sha256 of every CSV for provenance ({o['sha256_s']:.1f} s on its own, one stream per file, overlapped "
        f"with parsing); same label matrix: {same}",
    )])


if __name__ == "__main__":
    main()
