"""POST /device/events: a violation event with its evidence, idempotent by event_id. Each event is one detection
of an episode; the answer names the alert it belongs to (none while the episode is below its minimum duration)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.deps import now_for
from brightkitchen.platform.device_api.auth import BEARER_SCHEME, authenticate_alone, authenticate_at_once, bearer
from brightkitchen.platform.device_api.docs import REFUSALS
from brightkitchen.platform.ingest import service
from brightkitchen.platform.ingest.sites import SiteCache
from brightkitchen.platform.storage.deps import get_store
from brightkitchen.platform.uploads.forms import read_parts

router = APIRouter(prefix="/device", tags=["device"])

_MULTIPART_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["event"],
                    "properties": {
                        "event": {"type": "string", "description": "ViolationEvent JSON"},
                        "snapshot": {"type": "string", "format": "binary", "description": "image/jpeg"},
                        "clip": {"type": "string", "format": "binary", "description": "video/mp4"},
                    },
                }
            }
        },
    }
}


def _sites(request: Request) -> SiteCache:
    """The app's site facts (one cache per app, so a test's fresh database never sees another's sites)."""
    cache: SiteCache | None = getattr(request.app.state, "ingest_sites", None)
    if cache is None:
        cache = request.app.state.ingest_sites = SiteCache()
    return cache


def _ingest(
    request: Request, device: Principal, raw_event: bytes | None, files: dict[str, bytes], now: datetime
) -> service.Ingested:
    ctx = request.app.state.ctx
    with ctx.sessions() as session:
        return service.ingest(session, ctx.settings, get_store(request), device, raw_event, files, now, _sites(request))


@router.post(
    "/events",
    status_code=status.HTTP_201_CREATED,
    summary="Upload a violation event with its evidence (idempotent by event_id)",
    responses={
        201: {
            "description": "recorded: `alert_id` is the episode's alert (new or joined), null below the minimum "
            "duration; `outcome` is opened, joined or below_min; `detection_count` the alert's detections"
        },
        200: {"description": "a duplicate of an event already received (the same fields, `duplicate: true`)"},
        **REFUSALS,
    },
    # The key is read below, not by a dependency.
    openapi_extra={**_MULTIPART_DOC, "security": [{BEARER_SCHEME: []}]},
)
async def upload_event(request: Request) -> JSONResponse:
    # The bearer key and "now" are read here rather than by FastAPI's dependencies (as for heartbeats: resolving
    # them cost a tenth of the request's CPU). Authenticated before the body is read: an unknown sender never
    # gets to upload megabytes. A key in the cache needs no worker thread: the event then costs one thread hop,
    # the ingest's own.
    creds, now = await bearer(request), await now_for(request)
    device = authenticate_at_once(request, creds)
    if device is None:
        device = await run_in_threadpool(authenticate_alone, request, creds)
    parts = await read_parts(request, request.app.state.ctx.settings.max_upload_bytes)
    raw_event = parts.get("event")
    files = {name: parts[name] for name in service.PARTS if name in parts}
    result = await run_in_threadpool(_ingest, request, device, raw_event, files, now)
    body = {
        "alert_id": result.alert_id,
        "duplicate": result.duplicate,
        "outcome": result.outcome,
        "detection_count": result.detection_count,
    }
    return JSONResponse(body, status_code=200 if result.duplicate else 201)
