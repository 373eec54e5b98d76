"""How far each person has read the alerts: the bell counts open alerts born after this mark."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from brightkitchen.platform.db import Base, UTCDateTime, utcnow


class FeedReadMark(Base):
    """One row per person who has pressed "mark all read": alerts with an id up to ``alert_id`` are read.
    An alert id, not a time, so two alerts born in the same second are never confused."""

    __tablename__ = "feed_read_marks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    alert_id: Mapped[int] = mapped_column(Integer, default=0)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
