"""Record tables: photos, records (the current version), every version of a record, and each site's schedule."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from brightkitchen.platform.db import Base, UTCDateTime, utcnow


class RecordKind(StrEnum):
    morning_check = "morning_check"
    sample_retention = "sample_retention"
    disinfection = "disinfection"
    accompanied_meal = "accompanied_meal"
    incoming_goods = "incoming_goods"
    pesticide_test = "pesticide_test"


class Meal(StrEnum):
    breakfast = "breakfast"
    lunch = "lunch"
    dinner = "dinner"


class RecordPhoto(Base):
    """A photo uploaded for records (or a staff member's picture); linked to records by id."""

    __tablename__ = "record_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(String(128), unique=True)  # made by the server, never by the caller
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(32))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Record(Base):
    """The current version of a record; earlier versions live in ``record_versions`` (never updated)."""

    __tablename__ = "records"
    __table_args__ = (Index("ix_records_site_kind_date", "site_id", "kind", "record_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    record_date: Mapped[date] = mapped_column(Date())
    meal: Mapped[str | None] = mapped_column(String(16), default=None)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    photo_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_by_name: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RecordVersion(Base):
    """One version of a record as it was written: version 1 is the original, later ones are corrections."""

    __tablename__ = "record_versions"
    __table_args__ = (UniqueConstraint("record_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    photo_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    by_name: Mapped[str] = mapped_column(String(128), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")


class RecordSchedule(Base):
    """A site's saved schedule; a site without a row uses the defaults (and raises no missing-record alerts)."""

    __tablename__ = "record_schedules"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    meals: Mapped[list[str]] = mapped_column(JSON)
    school_days: Mapped[list[int]] = mapped_column(JSON)
    holidays: Mapped[list[str]] = mapped_column(JSON)
    deadlines: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
