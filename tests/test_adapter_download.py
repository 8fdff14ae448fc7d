"""The adapters' download path (pinned commit, size + git blob id / pinned sha256, manifest.json),
against a local HTTP server that serves the shared samples in GitHub's URL layout:
``raw/<owner>/<repo>/<commit>/<path>`` (raw.githubusercontent.com) and
``api/repos/<owner>/<repo>/contents/<path>`` (the contents API's {size, sha} record)."""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, shared_data

from routerbench_plus import ingest
from routerbench_plus.errors import InputError
from routerbench_plus.ingest.adapters import REGISTRY
from routerbench_plus.ingest.download import ENV_API, ENV_RAW, GitHubSource

SPLIT = {"val_fraction": 0.1, "test_fraction": 0.2, "seed": 0}
SAMPLES = {
    "llmrouter": ("llmrouter_sample", {}),
    "routerdc": ("routerdc_sample", {"models_table": str(REPO / "config/models/routerdc.csv")}),
    "carrot": ("openllm_leaderboard_v2_carrot", {"models_table": str(REPO / "config/models/openllm_v2.csv")}),
}


def blob_sha1(data: bytes) -> str:
    return hashlib.sha1(f"blob {len(data)}\0".encode() + data).hexdigest()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest output clean
        pass


@pytest.fixture
def server(tmp_path):
    """A local HTTP server over tmp_path/www; yields (root folder, base URL)."""
    root = tmp_path / "www"
    root.mkdir()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def publish(root: Path, source: GitHubSource, files: dict[str, bytes], commit: str | None = None) -> None:
    """Serve ``files`` (local name -> bytes) at their repository paths, with contents-API records."""
    commit = commit or source.commit
    for remote in source.files:
        data = files[remote.name]
        raw = root / "raw" / source.repo / commit / remote.path
        raw.parent.mkdir(parents=True, exist_ok=True)
        raw.write_bytes(data)
        api = root / "api" / "repos" / source.repo / "contents" / remote.path
        api.parent.mkdir(parents=True, exist_ok=True)
        api.write_text(json.dumps({"type": "file", "path": remote.path, "size": len(data), "sha": blob_sha1(data)}))


def sample_files(adapter: str) -> dict[str, bytes]:
    folder = shared_data(SAMPLES[adapter][0])
    return {f.name: (folder / f.name).read_bytes() for f in REGISTRY[adapter].remote.files}


@pytest.mark.parametrize("adapter", sorted(SAMPLES))
def test_download_serves_verified_files_that_ingest_like_the_sample(adapter, server, tmp_path):
    root, url = server
    files = sample_files(adapter)
    publish(root, REGISTRY[adapter].remote, files)
    dest = tmp_path / "dl"
    table = ingest.download(adapter, dest, raw_url=f"{url}/raw", api_url=f"{url}/api")
    assert sorted(table["file"]) == sorted(files)
    manifest = json.loads((dest / ingest.MANIFEST).read_text())
    assert manifest["revision"] == REGISTRY[adapter].remote.commit
    for name, data in files.items():
        assert (dest / name).read_bytes() == data
        assert manifest["files"][name]["sha256"] == hashlib.sha256(data).hexdigest()
        assert manifest["files"][name]["bytes"] == len(data)
        assert f"/{REGISTRY[adapter].remote.commit}/" in manifest["files"][name]["url"]
    # the download ingests exactly like the sample, and ingest re-checks it against the manifest
    sample_dir, options = shared_data(SAMPLES[adapter][0]), SAMPLES[adapter][1]
    got = ingest.ingest(adapter, dest, options, "drop", SPLIT, "b")
    want = ingest.ingest(adapter, sample_dir, options, "drop", SPLIT, "b")
    for frame in ("queries", "models", "labels"):
        pd.testing.assert_frame_equal(getattr(got.benchmark, frame), getattr(want.benchmark, frame))
    rows = got.report.set_index("key")
    assert all("matches download manifest" in rows.loc[f"file:{name}", "detail"] for name in files)


def test_carrot_pin_is_the_shared_file():
    (pin,) = REGISTRY["carrot"].remote.files
    path = shared_data("openllm_leaderboard_v2_carrot", pin.name)
    assert path.stat().st_size == pin.bytes and ingest.store.file_sha256(path) == pin.sha256


def test_truncated_transfer_is_an_error_and_leaves_nothing(server, tmp_path):
    root, url = server
    files = sample_files("llmrouter")
    publish(root, REGISTRY["llmrouter"].remote, files)
    # the server now sends a cut train.json while the repository records the full file
    (path,) = [f.path for f in REGISTRY["llmrouter"].remote.files if f.name == "train.json"]
    served = root / "raw" / "ulab-uiuc/LLMRouter" / REGISTRY["llmrouter"].remote.commit / path
    served.write_bytes(files["train.json"][:1000])
    dest = tmp_path / "dl"
    with pytest.raises(InputError, match=r"downloaded 1000 bytes.*records \d+ bytes, git blob [0-9a-f]{40}.*incomplete"):
        ingest.download("llmrouter", dest, raw_url=f"{url}/raw", api_url=f"{url}/api")
    assert not (dest / "train.json").exists() and not list(dest.glob(".*.part")) and not (dest / ingest.MANIFEST).exists()


def test_pinned_sha256_is_checked_without_the_api(server, tmp_path):
    root, url = server
    files = sample_files("carrot")
    (pin,) = REGISTRY["carrot"].remote.files
    tampered = bytearray(files[pin.name])
    tampered[-10] ^= 0xFF  # same size, different content
    raw = root / "raw" / REGISTRY["carrot"].remote.repo / REGISTRY["carrot"].remote.commit / pin.path
    raw.parent.mkdir(parents=True)
    raw.write_bytes(bytes(tampered))  # no contents-API record is served: the pin alone decides
    with pytest.raises(InputError, match=r"sha256 becbe6bc.*\(pinned\)"):
        ingest.download("carrot", tmp_path / "dl", raw_url=f"{url}/raw", api_url=f"{url}/api")


def test_revision_option_and_missing_file(server, tmp_path):
    root, url = server
    files = sample_files("carrot")
    other = "0" * 40
    publish(root, REGISTRY["carrot"].remote, files, commit=other)
    # another revision: verified against the repository's record (size, blob id), not the pin
    ingest.download("carrot", tmp_path / "a", revision=other, raw_url=f"{url}/raw", api_url=f"{url}/api")
    assert json.loads((tmp_path / "a" / ingest.MANIFEST).read_text())["revision"] == other
    shutil.rmtree(root / "raw")
    with pytest.raises(InputError, match=r"HTTP 404.*options.revision"):
        ingest.download("carrot", tmp_path / "b", revision=other, raw_url=f"{url}/raw", api_url=f"{url}/api")


def test_ingest_download_dispatches_to_the_adapter(server, tmp_path, monkeypatch):
    """The Snakemake `ingest_download` rule calls ingest.download; mirrors come from the environment."""
    root, url = server
    publish(root, REGISTRY["routerdc"].remote, sample_files("routerdc"))
    monkeypatch.setenv(ENV_RAW, f"{url}/raw")
    monkeypatch.setenv(ENV_API, f"{url}/api")
    table = ingest.download("routerdc", tmp_path / "dl")
    assert len(table) == 16 and (tmp_path / "dl" / "gsm8k-train.json").exists()
