"""Benchmark: embedding throughput (ours vs raw SentenceTransformer.encode) and the int8 fast path.

Texts: the real prompts of ../shared/data/prompt_samples (EmbedLLM, RouterBench, MixInstruct; 192
each), plus planted near-duplicate variants of a seeded subset (the same prompt with other letter
case and trailing spaces, and the same prompt with a short phrase appended), so that the
near-duplicate comparison has pairs on both sides of delta.

Encoder: the paper's all-mpnet-base-v2 when resources/encoders/all-mpnet-base-v2 exists (build it
with ``python -m routerbench_plus.embed assemble-mpnet``), else the shipped all-MiniLM-L6-v2.

Five ways to embed the same texts, each with the same thread budget (``--threads``, default 2):
* raw: ``SentenceTransformer.encode(texts, batch_size=B, normalize_embeddings=True)``;
* ours: ``embed.embed_queries(..., backend="torch")`` (length-sorted batches, no cache): the
  pipeline's exact path; target: within 10 % of raw;
* fast paths: ``embed.embed_queries(..., backend="bf16")`` and ``backend="int8"``; targets: >= 3x
  the throughput of ours, mean cosine to ours >= 0.99, and the same near-duplicate groups at delta
  (0.999) as ours.
The texts are shuffled (seeded) and cut into slices; each slice is embedded by the five methods
in rotating order, so that load from other processes falls on all of them alike.

The exact path is also timed at ``--reference-batch-size`` (64, the default before measuring): on
CPU, small length-sorted batches carry less padding, so the batch size alone changes throughput.

Whether a fast path can be fast depends on the CPU (``routerbench_plus.hardware``): each row notes
the kernel probe's verdict, i.e. whether ``embed.backend`` bf16 / int8 logs its "slower than exact
here" warning, and what ``backend: auto`` picks with ``auto_min_cosine: 0.99`` (its probe). With
``--no-onednn`` oneDNN is off, so ``torch._int_mm`` and bfloat16 products run without their
VNNI/AVX512-BF16 kernels, as on a CPU without them (the issue's AVX2-only EPYC).

Run: python bench/bench_embed.py [--threads 2] [--batch-size B] [--limit N] [--slices 6]
     [--encoder NAME] [--no-onednn] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import append_rows, cpu_summary, load_average, peak_rss_mb, row

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO.parent / "shared" / "data" / "prompt_samples"
MPNET_DIR = REPO / "resources" / "encoders" / "all-mpnet-base-v2"
SUFFIX = " Answer briefly."


def real_prompts(limit: int | None, seed: int = 0) -> tuple[pd.DataFrame, int]:
    """(query_id, prompt table, number of real prompts): the samples plus planted variants of 1 in 8."""
    files = sorted(SAMPLES.glob("probes_*-192.json"))
    if not files:
        raise SystemExit(f"no prompt samples under {SAMPLES} (../shared/data absent); nothing to benchmark")
    prompts = [item["prompt"] for f in files for item in json.loads(f.read_text())]
    rng = np.random.default_rng(seed)
    if limit:
        prompts = list(rng.permutation(np.asarray(prompts, dtype=object))[:limit])
    picked = rng.choice(len(prompts), size=max(2, len(prompts) // 8), replace=False)
    half = len(picked) // 2
    variants = [prompts[i].upper().rstrip() + "   " for i in picked[:half]]  # same tokens for uncased encoders
    variants += [prompts[i].rstrip() + SUFFIX for i in picked[half:]]  # a near, not exact, duplicate
    texts = prompts + variants
    return pd.DataFrame({"query_id": [f"p{i:04d}" for i in range(len(texts))], "prompt": texts}), len(prompts)


def groups_of(vectors: np.ndarray, ids: pd.Index, delta: float, encoder: str) -> list[list[str]]:
    """Near-duplicate groups (routerbench_plus.near_duplicates.find_groups) as sorted lists of query ids."""
    from routerbench_plus import near_duplicates as dedup
    from routerbench_plus import store

    found = dedup.find_groups(store.Embeddings(ids, vectors, encoder), delta)
    table = found.table
    return sorted(sorted(g["query_id"].astype(str)) for _, g in table.groupby("group_id"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=None, help="default: embed.batch_size of config/config.yaml")
    parser.add_argument("--reference-batch-size", type=int, default=64,
                        help="the exact path is also timed at this batch size (the default before it was measured)")
    parser.add_argument("--limit", type=int, default=None, help="use this many sample prompts (default: all 576)")
    parser.add_argument("--slices", type=int, default=6)
    parser.add_argument("--delta", type=float, default=0.999)
    parser.add_argument("--encoder", default=None, help="encoder name (default: mpnet if assembled, else MiniLM)")
    parser.add_argument("--no-onednn", action="store_true",
                        help="oneDNN off: int8 and bfloat16 products without VNNI/BF16 kernels, as on CPUs without them")
    parser.add_argument("--json", help="append result rows to this JSON file")
    args = parser.parse_args()

    import torch

    from routerbench_plus import embed

    if args.no_onednn:
        torch.backends.mkldnn.enabled = False
    print(f"CPU: {cpu_summary()}{'; oneDNN off (--no-onednn)' if args.no_onednn else ''}")
    slow = {backend: embed.slow_backend_reason(backend) for backend in ("bf16", "int8")}
    for backend, why in slow.items():
        print(f"backend {backend}: " + (f"warns 'slower than exact here' ({why})" if why else "kernels fast here"))

    if args.batch_size is None:
        import yaml

        args.batch_size = int(yaml.safe_load((REPO / "config" / "config.yaml").read_text())["embed"]["batch_size"])
    name = args.encoder or (str(MPNET_DIR) if (MPNET_DIR / "modules.json").exists() else embed.SHIPPED_MINILM)
    encoder = embed.load_encoder(name)
    label = "all-mpnet-base-v2" if name == str(MPNET_DIR) else name
    queries, n_real = real_prompts(args.limit)
    print(f"encoder: {label} ({'paper encoder' if 'mpnet' in label else 'shipped MiniLM; mpnet not assembled'}), "
          f"max_seq_length {encoder.model.max_seq_length}, dim {embed.embedding_dimension(encoder)}")
    print(f"texts: {len(queries)} ({n_real} real prompt samples + {len(queries) - n_real} planted variants), "
          f"{args.slices} slices, batch {args.batch_size}, {args.threads} threads, load {load_average()}")
    # the fast paths' model copies are made once per run, as in the pipeline; that time is counted
    build = {"bf16": lambda: embed.bf16_encoder(encoder), "int8": lambda: embed.quantise_encoder(encoder, workers=args.threads)}
    fast_encoders, times = {}, {"raw": 0.0, "ours": 0.0}
    for backend, make in build.items():
        start = time.perf_counter()
        fast_encoders[backend] = make()
        times[backend] = time.perf_counter() - start

    order = np.random.default_rng(1).permutation(len(queries))
    slices = np.array_split(order, args.slices)
    methods = ["ours", "raw", "ours_ref", *build]
    times["ours_ref"] = 0.0
    vectors = {m: np.zeros((len(queries), embed.embedding_dimension(encoder)), np.float32) for m in methods}
    for k, idx in enumerate(slices):  # rotate the order per slice
        part = queries.iloc[idx].reset_index(drop=True)
        shift = k % len(methods)
        for method in methods[shift:] + methods[:shift]:
            torch.set_num_threads(args.threads)
            start = time.perf_counter()
            if method == "raw":
                out = encoder.model.encode(part["prompt"].tolist(), batch_size=args.batch_size,
                                           normalize_embeddings=True, show_progress_bar=False)
            elif method in ("ours", "ours_ref"):
                batch = args.batch_size if method == "ours" else args.reference_batch_size
                out = embed.embed_queries(part, encoder, batch, threads=args.threads).vectors
            else:  # what embed_queries(backend=...) does, with the model copies made once (timed above)
                if method == "int8":
                    torch.set_num_threads(1)  # one single-threaded copy per thread
                out = embed.encode_texts(part["prompt"].tolist(), fast_encoders[method], args.batch_size, True)
            times[method] += time.perf_counter() - start
            vectors[method][idx] = out
        print(f"slice {k + 1}/{len(slices)}: " + ", ".join(f"{m} {t:.1f} s" for m, t in times.items()), flush=True)

    n = len(queries)
    rate = {m: n / t for m, t in times.items()}
    raw_vs_ours = times["ours"] / times["raw"] - 1
    cos_raw = (vectors["ours"] * vectors["raw"]).sum(axis=1)
    ids = pd.Index(queries["query_id"], dtype=object)
    g_exact = groups_of(vectors["ours"], ids, args.delta, label)
    # pairs close to the threshold are where a faster, approximate encoder could flip a decision
    sims = vectors["ours"] @ vectors["ours"].T
    iu = np.triu_indices(n, 1)
    band = (sims[iu] >= args.delta - 0.002) & (sims[iu] < 0.99995)  # near delta, not identical texts
    print("throughput: " + ", ".join(f"{m} {rate[m]:.2f} prompts/s" for m in methods))
    print(f"ours vs raw: {100 * raw_vs_ours:+.1f} % time (target within 10 %); max |1 - cos| {float(np.abs(1 - cos_raw).max()):.1e}")
    print(f"near-duplicate groups at delta {args.delta}: exact {len(g_exact)} ({sum(map(len, g_exact))} prompts); "
          f"{int(band.sum())} non-identical pair(s) at cos >= delta - 0.002")
    tag = f"{label}, {n} real-prompt texts, {args.threads} threads"
    rss = peak_rss_mb()
    batch_gain = times["ours_ref"] / times["ours"]
    cos_ref = (vectors["ours"] * vectors["ours_ref"]).sum(axis=1)
    print(f"exact path, batch {args.batch_size} vs {args.reference_batch_size}: {batch_gain:.2f}x throughput; "
          f"max |1 - cos| {float(np.abs(1 - cos_ref).max()):.1e}")
    rows = [
        row(f"embed: exact path, batch {args.batch_size} vs batch {args.reference_batch_size}", times["ours"],
            f"ours, batch {args.reference_batch_size}", times["ours_ref"], "(less padding; same vectors)", None, None, None,
            f"{tag}; {rate['ours']:.2f} vs {rate['ours_ref']:.2f} prompts/s; max |1 - cos| {float(np.abs(1 - cos_ref).max()):.1e}"),
        row("embed: ours (torch) vs raw encode", times["ours"], "SentenceTransformer.encode, same texts",
            times["raw"], "within 10 %", abs(raw_vs_ours) <= 0.10, rss, None,
            f"{tag}; {rate['ours']:.2f} vs {rate['raw']:.2f} prompts/s ({100 * raw_vs_ours:+.1f} % time)"),
    ]
    for backend in build:
        speedup = times["ours"] / times[backend]
        cos = (vectors["ours"] * vectors[backend]).sum(axis=1)
        g_fast = groups_of(vectors[backend], ids, args.delta, f"{label}+{backend}")
        same_groups = g_exact == g_fast
        sims_fast = (vectors[backend] @ vectors[backend].T)[iu]
        flips = int(((sims[iu] >= args.delta) != (sims_fast >= args.delta)).sum())
        print(f"{backend} vs ours: {speedup:.2f}x throughput (target >= 3x; its model copy included; "
              f"{times['ours_ref'] / times[backend]:.2f}x the exact path at batch {args.reference_batch_size}); "
              f"cosine mean {cos.mean():.5f}, min {cos.min():.5f} (target mean >= 0.99); groups {len(g_fast)}, "
              f"same groups: {same_groups}, {flips} pair decision(s) differ")
        rows.append(row(
            f"embed: {backend} fast path vs ours (torch)", times[backend], "ours, torch backend (exact)", times["ours"],
            ">= 3x, mean cos >= 0.99, same groups", speedup >= 3 and cos.mean() >= 0.99 and same_groups, rss, None,
            f"{tag}; {rate[backend]:.2f} prompts/s ({times['ours_ref'] / times[backend]:.2f}x the exact path at batch "
            f"{args.reference_batch_size}); cos mean {cos.mean():.5f} min {cos.min():.5f}; "
            f"groups at {args.delta}: {len(g_exact)} exact / {len(g_fast)} {backend}, same={same_groups}, "
            f"{int(band.sum())} pairs at cos in [delta-0.002, 1) (excl. identical), {flips} flipped",
        ))
    torch.set_num_threads(args.threads)
    _, why = embed.choose_backend(encoder, queries["prompt"].tolist(), 0.99, args.batch_size, args.threads)
    print(f"backend auto with auto_min_cosine 0.99 -> {why}")
    for r, backend in zip(rows[2:], build):
        r["notes"] += "; " + (f"warns slower than exact here: {slow[backend]}" if slow[backend] else "kernels fast here")
        r["notes"] += f"; {'oneDNN off (--no-onednn); ' if args.no_onednn else ''}backend auto (min cos 0.99) -> {why}"
    print(f"peak RSS {rss:.0f} MB, load {load_average()}")
    append_rows(args.json, rows)


if __name__ == "__main__":
    main()
