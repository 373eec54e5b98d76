"""Producing the bulletins: the scheduled one once a day per region (the whole previous local day, made at
``bulletin_time`` and handed to the notification channels), and the on-demand one (today so far, remade on
each request, not sent)."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brightkitchen.platform.bulletin import render
from brightkitchen.platform.bulletin.figures import BulletinFigures, compute
from brightkitchen.platform.bulletin.models import Bulletin, BulletinKind
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.settings import Settings

log = logging.getLogger(__name__)
EVENT = "bulletin"


def local_date(settings: Settings, now: datetime) -> date:
    return now.astimezone(ZoneInfo(settings.timezone)).date()


def is_due(settings: Settings, now: datetime) -> bool:
    return now.astimezone(ZoneInfo(settings.timezone)).time() >= settings.bulletin_time


def day_bounds(settings: Settings, day: date) -> tuple[datetime, datetime]:
    """A local day as [start, end) in UTC."""
    tz = ZoneInfo(settings.timezone)
    start = datetime.combine(day, time(0), tz)
    return start.astimezone(ZoneInfo("UTC")), datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(
        ZoneInfo("UTC")
    )


def _row(settings: Settings, figures: BulletinFigures, kind: BulletinKind, now: datetime) -> dict[str, object]:
    assert figures.period_start is not None and figures.period_end is not None
    return {
        "date": figures.date,
        "kind": kind.value,
        "period_start": figures.period_start,
        "period_end": figures.period_end,
        "generated_at": now,
        "figures": figures.model_dump(mode="json"),
        "markdown": render.markdown(figures, settings.timezone),
    }


def produce(session: Session, settings: Settings, region: Region, now: datetime) -> Bulletin | None:
    """Computes and inserts the scheduled bulletin of a region for the local day before ``now``; None when one
    already exists (insert-or-skip on the unique (region_id, date, kind), so two processes racing store one)."""
    start, end = day_bounds(settings, local_date(settings, now) - timedelta(days=1))
    figures = compute(session, settings, region, now, start=start, end=end, kind=BulletinKind.scheduled)
    row = Bulletin(region_id=region.id, **_row(settings, figures, BulletinKind.scheduled, now))
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    queue_notifications(session, settings, row, render.title(figures), now)
    return row


def produce_now(session: Session, settings: Settings, region: Region, now: datetime) -> Bulletin:
    """立即生成: today from local midnight up to now, replacing today's earlier on-demand one of the region."""
    start, _ = day_bounds(settings, local_date(settings, now))
    figures = compute(session, settings, region, now, start=start, end=now, kind=BulletinKind.on_demand)
    values = _row(settings, figures, BulletinKind.on_demand, now)
    key = (Bulletin.region_id == region.id, Bulletin.date == figures.date, Bulletin.kind == BulletinKind.on_demand)
    for _ in range(2):  # a racing click may insert first: then update that one
        row = session.scalar(select(Bulletin).where(*key))
        if row is not None:
            for name, value in values.items():
                setattr(row, name, value)
            session.flush()
            return row
        try:
            with session.begin_nested():
                row = Bulletin(region_id=region.id, **values)
                session.add(row)
                session.flush()
            return row
        except IntegrityError:
            continue
    raise RuntimeError("on-demand bulletin could not be stored")


def run_bulletin_if_due(ctx: PlatformContext, now: datetime) -> list[int]:
    """For the jobs loop: after the configured local time, yesterday's bulletin of every region of the
    configured kinds that lacks one. Returns the ids made by this call."""
    settings = ctx.settings
    if not is_due(settings, now):
        return []
    yesterday = local_date(settings, now) - timedelta(days=1)
    made: list[int] = []
    with ctx.sessions.begin() as session:
        done = select(Bulletin.region_id).where(Bulletin.date == yesterday, Bulletin.kind == BulletinKind.scheduled)
        regions = session.scalars(
            select(Region)
            .where(Region.kind.in_(settings.bulletin_region_kinds), Region.id.not_in(done))
            .order_by(Region.path)
        ).all()
        for region in regions:
            row = produce(session, settings, region, now)
            if row is not None:
                made.append(row.id)
    return made


def queue_notifications(session: Session, settings: Settings, bulletin: Bulletin, subject: str, now: datetime) -> int:
    """The hook into the notification outbox: one message per enabled channel of exactly this region
    that takes every event (events None) or lists "bulletin", and is not limited to violation codes.
    Imported lazily so the bulletin works without the notify package; delivery is the jobs loop's."""
    try:
        from brightkitchen.platform.notify.models import Notification, NotifyChannel
    except ImportError:  # pragma: no cover - notify is part of the platform today
        return 0
    channels = session.scalars(
        select(NotifyChannel).where(NotifyChannel.enabled.is_(True), NotifyChannel.region_id == bulletin.region_id)
    ).all()
    wanted = [c for c in channels if not c.codes and (not c.events or EVENT in c.events)]
    payload = json.dumps(
        {"event": "bulletin.daily", "bulletin": {"id": bulletin.id, **bulletin.figures}}, ensure_ascii=False
    )
    for channel in wanted:
        session.add(
            Notification(
                channel_id=channel.id,
                alert_id=None,
                event=EVENT,
                dedupe_key=f"{channel.id}:bulletin:{bulletin.id}",
                subject=subject[:200],
                body=bulletin.markdown,
                payload=payload,
                next_attempt_at=now,
            )
        )
    if wanted:
        log.info("bulletin %s queued for %d channel(s)", bulletin.id, len(wanted))
    return len(wanted)
