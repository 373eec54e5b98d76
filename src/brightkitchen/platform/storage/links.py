"""Short-lived HMAC-signed evidence links: the only way a browser gets evidence."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from brightkitchen.platform.security import sign, signature_ok

EVIDENCE_PATH = "/api/v1/evidence/"


def _message(key: str, exp: int) -> bytes:
    return f"evidence\n{key}\n{exp}".encode()


def expiry(now: datetime, ttl_s: int) -> int:
    """At least ``ttl_s`` from now, rounded up to a step of half the ttl: every answer within one step signs the
    same link, so a list read again (a refresh, the next page and back) lets the browser reuse its cached picture
    instead of downloading it under a new link. A link lives at most one and a half ttl."""
    step = max(1, ttl_s // 2)
    earliest = int(now.timestamp()) + ttl_s
    return -(-earliest // step) * step


def signed_url(secret_key: str, key: str, now: datetime, ttl_s: int) -> str:
    exp = expiry(now, ttl_s)
    return f"{EVIDENCE_PATH}{quote(key)}?exp={exp}&sig={sign(secret_key, _message(key, exp))}"


def link_ok(secret_key: str, key: str, exp: int, sig: str, now: datetime) -> bool:
    return exp >= int(now.timestamp()) and signature_ok(secret_key, _message(key, exp), sig)
