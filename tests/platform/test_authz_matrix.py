"""Every role against every resource: what it may see and do, and that out-of-scope ids give 403/404, never data."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests import factories as f

ROLES = ["admin", "reg_city", "reg_a", "reg_b", "sa_a1", "ss_a1"]


@pytest.fixture
def w(session: Session) -> f.World:
    return f.world(session)


def _get(client: TestClient, who: str, path: str) -> Any:
    return client.get(path, headers=f.login(client, who))


# Which site codes each role sees in GET /sites.
VISIBLE_SITES = {
    "admin": {"A1", "A2", "B1"},
    "reg_city": {"A1", "A2", "B1"},
    "reg_a": {"A1", "A2"},
    "reg_b": {"B1"},
    "sa_a1": {"A1"},
    "ss_a1": {"A1"},
}


@pytest.mark.parametrize("who", ROLES)
def test_site_list_is_scoped(client: TestClient, w: f.World, who: str) -> None:
    resp = _get(client, who, "/api/v1/sites")
    assert resp.status_code == 200
    assert {s["code"] for s in resp.json()["items"]} == VISIBLE_SITES[who]
    assert resp.json()["total"] == len(VISIBLE_SITES[who])


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("resource", ["sites", "cameras", "devices"])
def test_single_resource_of_other_scope_is_404(client: TestClient, w: f.World, who: str, resource: str) -> None:
    ids = {
        "sites": {c: s.id for c, s in (("A1", w.site_a1), ("A2", w.site_a2), ("B1", w.site_b1))},
        "cameras": {c: cam.id for c, cam in w.cameras.items()},
        "devices": {c: d.id for c, d in w.devices.items()},
    }[resource]
    headers = f.login(client, who)
    for code, ident in ids.items():
        resp = client.get(f"/api/v1/{resource}/{ident}", headers=headers)
        visible = code in VISIBLE_SITES[who]
        if resource == "devices" and who == "ss_a1":
            assert resp.status_code == 403  # kitchen staff do not manage devices at all
        elif visible:
            assert resp.status_code == 200, (who, code, resp.text)
        else:
            assert resp.status_code == 404, (who, code)
            assert set(resp.json()) <= {"type", "title", "status", "detail", "instance", "code"}


@pytest.mark.parametrize(
    ("who", "expected"),
    [("admin", 200), ("reg_city", 200), ("reg_a", 200), ("sa_a1", 403), ("ss_a1", 403)],
)
def test_region_list_by_role(client: TestClient, w: f.World, who: str, expected: int) -> None:
    resp = _get(client, who, "/api/v1/regions")
    assert resp.status_code == expected
    if who == "reg_a":
        codes = {r["code"] for r in resp.json()["items"]}
        assert codes == {"dist-a", "street-a"}


def test_region_write_is_admin_only(client: TestClient, w: f.World) -> None:
    body = {"name": "新街道", "code": "street-new", "kind": "street", "parent_id": w.district_a.id}
    assert client.post("/api/v1/regions", json=body, headers=f.login(client, "reg_a")).status_code == 403
    assert client.post("/api/v1/regions", json=body, headers=f.login(client, "admin")).status_code == 201
    bad_parent = {"name": "x", "code": "bad", "kind": "street", "parent_id": w.city.id}
    resp = client.post("/api/v1/regions", json=bad_parent, headers=f.login(client, "admin"))
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "parent_id"


def test_regulator_creates_sites_only_in_own_district(client: TestClient, w: f.World) -> None:
    headers = f.login(client, "reg_a")
    ok = {"code": "A3", "name": "东城三小", "kind": "school", "region_id": w.street_a.id}
    assert client.post("/api/v1/sites", json=ok, headers=headers).status_code == 201
    other = {"code": "B9", "name": "西城九小", "kind": "school", "region_id": w.street_b.id}
    resp = client.post("/api/v1/sites", json=other, headers=headers)
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "region_id"
    dup = client.post("/api/v1/sites", json=ok, headers=headers)
    assert dup.status_code == 409
    for school in ("sa_a1", "ss_a1"):
        body = {**ok, "code": "A4"}
        assert client.post("/api/v1/sites", json=body, headers=f.login(client, school)).status_code == 403


def test_site_update_rules(client: TestClient, w: f.World) -> None:
    sa = f.login(client, "sa_a1")
    path = f"/api/v1/sites/{w.site_a1.id}"
    assert client.patch(path, json={"contact_phone": "0571-1234"}, headers=sa).status_code == 200
    assert client.patch(path, json={"name": "改名"}, headers=sa).status_code == 403
    assert client.patch(path, json={"contact_phone": "1"}, headers=f.login(client, "ss_a1")).status_code == 403
    other = f"/api/v1/sites/{w.site_b1.id}"
    assert client.patch(other, json={"contact_phone": "1"}, headers=sa).status_code == 404
    assert client.patch(other, json={"name": "x"}, headers=f.login(client, "reg_a")).status_code == 404
    assert client.patch(path, json={"name": "东城一小"}, headers=f.login(client, "reg_a")).status_code == 200
    assert client.delete(path, headers=f.login(client, "reg_a")).status_code == 403
    assert client.delete(path, headers=f.login(client, "admin")).status_code == 204


def test_cameras_and_areas(client: TestClient, w: f.World) -> None:
    sa = f.login(client, "sa_a1")
    area = client.post(f"/api/v1/sites/{w.site_a1.id}/areas", json={"name": "操作间", "kind": "cooking"}, headers=sa)
    assert area.status_code == 201
    cam = client.post(
        f"/api/v1/sites/{w.site_a1.id}/cameras",
        json={
            "key": "cam-2",
            "name": "后厨-操作台",
            "stream_url": "rtsp://user:pw@10.0.0.2/s",
            "area_id": area.json()["id"],
        },
        headers=sa,
    )
    assert cam.status_code == 201
    assert "stream_url" not in cam.json() and cam.json()["has_stream_url"] is True
    # an area of another site cannot be attached
    b_area = client.post(f"/api/v1/sites/{w.site_b1.id}/areas", json={"name": "x"}, headers=f.login(client, "sa_b1"))
    resp = client.patch(f"/api/v1/cameras/{cam.json()['id']}", json={"area_id": b_area.json()["id"]}, headers=sa)
    assert resp.status_code == 422
    # staff can read cameras but not add them
    staff = f.login(client, "ss_a1")
    assert client.get(f"/api/v1/cameras?site_id={w.site_a1.id}", headers=staff).json()["total"] == 2
    assert (
        client.post(f"/api/v1/sites/{w.site_a1.id}/cameras", json={"key": "c3", "name": "n"}, headers=staff).status_code
        == 403
    )
    assert (
        client.post(f"/api/v1/sites/{w.site_b1.id}/cameras", json={"key": "c3", "name": "n"}, headers=sa).status_code
        == 404
    )
    assert client.delete(f"/api/v1/cameras/{w.cameras['B1'].id}", headers=sa).status_code == 404


def test_device_key_shown_once_rotated_and_revoked(client: TestClient, w: f.World) -> None:
    sa = f.login(client, "sa_a1")
    created = client.post(f"/api/v1/sites/{w.site_a1.id}/devices", json={"name": "edge-2"}, headers=sa)
    assert created.status_code == 201
    key = created.json()["device_key"]
    dev_id = created.json()["id"]
    assert "device_key" not in client.get(f"/api/v1/devices/{dev_id}", headers=sa).json()
    # a device key is not a person's token
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {key}"}).status_code == 403
    rotated = client.post(f"/api/v1/devices/{dev_id}/key", headers=sa).json()["device_key"]
    assert rotated != key
    assert client.get("/api/v1/sites", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    assert client.post(f"/api/v1/devices/{dev_id}/revoke", headers=sa).status_code == 200
    assert client.get("/api/v1/sites", headers={"Authorization": f"Bearer {rotated}"}).status_code == 401
    assert client.post(f"/api/v1/devices/{w.devices['B1'].id}/revoke", headers=sa).status_code == 404


def test_device_cannot_use_people_endpoints(client: TestClient, w: f.World) -> None:
    headers = {"Authorization": f"Bearer {w.device_keys['A1']}"}
    for path in ("/api/v1/sites", "/api/v1/users", "/api/v1/regions", f"/api/v1/sites/{w.site_a1.id}"):
        assert client.get(path, headers=headers).status_code == 403, path


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("admin", {"admin", "reg_a", "reg_b", "reg_city", "sa_a1", "ss_a1", "sa_a2", "sa_b1"}),
        ("reg_a", {"reg_a", "sa_a1", "ss_a1", "sa_a2"}),
        ("reg_b", {"reg_b", "sa_b1"}),
        ("sa_a1", {"sa_a1", "ss_a1"}),
    ],
)
def test_user_list_is_scoped(client: TestClient, w: f.World, who: str, visible: set[str]) -> None:
    resp = _get(client, who, "/api/v1/users?size=100")
    assert resp.status_code == 200
    assert {u["username"] for u in resp.json()["items"]} == visible
    assert all("password_hash" not in u for u in resp.json()["items"])


def test_user_management_limits(client: TestClient, w: f.World) -> None:
    staff = {"username": "cook1", "password": "longenough1", "role": "school_staff", "site_id": w.site_a1.id}
    assert client.post("/api/v1/users", json=staff, headers=f.login(client, "sa_a1")).status_code == 201
    other_site = {**staff, "username": "cook2", "site_id": w.site_b1.id}
    assert client.post("/api/v1/users", json=other_site, headers=f.login(client, "sa_a1")).status_code == 422
    escalate = {"username": "boss", "password": "longenough1", "role": "admin"}
    assert client.post("/api/v1/users", json=escalate, headers=f.login(client, "reg_a")).status_code == 403
    assert client.post("/api/v1/users", json=escalate, headers=f.login(client, "sa_a1")).status_code == 403
    assert (
        client.post("/api/v1/users", json={**staff, "username": "c3"}, headers=f.login(client, "ss_a1")).status_code
        == 403
    )
    bad = client.post(
        "/api/v1/users", json={**staff, "username": "c4", "site_id": None}, headers=f.login(client, "admin")
    )
    assert bad.status_code == 422
    assert client.get(f"/api/v1/users/{w.users['sa_b1'].id}", headers=f.login(client, "reg_a")).status_code == 404
    assert client.delete(f"/api/v1/users/{w.users['reg_a'].id}", headers=f.login(client, "sa_a1")).status_code == 404


def test_disabling_a_user_revokes_their_sessions(client: TestClient, w: f.World) -> None:
    staff_headers = f.login(client, "ss_a1")
    resp = client.patch(
        f"/api/v1/users/{w.users['ss_a1'].id}", json={"is_active": False}, headers=f.login(client, "sa_a1")
    )
    assert resp.status_code == 200
    assert client.get("/api/v1/auth/me", headers=staff_headers).status_code == 401
    assert client.post("/api/v1/auth/login", json={"username": "ss_a1", "password": f.PASSWORD}).status_code == 401


def test_pagination_and_filter_validation(client: TestClient, w: f.World) -> None:
    admin = f.login(client, "admin")
    page = client.get("/api/v1/sites?size=2&page=2", headers=admin).json()
    assert page["total"] == 3 and len(page["items"]) == 1 and page["page"] == 2
    bad = client.get("/api/v1/sites?size=0", headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "size"
    assert client.get("/api/v1/sites?kind=restaurant", headers=admin).status_code == 422
    assert client.get("/api/v1/sites?q=A1", headers=admin).json()["total"] == 1


def test_openapi_document_is_complete(client: TestClient) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/auth/login",
        "/api/v1/regions",
        "/api/v1/sites",
        "/api/v1/sites/{site_id}/cameras",
        "/api/v1/devices/{device_id}/key",
        "/api/v1/users",
        "/api/v1/sites/import",
    ):
        assert path in doc["paths"], path
