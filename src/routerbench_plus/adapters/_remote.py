"""Fetch an adapter's upstream files from GitHub at a pinned commit, verified before use.

Every file is read from ``<raw>/<owner>/<repo>/<commit>/<path>`` (raw.githubusercontent.com) and
checked against what the repository records for that path at that commit: its size and git blob id
(from the contents API, ``<api>/repos/<owner>/<repo>/contents/<path>?ref=<commit>``), and, where the
adapter pins them (files whose bytes we know), its size and sha256 directly, without the API call.
A mismatch (a truncated transfer, a different file) is an InputError and leaves no file behind.
``manifest.json`` (sizes and sha256 of the verified files) is written last; ingest re-checks every
file against it each time it reads them, exactly as for the Hugging Face downloads.

The base URLs default to GitHub; the environment variables ``ROUTERBENCH_PLUS_GITHUB_RAW`` and
``ROUTERBENCH_PLUS_GITHUB_API`` point them at a mirror (the tests serve the shared samples from a
local HTTP server this way).
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

from ..errors import InputError

log = logging.getLogger(__name__)

RAW_URL = "https://raw.githubusercontent.com"
API_URL = "https://api.github.com"
ENV_RAW = "ROUTERBENCH_PLUS_GITHUB_RAW"
ENV_API = "ROUTERBENCH_PLUS_GITHUB_API"
MANIFEST = "manifest.json"
USER_AGENT = "routerbench-plus-download"


@dataclass(frozen=True)
class RemoteFile:
    """One upstream file: its path in the repository, its local name, and pins where known."""

    path: str
    name: str
    bytes: int | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class RemoteSource:
    """A GitHub repository at a pinned commit and the files an adapter reads from it."""

    repo: str
    commit: str
    files: tuple[RemoteFile, ...]


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


def fetch(
    source: RemoteSource,
    dest: str | os.PathLike,
    revision: str | None = None,
    raw_url: str | None = None,
    api_url: str | None = None,
    timeout: float = 60.0,
) -> pd.DataFrame:
    """Download and verify ``source``'s files into ``dest`` (flat, by local name); write manifest.json.

    ``revision`` replaces the pinned commit (then only the repository's own size and blob id are
    checked, the pinned sha256 belongs to the pinned commit). Returns one row per file: file, bytes,
    sha256, url.
    """
    raw = (raw_url or os.environ.get(ENV_RAW) or RAW_URL).rstrip("/")
    api = (api_url or os.environ.get(ENV_API) or API_URL).rstrip("/")
    commit = revision or source.commit
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
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
    manifest = {"repo_id": source.repo, "revision": commit, "files": {r["file"]: r for r in rows}}
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return pd.DataFrame(rows)
