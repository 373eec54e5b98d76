"""Reading history: chart buckets, power on-time, and the retention prune."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from brightkitchen.platform.sensors.models import SensorReading

# A chart shows at most this many points when no bucket size is asked for.
TARGET_POINTS = 1000
MAX_POINTS = 10000
# A power reading vouches for the state this long at most: a meter that falls silent does not count as "on".
POWER_HOLD_S = 300.0
PRUNE_BATCH = 5000


@dataclass(frozen=True)
class Point:
    at: datetime
    value: float
    min: float
    max: float


def auto_bucket(since: datetime, until: datetime) -> int:
    return max(1, math.ceil((until - since).total_seconds() / TARGET_POINTS))


def too_many_points(since: datetime, until: datetime, bucket_s: int) -> bool:
    return (until - since).total_seconds() / bucket_s > MAX_POINTS


def buckets(session: Session, sensor_id: int, since: datetime, until: datetime, bucket_s: int) -> list[Point]:
    """Mean, min and max per ``bucket_s`` window, aligned to the epoch, oldest first; empty windows are left out
    so a chart shows a gap. Done here rather than in SQL: the same on SQLite and PostgreSQL."""
    rows = session.execute(
        select(SensorReading.at, SensorReading.value)
        .where(SensorReading.sensor_id == sensor_id, SensorReading.at >= since, SensorReading.at < until)
        .order_by(SensorReading.at)
        .execution_options(yield_per=2000)
    )
    points: list[Point] = []
    start: int | None = None
    values: list[float] = []
    for at, value in rows:
        slot = int(at.timestamp()) // bucket_s * bucket_s
        if slot != start and values and start is not None:
            points.append(_point(start, values))
            values = []
        start = slot
        values.append(value)
    if values and start is not None:
        points.append(_point(start, values))
    return points


def _point(start: int, values: list[float]) -> Point:
    return Point(datetime.fromtimestamp(start, UTC), sum(values) / len(values), min(values), max(values))


def on_time(session: Session, sensor_id: int, start: datetime, end: datetime) -> tuple[float, int]:
    """Seconds in [start, end) the power was on (value > 0), and how many readings fell inside. Each reading
    holds until the next one, at most POWER_HOLD_S; the last reading before ``start`` sets the opening state."""
    before = session.execute(
        select(SensorReading.at, SensorReading.value)
        .where(SensorReading.sensor_id == sensor_id, SensorReading.at < start)
        .order_by(SensorReading.at.desc())
        .limit(1)
    ).first()
    inside = session.execute(
        select(SensorReading.at, SensorReading.value)
        .where(SensorReading.sensor_id == sensor_id, SensorReading.at >= start, SensorReading.at < end)
        .order_by(SensorReading.at)
    ).all()
    marks = ([(before[0], before[1])] if before else []) + [(r[0], r[1]) for r in inside]
    seconds = 0.0
    for i, (at, value) in enumerate(marks):
        if value <= 0:
            continue
        held_until = min(at + timedelta(seconds=POWER_HOLD_S), marks[i + 1][0] if i + 1 < len(marks) else end, end)
        seconds += max(0.0, (held_until - max(at, start)).total_seconds())
    return seconds, len(inside)


def prune(session: Session, retention_days: int, now: datetime) -> int:
    """Deletes readings older than the retention, a batch at a time (short locks on a busy table)."""
    cutoff = now - timedelta(days=retention_days)
    removed = 0
    while True:
        ids = select(SensorReading.id).where(SensorReading.at < cutoff).limit(PRUNE_BATCH).scalar_subquery()
        result = session.execute(delete(SensorReading).where(SensorReading.id.in_(ids)))
        count = int(getattr(result, "rowcount", 0) or 0)
        removed += count
        session.commit()
        if count < PRUNE_BATCH:
            return removed
