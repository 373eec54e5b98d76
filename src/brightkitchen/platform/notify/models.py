"""Who is told what (channels), and the outbox of messages to deliver (notifications)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from brightkitchen.platform.db import Base, UTCDateTime, utcnow


class ChannelKind(StrEnum):
    webhook = "webhook"
    wecom = "wecom"
    dingtalk = "dingtalk"
    email = "email"


class NotifyEvent(StrEnum):
    new = "new"  # an alert was pushed
    escalated = "escalated"  # the escalation deadline passed without an answer
    rejected = "rejected"  # the regulator sent a rectification back
    cleared = "cleared"  # a camera/device fault recovered


class NotificationState(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class NotifyChannel(Base):
    """A destination scoped to a site or a region subtree; ``codes``/``events`` None means all."""

    __tablename__ = "notify_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), default="")
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(1024))  # URL, or comma-separated e-mail addresses
    secret: Mapped[str | None] = mapped_column(String(256), default=None)
    codes: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    events: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Notification(Base):
    """One message to one channel; delivered by the jobs loop with backoff, kept when it fails."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_state_next_attempt_at", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("notify_channels.id", ondelete="CASCADE"))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(16))
    # channel:alert:event (plus the audit row for repeatable events): the same message is never queued twice.
    dedupe_key: Mapped[str] = mapped_column(String(96), unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # markdown text
    payload: Mapped[str] = mapped_column(Text)  # the JSON document a webhook receives
    state: Mapped[str] = mapped_column(String(16), default=NotificationState.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
