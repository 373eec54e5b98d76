"""Compression: API JSON over 1 KB and the web app's precompressed files go gzip to browsers that accept it;
events streams, pictures and video never; a setting turns it off behind a proxy that compresses."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import Response, StreamingResponse
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brightkitchen.platform.app import create_app
from brightkitchen.platform.compression import add_compression
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.storage import build_store
from brightkitchen.platform.storage.base import new_key
from brightkitchen.platform.storage.links import signed_url
from brightkitchen.platform.webui import STATIC_DIR_ENV
from tests import factories, support

GZIP = {"Accept-Encoding": "gzip"}
PLAIN = {"Accept-Encoding": "identity"}
SCRIPT = ("export const words = '" + "明厨亮灶 school canteen " * 400 + "'\n").encode()


def _build(root: Path) -> Path:
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><div id=app></div>")
    (root / "assets" / "index-abc123.js").write_bytes(SCRIPT)
    (root / "assets" / "index-abc123.js.gz").write_bytes(gzip.compress(SCRIPT, 9))
    (root / "assets" / "logo-abc123.png").write_bytes(support.png_bytes())
    return root


def _wire_bytes(resp: httpx.Response) -> int:
    return resp.num_bytes_downloaded


def test_api_json_over_a_kilobyte_is_gzipped_and_small_answers_are_not(ctx: PlatformContext, session: Session) -> None:
    w = factories.world(session)
    for _ in range(12):
        factories.alert(session, w.site_a1, w.cameras["A1"])
    with TestClient(create_app(ctx=ctx)) as client:
        headers = factories.login(client, "sa_a1")
        big = client.get("/api/v1/alerts", headers={**headers, **GZIP})
        assert big.status_code == 200 and len(big.json()["items"]) == 12
        assert big.headers["content-encoding"] == "gzip"
        assert "accept-encoding" in big.headers["vary"].lower()
        assert _wire_bytes(big) * 3 < len(big.content)
        plain = client.get("/api/v1/alerts", headers={**headers, **PLAIN})
        assert "content-encoding" not in plain.headers and plain.json() == big.json()
        small = client.get("/api/v1/health", headers=GZIP)
        assert "content-encoding" not in small.headers  # under 1 KB: not worth it
        problem = client.get("/api/v1/alerts/999999", headers={**headers, **GZIP})
        assert problem.status_code == 404 and problem.json()["code"] == "not_found"


def test_compression_off_sends_everything_as_it_is(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STATIC_DIR_ENV, str(_build(tmp_path / "web")))
    off = settings.model_copy(update={"compression": False})
    with TestClient(create_app(off)) as client:
        resp = client.get("/api/v1/openapi.json", headers=GZIP)
        assert resp.status_code == 200 and "content-encoding" not in resp.headers
        asset = client.get("/assets/index-abc123.js", headers=GZIP)
        assert "content-encoding" not in asset.headers and asset.content == SCRIPT


def test_the_app_s_scripts_go_as_their_precompressed_copy(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STATIC_DIR_ENV, str(_build(tmp_path / "web")))
    with TestClient(create_app(settings)) as client:
        packed = client.get("/assets/index-abc123.js", headers=GZIP)
        assert packed.status_code == 200 and packed.content == SCRIPT
        assert packed.headers["content-encoding"] == "gzip"
        assert packed.headers["content-type"].split(";")[0] in ("text/javascript", "application/javascript")
        assert packed.headers["vary"] == "Accept-Encoding" and "immutable" in packed.headers["cache-control"]
        assert _wire_bytes(packed) == len(gzip.compress(SCRIPT, 9))  # the build's copy, not made again
        for refused in (PLAIN, {"Accept-Encoding": "br"}):
            plain = client.get("/assets/index-abc123.js", headers=refused)
            assert "content-encoding" not in plain.headers and plain.content == SCRIPT, refused
            assert plain.headers["vary"] == "Accept-Encoding"  # caches keep the two forms apart
        picture = client.get("/assets/logo-abc123.png", headers=GZIP)
        assert "content-encoding" not in picture.headers and picture.content == support.png_bytes()
        head = client.head("/assets/index-abc123.js", headers=GZIP)
        assert head.status_code == 200 and head.headers["content-encoding"] == "gzip"


def test_evidence_pictures_and_clips_are_never_recompressed(client: TestClient, settings: Settings) -> None:
    store = build_store(settings)
    for ctype, data in (("image/jpeg", support.jpeg_bytes(640, 480)), ("video/mp4", support.mp4_bytes())):
        key = new_key(1, ctype, utcnow())
        store.put(key, data, ctype)
        resp = client.get(signed_url(settings.secret_key, key, utcnow(), 60), headers=GZIP)
        assert resp.status_code == 200 and resp.content == data
        assert "content-encoding" not in resp.headers, ctype


def test_event_streams_and_compressed_formats_pass_untouched() -> None:
    app = FastAPI()
    add_compression(app, support.make_settings("sqlite://", Path("."), secret_key="x" * 40))
    text = "data: " + "x" * 4000 + "\n\n"

    @app.get("/feed")
    def feed() -> StreamingResponse:
        async def events() -> AsyncIterator[str]:
            yield text

        return StreamingResponse(events(), media_type="text/event-stream")

    @app.get("/report.pdf")
    def report() -> Response:
        return Response(b"%PDF-1.7 " + b"0" * 4000, media_type="application/pdf")

    @app.get("/segment.ts")
    def segment() -> Response:
        return Response(b"G" * 4000, media_type="video/mp2t")

    @app.get("/page")
    def page() -> Response:
        return Response("<p>" + "明厨亮灶" * 400 + "</p>", media_type="text/html")

    client = TestClient(app)
    for path in ("/feed", "/report.pdf", "/segment.ts"):
        resp = client.get(path, headers=GZIP)
        assert resp.status_code == 200 and "content-encoding" not in resp.headers, path
    assert client.get("/feed", headers=GZIP).text == text
    assert client.get("/page", headers=GZIP).headers["content-encoding"] == "gzip"  # the control: text shrinks
