"""DingTalk (钉钉) group robot: markdown message, optionally signed ("加签") with timestamp + secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import quote_plus

from pydantic import BaseModel

from brightkitchen.platform.notify.base import STRICT, Message, check_errcode, post_json
from brightkitchen.platform.notify.guard import TargetPolicy


class DingTalkConfig(BaseModel):
    url: str
    secret: str | None = None
    timeout_s: float = 10.0  # total, connect to last byte
    policy: TargetPolicy = STRICT


def sign(secret: str, timestamp_ms: int) -> str:
    """As DingTalk documents: base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>")), URL-encoded."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def signed_url(url: str, secret: str | None, timestamp_ms: int) -> str:
    if not secret:
        return url
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={sign(secret, timestamp_ms)}"


def body(message: Message) -> bytes:
    doc = {"msgtype": "markdown", "markdown": {"title": message.subject, "text": message.markdown}}
    return json.dumps(doc, ensure_ascii=False).encode()


class DingTalkNotifier:
    def __init__(self, config: DingTalkConfig) -> None:
        self.config = config

    def send(self, message: Message) -> None:
        url = signed_url(self.config.url, self.config.secret, int(time.time() * 1000))
        check_errcode(post_json(url, body(message), self.config.timeout_s, policy=self.config.policy))
