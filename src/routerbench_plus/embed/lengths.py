"""Prompt lengths against the encoder's window: which prompts it truncates (the embed stage's
truncation table), and a hash of each full token sequence."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .encode import check_long_prompts, check_prompts, token_ids
from .encoders import Encoder

log = logging.getLogger(__name__)


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
    flat, counts = token_ids(prompts.tolist(), encoder.model.tokenizer, special=True)
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
