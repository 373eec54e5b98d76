"""The evidence store interface and the server-side key scheme every backend shares."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Protocol

# site id / yyyy / mm / dd / random hex . ext — made only here, never from a caller's input. A picture's
# thumbnail is derived from its key (".thumb.jpg" appended), so it needs no row of its own.
_KEY = re.compile(r"^[0-9]{1,12}/[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9a-f]{32}\.(?:jpg|png|mp4|(?:jpg|png)\.thumb\.jpg)$")
THUMB_SUFFIX = ".thumb.jpg"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "video/mp4": "mp4"}
CONTENT_TYPES = {ext: ctype for ctype, ext in EXTENSIONS.items()}


class InvalidKey(ValueError):
    """A key that this platform did not make (path traversal, odd characters)."""


class EvidenceMissing(LookupError):
    pass


def new_key(site_id: int, content_type: str, now: datetime) -> str:
    return f"{site_id}/{now:%Y/%m/%d}/{uuid.uuid4().hex}.{EXTENSIONS[content_type]}"


def check_key(key: str) -> str:
    if not _KEY.match(key):
        raise InvalidKey("not an evidence key")
    return key


def content_type_of(key: str) -> str:
    return CONTENT_TYPES[check_key(key).rsplit(".", 1)[1]]


def is_thumbnail(key: str) -> bool:
    return check_key(key).endswith(THUMB_SUFFIX)


def thumbnail_key(key: str) -> str:
    """The derived key of a picture's thumbnail (JPEG or PNG pictures only)."""
    if is_thumbnail(key) or content_type_of(key) not in ("image/jpeg", "image/png"):
        raise InvalidKey("only a picture has a thumbnail")
    return key + THUMB_SUFFIX


def source_key(key: str) -> str:
    """The picture a key derives from: the key itself unless it is a thumbnail's."""
    return key.removesuffix(THUMB_SUFFIX) if is_thumbnail(key) else key


class EvidenceStore(Protocol):
    """Every backend checks keys with ``check_key`` before touching anything."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def read(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...

    def local_path(self, key: str) -> Path | None:
        """A file the web server may send directly (local backend), else None."""
        ...

    def presigned_url(self, key: str, ttl_s: int) -> str | None:
        """A short-lived direct link (object stores), else None."""
        ...
