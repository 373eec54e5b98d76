"""The video API for people (and the public): ask to watch live or a recorded range, the timeline, the
access log, and the signed playlists and segments the player fetches without a bearer header."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import FileResponse
from sqlalchemy import select

from brightkitchen.platform.db import utcnow
from brightkitchen.platform.deps import RegionStaffDep, SessionDep, SettingsDep, UserDep
from brightkitchen.platform.pagination import Page, PageParams, count_rows, one_page, page_params
from brightkitchen.platform.problems import PROBLEM_JSON, Problem, not_found
from brightkitchen.platform.sites.models import Camera, Site
from brightkitchen.platform.sites.service import get_camera_visible
from brightkitchen.platform.video import links, live, playback, segments, service
from brightkitchen.platform.video.access import Viewer, access_query
from brightkitchen.platform.video.demand import check_stream_limit, mark_watched, watch_of
from brightkitchen.platform.video.hub import VideoHub, get_hub
from brightkitchen.platform.video.models import AccessKind, Playback
from brightkitchen.platform.video.playlists import PLAYLIST_CONTENT_TYPE
from brightkitchen.platform.video.schemas import (
    AccessEntry,
    LiveGrant,
    PlaybackCreate,
    PlaybackGrant,
    PlaybackStatus,
    Recordings,
)
from brightkitchen.protocol.video import SEGMENT_CONTENT_TYPE

router = APIRouter(tags=["video"])
HubDep = Annotated[VideoHub, Depends(get_hub)]
Exp = Annotated[int, Query(description="expiry of the signed link, unix seconds")]
Sig = Annotated[str, Query(max_length=128, description="signature of the link")]

_PROBLEM: dict[str, Any] = {"content": {PROBLEM_JSON: {}}}
_LIVE_REFUSALS: dict[int | str, dict[str, Any]] = {
    404: {"description": "unknown camera, or one outside the caller's scope", **_PROBLEM},
    429: {"description": "code stream_limit: the site streams as many cameras as it may", **_PROBLEM},
}
_NO_STORE = {"Cache-Control": "no-store"}
_SEGMENT_HEADERS = {"Cache-Control": "private, max-age=600", "X-Content-Type-Options": "nosniff"}


def _grant_live(
    session: SessionDep, settings: SettingsDep, hub: VideoHub, camera: Camera, viewer: Viewer, exp: int
) -> LiveGrant:
    now = utcnow()
    grant, started = service.watch_live(session, settings, camera, viewer, now, exp)
    session.commit()  # before the wake-up: the long-poll reads the database
    hub.forget(camera.id)
    if started:
        hub.notify(camera.site_id)
    return grant


@router.post(
    "/cameras/{camera_id}/live",
    response_model=LiveGrant,
    summary="Watch a camera live: a signed HLS playlist link (the edge starts sending within seconds)",
    responses=_LIVE_REFUSALS,
)
def watch_live(
    camera_id: int, principal: UserDep, session: SessionDep, settings: SettingsDep, hub: HubDep
) -> LiveGrant:
    camera = get_camera_visible(session, principal, camera_id)
    exp = links.expiry(utcnow(), settings.video_url_ttl_s)
    return _grant_live(session, settings, hub, camera, Viewer.person(principal), exp)


@router.post(
    "/public/sites/{site_code}/cameras/{camera_id}/live",
    response_model=LiveGrant,
    tags=["public"],
    summary="Watch a site's public camera live (no sign-in; only during the site's public hours)",
    responses={
        **_LIVE_REFUSALS,
        403: {"description": "code outside_public_hours: outside the site's public viewing hours", **_PROBLEM},
    },
)
def watch_public(
    site_code: str, camera_id: int, request: Request, session: SessionDep, settings: SettingsDep, hub: HubDep
) -> LiveGrant:
    now = utcnow()
    site, camera = service.public_camera(session, site_code, camera_id)
    hours_end = service.check_public_hours(site, settings, now)
    # The link ends with the public hours, so a page left open does not keep streaming into the night.
    exp = min(links.expiry(now, settings.video_url_ttl_s), int(hours_end.timestamp()))
    viewer = Viewer.public(settings.secret_key, request.client.host if request.client else "unknown")
    return _grant_live(session, settings, hub, camera, viewer, exp)


@router.get(
    "/video/live/{camera_id}/index.m3u8",
    summary="A camera's live HLS playlist (signed link); each fetch keeps the camera watched",
    response_class=Response,
    responses={200: {"content": {PLAYLIST_CONTENT_TYPE: {}}}, 403: {"description": "expired or tampered link"}},
)
def live_playlist(
    camera_id: int, exp: Exp, sig: Sig, session: SessionDep, settings: SettingsDep, hub: HubDep
) -> Response:
    now = utcnow()
    links.check(settings.secret_key, links.live_playlist_resource(camera_id), exp, sig, now)
    camera = session.get(Camera, camera_id)
    if camera is None:
        raise not_found("camera")
    if hub.should_write(camera.id, settings.video_idle_s):
        if watch_of(session, camera.id, settings, now) is None:  # the stream had lapsed: admit it again
            site = session.get(Site, camera.site_id)
            assert site is not None
            check_stream_limit(session, site, settings, now)
        started = mark_watched(session, camera.id, camera.site_id, settings, now)
        session.commit()
        if started:
            hub.notify(camera.site_id)
    body = live.live_playlist(session, settings, camera.id, exp, now)
    return Response(body, media_type=PLAYLIST_CONTENT_TYPE, headers=_NO_STORE)


@router.get(
    "/video/live/{camera_id}/{pos}.ts",
    summary="One live segment (signed link, from the playlist)",
    response_class=Response,
    responses={200: {"content": {SEGMENT_CONTENT_TYPE: {}}}, 403: {"description": "expired or tampered link"}},
)
def live_segment(camera_id: int, pos: int, exp: Exp, sig: Sig, settings: SettingsDep) -> Response:
    links.check(settings.secret_key, links.live_segment_resource(camera_id, pos), exp, sig, utcnow())
    return _segment_file(segments.live_path(settings.video_dir, camera_id, pos))


def _segment_file(path: Any) -> Response:
    if not path.is_file():
        raise not_found("segment")
    return FileResponse(path, media_type=SEGMENT_CONTENT_TYPE, headers=_SEGMENT_HEADERS)


@router.post(
    "/cameras/{camera_id}/playback",
    response_model=PlaybackGrant,
    summary="Play back a recorded range: the edge uploads it; the playlist grows, then ends (seekable)",
    responses={**_LIVE_REFUSALS, 422: {"description": "end not after start, or longer than allowed"}},
)
def request_playback(
    camera_id: int, body: PlaybackCreate, principal: UserDep, session: SessionDep, settings: SettingsDep, hub: HubDep
) -> PlaybackGrant:
    camera = get_camera_visible(session, principal, camera_id)
    grant = service.request_playback(
        session, settings, camera, Viewer.person(principal), body.start, body.end, utcnow()
    )
    session.commit()
    hub.notify(camera.site_id)
    return grant


def _visible_playback(session: SessionDep, principal: UserDep, request_id: str) -> Playback:
    pb = session.scalar(select(Playback).where(Playback.request_id == request_id))
    if pb is None:
        raise not_found("playback")
    get_camera_visible(session, principal, pb.camera_id)  # the same scope as the camera
    return pb


@router.get(
    "/video/playback/{request_id}",
    response_model=PlaybackStatus,
    summary="How a playback request stands (pending / uploading / done / failed) and why",
)
def playback_status(request_id: str, principal: UserDep, session: SessionDep, settings: SettingsDep) -> PlaybackStatus:
    pb = _visible_playback(session, principal, request_id)
    return service.playback_status(session, settings, pb, utcnow())


@router.get(
    "/video/playback/{request_id}/index.m3u8",
    summary="A playback's HLS playlist (signed link): EVENT while uploading, EXT-X-ENDLIST once done",
    response_class=Response,
    responses={
        200: {"content": {PLAYLIST_CONTENT_TYPE: {}}},
        403: {"description": "expired or tampered link"},
        404: {"description": "code no_recording (or timeout, unknown_camera): nothing to play", **_PROBLEM},
    },
)
def playback_playlist(request_id: str, exp: Exp, sig: Sig, session: SessionDep, settings: SettingsDep) -> Response:
    now = utcnow()
    links.check(settings.secret_key, links.playback_playlist_resource(request_id), exp, sig, now)
    pb = session.scalar(select(Playback).where(Playback.request_id == request_id))
    if pb is None:
        raise not_found("playback")
    body = playback.playlist(session, settings, pb, exp, now)
    return Response(body, media_type=PLAYLIST_CONTENT_TYPE, headers=_NO_STORE)


@router.get(
    "/video/playback/{request_id}/{seq}.ts",
    summary="One playback segment (signed link, from the playlist)",
    response_class=Response,
    responses={200: {"content": {SEGMENT_CONTENT_TYPE: {}}}, 403: {"description": "expired or tampered link"}},
)
def playback_segment(request_id: str, seq: int, exp: Exp, sig: Sig, settings: SettingsDep) -> Response:
    links.check(settings.secret_key, links.playback_segment_resource(request_id, seq), exp, sig, utcnow())
    return _segment_file(segments.playback_path(settings.video_dir, request_id, seq))


@router.get(
    "/cameras/{camera_id}/recordings",
    response_model=Recordings,
    summary="The timeline: what the edge has recorded (last heartbeat) and the camera's alerts in the window",
)
def camera_recordings(
    camera_id: int,
    principal: UserDep,
    session: SessionDep,
    since: Annotated[datetime | None, Query(description="default: 24 h before until")] = None,
    until: Annotated[datetime | None, Query(description="default: now")] = None,
) -> Recordings:
    camera = get_camera_visible(session, principal, camera_id)
    return service.recordings(session, camera, _aware(since, "since"), _aware(until, "until"), utcnow())


def _aware(value: datetime | None, field: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise Problem(
            422,
            "Invalid request",
            f"{field} needs a time zone offset",
            errors=[{"field": field, "message": "time zone offset required"}],
        )
    return value


@router.get(
    "/video/access-log",
    response_model=Page[AccessEntry],
    summary="Who watched which camera, when, live or a recorded range (admins and regulators, in scope)",
)
def access_log(
    principal: RegionStaffDep,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    site_id: int | None = None,
    camera_id: int | None = None,
    kind: Literal["live", "playback"] | None = None,
) -> Page[AccessEntry]:
    stmt = access_query(principal, site_id, camera_id, AccessKind(kind) if kind else None)
    total = count_rows(session, stmt)
    items = [
        AccessEntry(
            id=a.id,
            at=a.at,
            kind=a.kind,
            site_id=s.id,
            site_name=s.name,
            camera_id=a.camera_id,
            camera_name=camera_name,
            user_id=a.user_id,
            username=username,
            role=a.role,
            client_hash=a.client_hash,
            range_start=a.range_start,
            range_end=a.range_end,
            request_id=a.request_id,
        )
        for a, s, camera_name, username in session.execute(one_page(stmt, params)).all()
    ]
    return Page.of(items, total, params)
