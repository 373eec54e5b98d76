from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from brightkitchen.platform.db import Base, UTCDateTime


class OnlineHour(Base):
    """Seconds one edge device was heard from with at least one camera working, in one UTC hour.

    Written by the heartbeat itself (one upsert of one or two small rows), so the figure exists even when the
    jobs loop was down. Keyed by device, not site: two devices at a site must not count the same hour twice
    (a site's online seconds in an hour are the most of any of its devices)."""

    __tablename__ = "online_hours"
    __table_args__ = (Index("ix_online_hours_site_id_hour", "site_id", "hour"),)

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    seconds: Mapped[int] = mapped_column(Integer, default=0)
