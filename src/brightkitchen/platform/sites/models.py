from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from brightkitchen.platform.db import Base, UTCDateTime, utcnow


class SiteKind(StrEnum):
    school = "school"
    kindergarten = "kindergarten"
    meal_supplier = "meal_supplier"


class AreaKind(StrEnum):
    storage = "storage"
    prep = "prep"
    cooking = "cooking"
    washing = "washing"
    serving = "serving"
    other = "other"


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    contact_name: Mapped[str] = mapped_column(String(64), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    work_start: Mapped[time] = mapped_column(Time(), default=time(5, 0))
    work_end: Mapped[time] = mapped_column(Time(), default=time(20, 0))
    public_page: Mapped[bool] = mapped_column(Boolean, default=False)
    # Local hours (settings.timezone) in which the public may watch the site's public cameras live.
    public_video_from: Mapped[time] = mapped_column(Time(), default=time(6, 0))
    public_video_until: Mapped[time] = mapped_column(Time(), default=time(20, 0))
    # Cameras streamed at once from this site (its uplink); NULL = settings.video_stream_limit.
    video_stream_limit: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class KitchenArea(Base):
    __tablename__ = "kitchen_areas"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default=AreaKind.other)


class Camera(Base):
    __tablename__ = "cameras"
    __table_args__ = (UniqueConstraint("site_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("kitchen_areas.id", ondelete="SET NULL"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128))
    # Kept server-side: only admins, the site's school admin and the site's own device ever read it.
    stream_url: Mapped[str] = mapped_column(String(1024), default="")
    # A lighter sub-stream for live viewing; kept server-side like stream_url.
    live_url: Mapped[str] = mapped_column(String(1024), default="")
    record: Mapped[bool] = mapped_column(Boolean, default=True)
    retention_days: Mapped[int] = mapped_column(Integer, default=7)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="unknown")
    fps: Mapped[float | None] = mapped_column(default=None)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The latest still picture the edge sent (evidence-store key); replaced, never accumulated.
    latest_picture_key: Mapped[str | None] = mapped_column(String(128), default=None)
    latest_picture_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
