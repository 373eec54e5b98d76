"""Who may see and do what in the roll-out: regulators their subtree, schools their own checklist read-only,
devices only their own site's test request; other tenants' ids answer 404."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.rollout.models import Acceptance, AlertTestRequest, Training
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests.support import rollout as s


@pytest.fixture
def w(session: Session) -> f.World:
    return f.world(session)


def _photos() -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("photos", ("a.jpg", s.jpeg_bytes(), "image/jpeg"))]


def test_school_reads_only_its_own_checklist(client: TestClient, w: f.World) -> None:
    for user in ("sa_a1", "ss_a1"):
        h = f.login(client, user)
        assert client.get(f"/api/v1/rollout/sites/{w.site_a1.id}", headers=h).status_code == 200
        assert client.get(f"/api/v1/rollout/sites/{w.site_a1.id}/history", headers=h).status_code == 200
        assert client.get(f"/api/v1/rollout/sites/{w.site_a2.id}", headers=h).status_code == 404
        assert client.get(f"/api/v1/rollout/sites/{w.site_b1.id}/history", headers=h).status_code == 404
        page = client.get("/api/v1/rollout/sites", headers=h).json()
        assert [i["site_code"] for i in page["items"]] == ["A1"]


def test_school_may_change_nothing(client: TestClient, session: Session, w: f.World) -> None:
    h = f.login(client, "sa_a1")
    site = w.site_a1.id
    assert client.post(f"/api/v1/rollout/sites/{site}/test-alert", headers=h).status_code == 403
    assert client.post(f"/api/v1/rollout/sites/{site}/training", headers=h, json={"trainer": "x"}).status_code == 403
    resp = client.post(f"/api/v1/rollout/sites/{site}/acceptance", headers=h, files=_photos())
    assert resp.status_code == 403
    counts = [session.scalar(select(func.count()).select_from(m)) for m in (AlertTestRequest, Training, Acceptance)]
    assert counts == [0, 0, 0]


def test_regulator_sees_only_its_subtree(client: TestClient, w: f.World) -> None:
    b = f.login(client, "reg_b")
    a1 = w.site_a1.id
    assert client.get(f"/api/v1/rollout/sites/{a1}", headers=b).status_code == 404
    assert client.post(f"/api/v1/rollout/sites/{a1}/test-alert", headers=b).status_code == 404
    assert client.post(f"/api/v1/rollout/sites/{a1}/training", headers=b, json={"trainer": "x"}).status_code == 404
    assert client.post(f"/api/v1/rollout/sites/{a1}/acceptance", headers=b, files=_photos()).status_code == 404
    assert [i["site_code"] for i in client.get("/api/v1/rollout/sites", headers=b).json()["items"]] == ["B1"]
    city = f.login(client, "reg_city")
    codes = [i["site_code"] for i in client.get("/api/v1/rollout/sites", headers=city).json()["items"]]
    assert codes == ["A1", "A2", "B1"]
    assert client.get("/api/v1/rollout/sites/999999", headers=city).status_code == 404


def test_only_a_regulator_signs_the_acceptance(client: TestClient, w: f.World) -> None:
    admin = f.login(client, "admin")
    resp = client.post(f"/api/v1/rollout/sites/{w.site_a1.id}/acceptance", headers=admin, files=_photos())
    assert resp.status_code == 403
    # The admin may still record training and send test alerts (installers).
    assert client.post(f"/api/v1/rollout/sites/{w.site_a1.id}/test-alert", headers=admin).status_code == 202


def test_device_sees_only_its_own_sites_request(client: TestClient, w: f.World) -> None:
    reg = f.login(client, "reg_a")
    assert client.post(f"/api/v1/rollout/sites/{w.site_a1.id}/test-alert", headers=reg).status_code == 202
    other = s.device_headers(w.device_keys["A2"])
    assert client.get("/api/v1/rollout/device/test-request", headers=other).status_code == 204
    own = s.device_headers(w.device_keys["A1"])
    assert client.get("/api/v1/rollout/device/test-request", headers=own).status_code == 200
    # People are not devices, and devices are not people.
    assert client.get("/api/v1/rollout/device/test-request", headers=reg).status_code == 403
    assert client.get(f"/api/v1/rollout/sites/{w.site_a1.id}", headers=own).status_code == 403
    assert client.get(f"/api/v1/rollout/sites/{w.site_a1.id}").status_code == 401


def test_acceptance_photos_are_checked_by_content(client: TestClient, w: f.World, settings: Settings) -> None:
    reg = f.login(client, "reg_a")
    url = f"/api/v1/rollout/sites/{w.site_a1.id}/acceptance"
    fake = client.post(url, headers=reg, files=[("photos", ("x.jpg", b"GIF89a not a jpeg", "image/jpeg"))])
    assert fake.status_code == 415 and fake.json()["errors"][0]["field"] == "photos[0]"
    cut = s.jpeg_bytes()[: len(s.jpeg_bytes()) // 2]
    truncated = client.post(url, headers=reg, files=[*_photos(), ("photos", ("y.jpg", cut, "image/jpeg"))])
    assert truncated.status_code == 422 and truncated.json()["errors"][0]["field"] == "photos[1]"
    none = client.post(url, headers=reg, data={"note": "无照片"}, files={"x": ("", b"", "text/plain")})
    assert none.status_code == 422
    too_many = client.post(url, headers=reg, files=_photos() * 7)
    assert too_many.status_code in (413, 422)
    # Nothing was stored by any refused upload.
    stored = list(settings.evidence_dir.rglob("*.*")) if settings.evidence_dir.exists() else []
    assert stored == []


def test_training_is_validated(client: TestClient, w: f.World) -> None:
    reg = f.login(client, "reg_a")
    url = f"/api/v1/rollout/sites/{w.site_a1.id}/training"
    assert client.post(url, headers=reg, json={"trainer": ""}).status_code == 422
    future = client.post(url, headers=reg, json={"trainer": "张工", "trained_at": "2099-01-01T00:00:00+08:00"})
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "trained_at"
    naive = client.post(url, headers=reg, json={"trainer": "张工", "trained_at": "2026-01-01T00:00:00"})
    assert naive.status_code == 422
