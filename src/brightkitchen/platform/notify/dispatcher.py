"""Picks the backend for a channel. Backends get plain config models; nothing here does I/O."""

from __future__ import annotations

from brightkitchen.platform.notify.base import Notifier
from brightkitchen.platform.notify.dingtalk import DingTalkConfig, DingTalkNotifier
from brightkitchen.platform.notify.email_smtp import EmailConfig, EmailNotifier
from brightkitchen.platform.notify.guard import TargetPolicy
from brightkitchen.platform.notify.models import ChannelKind
from brightkitchen.platform.notify.webhook import WebhookConfig, WebhookNotifier
from brightkitchen.platform.notify.wecom import WeComConfig, WeComNotifier
from brightkitchen.platform.settings import Settings


def target_policy(settings: Settings) -> TargetPolicy:
    return TargetPolicy.of(settings.notify_allow_http, settings.notify_allow_hosts, settings.notify_allow_networks)


def notifier_for(kind: str, target: str, secret: str | None, settings: Settings) -> Notifier:
    timeout, policy = settings.notify_timeout_s, target_policy(settings)
    if kind == ChannelKind.webhook:
        return WebhookNotifier(WebhookConfig(url=target, secret=secret, timeout_s=timeout, policy=policy))
    if kind == ChannelKind.wecom:
        return WeComNotifier(WeComConfig(url=target, timeout_s=timeout, policy=policy))
    if kind == ChannelKind.dingtalk:
        return DingTalkNotifier(DingTalkConfig(url=target, secret=secret, timeout_s=timeout, policy=policy))
    if kind == ChannelKind.email:
        return EmailNotifier(
            EmailConfig(
                host=settings.smtp_host,
                port=settings.smtp_port,
                starttls=settings.smtp_starttls,
                username=settings.smtp_username,
                password=settings.smtp_password,
                sender=settings.smtp_from,
                to=[a.strip() for a in target.split(",") if a.strip()],
                timeout_s=timeout,
            )
        )
    raise ValueError(f"unknown channel kind {kind!r}")
