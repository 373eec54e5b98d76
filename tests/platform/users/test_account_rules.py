"""Who may change which account, and the password policy on create and reset (API and command line)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.users.models import User
from brightkitchen.platform.users.passwords import password_problem
from tests import factories as f

WEAK = ("12345678", "password", "1234567890", "password123", "Password1!", "admin123456", "qwertyuiop")


def test_a_regulator_cannot_reset_or_delete_a_peer_regulator(client: TestClient, session: Session) -> None:
    w = f.world(session)
    reg_city = f.login(client, "reg_city")  # reg_a's district lies inside reg_city's city
    peer = w.users["reg_a"].id
    takeover = client.patch(f"/api/v1/users/{peer}", json={"password": "taken-over-2026"}, headers=reg_city)
    assert takeover.status_code == 403
    assert client.delete(f"/api/v1/users/{peer}", headers=reg_city).status_code == 403
    assert (
        client.post("/api/v1/auth/login", json={"username": "reg_a", "password": "taken-over-2026"}).status_code == 401
    )
    # School accounts in scope stay theirs to reset; an admin resets regulators; a regulator edits itself.
    school = w.users["sa_a1"].id
    assert (
        client.patch(f"/api/v1/users/{school}", json={"password": "fresh-start-2026"}, headers=reg_city).status_code
        == 200
    )
    admin = f.login(client, "admin")
    assert client.patch(f"/api/v1/users/{peer}", json={"password": "reset-by-admin"}, headers=admin).status_code == 200
    own = client.patch(f"/api/v1/users/{w.users['reg_city'].id}", json={"phone": "010-1234"}, headers=reg_city)
    assert own.status_code == 200


def test_weak_passwords_are_refused_on_create(client: TestClient, session: Session) -> None:
    w = f.world(session)
    admin = f.login(client, "admin")
    base = {"username": "cook-zhang", "role": "school_staff", "site_id": w.site_a1.id}
    for weak in (*WEAK, "cook-zhang", "COOK-ZHANG-2026"):
        resp = client.post("/api/v1/users", json={**base, "password": weak}, headers=admin)
        assert resp.status_code == 422, weak
        assert resp.json()["errors"][0]["field"] == "password", weak
    assert session.scalar(select(User).where(User.username == "cook-zhang")) is None
    assert client.post("/api/v1/users", json={**base, "password": "stove-lid-ladle"}, headers=admin).status_code == 201


def test_weak_passwords_are_refused_on_reset(client: TestClient, session: Session) -> None:
    w = f.world(session)
    admin = f.login(client, "admin")
    target = w.users["ss_a1"]
    for weak in (*WEAK, "ss_a1", "SS_A1-2026!"):
        resp = client.patch(f"/api/v1/users/{target.id}", json={"password": weak}, headers=admin)
        assert resp.status_code == 422, weak
        assert resp.json()["errors"][0]["field"] == "password", weak
    assert client.post("/api/v1/auth/login", json={"username": "ss_a1", "password": f.PASSWORD}).status_code == 200


def test_the_policy_itself() -> None:
    for weak in WEAK:
        assert password_problem(weak) is not None, weak
    assert password_problem("zhangsan-2026", "zhangsan") is not None
    assert password_problem("ZhangSan", "zhangsan") is not None
    assert password_problem("root-password-1", "root") is None  # more than the name with digits added
    assert password_problem("stove-lid-ladle", "zhangsan") is None
    assert password_problem("correct-horse-battery") is None
