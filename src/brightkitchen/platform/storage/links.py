"""Short-lived HMAC-signed evidence links: the only way a browser gets evidence."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from brightkitchen.platform.security import sign, signature_ok

EVIDENCE_PATH = "/api/v1/evidence/"


def _message(key: str, exp: int) -> bytes:
    return f"evidence\n{key}\n{exp}".encode()


def signed_url(secret_key: str, key: str, now: datetime, ttl_s: int) -> str:
    exp = int(now.timestamp()) + ttl_s
    return f"{EVIDENCE_PATH}{quote(key)}?exp={exp}&sig={sign(secret_key, _message(key, exp))}"


def link_ok(secret_key: str, key: str, exp: int, sig: str, now: datetime) -> bool:
    return exp >= int(now.timestamp()) and signature_ok(secret_key, _message(key, exp), sig)
