"""The device API: events with evidence, heartbeats, configuration. Every refusal is problem+json;
429/503 (with Retry-After) and 5xx mean "retry", 401/403/404/409/413/415/422 mean "don't"."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.health.service import record_heartbeat
from brightkitchen.platform.ingest import service
from brightkitchen.platform.ingest.auth import Credentials, authenticate, authenticate_alone
from brightkitchen.platform.ingest.config import build_config, etag_matches
from brightkitchen.platform.ingest.pictures import MAX_PICTURE_BYTES, store_latest_picture
from brightkitchen.platform.ingest.uploads import part_bytes, read_body, read_form
from brightkitchen.platform.problems import PROBLEM_JSON
from brightkitchen.platform.storage.deps import get_store
from brightkitchen.protocol.v1 import DeviceConfig, Heartbeat

router = APIRouter(prefix="/device", tags=["device"])

_PROBLEM: dict[str, Any] = {"content": {PROBLEM_JSON: {}}}
_REFUSALS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, **_PROBLEM}
    for code, text in {
        401: "unknown or revoked device key (do not retry)",
        403: "not this device's site (do not retry)",
        404: "camera not registered at the site (do not retry)",
        409: "event_id already used by another site (do not retry)",
        413: "body over max_upload_bytes (do not retry)",
        415: "evidence is not what it claims by content (do not retry)",
        422: "invalid event, or evidence size/sha256 mismatch or truncated (do not retry)",
        429: "rate limited: retry after Retry-After",
        503: "temporarily unavailable: retry after Retry-After",
    }.items()
}
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


def _ingest(request: Request, device: Principal, raw_event: bytes | None, files: dict[str, bytes]) -> service.Ingested:
    ctx = request.app.state.ctx
    with ctx.sessions() as session:
        return service.ingest(session, ctx.settings, get_store(request), device, raw_event, files, utcnow())


@router.post(
    "/events",
    status_code=status.HTTP_201_CREATED,
    summary="Upload a violation event with its evidence (idempotent by event_id)",
    responses={200: {"description": "a duplicate of an event already received"}, **_REFUSALS},
    openapi_extra=_MULTIPART_DOC,
)
async def upload_event(request: Request, creds: Credentials) -> JSONResponse:
    # Authenticated before the body is read: an unknown sender never gets to upload megabytes.
    device = await run_in_threadpool(authenticate_alone, request, creds)
    form = await read_form(request, request.app.state.ctx.settings.max_upload_bytes)
    try:
        raw_event = await part_bytes(form, "event")
        files = {name: data for name in service.PARTS if (data := await part_bytes(form, name)) is not None}
    finally:
        await form.close()
    result = await run_in_threadpool(_ingest, request, device, raw_event, files)
    body = {"alert_id": result.alert_id, "duplicate": result.duplicate}
    return JSONResponse(body, status_code=200 if result.duplicate else 201)


def _heartbeat(request: Request, creds: HTTPAuthorizationCredentials | None, body: Heartbeat) -> None:
    ctx = request.app.state.ctx
    with ctx.sessions() as session:
        device = authenticate(request, session, creds)
        record_heartbeat(session, ctx.settings, device, body, utcnow())


@router.post(
    "/heartbeats",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Report device and camera health",
    responses={k: v for k, v in _REFUSALS.items() if k in (401, 422, 429, 503)},
)
async def heartbeat(request: Request, body: Heartbeat, creds: Credentials) -> Response:
    await run_in_threadpool(_heartbeat, request, creds, body)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _config(request: Request, creds: HTTPAuthorizationCredentials | None) -> DeviceConfig:
    ctx = request.app.state.ctx
    with ctx.sessions() as session:
        device = authenticate(request, session, creds)
        assert device.site_id is not None
        return build_config(session, ctx.settings, device.site_id)


@router.get(
    "/config",
    response_model=DeviceConfig,
    summary="The device's configuration; ETag is its version, If-None-Match gives 304",
    responses={304: {"description": "unchanged since the version in If-None-Match"}},
)
async def device_config(
    request: Request, creds: Credentials, if_none_match: Annotated[str | None, Header()] = None
) -> Response:
    doc = await run_in_threadpool(_config, request, creds)
    headers = {"ETag": f'"{doc.version}"', "Cache-Control": "no-cache"}
    if etag_matches(if_none_match, doc.version):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(doc.model_dump_json(), media_type="application/json", headers=headers)


def _picture(request: Request, device: Principal, camera_key: str, data: bytes) -> None:
    ctx = request.app.state.ctx
    with ctx.sessions() as session:
        store_latest_picture(session, get_store(request), device, camera_key, data, utcnow())


@router.put(
    "/cameras/{camera_key}/picture",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Replace a camera's latest still picture (raw image/jpeg body)",
    responses={k: v for k, v in _REFUSALS.items() if k in (401, 404, 413, 415, 422, 429, 503)},
    openapi_extra={
        "requestBody": {"required": True, "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}
    },
)
async def upload_picture(request: Request, camera_key: str, creds: Credentials) -> Response:
    device = await run_in_threadpool(authenticate_alone, request, creds)
    data = await read_body(request, MAX_PICTURE_BYTES)
    await run_in_threadpool(_picture, request, device, camera_key, data)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
