"""The admin pages' lists (sites, cameras, devices): paging, sorting, filters; write-only stream URLs; keys once."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests import factories as f

STREAM = "rtsp://admin:cam-pass-77@10.1.2.3:554/Streaming/Channels/101"
LIVE = "rtsp://admin:cam-pass-77@10.1.2.3:554/Streaming/Channels/102"


def _items(resp: object) -> list[dict[str, object]]:
    assert resp.status_code == 200, resp.text  # type: ignore[attr-defined]
    items: list[dict[str, object]] = resp.json()["items"]  # type: ignore[attr-defined]
    return items


def test_stream_urls_are_write_only(client: TestClient, session: Session) -> None:
    w = f.world(session)
    admin = f.login(client, "admin")
    made = client.post(
        f"/api/v1/sites/{w.site_a1.id}/cameras",
        headers=admin,
        json={"key": "cam-9", "name": "后厨-洗消间", "stream_url": STREAM, "live_url": LIVE},
    )
    assert made.status_code == 201, made.text
    assert made.json()["has_stream_url"] is True and made.json()["has_live_url"] is True
    cam = made.json()["id"]
    answers = [
        made,
        client.get(f"/api/v1/cameras/{cam}", headers=admin),
        client.get("/api/v1/cameras", headers=admin, params={"q": "洗消"}),
        client.patch(f"/api/v1/cameras/{cam}", headers=admin, json={"name": "后厨-洗消"}),
        client.get(f"/api/v1/cameras/{cam}", headers=f.login(client, "sa_a1")),
    ]
    for resp in answers:
        assert resp.status_code in (200, 201), resp.text
        assert "cam-pass-77" not in resp.text and "rtsp://" not in resp.text
    replaced = client.patch(f"/api/v1/cameras/{cam}", headers=admin, json={"stream_url": "rtsp://10.1.2.4/new"})
    assert replaced.json()["has_stream_url"] is True and "10.1.2.4" not in replaced.text
    cleared = client.patch(f"/api/v1/cameras/{cam}", headers=admin, json={"live_url": ""})
    assert cleared.json()["has_live_url"] is False


def test_cameras_filter_and_sort(client: TestClient, session: Session) -> None:
    w = f.world(session)
    f.camera(session, w.site_a1, "cam-z", name="仓库", status="offline")
    session.commit()
    admin = f.login(client, "admin")
    url = "/api/v1/cameras"
    by_name = [
        c["name"] for c in _items(client.get(url, headers=admin, params={"site_id": w.site_a1.id, "sort": "key"}))
    ]
    assert by_name == ["后厨-操作台", "仓库"]
    assert [c["key"] for c in _items(client.get(url, headers=admin, params={"status": "offline"}))] == ["cam-z"]
    in_a = _items(client.get(url, headers=admin, params={"region_id": w.district_a.id, "sort": "-key"}))
    assert [c["key"] for c in in_a] == ["cam-z", "cam-a2", "cam-a1"]
    area = in_a[0]["area_id"]
    assert [c["key"] for c in _items(client.get(url, headers=admin, params={"area_id": area}))] == ["cam-z"]
    assert client.get(url, headers=admin, params={"sort": "stream_url"}).status_code == 422
    assert client.get(url, headers=f.login(client, "reg_b"), params={"region_id": w.district_a.id}).status_code == 404


def test_sites_sort_by_name_and_code(client: TestClient, session: Session) -> None:
    f.world(session)
    admin = f.login(client, "admin")
    codes = [s["code"] for s in _items(client.get("/api/v1/sites", headers=admin, params={"sort": "-code"}))]
    assert codes == ["B1", "A2", "A1"]
    page = client.get("/api/v1/sites", headers=admin, params={"sort": "code", "size": 2, "page": 2}).json()
    assert [s["code"] for s in page["items"]] == ["B1"] and page["total"] == 3


def test_a_device_key_is_shown_once_and_rotating_stops_the_old_one(client: TestClient, session: Session) -> None:
    w = f.world(session)
    admin = f.login(client, "admin")
    made = client.post(
        f"/api/v1/sites/{w.site_a1.id}/devices", headers=admin, json={"name": "边缘盒-2", "serial": "SN2"}
    )
    assert made.status_code == 201
    key = made.json()["device_key"]
    device = made.json()["id"]
    for resp in (
        client.get(f"/api/v1/devices/{device}", headers=admin),
        client.get("/api/v1/devices", headers=admin, params={"q": "SN2"}),
    ):
        assert key not in resp.text and "device_key" not in resp.text
    edge = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/device/config", headers=edge).status_code == 200
    rotated = client.post(f"/api/v1/devices/{device}/key", headers=admin).json()["device_key"]
    assert rotated != key
    assert client.get("/api/v1/device/config", headers=edge).status_code == 401
    revoked = client.post(f"/api/v1/devices/{device}/revoke", headers=admin)
    assert revoked.json()["revoked_at"] is not None
    assert client.get("/api/v1/device/config", headers={"Authorization": f"Bearer {rotated}"}).status_code == 401
    assert [d["name"] for d in _items(client.get("/api/v1/devices", headers=admin, params={"revoked": True}))] == [
        "边缘盒-2"
    ]
    names = [d["name"] for d in _items(client.get("/api/v1/devices", headers=admin, params={"sort": "-name"}))]
    assert names == sorted(names, reverse=True) and len(names) == 4
    in_b = _items(client.get("/api/v1/devices", headers=admin, params={"region_id": w.district_b.id}))
    assert [d["name"] for d in in_b] == ["edge-B1"]
