"""Seeding watched time (health.online's hourly buckets) as if the device had sent heartbeats all along."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.health.models import OnlineHour
from brightkitchen.platform.health.online import hour_of


def watched(session: Session, device: Device, start: datetime, hours: int, seconds: int = 3600) -> None:
    """``hours`` whole hours from ``start``'s hour, each with ``seconds`` watched."""
    first = hour_of(start)
    for i in range(hours):
        session.add(OnlineHour(device_id=device.id, site_id=device.site_id, hour=first + timedelta(hours=i),
                               seconds=seconds))  # fmt: skip
    session.flush()
