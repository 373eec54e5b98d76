"""The roll-out as devices report it in their heartbeats, and threshold advice from real alert rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brightkitchen.platform.db import utcnow
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.modelhub.thresholds import advise
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests import support as s
from tests.platform import modelhub_support as m


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return s.make_settings(migrated_url, tmp_path)


@pytest.fixture
def w(session: Session) -> f.World:
    return f.world(session)


def beat(
    client: TestClient, w: f.World, site: str, versions: dict[str, str], errors: dict[str, str] | None = None
) -> None:
    body: dict[str, Any] = {
        "sent_at": datetime.now(UTC).isoformat(),
        "software_version": "1.0",
        "model_versions": versions,
        "model_errors": errors or {},
    }
    resp = client.post("/api/v1/device/heartbeats", headers=s.device_headers(w.device_keys[site]), json=body)
    assert resp.status_code == 204, resp.text


def test_heartbeats_drive_the_rollout(client: TestClient, session: Session, w: f.World) -> None:
    admin = f.bearer(session, "admin")
    v1, v2 = m.uploaded(client, admin, "v1", seed=1), m.uploaded(client, admin, "v2", seed=2)
    m.assign(client, admin, v1["id"], region_id=w.city.id)
    m.assign(client, admin, v2["id"], site_id=w.site_a1.id, canary=True)
    extra, _ = f.device(session, w.site_a1, "edge-A1-spare")
    session.commit()

    resp = client.get(f"/api/v1/models/{v2['id']}/rollout", headers=admin)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["model_id"], body["name"], body["version"]) == (v2["id"], "hats", "v2")
    assert [(x["site_id"], x["site_name"], x["canary"]) for x in body["sites"]] == [(w.site_a1.id, "学校 A1", True)]
    assert {d["device_id"]: d["state"] for d in body["sites"][0]["devices"]} == {
        w.devices["A1"].id: "pending",
        extra.id: "pending",
    }
    assert body["counts"] == {"active": 0, "pending": 2, "other": 0, "failed": 0}

    beat(client, w, "A1", {"hats": "v2", "yunet": "2023"})
    beat(client, w, "A2", {"hats": "v1"})
    beat(client, w, "B1", {"hats": "v0"})
    body = client.get(f"/api/v1/models/{v2['id']}/rollout", headers=admin).json()
    devices = {d["device_id"]: d for d in body["sites"][0]["devices"]}
    first = devices[w.devices["A1"].id]
    assert set(first) == {"device_id", "name", "reported_version", "last_seen_at", "state", "error"}
    assert (first["name"], first["reported_version"], first["state"]) == ("edge-A1", "v2", "active")
    assert first["last_seen_at"] is not None
    assert body["counts"] == {"active": 1, "pending": 1, "other": 0, "failed": 0}

    # v1 runs everywhere else: A2 reports it, B1 reports another version; the canary site is not v1's.
    body = client.get(f"/api/v1/models/{v1['id']}/rollout", headers=admin).json()
    states = {x["site_id"]: [d["state"] for d in x["devices"]] for x in body["sites"]}
    assert states == {w.site_a2.id: ["active"], w.site_b1.id: ["other"]}
    assert body["counts"] == {"active": 1, "pending": 0, "other": 1, "failed": 0}
    reported = {x["site_id"]: x["devices"][0]["reported_version"] for x in body["sites"]}
    assert reported[w.site_b1.id] == "v0"

    # A regulator sees only its region's sites; the school side not at all.
    reg_b = client.get(f"/api/v1/models/{v1['id']}/rollout", headers=f.bearer(session, "reg_b")).json()
    assert [x["site_id"] for x in reg_b["sites"]] == [w.site_b1.id]
    assert client.get(f"/api/v1/models/{v2['id']}/rollout", headers=f.bearer(session, "sa_a1")).status_code == 403
    assert client.get("/api/v1/models/999999/rollout", headers=admin).status_code == 404


def test_a_version_the_device_could_not_load_shows_as_failed(client: TestClient, session: Session, w: f.World) -> None:
    admin = f.bearer(session, "admin")
    v1, v2 = m.uploaded(client, admin, "v1", seed=1), m.uploaded(client, admin, "v2", seed=2)
    m.assign(client, admin, v2["id"], site_id=w.site_a1.id, canary=True)
    # The edge keeps v1 running and says why v2 did not take.
    beat(client, w, "A1", {"hats": "v1"}, {"hats": "v2: load failed: input size 96x96 does not fit the file"})
    body = client.get(f"/api/v1/models/{v2['id']}/rollout", headers=admin).json()
    device = body["sites"][0]["devices"][0]
    assert (device["state"], device["reported_version"]) == ("failed", "v1")
    assert device["error"] == "v2: load failed: input size 96x96 does not fit the file"
    assert body["counts"] == {"active": 0, "pending": 0, "other": 0, "failed": 1}
    shown = client.get(f"/api/v1/devices/{w.devices['A1'].id}", headers=admin).json()
    assert shown["model_errors"] == {"hats": "v2: load failed: input size 96x96 does not fit the file"}
    # An error about another version does not make this one failed; a later good report clears it.
    v1_row = client.get(f"/api/v1/models/{v1['id']}/rollout", headers=admin).json()
    assert v1_row["counts"]["failed"] == 0
    beat(client, w, "A1", {"hats": "v2"})
    body = client.get(f"/api/v1/models/{v2['id']}/rollout", headers=admin).json()
    assert body["sites"][0]["devices"][0]["state"] == "active" and body["sites"][0]["devices"][0]["error"] is None
    assert client.get(f"/api/v1/devices/{w.devices['A1'].id}", headers=admin).json()["model_errors"] == {}


def test_devices_api_shows_reported_versions(client: TestClient, session: Session, w: f.World) -> None:
    admin = f.bearer(session, "admin")
    device_id = w.devices["A1"].id
    shown = client.get(f"/api/v1/devices/{device_id}", headers=admin).json()
    assert shown["model_versions"] == {} and shown["model_versions_at"] is None
    beat(client, w, "A1", {"hats": "v1"})
    first = client.get(f"/api/v1/devices/{device_id}", headers=admin).json()
    assert first["model_versions"] == {"hats": "v1"} and first["model_versions_at"] is not None
    beat(client, w, "A1", {"hats": "v1"})  # the same report: the time it began stays
    assert (
        client.get(f"/api/v1/devices/{device_id}", headers=admin).json()["model_versions_at"]
        == (first["model_versions_at"])
    )
    beat(client, w, "A1", {"hats": "v2"})
    listed = client.get("/api/v1/devices", headers=f.bearer(session, "sa_a1")).json()["items"]
    assert [d["model_versions"] for d in listed] == [{"hats": "v2"}]
    session.expire_all()
    row = session.get(Device, device_id)
    assert row is not None and row.model_versions == {"hats": "v2"}


def test_heartbeat_reports_are_bounded(client: TestClient, session: Session, w: f.World) -> None:
    beat(client, w, "A1", {f"model-{i:03d}": "1" for i in range(100)} | {"x" * 200: "1"})
    session.expire_all()
    row = session.get(Device, w.devices["A1"].id)
    assert row is not None and len(row.model_versions) == 32 and "x" * 200 not in row.model_versions


@pytest.mark.parametrize(
    ("current", "alerts", "fps", "suggested", "reason"),
    [
        (0.4, 10, 4, 0.45, "high_fp_rate"),  # 0.4 > 0.3 with 10 alerts
        (0.4, 9, 9, 0.4, "too_few_alerts"),
        (0.4, 10, 3, 0.4, "keep"),  # exactly 0.3 is not above it
        (0.93, 20, 10, 0.95, "high_fp_rate"),  # capped
        (0.95, 20, 10, 0.95, "at_limit"),
        (0.4, 20, 0, 0.35, "low_fp_rate"),
        (0.4, 19, 0, 0.4, "keep"),  # too few to lower
        (0.22, 40, 1, 0.2, "low_fp_rate"),  # floored
        (0.2, 40, 1, 0.2, "at_limit"),
        (0.4, 0, 0, 0.4, "too_few_alerts"),
    ],
)
def test_the_advice_rule(current: float, alerts: int, fps: int, suggested: float, reason: str) -> None:
    got = advise(current, alerts, fps)
    assert (round(got.suggested, 4), got.reason) == (suggested, reason)


def seed_alerts(session: Session, site: Any, code: str, total: int, false_positives: int, **kw: Any) -> None:
    for i in range(total):
        state = "false_positive" if i < false_positives else "closed"
        f.alert(session, site, code=code, state=state, model_name=kw.get("model_name", "stack(yunet+hats)"),
                created_at=kw.get("created_at", utcnow() - timedelta(days=2)), test=kw.get("test", False))  # fmt: skip


def test_threshold_advice_on_real_alerts(client: TestClient, session: Session, w: f.World) -> None:
    admin = f.bearer(session, "admin")
    v1 = m.uploaded(client, admin)
    m.assign(client, admin, v1["id"], region_id=w.district_a.id, label_thresholds={"no_chef_hat": 0.5})
    # A1: 12 no_chef_hat alerts by this model, 6 false positives -> raise. Rows that must not count: another
    # model's, older than 30 days, test alerts, another code.
    seed_alerts(session, w.site_a1, "no_chef_hat", 12, 6)
    seed_alerts(session, w.site_a1, "no_chef_hat", 5, 5, model_name="other-model")
    seed_alerts(session, w.site_a1, "no_chef_hat", 5, 5, created_at=utcnow() - timedelta(days=31))
    seed_alerts(session, w.site_a1, "no_chef_hat", 5, 5, test=True)
    seed_alerts(session, w.site_a1, "no_mask", 5, 5)
    # A2: 25 smoking alerts, none false -> lower the card's default threshold.
    seed_alerts(session, w.site_a2, "smoking", 25, 0)
    # B1 is not running the model: its alerts are not advised on.
    seed_alerts(session, w.site_b1, "no_chef_hat", 12, 12)

    resp = client.get(f"/api/v1/models/{v1['id']}/threshold-advice", headers=admin)
    assert resp.status_code == 200, resp.text
    rows = {(r["site_id"], r["label"]): r for r in resp.json()}
    assert set(rows) == {(site.id, label) for site in (w.site_a1, w.site_a2) for label in ("no_chef_hat", "smoke")}
    hat = rows[(w.site_a1.id, "no_chef_hat")]
    assert hat == {
        "site_id": w.site_a1.id, "site_name": "学校 A1", "label": "no_chef_hat", "code": "no_chef_hat", "alerts": 12,
        "false_positives": 6, "fp_rate": 0.5, "current_threshold": 0.5, "suggested_threshold": 0.55,
        "reason": "high_fp_rate",
    }  # fmt: skip
    smoke = rows[(w.site_a2.id, "smoke")]
    assert (smoke["code"], smoke["alerts"], smoke["false_positives"], smoke["fp_rate"]) == ("smoking", 25, 0, 0.0)
    assert (smoke["current_threshold"], smoke["suggested_threshold"], smoke["reason"]) == (0.4, 0.35, "low_fp_rate")
    quiet = rows[(w.site_a2.id, "no_chef_hat")]
    assert (quiet["alerts"], quiet["reason"], quiet["suggested_threshold"]) == (0, "too_few_alerts", 0.5)

    # A regulator of the other district sees no advice for sites it cannot see; schools get 403.
    assert client.get(f"/api/v1/models/{v1['id']}/threshold-advice", headers=f.bearer(session, "reg_b")).json() == []
    reg_a = client.get(f"/api/v1/models/{v1['id']}/threshold-advice", headers=f.bearer(session, "reg_a")).json()
    assert len(reg_a) == 4
    school = client.get(f"/api/v1/models/{v1['id']}/threshold-advice", headers=f.bearer(session, "sa_a1"))
    assert school.status_code == 403
