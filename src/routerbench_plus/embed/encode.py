"""Embedding prompts: batches, long prompts and the content cache.

Cache: vectors are stored under ``<cache_dir>/<encoder-slug>/shard-<hash>.parquet`` keyed by the
sha256 of the prompt; the slug names the encoder and its effective max sequence length (truncation
changes vectors). Re-running with the same prompts encodes nothing again.

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

import contextlib
import hashlib
import itertools
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from .. import store
from ..errors import ConfigError, InputError
from .encoders import (
    BACKEND_CHOICES,
    Encoder,
    bf16_encoder,
    embedding_dimension,
    encoder_device,
    quantise_encoder,
    slow_backend_reason,
)

log = logging.getLogger(__name__)

LONG_PROMPTS = ("truncate", "tail", "mean_windows")
PROBE_PROMPTS = 16  # prompts the embed.backend=auto probe encodes with each candidate backend
PROBE_MIN_GAIN = 1.2  # a fast path must be this much faster than the exact one in the probe to be taken
LENGTH_CHUNK = 2048  # prompts tokenised per call of the tokenizer (bounded memory)
DEFAULT_BATCH_SIZE = 4  # CPU: small length-sorted batches carry least padding (bench/bench_embed.py)


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


def token_ids(texts: Sequence[str], tokenizer: Any, special: bool) -> tuple[np.ndarray, np.ndarray]:
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
    flat, counts = token_ids(texts.tolist(), tokenizer, special=False)
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
            device = model.device
            features = {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in features.items()}
            vectors[part] = model(features)["sentence_embedding"].float().cpu().numpy()
    weighted = np.zeros((len(texts), out.shape[1]), dtype=np.float64)
    np.add.at(weighted, of_row, vectors.astype(np.float64) * length[:, None])
    out[rows] = normalise(weighted[rows])
    log.info("mean_windows: %d prompt(s) longer than %d tokens embedded as %d windows", len(rows), window, len(start))
    return out


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
    with store.atomic_path(path) as tmp:
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


def _with_backend(encoder: Encoder, backend: str, workers: int) -> Encoder:
    """The encoder for ``backend`` (torch: ``encoder`` itself); int8: ``workers`` single-threaded copies."""
    if backend == "bf16":
        return bf16_encoder(encoder)
    if backend == "int8":
        return quantise_encoder(encoder, workers=workers)
    return encoder


@contextlib.contextmanager
def _backend_threads(encoder: Encoder) -> Any:
    """torch runs single-threaded inside the block when ``encoder`` has one copy per thread (int8)."""
    if not encoder.single_threaded:
        yield
        return
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _probe_texts(texts: Sequence[str], n: int = PROBE_PROMPTS) -> list[str]:
    """Up to ``n`` distinct texts spread evenly over the length order (short to long): the probe's sample."""
    distinct = sorted(set(texts), key=lambda t: (len(t), t))
    pick = np.unique(np.linspace(0, len(distinct) - 1, num=min(n, len(distinct))).round().astype(int))
    return [distinct[i] for i in pick]


def probe_encoder(encoder: Encoder, texts: Sequence[str], batch_size: int) -> tuple[float, np.ndarray]:
    """(seconds to encode ``texts`` after a warm-up pass, their vectors): one probe of choose_backend."""
    with _backend_threads(encoder):
        vectors = encode_texts(texts, encoder, batch_size)  # warm-up; also the vectors compared
        start = time.perf_counter()
        encode_texts(texts, encoder, batch_size)
        return time.perf_counter() - start, vectors


def choose_backend(
    encoder: Encoder,
    texts: Sequence[str],
    min_cosine: float | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int = 1,
) -> tuple[Encoder, str]:
    """``embed.backend=auto``: (the encoder to embed with, why it was chosen).

    With ``min_cosine`` None (config ``embed.auto_min_cosine: null``, the default) the exact path,
    without probing: the vectors stay byte-identical to ``backend: torch``. With a number, the fast
    paths whose kernels are fast on this CPU (``hardware``) are probed on a few of ``texts``
    (:func:`_probe_texts`) against the exact path: the fastest whose minimum cosine to the exact
    vectors is at least ``min_cosine`` and that is at least PROBE_MIN_GAIN times faster is taken.
    Which one that is depends on this machine's speed, so it is logged and the vectors carry its
    name (``<encoder>+int8``). On a GPU the exact path.
    """
    if min_cosine is None:
        return encoder, "auto: the exact torch path (embed.auto_min_cosine is null: byte-identical vectors)"
    if not 0 < float(min_cosine) <= 1:
        raise ConfigError(f"config key embed.auto_min_cosine: expected a number in (0, 1] or null; got {min_cosine!r}")
    if encoder_device(encoder) != "cpu":
        return encoder, f"auto: the exact torch path (on {encoder_device(encoder)}, the fast paths are CPU kernels)"
    skipped = {b: slow_backend_reason(b) for b in ("bf16", "int8")}
    candidates = [b for b, why in skipped.items() if why is None]
    if not candidates:
        return encoder, "auto: the exact torch path (" + "; ".join(f"{b}: {why}" for b, why in skipped.items()) + ")"
    sample = _probe_texts(texts)
    exact_s, exact = probe_encoder(encoder, sample, batch_size)
    best, best_s, notes = encoder, exact_s, [f"torch {len(sample) / exact_s:.1f} prompts/s"]
    for backend in candidates:
        fast = _with_backend(encoder, backend, workers)
        seconds, vectors = probe_encoder(fast, sample, batch_size)
        cosine = float((vectors * exact).sum(axis=1).min())
        notes.append(f"{backend} {len(sample) / seconds:.1f} prompts/s, min cos {cosine:.5f}")
        if cosine >= min_cosine and seconds * PROBE_MIN_GAIN <= exact_s and seconds < best_s:
            best, best_s = fast, seconds
    return best, f"auto: {best.name} (probe on {len(sample)} prompts, min cosine {min_cosine}: {'; '.join(notes)})"


def embed_queries(
    queries: pd.DataFrame,
    encoder: Encoder,
    batch_size: int = DEFAULT_BATCH_SIZE,
    sort_by_length: bool = True,
    max_seq_length: int | None = None,
    cache_dir: str | os.PathLike | None = None,
    threads: int | None = None,
    backend: str = "auto",
    long_prompts: str = "truncate",
    auto_min_cosine: float | None = None,
) -> store.Embeddings:
    """Embed the ``prompt`` of every query: L2-normalised float32 vectors in the queries' order.

    ``max_seq_length`` (tokens) truncates for this call only (None: the encoder's own limit);
    ``threads`` sets torch's intra-op threads; ``backend`` is ``auto`` (:func:`choose_backend` with
    ``auto_min_cosine``; None: the exact path), ``torch`` (exact), ``bf16`` (:func:`bf16_encoder`)
    or ``int8`` (:func:`quantise_encoder`); the fast paths' vectors carry the encoder name
    ``<name>+bf16`` / ``<name>+int8``. ``long_prompts``: ``truncate`` (default), ``tail`` or
    ``mean_windows`` (module docstring).
    """
    check_long_prompts(long_prompts)
    if backend not in BACKEND_CHOICES:
        raise ConfigError(f"embed.backend='{backend}' is not supported; expected one of {list(BACKEND_CHOICES)}")
    if batch_size < 1:
        raise ConfigError(f"embed.batch_size={batch_size}: expected an integer >= 1")
    prompts = check_prompts(queries)
    if threads:
        import torch

        torch.set_num_threads(int(threads))
    if backend == "auto" and auto_min_cosine is None:
        log.info("embed.backend=auto: the exact torch path (embed.auto_min_cosine is null)")
    elif backend == "auto":
        import torch

        encoder, why = choose_backend(encoder, prompts.tolist(), auto_min_cosine, batch_size,
                                      int(threads or torch.get_num_threads()))
        log.info("embed.backend=%s", why)
    elif backend != "torch":
        import torch

        encoder = _with_backend(encoder, backend, int(threads or torch.get_num_threads()))
    models = (encoder.model, *encoder.replicas)
    own_limit = encoder.model.max_seq_length
    try:
        if max_seq_length is not None:
            for model in models:
                model.max_seq_length = int(max_seq_length)
        with _backend_threads(encoder):  # int8: one single-threaded copy per thread (see encode_texts)
            result = encode_cached(prompts.tolist(), encoder, batch_size, sort_by_length, cache_dir, long_prompts)
    finally:
        for model in models:
            model.max_seq_length = own_limit
    return store.Embeddings(pd.Index(queries["query_id"].astype(str).tolist(), dtype=object), result.vectors, encoder.name)
