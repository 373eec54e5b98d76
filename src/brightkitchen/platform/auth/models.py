"""Rate counters shared by every worker process: one row per bucket, counted up atomically in the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from brightkitchen.platform.db import Base, UTCDateTime


class RateCounter(Base):
    """Hits of one bucket (a keyed hash of an address, or of an account and an address) in a fixed window.

    The bucket is a keyed hash, so the table keeps no address or username in the clear."""

    __tablename__ = "rate_counters"

    bucket: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    hits: Mapped[int] = mapped_column(Integer, default=0)
