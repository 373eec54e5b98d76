"""The first-login rule (a password someone else chose is changed before anything else) and one's own password."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.users.models import AccessToken, User
from tests import factories as f

NEW = "stove-lid-ladle-42"


def _token(client: TestClient, username: str, password: str) -> tuple[dict[str, str], dict[str, object]]:
    resp = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}, resp.json()


def test_a_reset_password_must_be_changed_before_anything_else(client: TestClient, session: Session) -> None:
    w = f.world(session)
    admin = f.login(client, "admin")
    reset = client.post(f"/api/v1/users/{w.users['sa_a1'].id}/reset-password", headers=admin)
    assert reset.status_code == 200, reset.text
    one_time = reset.json()["one_time_password"]
    assert reset.json()["must_change_password"] is True
    assert client.post("/api/v1/auth/login", json={"username": "sa_a1", "password": f.PASSWORD}).status_code == 401

    headers, answer = _token(client, "sa_a1", one_time)
    assert answer["user"]["must_change_password"] is True  # the login answer says so
    for method, path in (
        ("GET", "/api/v1/auth/me"),
        ("GET", f"/api/v1/sites/{w.site_a1.id}"),
        ("GET", "/api/v1/alerts"),
        ("PATCH", f"/api/v1/sites/{w.site_a1.id}"),
    ):
        resp = client.request(method, path, headers=headers, json={"contact_name": "x"} if method == "PATCH" else None)
        assert resp.status_code == 403, (path, resp.text)
        assert resp.json()["code"] == "password_change_required", path
        assert resp.headers["content-type"].startswith("application/problem+json")

    changed = client.post(
        "/api/v1/auth/password", headers=headers, json={"current_password": one_time, "new_password": NEW}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["must_change_password"] is False
    # The same session goes on: the school's page opens now.
    assert client.get(f"/api/v1/sites/{w.site_a1.id}", headers=headers).status_code == 200
    assert client.post("/api/v1/auth/login", json={"username": "sa_a1", "password": one_time}).status_code == 401
    _token(client, "sa_a1", NEW)


def test_sign_out_stays_open_while_a_change_is_due(client: TestClient, session: Session) -> None:
    w = f.world(session)
    created = client.post(
        "/api/v1/users",
        headers=f.login(client, "admin"),
        json={"username": "cook-li", "role": "school_staff", "site_id": w.site_a1.id},
    )
    assert created.status_code == 201, created.text
    headers, _ = _token(client, "cook-li", created.json()["one_time_password"])
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_the_change_checks_the_current_password_and_the_rules(client: TestClient, session: Session) -> None:
    f.world(session)
    headers, _ = _token(client, "reg_a", f.PASSWORD)
    url = "/api/v1/auth/password"
    wrong = client.post(url, headers=headers, json={"current_password": "not-it-at-all", "new_password": NEW})
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "wrong_password"
    assert wrong.json()["errors"][0]["field"] == "current_password"
    rules = {
        "short": "too_short",
        "password123": "too_common",
        "Reg_A-2026!": "is_username",
        "1234567890": "too_common",
    }
    for weak, rule in rules.items():
        resp = client.post(url, headers=headers, json={"current_password": f.PASSWORD, "new_password": weak})
        assert resp.status_code == 422, weak
        assert resp.json()["code"] == "weak_password", weak
        assert resp.json()["errors"][0] == {
            **resp.json()["errors"][0],
            "field": "new_password",
            "type": f"password_{rule}",
        }
    same = client.post(url, headers=headers, json={"current_password": f.PASSWORD, "new_password": f.PASSWORD})
    assert same.status_code == 422 and same.json()["code"] == "same_password"
    missing = client.post(url, headers=headers, json={"new_password": NEW})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "current_password"
    # Nothing was changed by any of these.
    _token(client, "reg_a", f.PASSWORD)


def test_a_change_signs_out_the_other_sessions_only(client: TestClient, session: Session) -> None:
    f.world(session)
    laptop, _ = _token(client, "reg_a", f.PASSWORD)
    phone, _ = _token(client, "reg_a", f.PASSWORD)
    resp = client.post(
        "/api/v1/auth/password", headers=laptop, json={"current_password": f.PASSWORD, "new_password": NEW}
    )
    assert resp.status_code == 200
    assert client.get("/api/v1/auth/me", headers=laptop).status_code == 200
    assert client.get("/api/v1/auth/me", headers=phone).status_code == 401
    user = session.scalars(select(User).where(User.username == "reg_a")).one()
    session.expire_all()
    live = session.scalars(select(AccessToken).where(AccessToken.user_id == user.id, AccessToken.revoked_at.is_(None)))
    assert len(list(live)) == 1


def test_guessing_the_current_password_is_throttled(client: TestClient, session: Session) -> None:
    f.world(session)
    headers, _ = _token(client, "reg_a", f.PASSWORD)
    codes = [
        client.post(
            "/api/v1/auth/password", headers=headers, json={"current_password": f"guess-{i}", "new_password": NEW}
        ).status_code
        for i in range(12)
    ]
    assert codes[0] == 422
    assert codes[-1] == 429


def test_no_one_sets_their_own_password_without_the_current_one(client: TestClient, session: Session) -> None:
    w = f.world(session)
    admin = f.login(client, "admin")
    resp = client.patch(f"/api/v1/users/{w.users['admin'].id}", headers=admin, json={"password": NEW})
    assert resp.status_code == 422
    assert resp.json()["code"] == "use_password_change"
    assert client.post(f"/api/v1/users/{w.users['admin'].id}/reset-password", headers=admin).status_code == 409


def test_a_password_set_by_someone_else_must_be_changed(client: TestClient, session: Session) -> None:
    w = f.world(session)
    resp = client.patch(
        f"/api/v1/users/{w.users['ss_a1'].id}", headers=f.login(client, "sa_a1"), json={"password": NEW}
    )
    assert resp.status_code == 200 and resp.json()["must_change_password"] is True
    headers, answer = _token(client, "ss_a1", NEW)
    assert answer["user"]["must_change_password"] is True
    assert client.get("/api/v1/alerts", headers=headers).json()["code"] == "password_change_required"
