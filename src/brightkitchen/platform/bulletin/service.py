"""Producing the bulletin once a day per region, and handing it to the notification channels."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brightkitchen.platform.bulletin import render
from brightkitchen.platform.bulletin.figures import compute
from brightkitchen.platform.bulletin.models import Bulletin
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.settings import Settings

log = logging.getLogger(__name__)
EVENT = "bulletin"


def local_date(settings: Settings, now: datetime) -> date:
    return now.astimezone(ZoneInfo(settings.timezone)).date()


def is_due(settings: Settings, now: datetime) -> bool:
    return now.astimezone(ZoneInfo(settings.timezone)).time() >= settings.bulletin_time


def produce(session: Session, settings: Settings, region: Region, now: datetime) -> Bulletin | None:
    """Computes and inserts today's bulletin of a region; None when one already exists (insert-or-skip on
    the unique (region_id, date), so two processes racing here store one)."""
    figures = compute(session, settings, region, now)
    row = Bulletin(
        region_id=region.id,
        date=figures.date,
        generated_at=now,
        figures=figures.model_dump(mode="json"),
        markdown=render.markdown(figures, settings.timezone),
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    queue_notifications(session, settings, row, render.title(figures), now)
    return row


def run_bulletin_if_due(ctx: PlatformContext, now: datetime) -> list[int]:
    """For the jobs loop: after the configured local time, today's bulletin of every region of the
    configured kinds that lacks one. Returns the ids made by this call."""
    settings = ctx.settings
    if not is_due(settings, now):
        return []
    today = local_date(settings, now)
    made: list[int] = []
    with ctx.sessions.begin() as session:
        done = select(Bulletin.region_id).where(Bulletin.date == today)
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
