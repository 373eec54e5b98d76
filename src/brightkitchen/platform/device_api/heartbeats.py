"""POST /device/heartbeats: device and camera health."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool

from brightkitchen.platform.deps import NowDep
from brightkitchen.platform.device_api.auth import Credentials, authenticate
from brightkitchen.platform.device_api.docs import refusals
from brightkitchen.platform.health.service import record_heartbeat
from brightkitchen.protocol.v1 import Heartbeat

router = APIRouter(prefix="/device", tags=["device"])


def _heartbeat(request: Request, creds: HTTPAuthorizationCredentials | None, body: Heartbeat, now: datetime) -> None:
    ctx = request.app.state.ctx
    with ctx.sessions() as session:
        device = authenticate(request, session, creds)
        record_heartbeat(session, ctx.settings, device, body, now)


@router.post(
    "/heartbeats",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Report device and camera health",
    responses=refusals(401, 422, 429, 503),
)
async def heartbeat(request: Request, body: Heartbeat, creds: Credentials, now: NowDep) -> Response:
    await run_in_threadpool(_heartbeat, request, creds, body, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
