"""Serving the built browser app beside the API: deep links, cached assets, and API paths never shadowed."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.webui import mount_web

INDEX = '<!doctype html><html><body><div id="app"></div><script src="/assets/app-1234abcd.js"></script></body></html>'


def _fake_build(root: Path) -> Path:
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX)
    (root / "assets" / "app-1234abcd.js").write_text("console.log('hi')")
    (root / "favicon.svg").write_text("<svg/>")
    return root


def _app(static: Path) -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/ping")
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    from brightkitchen.platform.problems import install_problem_handlers

    install_problem_handlers(app)
    mount_web(app, static)
    return app


def test_deep_links_get_the_app_and_assets_are_cached(tmp_path: Path) -> None:
    client = TestClient(_app(_fake_build(tmp_path / "static")))
    for path in ("/", "/login", "/alerts/12", "/p/DEMO-001", "/no/such/page"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert resp.text == INDEX
        assert resp.headers["cache-control"] == "no-cache"
        assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
    asset = client.get("/assets/app-1234abcd.js")
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
    assert client.get("/favicon.svg").text == "<svg/>"
    assert client.get("/assets/missing.js").status_code == 404


def test_api_paths_never_fall_back_to_the_app(tmp_path: Path) -> None:
    client = TestClient(_app(_fake_build(tmp_path / "static")))
    assert client.get("/api/v1/ping").json() == {"pong": "yes"}
    for method in ("GET", "POST", "DELETE"):
        resp = client.request(method, "/api/v1/no-such-endpoint")
        assert resp.status_code == 404, method
        assert resp.headers["content-type"].startswith("application/problem+json")
    assert client.post("/alerts/1").status_code == 405


def test_paths_cannot_leave_the_build_folder(tmp_path: Path) -> None:
    root = _fake_build(tmp_path / "static")
    (tmp_path / "secret.txt").write_text("do not serve")
    client = TestClient(_app(root))
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt"):
        assert "do not serve" not in client.get(path).text


def test_without_a_build_a_plain_page_says_how_to_make_one(tmp_path: Path) -> None:
    client = TestClient(_app(tmp_path / "empty"))
    resp = client.get("/alerts/3")
    assert resp.status_code == 200
    assert "scripts/web-build" in resp.text
    assert client.get("/api/v1/ping").status_code == 200


def test_the_fallback_is_the_platform_s_last_route(ctx: PlatformContext) -> None:
    """Every API route must come before the catch-all, or the app would shadow it."""
    app = create_app(ctx=ctx)
    assert getattr(app.routes[-1], "path", None) == "/{full_path:path}"
    client = TestClient(app)
    assert client.get("/api/v1/health").json()["status"] == "ok"
    assert client.get("/api/v1/alerts").status_code == 401
    assert client.get("/api/v1/stats/overview").status_code == 401
    assert client.get("/api/v1/public/sites/NOPE").json()["detail"] == "site not found"
