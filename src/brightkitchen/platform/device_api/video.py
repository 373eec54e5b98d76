"""The video part of the device API: the demand long-poll, live and playback segment uploads, playback done.
Every connection is opened by the edge (outbound only from the school)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.device_api.auth import Credentials, authenticate_alone
from brightkitchen.platform.device_api.docs import refusals
from brightkitchen.platform.uploads.forms import read_body
from brightkitchen.platform.video import live, playback, segments
from brightkitchen.platform.video.demand import demand_for_site
from brightkitchen.platform.video.hub import hub_of
from brightkitchen.protocol.video import MAX_SEGMENT_BYTES, SEGMENT_CONTENT_TYPE, PlaybackDone, SegmentMeta, VideoDemand

router = APIRouter(prefix="/device", tags=["device"])

MAX_WAIT_S = 30.0
# Other worker processes change the demand too; they are noticed by reading the database this often.
DB_CHECK_S = 0.5

_TS_BODY = {
    "requestBody": {
        "required": True,
        "content": {SEGMENT_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    }
}
Seq = Annotated[int, Path(ge=0, le=2**62)]
RequestId = Annotated[str, Path(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]


def _demand(request: Request, site_id: int) -> VideoDemand:
    ctx = request.app.state.ctx
    with ctx.sessions() as session:
        return demand_for_site(session, site_id, ctx.settings, utcnow())


@router.get(
    "/video/demand",
    response_model=VideoDemand,
    summary="Long-poll: the cameras to stream live and the ranges to play back now",
    responses=refusals(401, 429, 503),
)
async def video_demand(
    request: Request,
    creds: Credentials,
    after: Annotated[str | None, Query(max_length=64, description="the version the edge holds")] = None,
    wait_s: Annotated[float, Query(ge=0.0, description=f"longest wait for a change, capped at {MAX_WAIT_S:g}")] = 25.0,
) -> VideoDemand:
    device = await run_in_threadpool(authenticate_alone, request, creds)
    assert device.site_id is not None
    site_id = device.site_id
    deadline = time.monotonic() + min(wait_s, MAX_WAIT_S)
    demand = await run_in_threadpool(_demand, request, site_id)
    if demand.version != after:
        return demand
    hub = hub_of(request.app)
    woken = hub.subscribe(site_id)
    try:
        while (left := deadline - time.monotonic()) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), timeout=min(DB_CHECK_S, left))
            woken.clear()
            if await request.is_disconnected():
                break
            demand = await run_in_threadpool(_demand, request, site_id)
            if demand.version != after:
                return demand
    finally:
        hub.unsubscribe(site_id, woken)
    return demand


def _authenticate_for(request: Request, creds: Credentials, target: Callable[[Session, int], object]) -> Principal:
    """The device, and its site has ``target`` (404 before the body is read)."""
    device = authenticate_alone(request, creds)
    assert device.site_id is not None
    with request.app.state.ctx.sessions() as session:
        target(session, device.site_id)
    return device


async def _segment_upload(
    request: Request, creds: Credentials, target: Callable[[Session, int], object]
) -> tuple[Principal, bytes, SegmentMeta]:
    """Auth and target (404), then headers (422), declared type (415), size (413) and content (415): nothing
    is stored unless all pass."""
    device = await run_in_threadpool(_authenticate_for, request, creds, target)
    meta = segments.read_meta(request.headers)
    segments.check_content_type(request.headers.get("content-type"))
    data = await read_body(request, MAX_SEGMENT_BYTES)
    segments.check_ts(data)
    return device, data, meta


def _store_live(request: Request, device: Principal, camera_key: str, seq: int, meta: SegmentMeta, data: bytes) -> None:
    ctx = request.app.state.ctx
    assert device.site_id is not None
    with ctx.sessions() as session:
        camera = live.camera_at_site(session, device.site_id, camera_key)
        live.store_live_segment(session, ctx.settings, camera, seq, meta, data, utcnow())


@router.put(
    "/cameras/{camera_key}/live/{seq}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="One live MPEG-TS segment of a watched camera (headers: X-Segment-Start, -Duration, -Discontinuity)",
    responses=refusals(401, 404, 413, 415, 422, 429, 503),
    openapi_extra=_TS_BODY,
)
async def upload_live(request: Request, camera_key: str, seq: Seq, creds: Credentials) -> Response:
    device, data, meta = await _segment_upload(
        request, creds, lambda session, site_id: live.camera_at_site(session, site_id, camera_key)
    )
    await run_in_threadpool(_store_live, request, device, camera_key, seq, meta, data)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _store_playback(
    request: Request, device: Principal, request_id: str, seq: int, meta: SegmentMeta, data: bytes
) -> None:
    ctx = request.app.state.ctx
    assert device.site_id is not None
    with ctx.sessions() as session:
        pb = playback.for_device(session, device.site_id, request_id)
        playback.store_segment(session, ctx.settings, pb, seq, meta, data, utcnow())


@router.put(
    "/playback/{request_id}/segments/{seq}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="One recorded MPEG-TS segment of a playback request (seq 0, 1, 2... in order)",
    responses=refusals(401, 404, 409, 413, 415, 422, 429, 503),
    openapi_extra=_TS_BODY,
)
async def upload_playback(request: Request, request_id: RequestId, seq: Seq, creds: Credentials) -> Response:
    device, data, meta = await _segment_upload(
        request, creds, lambda session, site_id: playback.for_device(session, site_id, request_id)
    )
    await run_in_threadpool(_store_playback, request, device, request_id, seq, meta, data)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _done(request: Request, creds: Credentials, request_id: str, body: PlaybackDone, now: datetime) -> None:
    ctx = request.app.state.ctx
    device = authenticate_alone(request, creds)
    assert device.site_id is not None
    with ctx.sessions() as session:
        pb = playback.for_device(session, device.site_id, request_id)
        changed = playback.finish(session, pb, body, now)
    if changed:
        hub_of(request.app).notify(device.site_id)


@router.post(
    "/playback/{request_id}/done",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="The edge has sent every segment it has for a playback request (or says why none)",
    responses=refusals(401, 404, 422, 429, 503),
)
async def playback_done(request: Request, request_id: RequestId, body: PlaybackDone, creds: Credentials) -> Response:
    await run_in_threadpool(_done, request, creds, request_id, body, utcnow())
    return Response(status_code=status.HTTP_204_NO_CONTENT)
