"""Roll-out tables: the current status per site, its history, what people confirmed (training, signed
acceptance with photos) and the installer's "send test alert" requests."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from brightkitchen.platform.db import Base, UTCDateTime, utcnow


class RolloutStatus(StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    accepted = "accepted"
    regressed = "regressed"  # accepted once, but an automatic item fails now


class SiteRollout(Base):
    """The last evaluated status of a site; one row per site, changed only by a conditional UPDATE."""

    __tablename__ = "site_rollouts"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    status_since: Mapped[datetime] = mapped_column(UTCDateTime())
    first_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class RolloutStatusChange(Base):
    """Every status a site entered and when: regressions, "since yesterday" and "stuck longest" come from it."""

    __tablename__ = "rollout_status_changes"
    __table_args__ = (Index("ix_rollout_status_changes_site_id_at", "site_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Training(Base):
    """Training of the school's staff, recorded by the installer or regulator who gave it."""

    __tablename__ = "rollout_trainings"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    trainer: Mapped[str] = mapped_column(String(64))
    attendees: Mapped[str] = mapped_column(String(500), default="")
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Acceptance(Base):
    """On-site acceptance (现场验收) signed by an inspector (a regulator), with photos and a note."""

    __tablename__ = "rollout_acceptances"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    inspector_name: Mapped[str] = mapped_column(String(128))  # kept as signed, even if the account changes
    note: Mapped[str] = mapped_column(Text, default="")
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AcceptancePhoto(Base):
    __tablename__ = "rollout_acceptance_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    acceptance_id: Mapped[int] = mapped_column(ForeignKey("rollout_acceptances.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(String(128), unique=True)  # made by the server, never by the caller
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(32))


class AlertTestRequest(Base):
    """The installer's "send test alert": the device picks it up and answers with an event marked test=true."""

    __tablename__ = "rollout_test_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
