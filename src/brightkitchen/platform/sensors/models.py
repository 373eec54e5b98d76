from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from brightkitchen.platform.db import Base, UTCDateTime, utcnow


class Sensor(Base):
    __tablename__ = "sensors"
    __table_args__ = (UniqueConstraint("site_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("kitchen_areas.id", ondelete="SET NULL"), default=None)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(16), default="")
    # The rule; all three NULL = no rule (power kinds).
    rule_op: Mapped[str | None] = mapped_column(String(8), default=None)
    rule_threshold: Mapped[float | None] = mapped_column(Float, default=None)
    rule_duration_s: Mapped[int | None] = mapped_column(Integer, default=None)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_value: Mapped[float | None] = mapped_column(Float, default=None)
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Since when the readings have violated the rule without a break (NULL: they do not).
    violating_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # A breach alert was raised for the current violation; reset on recovery.
    breach: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SensorReading(Base):
    __tablename__ = "sensor_readings"
    __table_args__ = (Index("ix_sensor_readings_sensor_id_at", "sensor_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sensor_id: Mapped[int] = mapped_column(ForeignKey("sensors.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    value: Mapped[float] = mapped_column(Float)
