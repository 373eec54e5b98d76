"""Online hours: how long each site was really watched (an edge device heard from, a camera working).

Each heartbeat that reports at least one working camera credits the time since the device's previous
heartbeat, but never more than the offline cutoff (``heartbeat_interval_s * offline_after_missed``): a
device silent longer than that was offline in between. The credit goes to hourly buckets per device,
one upsert per batch of heartbeats; a site's seconds in an hour are the most of any of its devices."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from brightkitchen.platform.health.models import OnlineHour
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.unnest import rows_of

HOUR = timedelta(hours=1)


def hour_of(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def split_hours(start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """[start, end) as (hour, whole seconds in that hour), in order; empty when end <= start."""
    out: list[tuple[datetime, int]] = []
    cursor = start
    while cursor < end:
        bucket = hour_of(cursor)
        stop = min(end, bucket + HOUR)
        seconds = round((stop - cursor).total_seconds())
        if seconds > 0:
            out.append((bucket, seconds))
        cursor = stop
    return out


def credit_spans(settings: Settings, previous: datetime | None, now: datetime) -> list[tuple[datetime, int]]:
    """The watched time since ``previous`` (the device's last heartbeat) as (hour, seconds), capped at the
    offline cutoff. The first heartbeat credits nothing: nothing is known about the time before it."""
    if previous is None or now <= previous:
        return []
    cap = timedelta(seconds=settings.heartbeat_interval_s * settings.offline_after_missed)
    return split_hours(max(previous, now - cap), now)


def add_online(session: Session, rows: Mapping[tuple[int, datetime], tuple[int, int]]) -> None:
    """Adds seconds to hourly buckets: (device_id, hour) -> (site_id, seconds), in one upsert."""
    if not rows:
        return
    values = [{"device_id": d, "hour": h, "site_id": site, "seconds": s} for (d, h), (site, s) in sorted(rows.items())]
    postgres = session.get_bind().dialect.name == "postgresql"
    table = cast(Table, OnlineHour.__table__)
    if postgres:  # one statement for the whole batch, from arrays (see unnest)
        columns = ("device_id", "hour", "site_id", "seconds")
        v = rows_of("v", {c: (table.c[c].type, [row[c] for row in values]) for c in columns})
        insert = pg_insert(table).from_select(list(columns), select(*(v.c[c] for c in columns)))
        session.connection().execute(
            insert.on_conflict_do_update(
                index_elements=["device_id", "hour"],
                set_={"seconds": func.least(table.c.seconds + insert.excluded.seconds, 3600)},
            )
        )
        return
    stmt = sqlite_insert(table)
    upsert = stmt.on_conflict_do_update(  # an hour holds at most 3600 s, whatever clocks do
        index_elements=["device_id", "hour"], set_={"seconds": func.min(table.c.seconds + stmt.excluded.seconds, 3600)}
    )
    # Core executemany: one cached statement, sent in batches (a VALUES list per call would compile anew).
    session.connection().execute(upsert, values)


def credit(
    session: Session, settings: Settings, *, device_id: int, site_id: int, previous: datetime | None, now: datetime
) -> int:
    """Adds the watched time since ``previous`` to the device's hourly buckets; returns the seconds credited."""
    spans = credit_spans(settings, previous, now)
    add_online(session, {(device_id, hour): (site_id, s) for hour, s in spans})
    return sum(s for _, s in spans)


def online_seconds(session: Session, site_ids: Iterable[int], lo: datetime, hi: datetime) -> dict[int, int]:
    """Per site, the seconds watched in the hours from ``lo``'s hour up to ``hi`` (sites never watched: 0)."""
    ids = list(site_ids)
    per_hour = (
        select(OnlineHour.site_id, OnlineHour.hour, func.max(OnlineHour.seconds).label("seconds"))
        .where(OnlineHour.site_id.in_(ids), OnlineHour.hour >= hour_of(lo), OnlineHour.hour < hi)
        .group_by(OnlineHour.site_id, OnlineHour.hour)
        .subquery()
    )
    totals = session.execute(select(per_hour.c.site_id, func.sum(per_hour.c.seconds)).group_by(per_hour.c.site_id))
    found = {site_id: int(total or 0) for site_id, total in totals}
    return {site_id: found.get(site_id, 0) for site_id in ids}
