"""PUT /device/cameras/{camera_key}/picture: a camera's latest still picture."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response, status
from starlette.concurrency import run_in_threadpool

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.deps import NowDep
from brightkitchen.platform.device_api.auth import Credentials, authenticate_alone, authenticate_at_once
from brightkitchen.platform.device_api.docs import refusals
from brightkitchen.platform.storage.deps import get_store
from brightkitchen.platform.uploads.forms import read_body
from brightkitchen.platform.uploads.pictures import MAX_PICTURE_BYTES, store_latest_picture

router = APIRouter(prefix="/device", tags=["device"])


def _picture(request: Request, device: Principal, camera_key: str, data: bytes, now: datetime) -> None:
    ctx = request.app.state.ctx
    with ctx.sessions() as session:
        store_latest_picture(session, get_store(request), device, camera_key, data, now)


@router.put(
    "/cameras/{camera_key}/picture",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Replace a camera's latest still picture (raw image/jpeg body)",
    responses=refusals(401, 404, 413, 415, 422, 429, 503),
    openapi_extra={
        "requestBody": {"required": True, "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}
    },
)
async def upload_picture(request: Request, camera_key: str, creds: Credentials, now: NowDep) -> Response:
    device = authenticate_at_once(request, creds)  # a cached key needs no worker thread of its own
    if device is None:
        device = await run_in_threadpool(authenticate_alone, request, creds)
    data = await read_body(request, MAX_PICTURE_BYTES)
    await run_in_threadpool(_picture, request, device, camera_key, data, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
