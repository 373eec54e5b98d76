"""WeCom (企业微信) group robot: {"msgtype": "markdown", "markdown": {"content": ...}}."""

from __future__ import annotations

import json

from pydantic import BaseModel

from brightkitchen.platform.notify.base import STRICT, Message, check_errcode, post_json
from brightkitchen.platform.notify.guard import TargetPolicy

MAX_CONTENT_BYTES = 4096  # the robot's limit for markdown content


class WeComConfig(BaseModel):
    url: str
    timeout_s: float = 10.0  # total, connect to last byte
    policy: TargetPolicy = STRICT


def body(message: Message) -> bytes:
    content = message.markdown.encode()[:MAX_CONTENT_BYTES].decode(errors="ignore")
    return json.dumps({"msgtype": "markdown", "markdown": {"content": content}}, ensure_ascii=False).encode()


class WeComNotifier:
    def __init__(self, config: WeComConfig) -> None:
        self.config = config

    def send(self, message: Message) -> None:
        check_errcode(post_json(self.config.url, body(message), self.config.timeout_s, policy=self.config.policy))
