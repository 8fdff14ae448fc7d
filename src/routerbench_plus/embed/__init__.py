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
    embed_queries,
    encode_cached,
    encode_texts,
    encoder_slug,
    normalise,
    prompt_keys,
)
from .encoders import (
    BACKENDS,
    MPNET_OFFLINE,
    SHIPPED_MINILM,
    Encoder,
    assemble_mpnet,
    bf16_encoder,
    embedding_dimension,
    load_encoder,
    quantise_encoder,
    resolve_encoder,
)
from .lengths import prompt_lengths, truncation_summary

__all__ = [
    "BACKENDS", "DEFAULT_BATCH_SIZE", "LONG_PROMPTS", "MPNET_OFFLINE", "SHIPPED_MINILM", "CachedEncoding", "Encoder",
    "assemble_mpnet", "bf16_encoder", "check_long_prompts", "check_prompts", "embed_queries", "embedding_dimension",
    "encode_cached", "encode_texts", "encoder_slug", "load_encoder", "normalise", "prompt_keys", "prompt_lengths",
    "quantise_encoder", "resolve_encoder", "truncation_summary",
]
