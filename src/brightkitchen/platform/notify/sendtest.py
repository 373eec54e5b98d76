"""The "send test" button: one real message to a channel now, with the notifier, guard and deadline of the outbox.

The answer names what went wrong by a fixed code (and the HTTP status or robot errcode where there is one), so
the page can say it in the reader's language; the receiver's own reply is never passed on."""

from __future__ import annotations

import json
import re
from datetime import datetime

from pydantic import BaseModel, Field

from brightkitchen.platform.notify.base import Message, NotifyError
from brightkitchen.platform.notify.dispatcher import notifier_for
from brightkitchen.platform.notify.models import NotifyChannel
from brightkitchen.platform.settings import Settings

TEST_EVENT = "test"

# The fixed reasons the notifiers give (outbound.py, guard.py, base.py, email_smtp.py), first match wins.
_REASONS: tuple[tuple[str, str], ...] = (
    ("timeout", "timeout"),
    ("connection refused", "refused"),
    ("connection failed", "unreachable"),
    ("TLS error", "tls"),
    ("bad answer", "bad_answer"),
    ("unexpected answer", "bad_answer"),
    ("robot refused", "robot_refused"),
    ("HTTP ", "http_status"),
    ("blocked address", "blocked"),
    ("name not resolved", "unresolved"),
    ("the URL must start", "bad_url"),
    ("not a valid", "bad_url"),
    ("the URL has no host", "bad_url"),
    ("no SMTP server", "no_smtp"),
)


class SendTestResult(BaseModel):
    ok: bool
    reason: str | None = Field(
        default=None,
        description="why it failed: timeout, refused, unreachable, tls, bad_answer, robot_refused, http_status, "
        "blocked, unresolved, bad_url, no_smtp, smtp, failed",
    )
    http_status: int | None = None
    errcode: int | None = None
    sent_at: datetime


def classify(error: str, kind: str, now: datetime) -> SendTestResult:
    """A notifier's failure text -> a reason code (and the number it carries)."""
    reason = next((code for prefix, code in _REASONS if error.startswith(prefix)), None)
    if reason is None:
        reason = "smtp" if kind == "email" else "failed"
    number = re.search(r"-?\d+", error)
    value = int(number.group()) if number and reason in ("http_status", "robot_refused") else None
    return SendTestResult(
        ok=False,
        reason=reason,
        http_status=value if reason == "http_status" else None,
        errcode=value if reason == "robot_refused" else None,
        sent_at=now,
    )


def build_message(channel: NotifyChannel, now: datetime) -> Message:
    stamp = now.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    subject = "【明厨亮灶】测试消息"
    name = channel.name or channel.kind
    text = f"### {subject}\n\n通知渠道「{name}」配置正确，可以收到平台消息。\n\n发送时间：{stamp}"
    payload = {"event": TEST_EVENT, "channel_id": channel.id, "sent_at": now.isoformat(), "message": subject}
    return Message(TEST_EVENT, subject, text, json.dumps(payload, ensure_ascii=False))


def send_test(channel: NotifyChannel, settings: Settings, now: datetime) -> SendTestResult:
    notifier = notifier_for(channel.kind, channel.target, channel.secret, settings)
    try:
        notifier.send(build_message(channel, now))
    except NotifyError as exc:
        return classify(str(exc), channel.kind, now)
    return SendTestResult(ok=True, sent_at=now)
