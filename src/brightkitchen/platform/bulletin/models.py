from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from brightkitchen.platform.db import Base, UTCDateTime


class BulletinKind(StrEnum):
    scheduled = "scheduled"  # made by the jobs loop: the whole of the previous local day
    on_demand = "on_demand"  # 立即生成: today from 00:00 to the moment of the click, remade on each click


class Bulletin(Base):
    """One region's bulletin of one local day, of one kind. The unique (region_id, date, kind) is what makes the
    scheduled one exactly once a day even when several platform processes run the jobs loop: the second insert
    is skipped; the on-demand one of a day is updated in place."""

    __tablename__ = "bulletins"
    __table_args__ = (UniqueConstraint("region_id", "date", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(Date())  # the local day the figures cover
    kind: Mapped[str] = mapped_column(String(16), default=BulletinKind.scheduled)
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)  # BulletinFigures as JSON
    markdown: Mapped[str] = mapped_column(Text)
