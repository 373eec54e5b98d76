"""Live segments: stored once per camera as the edge uploads them, listed in a sliding-window playlist that any
number of viewers fetch. Only the last ``video_live_keep_segments`` stay on disk."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from brightkitchen.platform.problems import Problem
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera
from brightkitchen.platform.video import links, playlists, segments
from brightkitchen.platform.video.demand import idle_cutoff, watch_of
from brightkitchen.platform.video.models import LiveSegment
from brightkitchen.protocol.video import SegmentMeta

log = logging.getLogger(__name__)

# Segments listed in a live playlist (the player starts about three from the end).
LIVE_WINDOW = 8
# A camera whose last segment is older than this is "starting" (or stalled), not "streaming".
STREAMING_WITHIN_S = 5.0
_ATTEMPTS = 3


def camera_at_site(session: Session, site_id: int, camera_key: str) -> Camera:
    camera = session.scalar(select(Camera).where(Camera.site_id == site_id, Camera.key == camera_key))
    if camera is None:
        raise Problem(404, "Not found", f"camera '{camera_key}' is not registered at this site", code="not_found")
    return camera


def store_live_segment(
    session: Session, settings: Settings, camera: Camera, seq: int, meta: SegmentMeta, data: bytes, now: datetime
) -> LiveSegment:
    """Index and write one segment; a segment re-sent with the same ``seq`` is kept once. Two uploads racing
    for the same position (two workers) retry with the next one."""
    for attempt in range(_ATTEMPTS):
        try:
            row = _store_once(session, settings, camera, seq, meta, data, now)
            break
        except (IntegrityError, OperationalError):
            session.rollback()
            if attempt == _ATTEMPTS - 1:
                raise
    _trim(session, settings, camera.id, row.pos)
    return row


def _store_once(
    session: Session, settings: Settings, camera: Camera, seq: int, meta: SegmentMeta, data: bytes, now: datetime
) -> LiveSegment:
    same = session.scalar(select(LiveSegment).where(LiveSegment.camera_id == camera.id, LiveSegment.seq == seq))
    if same is not None:
        return same  # a retried upload: already stored
    last = session.scalar(
        select(LiveSegment).where(LiveSegment.camera_id == camera.id).order_by(LiveSegment.pos.desc()).limit(1)
    )
    pos = last.pos + 1 if last else 1
    disc = (last.disc if last else 0) + (1 if meta.discontinuity else 0)
    row = LiveSegment(
        camera_id=camera.id,
        pos=pos,
        seq=seq,
        start=meta.start,
        duration_s=meta.duration_s,
        discontinuity=meta.discontinuity,
        disc=disc,
        size=len(data),
        received_at=now,
    )
    session.add(row)
    session.flush()  # claims (camera, pos) before the file is written
    path = segments.live_path(settings.video_dir, camera.id, pos)
    try:
        segments.write_atomically(path, data)
        session.commit()
    except BaseException:
        session.rollback()
        segments.remove(path)
        raise
    return row


def _trim(session: Session, settings: Settings, camera_id: int, newest_pos: int) -> None:
    oldest_kept = newest_pos - settings.video_live_keep_segments + 1
    old = list(
        session.scalars(
            select(LiveSegment.pos).where(LiveSegment.camera_id == camera_id, LiveSegment.pos < oldest_kept)
        )
    )
    if not old:
        return
    session.execute(delete(LiveSegment).where(LiveSegment.camera_id == camera_id, LiveSegment.pos < oldest_kept))
    session.commit()
    for pos in old:
        segments.remove(segments.live_path(settings.video_dir, camera_id, pos))


def current_segments(session: Session, settings: Settings, camera_id: int, now: datetime) -> list[LiveSegment]:
    """The newest segments of the current stretch of watching (older ones belong to an earlier stream)."""
    watch = watch_of(session, camera_id, settings, now)
    since = watch.started_at if watch else idle_cutoff(settings, now)
    rows = session.scalars(
        select(LiveSegment)
        .where(LiveSegment.camera_id == camera_id, LiveSegment.received_at >= since)
        .order_by(LiveSegment.pos.desc())
        .limit(LIVE_WINDOW)
    ).all()
    return list(reversed(rows))


def live_playlist(session: Session, settings: Settings, camera_id: int, exp: int, now: datetime) -> str:
    """The live playlist; empty (the player retries) until the first segment of this stream arrives."""
    rows = current_segments(session, settings, camera_id, now)
    entries = [
        playlists.Entry(
            uri=links.signed(settings.secret_key, links.live_segment_resource(camera_id, r.pos), exp),
            start=r.start,
            duration_s=r.duration_s,
            discontinuity=r.discontinuity,
        )
        for r in rows
    ]
    first = rows[0] if rows else None
    return playlists.render(
        entries,
        media_sequence=first.pos if first else 0,
        discontinuity_sequence=(first.disc - (1 if first.discontinuity else 0)) if first else 0,
    )


def is_streaming(session: Session, settings: Settings, camera_id: int, now: datetime) -> bool:
    """A segment of the current stream arrived within the last few seconds."""
    recent = now - timedelta(seconds=STREAMING_WITHIN_S)
    return any(r.received_at >= recent for r in current_segments(session, settings, camera_id, now))
