"""GPU check: the embed stage (and the MLP/MF routers) on a CUDA device against the CPU.

Run through ``bench/gpu_check.sh`` (which finds the Python). On a machine without a CUDA device
(CPU-only torch wheel, no GPU, or ``CUDA_VISIBLE_DEVICES=""``) it prints why and exits 0 without
checking anything. On a machine with one, for each offline encoder (the shipped MiniLM; the paper's
all-mpnet-base-v2 when ``resources/encoders/all-mpnet-base-v2`` is assembled):

1. embeds the 576 shared prompt samples (``../shared/data/prompt_samples``, plus planted
   near-duplicate variants of one in eight, as bench_embed.py) and a generated set of 36,000 prompts
   (32,000 from the demo generator, 30-300 words, and 4,000 planted variants) with
   ``embed.embed_queries`` on ``embed.device: cuda`` (batch ``--batch-size``, default 64);
2. embeds the same prompts on the CPU (the pipeline's exact path, batch 4); for the generated set a
   seeded subset of ``--cpu-subset`` base prompts with their variants (default 2,000; ``0``: all,
   about 90 min for mpnet on 2 cores);
3. checks cosine(GPU, CPU) >= 0.9999 for every prompt and the same near-duplicate groups at each
   ``--delta`` (config default 0.999; 0.99 and 0.995 as well), and prints prompts/s on both;
4. trains the ``mlp`` and ``mf`` routers (config/config.yaml settings) on cuda and on the CPU at
   EmbedLLM-like scale (``--router-train`` queries, 112 models; bench_routers.workload) and prints
   their time and how far the scores are apart (for information; not a pass criterion: training
   amplifies last-bit differences).

Exit status: 0 when every check passes or when there is no CUDA device (the reason is printed),
1 when a check fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
REPO = HERE.parent
MIN_COSINE = 0.9999


def no_gpu_reason() -> str | None:
    """Why this machine cannot run the check, or None when torch sees a CUDA device."""
    try:
        import torch
    except ImportError:
        return "torch is not installed"
    if not torch.cuda.is_available():
        build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
        return (f"torch {torch.__version__} ({build}) sees no CUDA device (torch.cuda.is_available() is False; "
                "CUDA_VISIBLE_DEVICES may hide one)")
    return None


def generated_prompts(n_base: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """(query_id, prompt) of ``n_base`` demo-generator prompts plus planted variants of one in eight,
    and the base prompt each row derives from (a variant's base is the prompt it was made from)."""
    from routerbench_plus import demo

    rng = np.random.default_rng([seed, 36])
    prompts = list(demo.make_prompts(rng, rng.integers(0, 80, n_base), 80, 30, 300))
    picked = rng.choice(n_base, size=n_base // 8, replace=False)
    half = len(picked) // 2
    variants = [prompts[i].upper() + "   " for i in picked[:half]]  # the same tokens for uncased encoders
    variants += [prompts[i] + " Answer briefly." for i in picked[half:]]  # a near, not exact, duplicate
    base = np.concatenate([np.arange(n_base), picked])
    texts = prompts + variants
    return pd.DataFrame({"query_id": [f"g{i:05d}" for i in range(len(texts))], "prompt": texts}), base


def groups(vectors: np.ndarray, ids: pd.Index, delta: float) -> list[list[str]]:
    """Near-duplicate groups (routerbench_plus.near_duplicates.find_groups) as sorted id lists."""
    from routerbench_plus import near_duplicates, store

    table = near_duplicates.find_groups(store.Embeddings(ids, vectors, "check"), delta).table
    return sorted(sorted(g["query_id"].astype(str)) for _, g in table.groupby("group_id"))


def embed_timed(queries: pd.DataFrame, encoder, batch_size: int, threads: int) -> tuple[np.ndarray, float]:
    from routerbench_plus import embed

    start = time.perf_counter()
    vectors = embed.embed_queries(queries, encoder, batch_size=batch_size, threads=threads).vectors
    return vectors, len(queries) / (time.perf_counter() - start)


def check_set(name: str, queries: pd.DataFrame, cpu_rows: np.ndarray, encoders, args) -> bool:
    """Embed ``queries`` on the GPU and ``queries.iloc[cpu_rows]`` on the CPU; compare. True when all pass."""
    gpu_vectors, gpu_rate = embed_timed(queries, encoders["cuda"], args.batch_size, args.threads)
    sub = queries.iloc[cpu_rows].reset_index(drop=True)
    cpu_vectors, cpu_rate = embed_timed(sub, encoders["cpu"], 4, args.threads)
    gpu_sub = gpu_vectors[cpu_rows]
    cosine = (gpu_sub * cpu_vectors).sum(axis=1)
    ok = bool(cosine.min() >= MIN_COSINE)
    print(f"  {name}: GPU {len(queries)} prompts at {gpu_rate:.1f} prompts/s (batch {args.batch_size}); CPU "
          f"{len(sub)} prompts at {cpu_rate:.1f} prompts/s (batch 4); cosine GPU vs CPU min {cosine.min():.6f} "
          f"mean {cosine.mean():.6f} -> {'ok' if ok else f'FAIL (< {MIN_COSINE})'}")
    ids = pd.Index(sub["query_id"], dtype=object)
    for delta in args.delta:
        on_cpu, on_gpu = groups(cpu_vectors, ids, delta), groups(gpu_sub, ids, delta)
        same = on_cpu == on_gpu
        ok &= same
        print(f"    groups at delta {delta}: CPU {len(on_cpu)} ({sum(map(len, on_cpu))} prompts), GPU {len(on_gpu)} "
              f"-> {'same' if same else 'DIFFERENT'}")
    return ok


def check_routers(args, gpu: str = "cuda") -> None:
    """mlp and mf on ``gpu`` vs cpu (information only)."""
    from bench_routers import ROUTERS, label_matrices, workload

    from routerbench_plus import routers

    n_val = n_test = max(100, args.router_train // 10)
    emb, labels = workload(112, args.router_train, n_val, n_test, 768)
    train, val, _ = label_matrices(labels, args.router_train, n_val)
    split = args.router_train + n_val
    routers.set_threads(args.threads)
    for name in ("mlp", "mf"):
        out: dict[str, tuple] = {}
        for device in (gpu, "cpu"):
            start = time.perf_counter()
            router = routers.make_router(name, {**ROUTERS[name], "device": device})
            router.fit(emb[: args.router_train], train, np.ones(112), emb[args.router_train : split], val)
            out[device] = (router.predict(emb[split:]), time.perf_counter() - start, len(router.history_))
        (g, g_s, g_ep), (c, c_s, c_ep) = out[gpu], out["cpu"]
        agree = float((g.argmax(axis=0) == c.argmax(axis=0)).mean())
        print(f"  router {name}: cuda {g_s:.1f} s ({g_ep} epochs), cpu {c_s:.1f} s ({c_ep} epochs); scores max |diff| "
              f"{float(np.abs(g - c).max()):.2e}, same top model for {100 * agree:.1f} % of test queries")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=64, help="GPU batch size (CPU: 4, the config default)")
    parser.add_argument("--generated", type=int, default=32_000, help="generated base prompts (+ 1/8 variants)")
    parser.add_argument("--cpu-subset", type=int, default=2_000,
                        help="generated base prompts also embedded on the CPU, with their variants (0: all)")
    parser.add_argument("--delta", type=float, nargs="+", default=[0.99, 0.995, 0.999])
    parser.add_argument("--threads", type=int, default=2, help="CPU threads")
    parser.add_argument("--router-train", type=int, default=10_000, help="training queries of the router check (0: skip)")
    parser.add_argument("--encoder", nargs="*", help="encoder names (default: the offline ones available)")
    args = parser.parse_args()

    reason = no_gpu_reason()
    if reason:
        print(f"gpu_check: SKIPPED, no CUDA GPU on this machine: {reason}. Nothing was checked.")
        return 0
    import torch
    from bench_embed import real_prompts

    from routerbench_plus import embed
    from routerbench_plus.errors import ConfigError

    print(f"gpu_check: {torch.cuda.get_device_name(0)}, torch {torch.__version__} (CUDA {torch.version.cuda})")
    names = args.encoder or [embed.SHIPPED_MINILM, embed.MPNET_OFFLINE]
    samples, _ = real_prompts(None)  # the 576 shared prompt samples + planted variants (exits without them)
    generated, base = generated_prompts(args.generated)
    rng = np.random.default_rng(0)
    keep = rng.choice(args.generated, size=min(args.cpu_subset, args.generated), replace=False) \
        if args.cpu_subset else np.arange(args.generated)
    cpu_rows = np.flatnonzero(np.isin(base, keep))  # the subset's base prompts and their variants
    ok = True
    for name in names:
        try:
            encoders = {device: embed.load_encoder(name, encoders_dir=REPO / "resources" / "encoders", device=device)
                        for device in ("cuda", "cpu")}
        except ConfigError as exc:
            print(f"encoder {name}: skipped ({exc})")
            continue
        print(f"encoder {name} ({encoders['cuda'].name} vs {encoders['cpu'].name}):")
        ok &= check_set(f"{len(samples)} prompt samples", samples, np.arange(len(samples)), encoders, args)
        ok &= check_set(f"{len(generated)} generated prompts", generated, cpu_rows, encoders, args)
    if args.router_train:
        check_routers(args)
    print("gpu_check: " + ("every check passed" if ok else "FAILED (see above)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
