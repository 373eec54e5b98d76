"""The model pack: where it lives, what it must contain (models_manifest.json), installing and verifying it.

Every file is checked against the manifest's sha256. Installing writes into a temporary file beside
the target, hashes while writing, and renames it into place only when the hash matches, so a
refused or interrupted file never leaves anything half-written under its real name.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import BinaryIO

import httpx
from pydantic import BaseModel, ConfigDict, Field

CHUNK = 1 << 16


class ManifestFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    folder: str = Field(pattern=r"^[A-Za-z0-9._-]+$")
    file: str = Field(pattern=r"^[A-Za-z0-9._-]+$")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)
    url: str
    license: str

    @property
    def relpath(self) -> str:
        return f"{self.folder}/{self.file}"


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    manifest_version: int
    files: list[ManifestFile]


def load_manifest() -> Manifest:
    text = resources.files("brightkitchen.edge").joinpath("models_manifest.json").read_text(encoding="utf-8")
    return Manifest.model_validate(json.loads(text))


def default_models_dir(env: Mapping[str, str] | None = None) -> Path:
    """``BRIGHTKITCHEN_MODELS``, else ``$XDG_DATA_HOME/brightkitchen/models``, else ~/.local/share/..."""
    env = os.environ if env is None else env
    if env.get("BRIGHTKITCHEN_MODELS"):
        return Path(env["BRIGHTKITCHEN_MODELS"]).expanduser()
    data_home = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home).expanduser() / "brightkitchen" / "models"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


class FileState(StrEnum):
    ok = "ok"
    missing = "missing"
    mismatch = "mismatch"


@dataclass(frozen=True)
class FileCheck:
    entry: ManifestFile
    state: FileState


def verify(models_dir: Path, manifest: Manifest | None = None) -> list[FileCheck]:
    manifest = manifest or load_manifest()
    checks = []
    for entry in manifest.files:
        path = Path(models_dir) / entry.folder / entry.file
        if not path.is_file():
            state = FileState.missing
        else:
            state = FileState.ok if sha256_file(path) == entry.sha256 else FileState.mismatch
        checks.append(FileCheck(entry, state))
    return checks


class Outcome(StrEnum):
    present = "present"  # already there with the right hash
    installed = "installed"
    refused = "refused"  # the source's bytes do not hash to the manifest's sha256
    failed = "failed"  # the source could not be read


@dataclass(frozen=True)
class InstallResult:
    entry: ManifestFile
    outcome: Outcome
    detail: str = ""
    unreachable: bool = False  # failed because the source could not be reached at all (no network)


class HashMismatch(ValueError):
    pass


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def install(
    models_dir: Path,
    source: str | None = None,
    manifest: Manifest | None = None,
    client: httpx.Client | None = None,
) -> list[InstallResult]:
    """Install every manifest file into ``models_dir`` from ``source``: a local folder laid out as
    folder/file, a base URL (``BASE/folder/file``), or None for each file's upstream URL."""
    manifest = manifest or load_manifest()
    if source is not None and not is_url(source) and not Path(source).is_dir():
        raise NotADirectoryError("the --from source is neither a folder nor an http(s) URL")
    own_client = client is None and (source is None or is_url(source))
    http = httpx.Client(follow_redirects=True, timeout=60.0) if own_client else client
    try:
        results: list[InstallResult] = []
        for entry in manifest.files:
            if results and results[-1].unreachable:
                # No network: one timeout is enough, not one per file.
                results.append(InstallResult(entry, Outcome.failed, "not tried: no network", unreachable=True))
            else:
                results.append(_install_one(Path(models_dir), entry, source, http))
        return results
    finally:
        if own_client and http is not None:
            http.close()


def _install_one(models_dir: Path, entry: ManifestFile, source: str | None, http: httpx.Client | None) -> InstallResult:
    target = models_dir / entry.folder / entry.file
    if target.is_file() and sha256_file(target) == entry.sha256:
        return InstallResult(entry, Outcome.present)
    try:
        with _open_source(entry, source, http) as stream:
            _write_checked(stream, target, entry)
    except HashMismatch as exc:
        return InstallResult(entry, Outcome.refused, str(exc))
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.ProxyError) as exc:
        return InstallResult(entry, Outcome.failed, f"cannot connect ({type(exc).__name__})", unreachable=True)
    except (OSError, httpx.HTTPError) as exc:
        return InstallResult(entry, Outcome.failed, type(exc).__name__ + (f": {exc}" if is_url(str(source)) else ""))
    return InstallResult(entry, Outcome.installed)


@contextmanager
def _open_source(entry: ManifestFile, source: str | None, http: httpx.Client | None) -> Iterator[Iterator[bytes]]:
    if source is not None and not is_url(source):
        with (Path(source) / entry.folder / entry.file).open("rb") as fh:
            yield _chunks(fh)
        return
    assert http is not None
    url = entry.url if source is None else f"{source.rstrip('/')}/{entry.folder}/{entry.file}"
    with http.stream("GET", url) as response:
        response.raise_for_status()
        yield response.iter_bytes(CHUNK)


def _chunks(fh: BinaryIO) -> Iterator[bytes]:
    yield from iter(lambda: fh.read(CHUNK), b"")


def _write_checked(stream: Iterator[bytes], target: Path, entry: ManifestFile) -> None:
    write_checked(stream, target, entry.sha256, entry.size)


def write_checked(stream: Iterator[bytes], target: Path, sha256: str, size: int, expected: str = "manifest's") -> None:
    """Write to a temp file beside the target; rename into place only when size and sha256 match."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        written = 0
        with os.fdopen(fd, "wb") as out:
            for chunk in stream:
                written += len(chunk)
                if written > size:  # stop early: no reason to take more bytes than expected
                    raise HashMismatch(f"more than the expected {size} bytes")
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if written != size:
            raise HashMismatch(f"{written} bytes, not the expected {size}")
        if digest.hexdigest() != sha256:
            got, want = digest.hexdigest()[:16], sha256[:16]
            raise HashMismatch(f"sha256 {got}... differs from the {expected} {want}...")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def install_local(models_dir: Path, entry: ManifestFile, source_file: Path) -> InstallResult:
    """Install one entry from a local file (the package's bundled models): the pack's checks and outcomes."""
    target = Path(models_dir) / entry.folder / entry.file
    if target.is_file() and sha256_file(target) == entry.sha256:
        return InstallResult(entry, Outcome.present)
    try:
        with source_file.open("rb") as fh:
            _write_checked(_chunks(fh), target, entry)
    except HashMismatch as exc:
        return InstallResult(entry, Outcome.refused, str(exc))
    except OSError as exc:
        return InstallResult(entry, Outcome.failed, f"{type(exc).__name__}: {exc.strerror or exc}")
    return InstallResult(entry, Outcome.installed)
