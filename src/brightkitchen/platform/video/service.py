"""Granting video to a viewer: the stream limit, the demand, the access log and the signed links, in one
place for people, the public and playback."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.alerts.service import code_name
from brightkitchen.platform.problems import Problem, not_found
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera, Site
from brightkitchen.platform.video import links, live, playback
from brightkitchen.platform.video.access import Viewer, log_access
from brightkitchen.platform.video.demand import check_stream_limit, mark_watched, watch_of
from brightkitchen.platform.video.models import AccessKind, CameraRecording, Playback
from brightkitchen.platform.video.schemas import (
    LiveGrant,
    PlaybackGrant,
    PlaybackStatus,
    RecordingInfo,
    Recordings,
    TimelineAlert,
)

TIMELINE_DEFAULT = timedelta(hours=24)
TIMELINE_MAX = timedelta(days=31)
TIMELINE_ALERTS = 500

_LIVE_ERRORS = {
    "h265_unsupported": "该摄像头是 H.265 编码，浏览器无法直接播放；请在摄像头上为子码流选择 H.264。",
    "camera_offline": "摄像头离线，暂时无法观看。",
    "no_video_stream": "摄像头没有视频流。",
    "upload_failed": "边缘服务器上传视频失败，正在重试。",
}


def site_of(session: Session, camera: Camera) -> Site:
    site = session.get(Site, camera.site_id)
    assert site is not None
    return site


def watch_live(
    session: Session, settings: Settings, camera: Camera, viewer: Viewer, now: datetime, exp: int
) -> tuple[LiveGrant, bool]:
    """Admits the viewer (a camera already streaming costs nothing more), records the access and answers the
    signed playlist link. The bool says whether a stream started (the caller wakes the long-polls)."""
    site = site_of(session, camera)
    if watch_of(session, camera.id, settings, now) is None:
        check_stream_limit(session, site, settings, now)
    started = mark_watched(session, camera.id, camera.site_id, settings, now)
    log_access(session, viewer, camera, AccessKind.live, now)
    health = session.get(CameraRecording, camera.id)
    message = _LIVE_ERRORS.get(health.live_error or "") if health else None
    streaming = not started and live.is_streaming(session, settings, camera.id, now)
    status = "streaming" if streaming else ("unavailable" if message else "starting")
    url = links.signed(settings.secret_key, links.live_playlist_resource(camera.id), exp)
    grant = LiveGrant(
        playlist_url=url,
        expires_at=links.expires_at(exp),
        camera_id=camera.id,
        camera_name=camera.name,
        site_id=camera.site_id,
        status=status,
        message=message,
        live_error=health.live_error if health and health.live_error in _LIVE_ERRORS else None,
    )
    return grant, started


def public_camera(session: Session, site_code: str, camera_id: int) -> tuple[Site, Camera]:
    """A public camera of a site whose public page is on; anything else answers like a missing one."""
    row = session.execute(
        select(Site, Camera)
        .join(Camera, Camera.site_id == Site.id)
        .where(Site.code == site_code, Site.public_page.is_(True), Camera.id == camera_id, Camera.public.is_(True))
    ).first()
    if row is None:
        raise not_found("camera")
    return row[0], row[1]


def public_hours_end(site: Site, settings: Settings, now: datetime) -> datetime | None:
    """When the current public-viewing window closes, or None when ``now`` is outside it. Equal from/until
    means all day."""
    tz = ZoneInfo(settings.timezone)
    local = now.astimezone(tz)
    start, until = site.public_video_from, site.public_video_until
    if start == until:
        return local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    t = local.time().replace(tzinfo=None)
    inside = start <= t < until if start < until else (t >= start or t < until)
    if not inside:
        return None
    end_day = local.date() if t < until else local.date() + timedelta(days=1)
    return datetime.combine(end_day, until, tzinfo=tz)


def check_public_hours(site: Site, settings: Settings, now: datetime) -> datetime:
    end = public_hours_end(site, settings, now)
    if end is None:
        hours = f"{_hhmm(site.public_video_from)}-{_hhmm(site.public_video_until)}"
        raise Problem(
            403,
            "Outside public hours",
            f"公开直播时间为每天 {hours}，现在不在开放时间内。 (public viewing is open {hours} local time)",
            code="outside_public_hours",
        )
    return end


def _hhmm(t: time) -> str:
    return t.strftime("%H:%M")


def request_playback(
    session: Session,
    settings: Settings,
    camera: Camera,
    viewer: Viewer,
    start: datetime,
    end: datetime,
    now: datetime,
) -> PlaybackGrant:
    playback.check_range(start, end)
    check_stream_limit(session, site_of(session, camera), settings, now)
    pb = playback.create(session, camera, viewer.user_id, start, end, now)
    log_access(
        session, viewer, camera, AccessKind.playback, now, range_start=start, range_end=end, request_id=pb.request_id
    )
    exp = links.expiry(now, settings.video_url_ttl_s)
    url = links.signed(settings.secret_key, links.playback_playlist_resource(pb.request_id), exp)
    return PlaybackGrant(
        playlist_url=url,
        expires_at=links.expires_at(exp),
        request_id=pb.request_id,
        camera_id=camera.id,
        site_id=camera.site_id,
        status_url=f"{links.VIDEO_PATH}/playback/{pb.request_id}",
    )


def playback_status(session: Session, settings: Settings, pb: Playback, now: datetime) -> PlaybackStatus:
    state, error = playback.effective_state(pb, settings, now)
    exp = links.expiry(now, settings.video_url_ttl_s)
    url = links.signed(settings.secret_key, links.playback_playlist_resource(pb.request_id), exp)
    return PlaybackStatus(
        request_id=pb.request_id,
        camera_id=pb.camera_id,
        state=state,
        start=pb.start,
        end=pb.end,
        segments=playback.stored_count(session, pb.id),
        segments_expected=pb.segments if pb.finished_at else None,
        error=error,
        message=playback.no_recording(error).detail if error else None,
        recorded_from=pb.recorded_from,
        recorded_until=pb.recorded_until,
        created_at=pb.created_at,
        finished_at=pb.finished_at,
        playlist_url=url,
        expires_at=links.expires_at(exp),
    )


def recordings(
    session: Session, camera: Camera, since: datetime | None, until: datetime | None, now: datetime
) -> Recordings:
    until = until or now
    since = since or until - TIMELINE_DEFAULT
    if since >= until or until - since > TIMELINE_MAX:
        message = f"since must be before until, at most {TIMELINE_MAX.days} days apart"
        raise Problem(422, "Invalid request", message, errors=[{"field": "since", "message": message}])
    health = session.get(CameraRecording, camera.id)
    alerts = session.scalars(
        select(Alert)
        .where(Alert.camera_id == camera.id, Alert.started_at < until, Alert.ended_at >= since)
        .order_by(Alert.started_at)
        .limit(TIMELINE_ALERTS)
    ).all()
    info = (
        RecordingInfo(
            status=health.status,
            recorded_from=health.recorded_from,
            recorded_until=health.recorded_until,
            days_kept=health.days_kept,
            bytes_kept=health.bytes_kept,
            video_codec=health.video_codec,
            live_error=health.live_error,
            error=health.error,
            reported_at=health.reported_at,
        )
        if health
        else None
    )
    return Recordings(
        camera_id=camera.id,
        since=since,
        until=until,
        recorded_from=info.recorded_from if info else None,
        recorded_until=info.recorded_until if info else None,
        days_kept=info.days_kept if info else None,
        status=info.status if info else None,
        live_error=info.live_error if info else None,
        recording=info,
        alerts=[
            TimelineAlert(
                id=a.id,
                code=a.code,
                code_name=code_name(a.code),
                started_at=a.started_at,
                ended_at=a.ended_at,
                state=a.state,
            )
            for a in alerts
        ],
    )
