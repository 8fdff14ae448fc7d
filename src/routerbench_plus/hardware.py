"""What this machine offers: CPU model and SIMD/matrix features, a CUDA device, and one-off kernel
probes that decide which of several exact-equivalent code paths is fastest here.

A kernel that is fast on one CPU can be slow on another: ``torch._int_mm`` (the exact int8 x int8
-> int32 product) runs through oneDNN's VNNI/AMX kernels where the CPU has them and through a plain
triple loop elsewhere (3.7 s for a product that float32 BLAS does in 0.05-0.1 s on a 2-core AVX2-only
AMD EPYC; issue 15). The same holds for bfloat16 products without AVX512-BF16/AMX. So the fast paths
are chosen per machine:

* :func:`cpu_info` reads the CPU model and its SIMD/matrix flags (Linux ``/proc/cpuinfo``; elsewhere
  what ``platform`` and torch report), for bench rows and log lines;
* :func:`int8_product_is_fast` / :func:`bf16_product_is_fast`: a feature gate (VNNI or AMX for int8,
  AVX512-BF16 or AMX for bfloat16: without them torch has no fast kernel, and the probe itself
  would be slow), then a micro-probe timing a small product against float32 BLAS, once per process
  (cached). Only speed depends on the answer: every caller keeps its results identical across paths
  or names the approximate path explicitly.
* :func:`resolve_device`: ``auto`` | ``cpu`` | ``cuda`` to a torch device name.
"""

from __future__ import annotations

import functools
import logging
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

log = logging.getLogger(__name__)

# SIMD and matrix-unit flags worth reporting (x86 /proc/cpuinfo names; ARM "Features" names)
SIMD_FLAGS = (
    "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni",
    "avx512_bf16", "avx512_fp16", "amx_tile", "amx_int8", "amx_bf16", "amx_fp16",
    "asimd", "asimddp", "i8mm", "bf16", "sve", "sve2",
)
INT8_FLAGS = ("avx512_vnni", "avx_vnni", "amx_int8", "i8mm")  # int8 dot-product instructions
BF16_FLAGS = ("avx512_bf16", "amx_bf16", "bf16")  # native bfloat16 arithmetic
PROBE_SHAPE = (256, 4096, 256)  # rows x inner x columns of the probe products (268 M multiply-adds)
PROBE_REPEAT = 5
FAST_RATIO = 0.5  # a probed path counts as fast when it takes at most this share of float32's time
DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class CpuInfo:
    """The CPU a number was measured on."""

    model: str  # e.g. "AMD EPYC (family 26, model 2)"
    cores: int  # logical CPUs this process may use
    features: tuple[str, ...]  # the SIMD/matrix flags of SIMD_FLAGS it has, in that order
    known: bool  # False when the flags could not be read (no /proc/cpuinfo): gates then defer to the probe

    def summary(self) -> str:
        """One line: model, cores, SIMD/matrix features (what bench rows record)."""
        feats = " ".join(self.features) if self.known else "features unknown"
        return f"{self.model}, {self.cores} cores; {feats}"


def _read_cpuinfo(path: Path) -> dict[str, str]:
    """The first processor block of /proc/cpuinfo as {key: value} (empty if unreadable)."""
    try:
        text = path.read_text()
    except OSError:
        return {}
    fields: dict[str, str] = {}
    for line in text.split("\n\n")[0].splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip(), value.strip())
    return fields


def parse_cpu(fields: dict[str, str], cores: int, fallback_model: str = "") -> CpuInfo:
    """CpuInfo from /proc/cpuinfo fields (x86 ``model name``/``flags``, ARM ``CPU part``/``Features``)."""
    flags = set((fields.get("flags") or fields.get("Features") or "").split())
    model = fields.get("model name") or fields.get("Model name") or fallback_model or "unknown CPU"
    if "cpu family" in fields and "model" in fields:
        model = f"{model} (family {fields['cpu family']}, model {fields['model']})"
    elif "CPU part" in fields:
        model = f"{model} (implementer {fields.get('CPU implementer', '?')}, part {fields['CPU part']})"
    return CpuInfo(model, cores, tuple(f for f in SIMD_FLAGS if f in flags), bool(flags))


@functools.cache
def cpu_info() -> CpuInfo:
    """This machine's CPU (cached)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return parse_cpu(_read_cpuinfo(Path("/proc/cpuinfo")), cores, platform.processor() or platform.machine())


def _time_against_float32(torch, fn) -> tuple[float, float]:
    """(best time of ``fn``, best time of the float32 product of PROBE_SHAPE), single-threaded (no
    waiting on a descheduled worker thread when other processes share the cores). ``fn`` stops
    after its warm-up call when that alone takes 20x float32's best: a slow kernel is not timed
    further."""
    m, k, n = PROBE_SHAPE
    a, b = torch.ones((m, k)), torch.ones((k, n))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        t_f32 = _best_time(lambda: torch.mm(a, b))
        start = time.perf_counter()
        fn()  # warm-up (builds kernels / primitives)
        first = time.perf_counter() - start
        t_fn = first if first > 20 * t_f32 else _best_time(fn, warm=False)
    finally:
        torch.set_num_threads(threads)
    return t_fn, t_f32


def _best_time(fn, warm: bool = True) -> float:
    if warm:
        fn()  # warm-up: first calls build kernels / primitives
    best = float("inf")
    for _ in range(PROBE_REPEAT):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


@functools.cache
def _int8_probe(mkldnn_enabled: bool, gate: bool) -> tuple[bool, str]:
    try:
        import torch
    except ImportError:
        return False, "torch is not installed"
    if not hasattr(torch, "_int_mm"):
        return False, f"torch {torch.__version__} has no _int_mm"
    if not mkldnn_enabled:
        return False, "oneDNN (torch.backends.mkldnn) is off: torch._int_mm falls back to a plain loop"
    if not gate:
        return False, "the CPU has no int8 dot-product instructions (VNNI/AMX): torch._int_mm has no fast kernel"
    m, k, n = PROBE_SHAPE
    a, b = torch.ones((m, k), dtype=torch.int8), torch.ones((n, k), dtype=torch.int8).t()
    t_int8, t_f32 = _time_against_float32(torch, lambda: torch._int_mm(a, b))
    fast = t_int8 <= FAST_RATIO * t_f32
    return fast, f"probe: int8 {1e3 * t_int8:.2f} ms vs float32 {1e3 * t_f32:.2f} ms (one thread)"


def _mkldnn_enabled() -> bool:
    import torch

    return bool(torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled)


def int8_product_choice() -> tuple[bool, str]:
    """(is torch._int_mm fast here, why): feature gate, then a timed micro-probe (cached per process)."""
    info = cpu_info()
    gate = not info.known or any(f in info.features for f in INT8_FLAGS)
    try:
        enabled = _mkldnn_enabled()
    except ImportError:
        enabled = False
    fast, why = _int8_probe(enabled, gate)
    return fast, why


def int8_product_is_fast() -> bool:
    """Whether the exact int8 product (torch._int_mm) beats float32 BLAS on this machine."""
    fast, why = int8_product_choice()
    log.debug("int8 product %s here (%s)", "fast" if fast else "not fast", why)
    return fast


@functools.cache
def _bf16_probe(gate: bool) -> tuple[bool, str]:
    try:
        import torch
    except ImportError:
        return False, "torch is not installed"
    if not gate:
        return False, "the CPU has no native bfloat16 arithmetic (AVX512-BF16/AMX)"
    m, k, n = PROBE_SHAPE
    a, b = torch.ones((m, k), dtype=torch.bfloat16), torch.ones((k, n), dtype=torch.bfloat16)
    t_bf16, t_f32 = _time_against_float32(torch, lambda: torch.mm(a, b))
    fast = t_bf16 <= FAST_RATIO * t_f32
    return fast, f"probe: bfloat16 {1e3 * t_bf16:.2f} ms vs float32 {1e3 * t_f32:.2f} ms (one thread)"


def bf16_product_choice() -> tuple[bool, str]:
    """(are bfloat16 products fast here, why): feature gate, then a timed micro-probe (cached)."""
    info = cpu_info()
    return _bf16_probe(not info.known or any(f in info.features for f in BF16_FLAGS))


def cuda_available() -> bool:
    """Whether torch sees a CUDA device (False without torch)."""
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def resolve_device(value: str, key: str) -> str:
    """``auto`` (a CUDA device if torch sees one, else the CPU) | ``cpu`` | ``cuda`` -> "cpu" or "cuda".

    ``cuda`` without a CUDA device is a ConfigError naming ``key``.
    """
    if value not in DEVICES:
        raise ConfigError(f"config key {key}: expected one of {list(DEVICES)}; got {value!r}")
    if value == "cpu":
        return "cpu"
    available = cuda_available()
    if value == "cuda" and not available:
        raise ConfigError(
            f"config key {key}: 'cuda' but torch sees no CUDA device on this machine "
            "(CPU-only torch wheel or no GPU); use 'auto' or 'cpu'"
        )
    return "cuda" if available else "cpu"
