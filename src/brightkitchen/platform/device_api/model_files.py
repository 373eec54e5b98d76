"""GET /device/models/{sha256}: a model file assigned to the device's site (over-the-air models)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool

from brightkitchen.platform.device_api.auth import Credentials, authenticate
from brightkitchen.platform.device_api.docs import refusals
from brightkitchen.platform.modelhub.effective import for_site
from brightkitchen.platform.modelhub.files import get_model_store
from brightkitchen.platform.modelhub.views import file_response
from brightkitchen.platform.problems import not_found
from brightkitchen.platform.sites.models import Site

router = APIRouter(prefix="/device", tags=["device"])


def _assigned_key(request: Request, creds: HTTPAuthorizationCredentials | None, sha256: str) -> str:
    """The stored file of ``sha256`` when a version with it is effective at the device's site; else 404, so a
    device learns nothing about other sites' models."""
    ctx = request.app.state.ctx
    with ctx.sessions() as session:
        device = authenticate(request, session, creds)
        site = session.get(Site, device.site_id)
        assert site is not None
        for eff in for_site(session, site).values():
            if eff.version.sha256 == sha256:
                return eff.version.storage_key
    raise not_found("model")


@router.get(
    "/models/{sha256}",
    response_class=Response,
    summary="A model file assigned to this device's site, by its sha256 (application/octet-stream)",
    responses={200: {"content": {"application/octet-stream": {}}}, **refusals(401, 404, 429, 503)},
)
async def download_model(request: Request, sha256: str, creds: Credentials) -> Response:
    key = await run_in_threadpool(_assigned_key, request, creds, sha256)
    return await run_in_threadpool(file_response, get_model_store(request), key)
