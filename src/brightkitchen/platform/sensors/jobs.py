"""The sensors' time-based step: raw readings older than the retention are deleted."""

from __future__ import annotations

from datetime import datetime

from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.sensors.readings import prune


def prune_readings(ctx: PlatformContext, now: datetime) -> int:
    with ctx.sessions() as session:
        return prune(session, ctx.settings.sensor_retention_days, now)
