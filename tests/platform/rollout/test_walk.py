"""One site from "not started" to "covered" through the real API: the installer registers cameras, the
edge sends real heartbeats and answers a real test alert, the school signs in, training and the signed
acceptance are recorded; then a day of silence makes it regress, and a heartbeat brings it back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.rollout.models import AcceptancePhoto
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.storage.base import check_key
from tests import factories as f
from tests.support import rollout as s


def items(doc: dict[str, Any]) -> dict[str, str]:
    return {i["code"]: i["state"] for i in doc["items"]}


def checklist(client: TestClient, site_id: int, headers: dict[str, str]) -> dict[str, Any]:
    resp = client.get(f"/api/v1/rollout/sites/{site_id}", headers=headers)
    assert resp.status_code == 200, resp.text
    doc: dict[str, Any] = resp.json()
    return doc


def test_site_walks_from_not_started_to_covered_then_regresses(
    client: TestClient, session: Session, settings: Settings
) -> None:
    w = f.world(session)
    site = w.site_a1
    reg = f.login(client, "reg_a")
    device = s.device_headers(w.device_keys["A1"])

    doc = checklist(client, site.id, reg)
    assert doc["status"] == "not_started" and not doc["covered"]
    assert set(items(doc).values()) == {"pending"}
    registered = next(i for i in doc["items"] if i["code"] == "cameras_registered")
    assert "缺少区域" in registered["evidence"]
    assert registered["evidence_en"].startswith("Areas without a camera: ")  # the English page's own sentence

    # The installer registers the missing areas' cameras (the world has a cooking camera already).
    keys = [w.cameras["A1"].key]
    for kind in ("storage", "prep", "washing"):
        area = client.post(f"/api/v1/sites/{site.id}/areas", headers=reg, json={"name": kind, "kind": kind})
        assert area.status_code == 201, area.text
        cam = client.post(
            f"/api/v1/sites/{site.id}/cameras",
            headers=reg,
            json={"key": f"cam-{kind}", "name": kind, "area_id": area.json()["id"]},
        )
        assert cam.status_code == 201, cam.text
        keys.append(f"cam-{kind}")
    doc = checklist(client, site.id, reg)
    assert doc["status"] == "in_progress"
    assert items(doc)["cameras_registered"] == "ok"

    # The edge server comes up: a real heartbeat with every camera online.
    assert client.post("/api/v1/device/heartbeats", headers=device, json=s.heartbeat(keys)).status_code == 204
    state = items(checklist(client, site.id, reg))
    assert state["edge_heartbeat"] == state["cameras_online"] == state["platform_connected"] == "ok"

    # "Send test alert": the device picks the request up and answers through the normal event path.
    assert client.get("/api/v1/rollout/device/test-request", headers=device).status_code == 204
    req = client.post(f"/api/v1/rollout/sites/{site.id}/test-alert", headers=reg)
    assert req.status_code == 202, req.text
    picked = client.get("/api/v1/rollout/device/test-request", headers=device)
    assert picked.status_code == 200 and picked.json()["id"] == req.json()["id"]
    doc = checklist(client, site.id, reg)
    assert items(doc)["test_alert"] == "pending" and "设备已于" in doc["items"][3]["evidence"]
    up = client.post("/api/v1/device/events", headers=device, **s.edge_test_event("A1", keys[0], s.jpeg_bytes()))
    assert up.status_code == 201, up.text
    assert session.get(Alert, up.json()["alert_id"]).test is True  # type: ignore[union-attr]
    assert items(checklist(client, site.id, reg))["test_alert"] == "ok"
    assert client.get("/api/v1/rollout/device/test-request", headers=device).status_code == 204  # answered

    # The school admin signs in for real.
    assert items(checklist(client, site.id, reg))["school_login"] == "pending"
    school = f.login(client, "sa_a1")
    assert items(checklist(client, site.id, reg))["school_login"] == "ok"

    training = client.post(
        f"/api/v1/rollout/sites/{site.id}/training",
        headers=reg,
        json={"trainer": "张工", "attendees": "食堂全体", "note": "预警处置与整改"},
    )
    assert training.status_code == 201, training.text
    doc = checklist(client, site.id, reg)
    assert doc["status"] == "in_progress" and items(doc)["site_acceptance"] == "pending"

    photos = [
        ("photos", ("现场1.jpg", s.jpeg_bytes(), "image/jpeg")),
        ("photos", ("b.png", s.png_bytes(), "image/png")),
    ]
    signed = client.post(
        f"/api/v1/rollout/sites/{site.id}/acceptance", headers=reg, data={"note": "现场验收合格"}, files=photos
    )
    assert signed.status_code == 201, signed.text
    assert signed.json()["inspector_name"] == "reg_a" and len(signed.json()["photos"]) == 2
    # Stored under names the server made, in the evidence store, readable through the signed link.
    for row in session.scalars(select(AcceptancePhoto)):
        check_key(row.storage_key)
        assert (settings.evidence_dir / row.storage_key).is_file()
    photo = client.get(signed.json()["photos"][0]["url"])
    assert photo.status_code == 200 and photo.content == s.jpeg_bytes()

    doc = checklist(client, site.id, reg)
    assert doc["status"] == "accepted" and doc["covered"] is True
    assert set(items(doc).values()) == {"ok"}
    assert doc["acceptance"]["note"] == "现场验收合格" and doc["training"]["trainer"] == "张工"
    # The school reads its own checklist (and nothing else).
    assert checklist(client, site.id, school)["status"] == "accepted"

    # A day later the edge server has been silent: the site has regressed, and the checklist says why.
    later = utcnow() + timedelta(hours=25)
    with s.clock(client, later):
        doc = checklist(client, site.id, reg)
    state = items(doc)
    assert doc["status"] == "regressed" and doc["covered"] is False
    assert state["edge_heartbeat"] == state["platform_connected"] == state["cameras_online"] == "failing"
    assert state["test_alert"] == state["training"] == state["site_acceptance"] == state["school_login"] == "ok"
    edge = next(i for i in doc["items"] if i["code"] == "edge_heartbeat")
    assert edge["evidence"].startswith("已静默") and "小时前" in edge["evidence"]
    assert edge["evidence_en"].startswith("Silent: Last heartbeat") and " h ago" in edge["evidence_en"]

    history = client.get(f"/api/v1/rollout/sites/{site.id}/history", headers=reg).json()
    assert [h["status"] for h in history] == ["not_started", "in_progress", "accepted", "regressed"]

    # Heartbeats resume: accepted again (a site once accepted is never "in progress" again).
    assert client.post("/api/v1/device/heartbeats", headers=device, json=s.heartbeat(keys)).status_code == 204
    assert checklist(client, site.id, reg)["status"] == "accepted"


def test_test_alert_expires_and_self_tests_do_not_count(client: TestClient, session: Session) -> None:
    w = f.world(session)
    reg = f.login(client, "reg_a")
    device = s.device_headers(w.device_keys["A1"])
    key = w.cameras["A1"].key
    # The edge's own self-test before any request proves nothing about the button.
    early = client.post("/api/v1/device/events", headers=device, **s.edge_test_event("A1", key, s.jpeg_bytes()))
    assert early.status_code == 201
    doc = checklist(client, w.site_a1.id, reg)
    assert items(doc)["test_alert"] == "pending"
    assert client.post(f"/api/v1/rollout/sites/{w.site_a1.id}/test-alert", headers=reg).status_code == 202
    with s.clock(client, utcnow() + timedelta(hours=1)):
        doc = checklist(client, w.site_a1.id, reg)
        assert client.get("/api/v1/rollout/device/test-request", headers=device).status_code == 204  # expired
    assert items(doc)["test_alert"] == "failing"
    assert "未在时限内" in next(i for i in doc["items"] if i["code"] == "test_alert")["evidence"]


def test_rollout_list_shows_statuses(client: TestClient, session: Session) -> None:
    w = f.world(session)
    s.ready(session, w.site_a2, utcnow())
    reg = f.login(client, "reg_a")
    page = client.get("/api/v1/rollout/sites", headers=reg).json()
    assert [(i["site_code"], i["status"]) for i in page["items"]] == [("A1", "not_started"), ("A2", "accepted")]
    accepted = client.get("/api/v1/rollout/sites", headers=reg, params={"status": "accepted"}).json()
    assert [i["site_code"] for i in accepted["items"]] == ["A2"]
    assert client.get("/api/v1/rollout/sites", headers=reg, params={"region_id": w.district_b.id}).status_code == 404
