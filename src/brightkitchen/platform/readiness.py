"""Readiness: can this process do its work right now? The database answers and the evidence disk takes files."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from brightkitchen import __version__
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.problems import RETRY_AFTER_S

MIN_FREE_BYTES = 256 * 1024 * 1024  # below this an upload of a few clips may already fail

router = APIRouter(tags=["meta"])


def check_database(ctx: PlatformContext) -> str | None:
    try:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means not ready; say which kind, never the connection string
        return f"database unavailable ({type(exc).__name__})"
    return None


def check_disk(folder: Path, min_free: int = MIN_FREE_BYTES) -> str | None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".tmp-ready-")
        try:
            os.write(fd, b"ok")
        finally:
            os.close(fd)
            Path(probe).unlink(missing_ok=True)
        free = shutil.disk_usage(folder).free
    except OSError as exc:
        return f"evidence folder not writable ({type(exc).__name__})"
    if free < min_free:
        return f"evidence disk nearly full ({free // (1024 * 1024)} MiB free)"
    return None


def readiness(ctx: PlatformContext) -> dict[str, str]:
    checks = {"database": check_database(ctx)}
    if ctx.settings.evidence_backend == "local":
        checks["evidence_disk"] = check_disk(ctx.settings.evidence_dir)
    return {name: problem or "ok" for name, problem in checks.items()}


@router.get("/health/ready", summary="Readiness: the database answers and the evidence disk takes files")
async def ready(request: Request) -> JSONResponse:
    checks = await run_in_threadpool(readiness, request.app.state.ctx)
    ok = all(v == "ok" for v in checks.values())
    body = {"status": "ok" if ok else "unavailable", "version": __version__, "checks": checks}
    headers = None if ok else {"Retry-After": str(RETRY_AFTER_S)}
    return JSONResponse(body, status_code=200 if ok else 503, headers=headers)
