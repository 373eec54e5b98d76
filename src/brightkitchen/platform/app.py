"""The app factory: ``create_app(settings)`` builds a fresh platform; nothing is created at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from brightkitchen import __version__
from brightkitchen.platform.alerts.policies import router as policies_router
from brightkitchen.platform.alerts.views import router as alerts_router
from brightkitchen.platform.auth.body_guard import BodyGuard
from brightkitchen.platform.auth.principals import authenticate_token
from brightkitchen.platform.auth.views import router as auth_router
from brightkitchen.platform.bulletin.views import router as bulletin_router
from brightkitchen.platform.compression import add_compression
from brightkitchen.platform.concerns.views import router as concerns_router
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.device_api import router as device_router
from brightkitchen.platform.devices.views import router as devices_router
from brightkitchen.platform.feed.views import router as feed_router
from brightkitchen.platform.health.coalesce import stop_heartbeats
from brightkitchen.platform.help.views import router as help_router
from brightkitchen.platform.input_guard import InputGuard
from brightkitchen.platform.jobs.runner import JobLoop
from brightkitchen.platform.labelling.views import router as labelling_router
from brightkitchen.platform.modelhub.views import router as models_router
from brightkitchen.platform.notify.views import router as notify_router
from brightkitchen.platform.problems import install_problem_handlers
from brightkitchen.platform.public.views import router as public_router
from brightkitchen.platform.readiness import router as readiness_router
from brightkitchen.platform.records.views import router as records_router
from brightkitchen.platform.regions.views import router as regions_router
from brightkitchen.platform.reports.views import router as reports_router
from brightkitchen.platform.rollout.views import router as rollout_router
from brightkitchen.platform.routing import add_flat
from brightkitchen.platform.security import require_secret_key
from brightkitchen.platform.sensors.mqtt import SensorListener
from brightkitchen.platform.sensors.views import router as sensors_router
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.views import router as sites_router
from brightkitchen.platform.staff.views import router as staff_router
from brightkitchen.platform.stats.views import router as stats_router
from brightkitchen.platform.storage.views import router as evidence_router
from brightkitchen.platform.users.views import router as users_router
from brightkitchen.platform.video.views import router as video_router
from brightkitchen.platform.webui import mount_web

API_PREFIX = "/api/v1"


def api_router() -> APIRouter:
    api = APIRouter(prefix=API_PREFIX)
    # The device API first: at a province's scale nearly every request is a device's, and routes are matched
    # in order.
    for router in (
        device_router,
        auth_router,
        regions_router,
        sites_router,
        devices_router,
        users_router,
        public_router,
        concerns_router,
        alerts_router,
        feed_router,
        policies_router,
        evidence_router,
        notify_router,
        stats_router,
        rollout_router,
        bulletin_router,
        reports_router,
        help_router,
        video_router,
        labelling_router,
        models_router,
        records_router,
        staff_router,
        sensors_router,
        readiness_router,
    ):
        api.include_router(router)

    @api.get("/health", tags=["meta"], summary="Liveness and version (the process answers; see /health/ready)")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return api


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Starts the time-based jobs (escalation, offline detection, notification delivery) unless disabled."""
    ctx: PlatformContext = app.state.ctx
    loop = JobLoop(ctx) if ctx.settings.jobs_enabled else None
    if loop:
        loop.start()
    sensors = _sensor_listener(ctx)
    if sensors:
        sensors.start()
    try:
        yield
    finally:
        stop_heartbeats(app)  # the heartbeats gathered in this worker are written before it ends
        if sensors:
            sensors.stop()
        if loop:
            loop.stop()


def _sensor_listener(ctx: PlatformContext) -> SensorListener | None:
    """With mqtt_url set every worker subscribes, in one shared-subscription group: the broker gives each
    reading to one of them."""
    s = ctx.settings
    if not s.mqtt_url:
        return None
    return SensorListener(ctx, s.mqtt_url, username=s.mqtt_username, password=s.mqtt_password, tls_ca=s.mqtt_tls_ca,
                          group=s.mqtt_share_group)  # fmt: skip


def create_app(settings: Settings | None = None, ctx: PlatformContext | None = None) -> FastAPI:
    settings = ctx.settings if ctx else (settings or Settings())
    require_secret_key(settings.secret_key)  # before anything is opened: no platform runs on a known key
    ctx = ctx or PlatformContext.build(settings)
    app = FastAPI(
        title="BrightKitchen 明厨亮灶 supervision platform",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        # Off by default: the Swagger page loads its scripts from a CDN, on the origin that holds the token.
        docs_url=f"{API_PREFIX}/docs" if settings.api_docs else None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.state.authenticate = authenticate_token  # the kernel asks it who a bearer token is
    app.add_middleware(BodyGuard)  # who is calling, and how big the body may be, before any body is read
    if ctx.settings.cors_origins:  # only when the web app is served from another origin
        app.add_middleware(
            CORSMiddleware,
            allow_origins=ctx.settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-None-Match"],
        )
    install_problem_handlers(app)
    app.add_middleware(InputGuard)  # NUL, bad UTF-8 and out-of-range ids never reach an endpoint
    add_compression(app, ctx.settings)  # outermost: every answer that shrinks, problem documents included
    add_flat(app, api_router())  # one flat list of routes: see routing.py
    mount_web(app)  # last: the browser app's fallback must not shadow any API route
    return app
