"""Embed every prompt with a sentence encoder (L2-normalised float32), with a content cache, and
count each prompt's tokens against the encoder's window.

``encoders`` loads an encoder by config name (and builds its bf16 / int8 fast variants); ``encode``
embeds prompts (batches, long prompts, cache); ``lengths`` measures prompts against the window.
The names below are the stage's interface. Command line: ``python -m routerbench_plus.embed``.
"""

from .encode import (
    DEFAULT_BATCH_SIZE,
    LONG_PROMPTS,
    CachedEncoding,
    check_long_prompts,
    check_prompts,
    choose_backend,
    embed_queries,
    encode_cached,
    encode_texts,
    encoder_slug,
    normalise,
    prompt_keys,
)
from .encoders import (
    BACKEND_CHOICES,
    BACKENDS,
    MPNET_OFFLINE,
    SHIPPED_MINILM,
    Encoder,
    assemble_mpnet,
    bf16_encoder,
    embedding_dimension,
    encoder_device,
    load_encoder,
    quantise_encoder,
    recorded_options,
    resolve_encoder,
    slow_backend_reason,
)
from .lengths import prompt_lengths, truncation_summary

__all__ = [
    "BACKENDS", "BACKEND_CHOICES", "DEFAULT_BATCH_SIZE", "LONG_PROMPTS", "MPNET_OFFLINE", "SHIPPED_MINILM", "CachedEncoding", "Encoder",
    "assemble_mpnet", "bf16_encoder", "check_long_prompts", "check_prompts", "choose_backend", "embed_queries", "embedding_dimension",
    "encode_cached", "encoder_device", "encode_texts", "encoder_slug", "load_encoder", "normalise", "prompt_keys", "prompt_lengths",
    "quantise_encoder", "recorded_options", "resolve_encoder", "slow_backend_reason", "truncation_summary",
]
