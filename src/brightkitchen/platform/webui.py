"""Serves the built browser app (web/ → ``brightkitchen/static``) beside the API.

Hashed assets are cached for a long time and sent as their precompressed ``.gz`` copies to browsers that
accept gzip; every other non-API path answers ``index.html`` so the app's
own router handles it (deep links such as ``/alerts/12`` or ``/p/DEMO-001``). Paths under ``/api`` never
fall back: an unknown API path stays a problem+json 404. Without a build, a plain page says how to make one.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.types import Scope

from brightkitchen.platform.problems import Problem

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
# A build elsewhere (a developer's second checkout, a packaged web app) is served when this names its folder.
STATIC_DIR_ENV = "BRIGHTKITCHEN_STATIC_DIR"
API_ROOT = "api"
# Every method reaches the fallback, so an unknown API path is a 404 whatever the method (not a 405).
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob: https: http:; media-src 'self' blob: https: http:; "
        "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

NO_BUILD_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>BrightKitchen 明厨亮灶</title></head>
<body style="font-family: sans-serif; margin: 3em">
<h1>BrightKitchen 明厨亮灶</h1>
<p>The web app has not been built. Run <code>scripts/web-build</code> and restart the server.</p>
<p>网页端尚未构建：请运行 <code>scripts/web-build</code> 后重启服务。</p>
<p>The API is at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>
</body></html>
"""


IMMUTABLE = "public, max-age=31536000, immutable"


def _accepts_gzip(scope: Scope) -> bool:
    # The same test as the API's gzip middleware, so the app's files and the API answer alike.
    return "gzip" in Headers(scope=scope).get("accept-encoding", "")


def _compression_on(scope: Scope) -> bool:
    app = scope.get("app")
    ctx = getattr(getattr(app, "state", None), "ctx", None)
    return bool(getattr(getattr(ctx, "settings", None), "compression", True))


class _HashedAssets(StaticFiles):
    """Vite names assets by content hash, so a browser may keep them for good. The build writes a gzip copy
    (``name.gz``) beside each text asset; a browser that accepts gzip gets that copy, made once at build time."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if scope["method"] in ("GET", "HEAD") and _compression_on(scope):
            packed = _inside(Path(str(self.directory)), f"{path}.gz")
            media_type = mimetypes.guess_type(path)[0]
            if packed is not None and media_type is not None and _accepts_gzip(scope):
                headers = {"Cache-Control": IMMUTABLE, "Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
                return FileResponse(packed, media_type=media_type, headers=headers)
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = IMMUTABLE  # the gzip middleware adds Vary to this plain form
        return response


def _is_built(static_dir: Path) -> bool:
    return (static_dir / "index.html").is_file()


def _inside(root: Path, relative: str) -> Path | None:
    """The file ``relative`` under ``root``, or None when it is missing or would leave the folder."""
    if not relative:
        return None
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root.resolve()) or not candidate.is_file():
        return None
    return candidate


def mount_web(app: FastAPI, static_dir: Path | None = None) -> None:
    """Add the browser app to ``app``. Call after the API routers, so that they match first."""
    root = static_dir or Path(os.environ.get(STATIC_DIR_ENV) or STATIC_DIR)
    assets = root / "assets"
    if assets.is_dir():
        app.mount("/assets", _HashedAssets(directory=assets), name="web-assets")

    @app.api_route("/{full_path:path}", methods=_METHODS, include_in_schema=False)
    def web_app(full_path: str, request: Request) -> Response:
        if full_path == API_ROOT or full_path.startswith(f"{API_ROOT}/"):
            raise Problem(404, "Not found", f"no API endpoint at {request.url.path}", code="not_found")
        if request.method not in ("GET", "HEAD"):
            raise Problem(405, "Method not allowed", "pages can only be read", headers={"Allow": "GET, HEAD"})
        if not _is_built(root):
            return HTMLResponse(NO_BUILD_PAGE, headers={"Cache-Control": "no-store"})
        file = _inside(root, full_path)
        if file is not None:
            return FileResponse(file, headers={**SECURITY_HEADERS, "Cache-Control": "public, max-age=3600"})
        return FileResponse(root / "index.html", headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})
