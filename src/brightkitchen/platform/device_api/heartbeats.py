"""POST /device/heartbeats: device and camera health.

With ``heartbeat_flush_s`` > 0 (the default) the report is handed to the worker's heartbeat buffer
(health.coalesce) and written with the others a moment later; a device whose key is in the worker's key cache
is authenticated without the database, and (with the in-process rate limiter) without leaving the event loop.
With 0 the report is written before the answer."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool

from brightkitchen.platform.deps import now_for
from brightkitchen.platform.device_api.auth import (
    BEARER_SCHEME,
    authenticate,
    authenticate_alone,
    authenticate_at_once,
    bearer,
    key_digest,
)
from brightkitchen.platform.device_api.docs import refusals
from brightkitchen.platform.device_api.key_cache import key_cache_for
from brightkitchen.platform.health.coalesce import HeartbeatBuffer, heartbeats_for
from brightkitchen.platform.health.service import record_heartbeat
from brightkitchen.protocol.v1 import Heartbeat

router = APIRouter(prefix="/device", tags=["device"])


def _write_now(request: Request, creds: HTTPAuthorizationCredentials | None, body: Heartbeat, now: datetime) -> None:
    ctx = request.app.state.ctx
    with ctx.sessions() as session:
        device = authenticate(request, session, creds)
        record_heartbeat(session, ctx.settings, device, body, now)


def _buffer(request: Request) -> HeartbeatBuffer:
    # The write finds keys revoked or replaced since they were cached: this worker stops trusting them.
    return heartbeats_for(request.app, on_refused=key_cache_for(request.app).forget_devices)


@router.post(
    "/heartbeats",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Report device and camera health",
    responses=refusals(401, 422, 429, 503),
    openapi_extra={"security": [{BEARER_SCHEME: []}]},  # the key is read below, not by a dependency
)
async def heartbeat(request: Request, body: Heartbeat) -> Response:
    # The bearer key and "now" are read here rather than by FastAPI's dependencies: at a province's 900
    # heartbeats a second, resolving them cost about a fifth of the request.
    creds, now = await bearer(request), await now_for(request)
    if request.app.state.ctx.settings.heartbeat_flush_s <= 0:
        await run_in_threadpool(_write_now, request, creds, body, now)
    else:
        device = authenticate_at_once(request, creds)
        if device is None:
            device = await run_in_threadpool(authenticate_alone, request, creds)
        _buffer(request).add(device, body, now, key_digest(creds))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
