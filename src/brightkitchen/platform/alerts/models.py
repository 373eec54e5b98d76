"""Alerts: one per camera and code for one continuous episode of detections (each detection kept, deduplicated
by the edge's event_id), their evidence, audit trail, rectifications, and the deadline and episode policies per
region and violation code."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.engine.default import DefaultExecutionContext
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


# The states an episode still grows in: a sighting joins them. A submitted or closed alert is not reopened.
JOINABLE_STATES = (AlertState.new, AlertState.pushed, AlertState.rectifying, AlertState.false_positive)


_OPEN_SQL = text("state IN ('new', 'pushed', 'rectifying', 'submitted')")
_OPEN_COLUMNS = ("site_id", "state", "deadline_at", "escalated_at", "test")  # all the open figures read
_ESCALATED_SQL = text("escalated_at IS NOT NULL")


# The episode from first to last seen (never reversed), as the GiST index on PostgreSQL has it.
EPISODE_RANGE_SQL = "tstzrange(started_at, greatest(started_at, last_seen_at), '[]')"


def _ended_at(context: DefaultExecutionContext) -> Any:
    """An alert inserted without ``last_seen_at`` was last seen when its violation ended."""
    return context.get_current_parameters()["ended_at"]


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_site_id_created_at", "site_id", "created_at"),
        Index("ix_alerts_camera_id_code_last_seen_at", "camera_id", "code", "last_seen_at"),
        # The alert list (newest first = id downwards) filtered by site, state or code, or by a date range;
        # the trailing id lets a keyset cursor resume inside the index.
        Index("ix_alerts_site_id_id", "site_id", "id"),
        Index("ix_alerts_state_id", "state", "id"),
        Index("ix_alerts_code_id", "code", "id"),
        Index("ix_alerts_started_at_id", "started_at", "id"),
        Index("ix_alerts_last_seen_at_id", "last_seen_at", "id"),
        # PostgreSQL: the episode as a range, so a date range long ago finds its few alerts (and the planner
        # knows they are few) instead of walking newest first through the years after it.
        Index("ix_alerts_episode_range", text(EPISODE_RANGE_SQL), postgresql_using="gist").ddl_if(dialect="postgresql"),
        # The clock-bound figures (open, overdue) read only alerts in open states; closed and escalated alerts
        # are found by when that happened (alerts/rollups.py counts the rest).
        Index("ix_alerts_open", *_OPEN_COLUMNS, postgresql_where=_OPEN_SQL, sqlite_where=_OPEN_SQL),
        Index("ix_alerts_closed_at", "closed_at"),
        Index("ix_alerts_escalated_at", "escalated_at", postgresql_where=_ESCALATED_SQL, sqlite_where=_ESCALATED_SQL),
    )

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
    # The episode: how many detections it holds and when the latest one ended (started_at is the first's start).
    detection_count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=_ended_at)


class AlertEvidence(Base):
    __tablename__ = "alert_evidence"
    # The detection a kept file came with: retention skips it, and deleting a detection checks it by index.
    __table_args__ = (Index("ix_alert_evidence_detection_id", "detection_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    storage_key: Mapped[str] = mapped_column(String(128), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(32))
    # The detection the file came with (the episode's clips and best snapshot); NULL for older alerts.
    detection_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_detections.id", ondelete="SET NULL"), default=None
    )


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


class RectificationPhoto(Base):
    """One photo of a rectification, in the order the school picked them. A batch rectification stores each
    file once and links it to every rectification it answers, so a key may appear in several rows."""

    __tablename__ = "rectification_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    rectification_id: Mapped[int] = mapped_column(ForeignKey("rectifications.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    storage_key: Mapped[str] = mapped_column(String(128), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(32))


class DeadlinePolicy(Base):
    """Hours to rectify and to escalate, for a region subtree and a violation code ("*" = any code)."""

    __tablename__ = "deadline_policies"
    __table_args__ = (UniqueConstraint("region_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32), default="*")
    rectify_hours: Mapped[float] = mapped_column(Float)
    escalate_hours: Mapped[float] = mapped_column(Float)


class DetectionOutcome(StrEnum):
    opened = "opened"  # this detection started the alert
    joined = "joined"  # it joined the alert's open episode
    below_min = "below_min"  # recorded; the episode was shorter than the minimum duration when it came


class AlertDetection(Base):
    """One violation event as the edge sent it: kept for every event, even one that raised no alert, so a
    re-sent event is recognised (unique ``event_id``) and the episode's count and times can be shown."""

    __tablename__ = "alert_detections"
    __table_args__ = (
        Index("ix_alert_detections_camera_id_code_ended_at", "camera_id", "code", "ended_at"),
        Index("ix_alert_detections_received_at", "received_at"),  # retention deletes the oldest first
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    camera_id: Mapped[int | None] = mapped_column(ForeignKey("cameras.id", ondelete="SET NULL"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    # NULL while the episode is below its minimum duration; set when an alert takes it in.
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime())
    score: Mapped[float] = mapped_column(Float, default=0.0)
    track_id: Mapped[int | None] = mapped_column(Integer, default=None)
    test: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EpisodePolicy(Base):
    """When detections make an alert, for a region subtree and a violation code ("*" = any code): an episode
    must last ``min_duration_s`` before it raises an alert, and a quiet ``gap_s`` ends it."""

    __tablename__ = "episode_policies"
    __table_args__ = (UniqueConstraint("region_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32), default="*")
    min_duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    gap_s: Mapped[float] = mapped_column(Float)
