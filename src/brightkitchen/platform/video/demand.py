"""The demand: which cameras of a site are watched live now and which playback requests are open. Watching is
a timestamp per camera refreshed by viewers; it lapses by time alone, so every worker process computes the
same demand from the database without any cross-process messaging."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brightkitchen.platform.problems import Problem
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera, Site
from brightkitchen.platform.video.models import OPEN_PLAYBACK_STATES, Playback, VideoWatch
from brightkitchen.protocol.video import PlaybackDemand, VideoDemand


def idle_cutoff(settings: Settings, now: datetime) -> datetime:
    return now - timedelta(seconds=settings.video_idle_s)


def playback_cutoff(settings: Settings, now: datetime) -> datetime:
    return now - timedelta(seconds=settings.video_playback_timeout_s)


def mark_watched(session: Session, camera_id: int, site_id: int, settings: Settings, now: datetime) -> bool:
    """Somebody watches ``camera_id`` now. True when this starts a stream (the demand changes)."""
    cutoff = idle_cutoff(settings, now)
    restarted = session.execute(
        update(VideoWatch)
        .where(VideoWatch.camera_id == camera_id, VideoWatch.last_watched_at <= cutoff)
        .values(started_at=now, last_watched_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(restarted, "rowcount", 0) == 1:
        return True
    kept = session.execute(
        update(VideoWatch)
        .where(VideoWatch.camera_id == camera_id, VideoWatch.last_watched_at < now)
        .values(last_watched_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(kept, "rowcount", 0) == 1:
        return False
    if session.scalar(select(VideoWatch.camera_id).where(VideoWatch.camera_id == camera_id)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(VideoWatch(camera_id=camera_id, site_id=site_id, started_at=now, last_watched_at=now))
    except IntegrityError:  # another worker started it a moment ago
        return False
    return True


def watch_of(session: Session, camera_id: int, settings: Settings, now: datetime) -> VideoWatch | None:
    """The camera's current stretch of watching, or None when nobody watches it now."""
    return session.scalar(
        select(VideoWatch).where(
            VideoWatch.camera_id == camera_id, VideoWatch.last_watched_at > idle_cutoff(settings, now)
        )
    )


def streams_in_use(session: Session, site_id: int, settings: Settings, now: datetime) -> int:
    """Streams the site's uplink carries now: cameras watched live plus open playback requests."""
    live = session.scalar(
        select(func.count())
        .select_from(VideoWatch)
        .where(VideoWatch.site_id == site_id, VideoWatch.last_watched_at > idle_cutoff(settings, now))
    )
    playing = session.scalar(select(func.count()).select_from(Playback).where(*_open_playbacks(site_id, settings, now)))
    return int(live or 0) + int(playing or 0)


def stream_limit(site: Site, settings: Settings) -> int:
    return site.video_stream_limit or settings.video_stream_limit


def check_stream_limit(session: Session, site: Site, settings: Settings, now: datetime) -> None:
    """429 when one more stream would pass the site's limit. On PostgreSQL the site row is locked first, so
    two workers admitting at once do not both take the last stream."""
    session.scalar(select(Site.id).where(Site.id == site.id).with_for_update())
    limit = stream_limit(site, settings)
    if streams_in_use(session, site.id, settings, now) >= limit:
        raise Problem(
            429,
            "Too many streams",
            f"该学校同时播放的视频已达上限（{limit} 路），请先关闭其他画面或稍后再试。"
            f" (the site streams {limit} cameras at once already)",
            headers={"Retry-After": str(int(settings.video_idle_s))},
            code="stream_limit",
        )


def _open_playbacks(site_id: int, settings: Settings, now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        Playback.site_id == site_id,
        Playback.state.in_([str(s) for s in OPEN_PLAYBACK_STATES]),
        Playback.created_at > playback_cutoff(settings, now),
    )


def demand_version(live: list[str], playback_ids: list[str]) -> str:
    doc = json.dumps([sorted(live), sorted(playback_ids)], separators=(",", ":"))
    return hashlib.sha256(doc.encode()).hexdigest()[:16]


def demand_for_site(session: Session, site_id: int, settings: Settings, now: datetime) -> VideoDemand:
    live = list(
        session.scalars(
            select(Camera.key)
            .join(VideoWatch, VideoWatch.camera_id == Camera.id)
            .where(VideoWatch.site_id == site_id, VideoWatch.last_watched_at > idle_cutoff(settings, now))
            .order_by(Camera.key)
        )
    )
    rows = session.execute(
        select(Playback.request_id, Camera.key, Playback.start, Playback.end)
        .join(Camera, Camera.id == Playback.camera_id)
        .where(*_open_playbacks(site_id, settings, now))
        .order_by(Playback.created_at, Playback.id)
    ).all()
    playback = [PlaybackDemand(request_id=r, camera_key=k, start=s, end=e) for r, k, s, e in rows]
    version = demand_version(live, [p.request_id for p in playback])
    return VideoDemand(version=version, live=live, playback=playback)
