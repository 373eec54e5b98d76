"""The notifier interface: a message in, delivered or NotifyError out. One file per backend."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from brightkitchen.platform.notify.guard import TargetPolicy
from brightkitchen.platform.notify.outbound import Answer, DeliveryFailed, post

STRICT = TargetPolicy()  # https to public addresses only


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


def post_json(
    url: str, body: bytes, timeout_s: float, headers: dict[str, str] | None = None, policy: TargetPolicy | None = None
) -> Answer:
    """POSTs within a total deadline of ``timeout_s`` to a checked address; the error names only the status
    or a short reason, never the reply (it would show what an internal address answered)."""
    try:
        answer = post(url, body, {"Content-Type": "application/json", **(headers or {})}, timeout_s, policy or STRICT)
    except DeliveryFailed as exc:
        raise NotifyError(str(exc)) from None
    if answer.status >= 300:
        raise NotifyError(f"HTTP {answer.status}")
    return answer


def check_errcode(answer: Answer) -> None:
    """WeCom and DingTalk answer 200 with {"errcode": N}; anything but 0 is a failure (the number is kept)."""
    try:
        data: Any = json.loads(answer.body)
    except ValueError:
        raise NotifyError("unexpected answer") from None
    if not isinstance(data, dict):
        raise NotifyError("unexpected answer")
    code = data.get("errcode", 0)
    if code != 0:
        known = isinstance(code, int) and abs(code) < 2**31
        raise NotifyError(f"robot refused (errcode {code})" if known else "robot refused")
