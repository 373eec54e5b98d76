from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.users.models import AccessToken
from tests import factories as f


def test_login_me_logout(client: TestClient, session: Session) -> None:
    f.world(session)
    headers = f.login(client, "reg_a")
    me = client.get("/api/v1/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["username"] == "reg_a"
    assert "password_hash" not in me.json()
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    again = client.get("/api/v1/auth/me", headers=headers)
    assert again.status_code == 401
    assert again.headers["content-type"].startswith("application/problem+json")
    assert "revoked" in again.json()["detail"]


def test_wrong_password_and_unknown_user_look_the_same(client: TestClient, session: Session) -> None:
    f.world(session)
    a = client.post("/api/v1/auth/login", json={"username": "reg_a", "password": "nope-nope"})
    b = client.post("/api/v1/auth/login", json={"username": "ghost", "password": "nope-nope"})
    assert a.status_code == b.status_code == 401
    assert a.json()["detail"] == b.json()["detail"]


def test_throttled_after_repeated_failures(client: TestClient, session: Session) -> None:
    f.world(session)
    for _ in range(5):
        assert (
            client.post("/api/v1/auth/login", json={"username": "sa_a1", "password": "bad-bad-bad"}).status_code == 401
        )
    locked = client.post("/api/v1/auth/login", json={"username": "sa_a1", "password": f.PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0


def test_expired_token_refused(client: TestClient, session: Session) -> None:
    f.world(session)
    headers = f.login(client, "sa_a1")
    tok = session.scalars(select(AccessToken)).one()
    tok.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    resp = client.get("/api/v1/auth/me", headers=headers)
    assert resp.status_code == 401
    assert "expired" in resp.json()["detail"]


def test_bad_tokens(client: TestClient, session: Session) -> None:
    f.world(session)
    for value in ("", "Bearer", "Bearer garbage", "Bearer bku_notreal", "Basic dXNlcjpwdw=="):
        resp = client.get("/api/v1/auth/me", headers={"Authorization": value} if value else {})
        assert resp.status_code == 401, value
        assert resp.json()["status"] == 401


def test_malformed_login_body_names_the_field(client: TestClient) -> None:
    resp = client.post("/api/v1/auth/login", json={"username": "x"})
    assert resp.status_code == 422
    body = resp.json()
    assert body["errors"][0]["field"] == "password"
    assert "Traceback" not in resp.text
    bad_json = client.post("/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"})
    assert bad_json.status_code == 422


def test_cors_only_for_configured_origins(ctx: PlatformContext) -> None:
    from brightkitchen.platform.app import create_app

    allowed = "https://mcld.district.example"
    settings = ctx.settings.model_copy(update={"cors_origins": [allowed]})
    app = create_app(ctx=PlatformContext(settings, ctx.engine, ctx.sessions))
    with TestClient(app) as c:
        ok = c.options("/api/v1/sites", headers={"Origin": allowed, "Access-Control-Request-Method": "GET"})
        assert ok.headers.get("access-control-allow-origin") == allowed
        other = c.options(
            "/api/v1/sites", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
        )
        assert "access-control-allow-origin" not in other.headers


def test_a_failed_commit_is_never_answered_as_success(
    ctx: PlatformContext, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request's transaction commits before the response goes out, so a commit that fails is a 500."""
    from brightkitchen.platform.app import create_app

    w = f.world(session)
    with TestClient(create_app(ctx=ctx), raise_server_exceptions=False) as c:
        headers = f.login(c, "reg_a")

        def broken_commit(self: Session) -> None:
            raise RuntimeError("the database went away")

        monkeypatch.setattr(Session, "commit", broken_commit)
        resp = c.patch(f"/api/v1/sites/{w.site_a1.id}", json={"contact_phone": "110"}, headers=headers)
        monkeypatch.undo()
        assert resp.status_code == 500
        after = c.get(f"/api/v1/sites/{w.site_a1.id}", headers=headers).json()
        assert after["contact_phone"] != "110"
