"""The app factory: ``create_app(settings)`` builds a fresh platform; nothing is created at import time."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from brightkitchen import __version__
from brightkitchen.platform.auth.views import router as auth_router
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.devices.views import router as devices_router
from brightkitchen.platform.problems import install_problem_handlers
from brightkitchen.platform.regions.views import router as regions_router
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.views import router as sites_router
from brightkitchen.platform.users.views import router as users_router

API_PREFIX = "/api/v1"


def api_router() -> APIRouter:
    api = APIRouter(prefix=API_PREFIX)
    for router in (auth_router, regions_router, sites_router, devices_router, users_router):
        api.include_router(router)

    @api.get("/health", tags=["meta"], summary="Liveness and version")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return api


def create_app(settings: Settings | None = None, ctx: PlatformContext | None = None) -> FastAPI:
    ctx = ctx or PlatformContext.build(settings or Settings())
    app = FastAPI(
        title="BrightKitchen 明厨亮灶 supervision platform",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.ctx = ctx
    install_problem_handlers(app)
    app.include_router(api_router())
    return app
