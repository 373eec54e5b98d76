"""Alerts: one per violation event (deduplicated by the edge's event_id), their evidence, audit trail,
rectifications, and the deadline policies per region and violation code."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from brightkitchen.platform.db import Base, UTCDateTime, utcnow


class AlertState(StrEnum):
    new = "new"
    pushed = "pushed"
    rectifying = "rectifying"
    submitted = "submitted"
    closed = "closed"
    false_positive = "false_positive"


OPEN_STATES = (AlertState.new, AlertState.pushed, AlertState.rectifying, AlertState.submitted)
# Overdue and escalation concern alerts the school has not yet answered.
UNANSWERED_STATES = (AlertState.new, AlertState.pushed, AlertState.rectifying)


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_site_id_created_at", "site_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Made by the edge (or "sys-..." for platform-raised faults); unique so a re-sent event is one alert.
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("cameras.id", ondelete="SET NULL"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"), index=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    state: Mapped[str] = mapped_column(String(16), default=AlertState.new, index=True)
    source: Mapped[str] = mapped_column(String(16), default="edge")
    score: Mapped[float] = mapped_column(Float, default=0.0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime())
    boxes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    track_id: Mapped[int | None] = mapped_column(Integer, default=None)
    model_name: Mapped[str] = mapped_column(String(128), default="")
    model_version: Mapped[str] = mapped_column(String(64), default="")
    frame_width: Mapped[int] = mapped_column(Integer, default=0)
    frame_height: Mapped[int] = mapped_column(Integer, default=0)
    test: Mapped[bool] = mapped_column(Boolean, default=False)
    detail: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime())
    escalate_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    false_positive_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    # "camera:12" / "device:3" while a health fault alert is open, NULL otherwise: at most one open per fault.
    open_fault_key: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)


class AlertEvidence(Base):
    __tablename__ = "alert_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    storage_key: Mapped[str] = mapped_column(String(128), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(32))


class AlertAudit(Base):
    """Who did what to an alert, when, from which state to which, and why. Rows are only ever added."""

    __tablename__ = "alert_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    action: Mapped[str] = mapped_column(String(32))
    actor_kind: Mapped[str] = mapped_column(String(16))  # user, device, system
    actor_id: Mapped[int | None] = mapped_column(Integer, default=None)
    actor_role: Mapped[str | None] = mapped_column(String(16), default=None)
    from_state: Mapped[str | None] = mapped_column(String(16), default=None)
    to_state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")


class Rectification(Base):
    """One submission by the school (photo + note) and the regulator's decision on it."""

    __tablename__ = "rectifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    photo_key: Mapped[str] = mapped_column(String(128))
    photo_sha256: Mapped[str] = mapped_column(String(64))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decision: Mapped[str | None] = mapped_column(String(16), default=None)  # approved / rejected
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    review_reason: Mapped[str] = mapped_column(Text, default="")


class DeadlinePolicy(Base):
    """Hours to rectify and to escalate, for a region subtree and a violation code ("*" = any code)."""

    __tablename__ = "deadline_policies"
    __table_args__ = (UniqueConstraint("region_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32), default="*")
    rectify_hours: Mapped[float] = mapped_column(Float)
    escalate_hours: Mapped[float] = mapped_column(Float)
