"""Evidence in a local folder: the embedded default."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pydantic import BaseModel

from brightkitchen.platform.storage.base import EvidenceMissing, InvalidKey, check_key


class LocalStoreConfig(BaseModel):
    root: Path


class LocalStore:
    def __init__(self, config: LocalStoreConfig) -> None:
        self.root = config.root

    def _path(self, key: str) -> Path:
        path = self.root / check_key(key)
        # Belt and braces: the key pattern already forbids "..", but never leave the root whatever happens.
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise InvalidKey("key escapes the evidence folder")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Durable on return: the caller commits the file's row after this, and a committed row must never
        point at a file a power cut took away (the data, its name and any new folder are fsynced)."""
        path = self._path(key)
        made = self._make_folders(path.parent)
        # Write then rename, so a reader or a crash never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        for folder in [path.parent, *made]:
            _fsync_folder(folder)

    def _make_folders(self, folder: Path) -> list[Path]:
        """Creates ``folder`` and any missing parents; returns the folders whose entries changed (the parents of
        the new ones), which must be fsynced too. Usually none: a day's folder is made once."""
        if folder.is_dir():
            return []
        missing = [folder, *(p for p in folder.parents if not p.is_dir())]
        folder.mkdir(parents=True, exist_ok=True)
        return [p.parent for p in missing]

    def read(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise EvidenceMissing(key) from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def presigned_url(self, key: str, ttl_s: int) -> str | None:
        return None


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
