from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from brightkitchen.platform.db import Base, UTCDateTime


class Bulletin(Base):
    """One region's bulletin of one local day. The unique (region_id, date) is what makes it exactly
    once a day even when several platform processes run the jobs loop: the second insert is skipped."""

    __tablename__ = "bulletins"
    __table_args__ = (UniqueConstraint("region_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(Date())
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)  # BulletinFigures as JSON
    markdown: Mapped[str] = mapped_column(Text)
