"""Video housekeeping, run by the jobs loop: live segments of streams nobody watches any more, the files of
finished playbacks, and playback requests the edge never finished."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, aliased

from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera
from brightkitchen.platform.video import segments
from brightkitchen.platform.video.demand import playback_cutoff
from brightkitchen.platform.video.models import (
    OPEN_PLAYBACK_STATES,
    LiveSegment,
    Playback,
    PlaybackSegment,
    PlaybackState,
)
from brightkitchen.platform.video.playback import TIMEOUT_ERROR

BATCH = 200
# Live segments older than this are of a stream nobody watches any more (a watched one is trimmed as it goes).
LIVE_STALE = timedelta(minutes=5)


@dataclass
class VideoCleanup:
    live_segments: int = 0
    playbacks_timed_out: int = 0
    playbacks_purged: int = 0


def cleanup_video(ctx: PlatformContext, now: datetime) -> VideoCleanup:
    report = VideoCleanup()
    with ctx.sessions() as session:
        report.playbacks_timed_out = _time_out_playbacks(session, ctx.settings, now)
        report.live_segments = _drop_stale_live(session, ctx.settings, now)
        report.playbacks_purged = _purge_playbacks(session, ctx.settings, now)
        _drop_orphan_folders(session, ctx.settings)
    return report


def _time_out_playbacks(session: Session, settings: Settings, now: datetime) -> int:
    result = session.execute(
        update(Playback)
        .where(
            Playback.state.in_([str(s) for s in OPEN_PLAYBACK_STATES]),
            Playback.created_at <= playback_cutoff(settings, now),
        )
        .values(state=PlaybackState.failed, error=TIMEOUT_ERROR, finished_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def _drop_stale_live(session: Session, settings: Settings, now: datetime) -> int:
    """Old live segments, except each camera's newest row (it carries the position counter on)."""
    newer = aliased(LiveSegment)
    newest = select(func.max(newer.pos)).where(newer.camera_id == LiveSegment.camera_id).scalar_subquery()
    rows = session.execute(
        select(LiveSegment.id, LiveSegment.camera_id, LiveSegment.pos)
        .where(LiveSegment.received_at < now - LIVE_STALE, LiveSegment.pos < newest)
        .limit(BATCH * 10)
    ).all()
    if not rows:
        return 0
    session.execute(delete(LiveSegment).where(LiveSegment.id.in_([r.id for r in rows])))
    session.commit()
    for _, camera_id, pos in rows:
        segments.remove(segments.live_path(settings.video_dir, camera_id, pos))
    return len(rows)


def _purge_playbacks(session: Session, settings: Settings, now: datetime) -> int:
    keep = now - timedelta(seconds=settings.video_playback_keep_s)
    done = session.scalars(
        select(Playback)
        .where(Playback.purged_at.is_(None), Playback.finished_at.is_not(None), Playback.finished_at < keep)
        .limit(BATCH)
    ).all()
    for pb in done:
        session.execute(delete(PlaybackSegment).where(PlaybackSegment.playback_id == pb.id))
        pb.purged_at = now
    session.commit()
    for pb in done:
        segments.remove_tree(segments.playback_dir(settings.video_dir, pb.request_id))
    return len(done)


def _drop_orphan_folders(session: Session, settings: Settings) -> None:
    """Folders of deleted cameras (their rows went with the camera)."""
    root = settings.video_dir / "live"
    if not root.is_dir():
        return
    folders = {p.name: p for p in root.iterdir() if p.is_dir() and p.name.isdigit()}
    if not folders:
        return
    known = set(session.scalars(select(Camera.id).where(Camera.id.in_([int(n) for n in folders]))))
    for name, path in folders.items():
        if int(name) not in known:
            segments.remove_tree(path)
