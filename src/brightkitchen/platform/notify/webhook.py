"""Generic JSON webhook, signed: X-BrightKitchen-Signature = "sha256=" + HMAC-SHA256(secret, "<timestamp>." + body)."""

from __future__ import annotations

import hashlib
import hmac
import time

from pydantic import BaseModel

from brightkitchen.platform.notify.base import STRICT, Message, post_json
from brightkitchen.platform.notify.guard import TargetPolicy


class WebhookConfig(BaseModel):
    url: str
    secret: str | None = None
    timeout_s: float = 10.0  # total, connect to last byte
    policy: TargetPolicy = STRICT


def signature(secret: str, timestamp: str, body: bytes) -> str:
    # The timestamp is signed too, so a captured request cannot be replayed later unnoticed.
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """What a receiver does (documented in docs/alerts.md); used by the tests."""
    return hmac.compare_digest(signature(secret, timestamp, body), header)


class WebhookNotifier:
    def __init__(self, config: WebhookConfig) -> None:
        self.config = config

    def send(self, message: Message) -> None:
        body = message.payload_bytes()
        timestamp = str(int(time.time()))
        headers = {"X-BrightKitchen-Event": message.event, "X-BrightKitchen-Timestamp": timestamp}
        if self.config.secret:
            headers["X-BrightKitchen-Signature"] = signature(self.config.secret, timestamp, body)
        post_json(self.config.url, body, self.config.timeout_s, headers, self.config.policy)
