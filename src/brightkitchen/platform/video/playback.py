"""Playback of a recorded range: the request (part of the site's demand until the edge says done), its
segments as the edge uploads them, and its playlist: EVENT while segments arrive, ended once done."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.problems import Problem, conflict
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera
from brightkitchen.platform.video import links, playlists, segments
from brightkitchen.platform.video.demand import playback_cutoff
from brightkitchen.platform.video.models import OPEN_PLAYBACK_STATES, Playback, PlaybackSegment, PlaybackState
from brightkitchen.protocol.video import MAX_PLAYBACK_S, PlaybackDone, SegmentMeta

# More segments than a MAX_PLAYBACK_S range can have even at very short segments.
MAX_SEQ = 100_000
TIMEOUT_ERROR = "timeout"


def check_range(start: datetime, end: datetime) -> None:
    span = (end - start).total_seconds()
    if span <= 0 or span > MAX_PLAYBACK_S:
        message = f"end must be after start, at most {MAX_PLAYBACK_S // 60} minutes later"
        raise Problem(422, "Invalid request", message, errors=[{"field": "end", "message": message}], code="bad_range")


def create(
    session: Session, camera: Camera, user_id: int | None, start: datetime, end: datetime, now: datetime
) -> Playback:
    check_range(start, end)
    pb = Playback(
        request_id=secrets.token_urlsafe(16),
        camera_id=camera.id,
        site_id=camera.site_id,
        user_id=user_id,
        start=start,
        end=end,
        state=PlaybackState.pending,
        created_at=now,
    )
    session.add(pb)
    session.flush()
    return pb


def effective_state(pb: Playback, settings: Settings, now: datetime) -> tuple[str, str | None]:
    """The state and error as people see them: an open request past its time has failed ("timeout")."""
    if pb.state in OPEN_PLAYBACK_STATES and pb.created_at <= playback_cutoff(settings, now):
        return PlaybackState.failed, TIMEOUT_ERROR
    return pb.state, pb.error


def for_device(session: Session, site_id: int, request_id: str) -> Playback:
    pb = session.scalar(select(Playback).where(Playback.request_id == request_id, Playback.site_id == site_id))
    if pb is None:
        raise Problem(404, "Not found", f"no playback request '{request_id}' for this site", code="not_found")
    return pb


def store_segment(
    session: Session, settings: Settings, pb: Playback, seq: int, meta: SegmentMeta, data: bytes, now: datetime
) -> None:
    if pb.state not in OPEN_PLAYBACK_STATES or pb.purged_at is not None:
        raise conflict(f"playback '{pb.request_id}' is finished")
    if not 0 <= seq < MAX_SEQ:
        raise Problem(
            422,
            "Invalid request",
            f"seq must be 0..{MAX_SEQ - 1}",
            errors=[{"field": "seq", "message": "out of range"}],
        )
    row = session.scalar(
        select(PlaybackSegment).where(PlaybackSegment.playback_id == pb.id, PlaybackSegment.seq == seq)
    )
    if row is None:
        row = PlaybackSegment(playback_id=pb.id, seq=seq)
        session.add(row)
    row.start, row.duration_s, row.discontinuity, row.size = meta.start, meta.duration_s, meta.discontinuity, len(data)
    pb.state = PlaybackState.uploading
    session.flush()
    segments.write_atomically(segments.playback_path(settings.video_dir, pb.request_id, seq), data)
    session.commit()


def finish(session: Session, pb: Playback, done: PlaybackDone, now: datetime) -> bool:
    """The edge has sent all it has. True when this changed the request (a repeated done changes nothing)."""
    if pb.state not in OPEN_PLAYBACK_STATES:
        return False
    stored = stored_count(session, pb.id)
    failed = done.error is not None or (done.segments == 0 and stored == 0)
    pb.state = PlaybackState.failed if failed else PlaybackState.done
    pb.error = done.error or ("no_recording" if failed else None)
    pb.segments = done.segments
    pb.recorded_from, pb.recorded_until = done.recorded_from, done.recorded_until
    pb.finished_at = now
    session.commit()
    return True


def stored_count(session: Session, playback_id: int) -> int:
    count = session.scalar(
        select(func.count()).select_from(PlaybackSegment).where(PlaybackSegment.playback_id == playback_id)
    )
    return int(count or 0)


def listed_segments(session: Session, pb: Playback, ended: bool) -> list[PlaybackSegment]:
    """Every stored segment once ended; while open only the run 0, 1, 2... without a gap, so that the EVENT
    playlist only ever grows at its end (a late segment never lands in the middle of what was listed)."""
    rows = list(
        session.scalars(
            select(PlaybackSegment).where(PlaybackSegment.playback_id == pb.id).order_by(PlaybackSegment.seq)
        )
    )
    if ended:
        return rows
    run: list[PlaybackSegment] = []
    for expected, row in enumerate(rows):
        if row.seq != expected:
            break
        run.append(row)
    return run


def playlist(session: Session, settings: Settings, pb: Playback, exp: int, now: datetime) -> str:
    state, error = effective_state(pb, settings, now)
    ended = state in (PlaybackState.done, PlaybackState.failed)
    rows = listed_segments(session, pb, ended)
    if ended and not rows:
        raise no_recording(error or "no_recording")
    entries = [
        playlists.Entry(
            uri=links.signed(settings.secret_key, links.playback_segment_resource(pb.request_id, r.seq), exp),
            start=r.start,
            duration_s=r.duration_s,
            discontinuity=r.discontinuity,
        )
        for r in rows
    ]
    return playlists.render(entries, kind="event", ended=ended)


_NO_RECORDING = {
    "no_recording": "该时间段没有录像。 (no recording for this range)",
    "unknown_camera": "边缘服务器不认识这个摄像头。 (the edge server does not know this camera)",
    "range_too_long": "时间段太长，请缩短后再试。 (the range is too long)",
    TIMEOUT_ERROR: "边缘服务器没有及时上传录像，请稍后再试。 (the edge server did not send the recording in time)",
}


def no_recording(error: str) -> Problem:
    return Problem(404, "No recording", _NO_RECORDING.get(error, error), code=error)
