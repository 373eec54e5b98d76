"""The notification outbox: messages are queued in the same transaction as the change they announce,
then delivered by the jobs loop with exponential backoff. A failure stays visible, never lost."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.notify.base import Message, NotifyError
from brightkitchen.platform.notify.dispatcher import notifier_for
from brightkitchen.platform.notify.models import Notification, NotificationState, NotifyChannel, NotifyEvent
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera, Site
from brightkitchen.platform.tenancy import region_ids
from brightkitchen.protocol.codes import VIOLATION_NAMES_ZH, ViolationCode

log = logging.getLogger(__name__)
EVENT_TITLES = {
    NotifyEvent.new: "新预警",
    NotifyEvent.escalated: "预警逾期升级",
    NotifyEvent.rejected: "整改被驳回",
    NotifyEvent.cleared: "设备恢复",
}
REPEATABLE = {NotifyEvent.rejected}


class AlertFacts(Protocol):
    """What a message needs to know of an alert. A protocol, not the model: notify sits below alerts,
    which queues messages; the outbox never imports the alerts room."""

    id: int
    site_id: int
    camera_id: int | None
    code: str
    state: str
    test: bool
    started_at: datetime
    deadline_at: datetime
    escalated_at: datetime | None


def render(alert: AlertFacts, site: Site, camera_name: str, event: NotifyEvent, settings: Settings) -> Message:
    name = VIOLATION_NAMES_ZH.get(ViolationCode(alert.code), alert.code)
    subject = f"【明厨亮灶】{EVENT_TITLES[event]}：{site.name} {name}"
    link = f"{settings.public_base_url.rstrip('/')}/alerts/{alert.id}" if settings.public_base_url else ""
    lines = [
        f"### {subject}",
        f"- 单位：{site.name}（{site.code}）",
        f"- 摄像头：{camera_name or '-'}",
        f"- 类型：{name}（{alert.code}）",
        f"- 时间：{alert.started_at.isoformat()}",
        f"- 整改期限：{alert.deadline_at.isoformat()}",
        f"- 状态：{alert.state}",
    ]
    if link:
        lines.append(f"- [查看详情]({link})")
    payload = {
        "event": f"alert.{event.value}",
        "alert": {
            "id": alert.id, "code": alert.code, "code_name": name, "state": alert.state,
            "site_id": site.id, "site_code": site.code, "site_name": site.name, "camera_name": camera_name,
            "started_at": alert.started_at.isoformat(), "deadline_at": alert.deadline_at.isoformat(),
            "escalated_at": alert.escalated_at.isoformat() if alert.escalated_at else None, "url": link or None,
        },
    }  # fmt: skip
    return Message(event.value, subject, "\n".join(lines), json.dumps(payload, ensure_ascii=False))


def _wants(channel: NotifyChannel, code: str, event: NotifyEvent) -> bool:
    return (not channel.codes or code in channel.codes) and (not channel.events or event.value in channel.events)


def enqueue(
    session: Session, settings: Settings, alert: AlertFacts, event: NotifyEvent, now: datetime, tag: str = ""
) -> int:
    """Queues the message for every channel of the alert's site and of the regions above it."""
    if alert.test:
        return 0  # edge self-tests exercise the pipeline but page nobody
    row = session.execute(
        select(Site, Region.path).join(Region, Region.id == Site.region_id).where(Site.id == alert.site_id)
    ).one()
    site, path = row
    channels = session.scalars(
        select(NotifyChannel).where(
            NotifyChannel.enabled.is_(True),
            or_(NotifyChannel.site_id == site.id, NotifyChannel.region_id.in_(region_ids(path))),
        )
    ).all()
    wanted = [c for c in channels if _wants(c, alert.code, event)]
    if not wanted:
        return 0
    camera_name = session.scalar(select(Camera.name).where(Camera.id == alert.camera_id)) if alert.camera_id else ""
    message = render(alert, site, camera_name or "", event, settings)
    for channel in wanted:
        key = f"{channel.id}:{alert.id}:{event.value}" + (f":{tag}" if event in REPEATABLE else "")
        session.add(
            Notification(
                channel_id=channel.id, alert_id=alert.id, event=event.value, dedupe_key=key,
                subject=message.subject, body=message.markdown, payload=message.payload, next_attempt_at=now,
            )
        )  # fmt: skip
    return len(wanted)


@dataclass
class Delivery:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    handed_over: int = 0  # given to the delivery pool; their outcome is recorded by the pool


def backoff(settings: Settings, attempts: int) -> timedelta:
    return timedelta(seconds=min(settings.notify_backoff_s * 2 ** max(attempts - 1, 0), settings.notify_backoff_max_s))


@dataclass(frozen=True)
class Claimed:
    id: int
    attempts: int
    message: Message
    kind: str
    target: str
    secret: str | None


def claim(ctx: PlatformContext, now: datetime, limit: int) -> list[Claimed]:
    """Claims due rows with one conditional UPDATE: a second worker sees next_attempt_at moved and skips them.
    The lease also brings a row back if this process dies mid-send."""
    lease = now + timedelta(seconds=ctx.settings.notify_timeout_s * 4 + 60)
    with ctx.sessions.begin() as session:
        due = (
            select(Notification.id)
            .where(Notification.state == NotificationState.pending, Notification.next_attempt_at <= now)
            .order_by(Notification.next_attempt_at)
            .limit(limit)
            .scalar_subquery()
        )
        ids = session.scalars(
            update(Notification)
            .where(Notification.id.in_(due), Notification.state == NotificationState.pending)
            .where(Notification.next_attempt_at <= now)
            .values(next_attempt_at=lease, attempts=Notification.attempts + 1)
            .returning(Notification.id)
            .execution_options(synchronize_session=False)
        ).all()
        if not ids:
            return []
        rows = session.execute(
            select(Notification, NotifyChannel)
            .join(NotifyChannel, NotifyChannel.id == Notification.channel_id)
            .where(Notification.id.in_(ids))
        ).all()
        return [
            Claimed(n.id, n.attempts, Message(n.event, n.subject, n.body, n.payload), c.kind, c.target, c.secret)
            for n, c in rows
        ]


def deliver_one(ctx: PlatformContext, job: Claimed, now: datetime) -> str:
    """Sends one claimed message and records the outcome: "sent", "retrying" or "failed"."""
    settings = ctx.settings
    error = ""
    try:
        notifier_for(job.kind, job.target, job.secret, settings).send(job.message)
    except (NotifyError, ValueError) as exc:
        error = str(exc)[:200] or type(exc).__name__
    values: dict[str, object]
    if not error:
        values, outcome = {"state": NotificationState.sent, "sent_at": now, "last_error": ""}, "sent"
    elif job.attempts >= settings.notify_max_attempts:
        values, outcome = {"state": NotificationState.failed, "last_error": error}, "failed"
        log.warning("notification %s failed for good after %s attempts: %s", job.id, job.attempts, error)
    else:
        values, outcome = {"next_attempt_at": now + backoff(settings, job.attempts), "last_error": error}, "retrying"
    with ctx.sessions.begin() as session:
        session.execute(update(Notification).where(Notification.id == job.id).values(**values))
    return outcome


def deliver_due(ctx: PlatformContext, now: datetime, limit: int = 50) -> Delivery:
    """Sends due messages one after another in the caller's thread (tests, one-off runs); the jobs loop
    hands them to a DeliveryPool instead, so a slow receiver never holds it."""
    result = Delivery()
    for job in claim(ctx, now, limit):
        outcome = deliver_one(ctx, job, now)
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result
