"""Content-Disposition for a download with a Chinese file name (RFC 6266 / RFC 5987): browsers use the
UTF-8 ``filename*``; the ASCII ``filename`` is the fallback for clients that do not know it."""

from __future__ import annotations

import re
from urllib.parse import quote

UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|]+')


def safe_name(name: str) -> str:
    """A file name any desktop accepts: no path separators, quotes or control characters."""
    return UNSAFE.sub("_", name).strip(" .") or "download"


def attachment(filename: str, ascii_fallback: str) -> str:
    fallback = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in ascii_fallback)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(safe_name(filename), safe='')}"
