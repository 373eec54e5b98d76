"""GET /device/config: the device's configuration; its ETag is the version."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool

from brightkitchen.platform.deps import NowDep
from brightkitchen.platform.device_api.auth import Credentials, authenticate
from brightkitchen.platform.device_api.config_doc import build_config, etag_matches
from brightkitchen.protocol.v1 import DeviceConfig

router = APIRouter(prefix="/device", tags=["device"])


def _config(request: Request, creds: HTTPAuthorizationCredentials | None, now: datetime) -> DeviceConfig:
    ctx = request.app.state.ctx
    with ctx.sessions() as session:
        device = authenticate(request, session, creds)
        assert device.site_id is not None
        return build_config(session, ctx.settings, device.site_id, now)


@router.get(
    "/config",
    response_model=DeviceConfig,
    summary="The device's configuration; ETag is its version, If-None-Match gives 304",
    responses={304: {"description": "unchanged since the version in If-None-Match"}},
)
async def device_config(
    request: Request, creds: Credentials, now: NowDep, if_none_match: Annotated[str | None, Header()] = None
) -> Response:
    doc = await run_in_threadpool(_config, request, creds, now)
    headers = {"ETag": f'"{doc.version}"', "Cache-Control": "no-cache"}
    if etag_matches(if_none_match, doc.version):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(doc.model_dump_json(), media_type="application/json", headers=headers)
