"""bench/gpu_check.sh: the clean exit without a GPU (here), and its checks run on the CPU (small sizes)."""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO

from routerbench_plus import embed


def _load(name: str):
    sys.path.insert(0, str(REPO / "bench"))
    spec = importlib.util.spec_from_file_location(name, REPO / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gpu_check = _load("gpu_check")


def test_exits_cleanly_with_a_reason_without_a_gpu():
    """No CUDA device (hidden with CUDA_VISIBLE_DEVICES, so this holds on a GPU machine too): exit 0, the reason printed."""
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="", PYTHON=sys.executable)
    done = subprocess.run(["bash", str(REPO / "bench" / "gpu_check.sh")], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "SKIPPED, no CUDA GPU" in done.stdout and "Nothing was checked" in done.stdout
    assert "torch.cuda.is_available() is False" in done.stdout
    env["PYTHON"] = "no-such-python-here"
    done = subprocess.run(["bash", str(REPO / "bench" / "gpu_check.sh")], env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0 and "no Python interpreter" in done.stdout


def test_generated_prompts_plant_variants_of_one_in_eight():
    queries, base = gpu_check.generated_prompts(80)
    assert len(queries) == 90 and queries["query_id"].is_unique
    assert (base[:80] == np.arange(80)).all() and np.isin(base[80:], np.arange(80)).all()
    variants = queries["prompt"].to_numpy()[80:]
    assert all(v.lower().strip() == queries["prompt"][b].lower().strip() or v.endswith(" Answer briefly.")
               for v, b in zip(variants, base[80:]))


def test_checks_pass_for_the_same_vectors_and_fail_for_moved_ones(monkeypatch, capsys):
    """check_set with the CPU encoder standing in for the GPU one: every check passes; with the
    'GPU' vectors moved (planted), the cosine check fails."""
    encoder = embed.load_encoder(embed.SHIPPED_MINILM)
    queries, _ = gpu_check.generated_prompts(16)
    args = argparse.Namespace(batch_size=8, threads=1, delta=[0.999])
    encoders = {"cuda": encoder, "cpu": encoder}
    assert gpu_check.check_set("tiny", queries, np.arange(len(queries)), encoders, args)
    assert "cosine GPU vs CPU min" in capsys.readouterr().out
    real = gpu_check.embed_timed

    def moved(queries, enc, batch_size, threads):
        vectors, rate = real(queries, enc, batch_size, threads)
        if batch_size == 8:  # the "GPU" call
            vectors = embed.normalise(vectors + 0.05 * np.roll(vectors, 1, axis=1))
        return vectors, rate

    monkeypatch.setattr(gpu_check, "embed_timed", moved)
    assert not gpu_check.check_set("tiny", queries, np.arange(len(queries)), encoders, args)
    assert "FAIL" in capsys.readouterr().out


def test_router_check_runs(capsys):
    pytest.importorskip("torch")
    gpu_check.check_routers(argparse.Namespace(router_train=300, threads=1), gpu="cpu")
    out = capsys.readouterr().out
    assert "router mlp:" in out and "router mf:" in out and "same top model for 100.0 %" in out
