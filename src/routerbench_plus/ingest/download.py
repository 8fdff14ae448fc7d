"""Fetch a benchmark's source files, verified before use, and write ``manifest.json``.

Two kinds of source (an adapter's ``remote`` in the registry, ``adapters.REGISTRY``):

* :class:`HubSource`, a Hugging Face dataset repository: each file's size is checked against the
  Hub's metadata and its content against the LFS sha256 (large files) or the git blob id (small
  files).
* :class:`GitHubSource`, a GitHub repository at a pinned commit: every file is read from
  ``<raw>/<owner>/<repo>/<commit>/<path>`` (raw.githubusercontent.com) and checked against what the
  repository records for that path at that commit: its size and git blob id (from the contents API,
  ``<api>/repos/<owner>/<repo>/contents/<path>?ref=<commit>``), or, where the adapter pins them
  (files whose bytes we know), its size and sha256 directly, without the API call. A file that
  fails leaves nothing behind. The environment variables ``ROUTERBENCH_PLUS_GITHUB_RAW`` and
  ``ROUTERBENCH_PLUS_GITHUB_API`` point the base URLs at a mirror (the tests serve the shared
  samples from a local HTTP server this way).

A mismatch (a truncated transfer, a different file) is an InputError. ``manifest.json`` with the
verified sizes and sha256 is written last, so ingest re-checks the files every time it reads them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .. import store
from ..errors import InputError
from .base import MANIFEST

log = logging.getLogger(__name__)

RAW_URL = "https://raw.githubusercontent.com"
API_URL = "https://api.github.com"
ENV_RAW = "ROUTERBENCH_PLUS_GITHUB_RAW"
ENV_API = "ROUTERBENCH_PLUS_GITHUB_API"
USER_AGENT = "routerbench-plus-download"


@dataclass(frozen=True)
class HubSource:
    """A Hugging Face dataset repository and the files an adapter reads from it."""

    repo_id: str
    files: tuple[str, ...]


@dataclass(frozen=True)
class RemoteFile:
    """One upstream file: its path in the repository, its local name, and pins where known."""

    path: str
    name: str
    bytes: int | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class GitHubSource:
    """A GitHub repository at a pinned commit and the files an adapter reads from it."""

    repo: str
    commit: str
    files: tuple[RemoteFile, ...]


def fetch(
    source: HubSource | GitHubSource,
    dest: str | os.PathLike,
    revision: str | None = None,
    raw_url: str | None = None,
    api_url: str | None = None,
) -> pd.DataFrame:
    """Download and verify ``source``'s files into ``dest``; one row per file (file, bytes, sha256[, url]).

    ``revision`` replaces the Hub revision (default main) or the pinned commit; ``raw_url`` and
    ``api_url`` (GitHub only) replace the base URLs.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    if isinstance(source, HubSource):
        rows = fetch_hub(source, dest, revision)
        repo, commit = source.repo_id, revision
    else:
        rows = fetch_github(source, dest, revision, raw_url, api_url)
        repo, commit = source.repo, revision or source.commit
    manifest = {"repo_id": repo, "revision": commit, "files": {r["file"]: r for r in rows}}
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- Hugging Face Hub


def git_blob_sha1(path: Path) -> str:
    """The git object id of a file (how the Hub identifies small, non-LFS files)."""
    digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with open(path, "rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def fetch_hub(source: HubSource, dest: Path, revision: str | None = None) -> list[dict[str, Any]]:
    """Download ``source``'s files from the Hub into ``dest`` and verify each against the Hub's record."""
    from huggingface_hub import HfApi, hf_hub_download  # network only here

    repo_id, names = source.repo_id, source.files
    infos = {i.path: i for i in HfApi().get_paths_info(repo_id, list(names), repo_type="dataset", revision=revision)}
    missing = [n for n in names if n not in infos]
    if missing:
        raise InputError(f"Hugging Face dataset {repo_id} (revision {revision or 'main'}) has no file {missing[0]}")
    rows = []
    for file in names:
        local = Path(hf_hub_download(repo_id, file, repo_type="dataset", revision=revision, local_dir=dest))
        info = infos[file]
        size, digest = local.stat().st_size, store.file_sha256(local)
        lfs = getattr(info, "lfs", None)
        if lfs is not None:
            ok, expected = size == info.size and digest == lfs.sha256, f"{info.size} bytes, sha256 {lfs.sha256}"
        else:
            blob = git_blob_sha1(local)
            ok, expected = size == info.size and blob == info.blob_id, f"{info.size} bytes, git blob {info.blob_id}"
        if not ok:
            raise InputError(
                f"{local}: downloaded {size} bytes (sha256 {digest}) but the Hub lists {expected}: the transfer is "
                "incomplete or corrupt; delete the file and run the download rule again"
            )
        rows.append({"file": file, "bytes": size, "sha256": digest})
        log.info("downloaded %s/%s (%d bytes, sha256 %s)", repo_id, file, size, digest)
    return rows


# --------------------------------------------------------------------------- GitHub at a pinned commit


def _get(url: str, timeout: float, accept: str | None = None) -> Any:
    headers = {"User-Agent": USER_AGENT}
    if accept:
        headers["Accept"] = accept
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)
    except urllib.error.HTTPError as exc:
        raise InputError(
            f"{url}: HTTP {exc.code} {exc.reason}; check the repository, the pinned commit (options.revision) and "
            "the path, or use a local copy of the files as the benchmark's source"
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise InputError(
            f"{url}: cannot be reached ({exc}); offline, copy the files into a folder and give that folder as the "
            "benchmark's source"
        ) from None


def _metadata(api: str, repo: str, path: str, commit: str, timeout: float) -> tuple[int, str]:
    """(size, git blob id) the repository records for ``path`` at ``commit`` (GitHub contents API)."""
    url = f"{api}/repos/{repo}/contents/{urllib.parse.quote(path)}?ref={commit}"
    with _get(url, timeout, accept="application/vnd.github.object+json") as response:
        try:
            info = json.loads(response.read().decode("utf-8"))
            return int(info["size"]), str(info["sha"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{url}: not a file record with 'size' and 'sha' ({exc})") from None


def fetch_github(
    source: GitHubSource,
    dest: Path,
    revision: str | None = None,
    raw_url: str | None = None,
    api_url: str | None = None,
    timeout: float = 60.0,
) -> list[dict[str, Any]]:
    """Download and verify ``source``'s files into ``dest`` (flat, by local name).

    ``revision`` replaces the pinned commit (then only the repository's own size and blob id are
    checked, the pinned sha256 belongs to the pinned commit).
    """
    raw = (raw_url or os.environ.get(ENV_RAW) or RAW_URL).rstrip("/")
    api = (api_url or os.environ.get(ENV_API) or API_URL).rstrip("/")
    commit = revision or source.commit
    rows = []
    for file in source.files:
        pinned = commit == source.commit and file.bytes is not None and file.sha256 is not None
        size, blob = (file.bytes, None) if pinned else _metadata(api, source.repo, file.path, commit, timeout)
        url = f"{raw}/{source.repo}/{commit}/{urllib.parse.quote(file.path)}"
        target, part = dest / file.name, dest / f".{file.name}.part"
        sha256 = hashlib.sha256()
        sha1 = hashlib.sha1(f"blob {size}\0".encode())
        n = 0
        try:
            with _get(url, timeout) as response, open(part, "wb") as handle:
                while block := response.read(1 << 20):
                    handle.write(block)
                    sha256.update(block)
                    sha1.update(block)
                    n += len(block)
            got = sha256.hexdigest()
            if pinned:
                ok, expected = n == file.bytes and got == file.sha256, f"{file.bytes} bytes, sha256 {file.sha256} (pinned)"
            else:
                ok, expected = n == size and sha1.hexdigest() == blob, f"{size} bytes, git blob {blob}"
            if not ok:
                raise InputError(
                    f"{url}: downloaded {n} bytes (sha256 {got}) but {source.repo}@{commit[:12]} records {expected} for "
                    f"{file.path}: the transfer is incomplete or the file differs; run the download rule again"
                )
            os.replace(part, target)
        finally:
            part.unlink(missing_ok=True)
        rows.append({"file": file.name, "bytes": n, "sha256": got, "url": url})
        log.info("downloaded %s (%d bytes, sha256 %s)", url, n, got)
    return rows
