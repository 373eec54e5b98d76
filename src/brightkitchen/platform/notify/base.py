"""The notifier interface: a message in, delivered or NotifyError out. One file per backend."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

import httpx


@dataclass(frozen=True)
class Message:
    event: str
    subject: str
    markdown: str
    payload: str  # JSON text

    def payload_bytes(self) -> bytes:
        return self.payload.encode()


class NotifyError(Exception):
    """Delivery failed; the outbox keeps the message and retries later."""


class Notifier(Protocol):
    def send(self, message: Message) -> None: ...


def post_json(url: str, body: bytes, timeout_s: float, headers: dict[str, str] | None = None) -> httpx.Response:
    try:
        resp = httpx.post(
            url, content=body, timeout=timeout_s, headers={"Content-Type": "application/json", **(headers or {})}
        )
    except httpx.HTTPError as exc:
        raise NotifyError(f"{type(exc).__name__}: {exc}") from exc
    if resp.status_code >= 300:
        raise NotifyError(f"HTTP {resp.status_code}: {resp.text[:200]}")
    return resp


def check_errcode(resp: httpx.Response) -> None:
    """WeCom and DingTalk answer 200 with {"errcode": N}; anything but 0 is a failure."""
    try:
        data: Any = resp.json()
    except ValueError as exc:
        raise NotifyError(f"unexpected answer: {resp.text[:200]}") from exc
    if not isinstance(data, dict) or data.get("errcode", 0) != 0:
        raise NotifyError(f"robot refused: {json.dumps(data, ensure_ascii=False)[:200]}")
