"""Who may label: admins and regulators, each within their region tree. School users and devices are refused
(403); another district's images, alerts, cameras, sites and datasets answer exactly like missing ones (404)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests import support
from tests.support import labelling as lab

IMAGES = "/api/v1/labelling/images"
DATASETS = "/api/v1/datasets"


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return support.make_settings(migrated_url, tmp_path)


@pytest.fixture
def w(session: Session) -> f.World:
    return f.world(session)


def _reviewed_dataset(
    client: TestClient, session: Session, settings: Settings, w: f.World, who: str, site: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An image of ``site`` reviewed by ``who`` and a dataset ``who`` made of it."""
    headers = f.bearer(session, who)
    site_row = {"A1": w.site_a1, "B1": w.site_b1}[site]
    alert = lab.alert_with_snapshot(session, settings, site_row, w.cameras[site], w.devices[site], at=datetime.now(UTC))
    img = client.post(IMAGES, json={"alert_id": alert}, headers=headers).json()
    client.put(f"{IMAGES}/{img['id']}/boxes", json={"boxes": img["boxes"]}, headers=headers)
    ds = client.post(DATASETS, json={"name": f"by {who}", "task": "mask"}, headers=headers).json()
    return img, ds


def _calls(img: int, ds: int, alert: int, camera: int, site: int) -> list[tuple[str, str, dict[str, Any]]]:
    archive = lab.yolo_zip(["face_mask"], {"a.jpg": (lab.frame_jpeg(), "")})
    import_form = {
        "data": {"name": "x", "task": "mask", "source": "s", "licence": "l", "site_id": str(site)},
        "files": {"file": ("a.zip", archive)},
    }
    upload = {"data": {"camera_id": str(camera), "task": "mask"}, "files": {"image": ("a.jpg", lab.frame_jpeg())}}
    return [
        ("GET", "/api/v1/labelling/vocabularies", {}),
        ("GET", IMAGES, {}),
        ("POST", IMAGES, {"json": {"alert_id": alert}}),
        ("POST", IMAGES, {"json": {"camera_id": camera, "task": "mask"}}),
        ("POST", f"{IMAGES}/upload", upload),
        ("GET", f"{IMAGES}/{img}", {}),
        ("GET", f"{IMAGES}/{img}/file", {}),
        ("PUT", f"{IMAGES}/{img}/boxes", {"json": {"boxes": []}}),
        ("POST", f"{IMAGES}/{img}/false-positive", {"json": {}}),
        ("GET", f"{IMAGES}/{img}/history", {}),
        ("GET", DATASETS, {}),
        ("POST", DATASETS, {"json": {"name": "x", "task": "mask"}}),
        ("GET", f"{DATASETS}/{ds}", {}),
        ("GET", f"{DATASETS}/{ds}/export", {}),
        ("GET", f"{DATASETS}/{ds}/exports", {}),
        ("POST", f"{DATASETS}/import", import_form),
    ]


@pytest.mark.parametrize("who", ["sa_a1", "ss_a1"])
def test_school_users_and_devices_are_refused(
    client: TestClient, session: Session, settings: Settings, w: f.World, who: str
) -> None:
    img, ds = _reviewed_dataset(client, session, settings, w, "reg_a", "A1")
    calls = _calls(img["id"], ds["id"], img["alert_id"], w.cameras["A1"].id, w.site_a1.id)
    for headers in (f.bearer(session, who), support.device_headers(w.device_keys["A1"])):
        for method, url, kw in calls:
            resp = client.request(method, url, headers=headers, **kw)
            assert resp.status_code == 403, (method, url, resp.status_code)
    assert client.get(IMAGES).status_code == 401


def test_another_districts_ids_are_404(client: TestClient, session: Session, settings: Settings, w: f.World) -> None:
    img, ds = _reviewed_dataset(client, session, settings, w, "reg_b", "B1")
    reg_a = f.bearer(session, "reg_a")
    calls = _calls(img["id"], ds["id"], img["alert_id"], w.cameras["B1"].id, w.site_b1.id)
    # Every call but the four that name no id (vocabularies, the two lists, a new dataset) names one of B's.
    unscoped = {("GET", "/api/v1/labelling/vocabularies"), ("GET", IMAGES), ("GET", DATASETS), ("POST", DATASETS)}
    scoped = [(m, u, kw) for m, u, kw in calls if (m, u) not in unscoped]
    assert len(scoped) == 12
    for method, url, kw in scoped:
        resp = client.request(method, url, headers=reg_a, **kw)
        assert resp.status_code == 404, (method, url, resp.status_code, resp.text)
        assert resp.json()["code"] == "not_found"
    # Lists leave it out; the district's own dataset request finds nothing of B's to freeze.
    assert client.get(IMAGES, headers=reg_a).json()["total"] == 0
    assert client.get(IMAGES, params={"site_id": w.site_b1.id}, headers=reg_a).json()["total"] == 0
    assert client.get(DATASETS, headers=reg_a).json() == []
    assert client.post(DATASETS, json={"name": "x", "task": "mask"}, headers=reg_a).json()["code"] == "empty"
    assert client.get(f"{DATASETS}/{ds['id']}/exports", headers=f.bearer(session, "reg_b")).json() == []


def test_datasets_are_seen_by_whoever_sees_their_whole_region(
    client: TestClient, session: Session, settings: Settings, w: f.World
) -> None:
    _, ds_a = _reviewed_dataset(client, session, settings, w, "reg_a", "A1")
    _, ds_b = _reviewed_dataset(client, session, settings, w, "reg_b", "B1")
    city = f.bearer(session, "reg_city")
    assert {d["id"] for d in client.get(DATASETS, headers=city).json()} == {ds_a["id"], ds_b["id"]}
    ds_city = client.post(DATASETS, json={"name": "全市", "task": "mask"}, headers=city).json()
    assert ds_city["images"] == 2
    # The city's mix holds district B's frames: district A does not see it; the platform admin sees all.
    assert client.get(f"{DATASETS}/{ds_city['id']}", headers=f.bearer(session, "reg_a")).status_code == 404
    admin = f.bearer(session, "admin")
    assert {d["id"] for d in client.get(DATASETS, headers=admin).json()} == {ds_a["id"], ds_b["id"], ds_city["id"]}
    ds_admin = client.post(DATASETS, json={"name": "全市", "task": "mask"}, headers=admin).json()
    assert ds_admin["version"] == 1  # versions count per name within the region it was made in
    assert client.get(f"{DATASETS}/{ds_admin['id']}", headers=city).status_code == 404
