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
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader or a crash never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

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
