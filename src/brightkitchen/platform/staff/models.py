"""The staff table: one row per person on a site's roster; leaving sets ``active`` false (no hard delete)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from brightkitchen.platform.db import Base, UTCDateTime, utcnow


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (Index("ix_staff_active_cert_expires_on", "active", "cert_expires_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    position: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32), default="")
    cert_no: Mapped[str] = mapped_column(String(64))
    cert_issued_on: Mapped[date] = mapped_column(Date())
    cert_expires_on: Mapped[date] = mapped_column(Date())
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("record_photos.id", ondelete="SET NULL"), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
