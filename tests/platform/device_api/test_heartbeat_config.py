"""Heartbeats update device and cameras; the configuration is served with an ETag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.jobs.runner import run_due_jobs
from brightkitchen.platform.sites.models import Camera
from tests import factories as f
from tests import support as s


def beat(cameras: list[dict[str, Any]] | None = None, version: str = "1.2.3") -> dict[str, Any]:
    return {"sent_at": datetime.now(UTC).isoformat(), "software_version": version, "cameras": cameras or []}


def test_heartbeat_updates_device_and_cameras(client: TestClient, session: Session) -> None:
    w = f.world(session)
    headers = s.device_headers(w.device_keys["A1"])
    cams = [
        {"camera_key": "cam-a1", "status": "online", "fps": 12.5},
        {"camera_key": "unknown", "status": "online", "fps": 1},
    ]
    resp = client.post("/api/v1/device/heartbeats", headers=headers, json=beat(cams))
    assert resp.status_code == 204 and resp.content == b""
    session.expire_all()
    device = session.get(Device, w.devices["A1"].id)
    assert device is not None and device.status == "online" and device.software_version == "1.2.3"
    assert device.last_heartbeat_at is not None
    cam = session.get(Camera, w.cameras["A1"].id)
    assert cam is not None and (cam.status, cam.fps) == ("online", 12.5) and cam.last_seen_at is not None
    other = session.get(Camera, w.cameras["A2"].id)
    assert other is not None and other.status == "unknown"  # another site's camera is untouched


def test_heartbeat_is_validated(client: TestClient, session: Session) -> None:
    w = f.world(session)
    resp = client.post("/api/v1/device/heartbeats", headers=s.device_headers(w.device_keys["A1"]), json={"x": 1})
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")


def test_camera_without_frames_raises_one_fault_then_clears(client: TestClient, session: Session) -> None:
    w = f.world(session)
    headers = s.device_headers(w.device_keys["A1"])
    bad = [{"camera_key": "cam-a1", "status": "no_frames", "fps": 0, "error": "RTSP timeout"}]
    for _ in range(3):
        assert client.post("/api/v1/device/heartbeats", headers=headers, json=beat(bad)).status_code == 204
    faults = session.scalars(select(Alert).where(Alert.code == "camera_fault")).all()
    assert len(faults) == 1
    assert faults[0].camera_id == w.cameras["A1"].id and faults[0].state == "new"
    assert "RTSP timeout" in faults[0].detail
    good = [{"camera_key": "cam-a1", "status": "online", "fps": 10}]
    assert client.post("/api/v1/device/heartbeats", headers=headers, json=beat(good)).status_code == 204
    session.expire_all()
    fault = session.get(Alert, faults[0].id)
    assert fault is not None and fault.state == "closed" and fault.open_fault_key is None
    # And again: a new outage is a new alert, raised once.
    for _ in range(2):
        client.post("/api/v1/device/heartbeats", headers=headers, json=beat(bad))
    assert len(session.scalars(select(Alert).where(Alert.code == "camera_fault")).all()) == 2


def test_config_with_etag(client: TestClient, session: Session) -> None:
    w = f.world(session)
    headers = s.device_headers(w.device_keys["A1"])
    resp = client.get("/api/v1/device/config", headers=headers)
    assert resp.status_code == 200
    doc = resp.json()
    assert doc["site_code"] == "A1"
    assert [c["key"] for c in doc["cameras"]] == ["cam-a1"]
    assert doc["cameras"][0]["url"] == "rtsp://x/y"
    assert doc["working_hours"] == {"start": "05:00:00", "end": "20:00:00"}
    etag = resp.headers["ETag"]
    assert etag == f'"{doc["version"]}"'
    same = client.get("/api/v1/device/config", headers={**headers, "If-None-Match": etag})
    assert same.status_code == 304 and same.content == b""
    f.camera(session, w.site_a1, "cam-a1-2", name="仓库")
    session.commit()
    changed = client.get("/api/v1/device/config", headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert len(changed.json()["cameras"]) == 2


def test_config_is_for_devices_only(client: TestClient, session: Session) -> None:
    f.world(session)
    assert client.get("/api/v1/device/config").status_code == 401
    assert client.get("/api/v1/device/config", headers=f.login(client, "admin")).status_code == 403


def test_device_back_online_clears_its_fault(client: TestClient, session: Session, ctx: PlatformContext) -> None:
    w = f.world(session)
    headers = s.device_headers(w.device_keys["A1"])
    assert client.post("/api/v1/device/heartbeats", headers=headers, json=beat()).status_code == 204
    assert run_due_jobs(ctx, utcnow() + timedelta(hours=1)).offline == 1
    (fault,) = session.scalars(select(Alert).where(Alert.code == "camera_fault")).all()
    assert fault.state == "pushed"  # raised and pushed in the same pass
    assert client.post("/api/v1/device/heartbeats", headers=headers, json=beat()).status_code == 204
    session.expire_all()
    assert session.get(Alert, fault.id).state == "closed"  # type: ignore[union-attr]
    assert session.get(Device, w.devices["A1"].id).status == "online"  # type: ignore[union-attr]
