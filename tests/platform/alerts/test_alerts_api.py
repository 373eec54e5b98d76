"""The alerts API as the web app uses it: list with filters, detail with evidence links, the closed loop."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert, AlertAudit, Rectification
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests import support as s

LIST_FIELDS = {"site_name", "camera_name", "code", "state", "overdue", "escalated", "started_at", "deadline_at",
               "snapshot_url"}  # fmt: skip


def upload(client: TestClient, w: f.World, site: str = "A1", **kw: Any) -> int:
    doc = s.event(site_code=site, camera_key=f"cam-{site.lower()}", **kw)
    resp = client.post("/api/v1/device/events", headers=s.device_headers(w.device_keys[site]),
                       **s.parts(doc, s.jpeg_bytes(), s.mp4_bytes()))  # fmt: skip
    assert resp.status_code == 201, resp.text
    return int(resp.json()["alert_id"])


def ids(resp: Any) -> set[int]:
    assert resp.status_code == 200, resp.text
    return {item["id"] for item in resp.json()["items"]}


def test_list_is_scoped_and_filtered(client: TestClient, session: Session) -> None:
    w = f.world(session)
    a1 = upload(client, w, "A1")
    a2 = upload(client, w, "A2", code="smoking")
    b1 = upload(client, w, "B1")
    late = f.alert(session, w.site_a1, w.cameras["A1"], state="rectifying", created_at=utcnow() - timedelta(hours=30))
    session.execute(Alert.__table__.update().where(Alert.id == late.id).values(escalated_at=utcnow()))
    session.commit()
    get = client.get
    admin, reg_a, sa_a1 = f.bearer(session, "admin"), f.bearer(session, "reg_a"), f.bearer(session, "sa_a1")
    assert ids(get("/api/v1/alerts", headers=admin)) == {a1, a2, b1, late.id}
    assert ids(get("/api/v1/alerts", headers=reg_a)) == {a1, a2, late.id}
    assert ids(get("/api/v1/alerts", headers=sa_a1)) == {a1, late.id}
    assert ids(get("/api/v1/alerts", headers=f.bearer(session, "reg_b"))) == {b1}
    assert ids(get(f"/api/v1/alerts?region_id={w.district_b.id}", headers=admin)) == {b1}
    # Another district's region answers like a missing one, as every region filter does.
    outside = get(f"/api/v1/alerts?region_id={w.district_b.id}", headers=reg_a)
    assert outside.status_code == 404 and outside.json()["code"] == "not_found"
    assert ids(get(f"/api/v1/alerts?site_id={w.site_a2.id}", headers=admin)) == {a2}
    assert ids(get("/api/v1/alerts?code=smoking", headers=admin)) == {a2}
    assert ids(get("/api/v1/alerts?state=rectifying", headers=admin)) == {late.id}
    assert ids(get("/api/v1/alerts?overdue=true", headers=admin)) == {late.id}
    assert ids(get("/api/v1/alerts?overdue=false", headers=admin)) == {a1, a2, b1}
    assert ids(get("/api/v1/alerts?escalated=true", headers=admin)) == {late.id}
    since = (utcnow() - timedelta(hours=1)).isoformat()
    assert ids(get("/api/v1/alerts", params={"since": since}, headers=admin)) == {a1, a2, b1}
    assert ids(get("/api/v1/alerts", params={"until": since}, headers=admin)) == {late.id}
    page = get("/api/v1/alerts?size=2&page=2", headers=admin).json()
    assert page["total"] == 4 and len(page["items"]) == 2
    item = next(i for i in get("/api/v1/alerts", headers=admin).json()["items"] if i["id"] == late.id)
    assert set(item) >= LIST_FIELDS
    assert item["overdue"] is True and item["escalated"] is True and item["snapshot_url"] is None
    assert get("/api/v1/alerts?state=bogus", headers=admin).status_code == 422


def test_detail_and_signed_evidence(client: TestClient, session: Session) -> None:
    w = f.world(session)
    alert_id = upload(client, w)
    headers = f.bearer(session, "sa_a1")
    detail = client.get(f"/api/v1/alerts/{alert_id}", headers=headers).json()
    assert detail["site_name"] == w.site_a1.name and detail["camera_name"] == w.cameras["A1"].name
    assert detail["boxes"][0]["label"] == "face" and detail["code_name"] == "未戴口罩"
    assert [h["action"] for h in detail["history"]] == ["create"]
    assert {e["kind"] for e in detail["evidence"]} == {"snapshot", "clip"}
    assert detail["actions"] == ["false_positive"]  # new: the school waits for the push
    snap = client.get(detail["snapshot_url"])
    assert snap.status_code == 200 and snap.content == s.jpeg_bytes()
    assert snap.headers["content-type"] == "image/jpeg"
    clip = next(e for e in detail["evidence"] if e["kind"] == "clip")
    assert client.get(clip["url"]).content == s.mp4_bytes()
    # The link is the only way in: a tampered or stripped signature is refused.
    assert client.get(detail["snapshot_url"].replace("sig=", "sig=0")).status_code == 403
    assert client.get(detail["snapshot_url"].split("?")[0]).status_code == 422


def test_closed_loop_with_reject_and_history(client: TestClient, session: Session, settings: Settings) -> None:
    w = f.world(session)
    alert = f.alert(session, w.site_a1, w.cameras["A1"], state="pushed")
    school, reg = f.bearer(session, "sa_a1"), f.bearer(session, "reg_a")
    base = f"/api/v1/alerts/{alert.id}"
    assert client.post(f"{base}/start", headers=school).json()["state"] == "rectifying"
    photo = {"photo": ("x.png", s.png_bytes(), "image/png"), "note": (None, "已清理")}
    first = client.post(f"{base}/rectify", headers=school, files=photo)
    assert first.status_code == 200 and first.json()["state"] == "submitted"
    rejected = client.post(f"{base}/review", headers=reg, json={"decision": "reject", "reason": "照片看不清"})
    assert rejected.json()["state"] == "rectifying"
    again = client.post(f"{base}/rectify", headers=school, files={"photo": ("y.jpg", s.jpeg_bytes(), "image/jpeg")})
    assert again.json()["state"] == "submitted"
    done = client.post(f"{base}/review", headers=reg, json={"decision": "approve"}).json()
    assert done["state"] == "closed" and done["closed_at"]
    assert [(h["action"], h["from_state"], h["to_state"]) for h in done["history"]] == [
        ("create", None, "new"),
        ("start", "pushed", "rectifying"),
        ("submit", "rectifying", "submitted"),
        ("reject", "submitted", "rectifying"),
        ("submit", "rectifying", "submitted"),
        ("approve", "submitted", "closed"),
    ]
    assert done["history"][3]["reason"] == "照片看不清" and done["history"][3]["actor_name"] == "reg_a"
    rects = done["rectifications"]
    assert [r["decision"] for r in rects] == ["rejected", "approved"]
    assert rects[0]["note"] == "已清理" and client.get(rects[0]["photo_url"]).content == s.png_bytes()
    assert len(s.stored_files(settings.evidence_dir)) == 2


def test_rectification_photo_is_checked_by_content(client: TestClient, session: Session, settings: Settings) -> None:
    w = f.world(session)
    alert = f.alert(session, w.site_a1, w.cameras["A1"], state="rectifying")
    school = f.bearer(session, "sa_a1")
    url = f"/api/v1/alerts/{alert.id}/rectify"
    jpeg = s.jpeg_bytes()
    for photo, status in [(b"GIF89a not allowed", 415), (b"plain text", 415), (jpeg[: len(jpeg) // 2], 422)]:
        resp = client.post(url, headers=school, files={"photo": ("p.jpg", photo, "image/jpeg")})
        assert resp.status_code == status, resp.text
    assert client.post(url, headers=school, files={"note": (None, "no photo")}).status_code == 422
    session.expire_all()
    assert session.get(Alert, alert.id).state == "rectifying"  # type: ignore[union-attr]
    assert session.scalars(select(Rectification)).all() == []
    assert s.stored_files(settings.evidence_dir) == []


def test_bulk_review_reports_each_id(client: TestClient, session: Session) -> None:
    w = f.world(session)
    ok1 = f.alert(session, w.site_a1, w.cameras["A1"], state="submitted")
    ok2 = f.alert(session, w.site_a2, w.cameras["A2"], state="submitted")
    wrong_state = f.alert(session, w.site_a1, w.cameras["A1"], state="rectifying")
    other = f.alert(session, w.site_b1, w.cameras["B1"], state="submitted")
    body = {"ids": [ok1.id, ok2.id, wrong_state.id, other.id, 987654], "decision": "approve", "reason": ""}
    resp = client.post("/api/v1/alerts/bulk-review", headers=f.bearer(session, "reg_a"), json=body)
    assert resp.status_code == 200, resp.text
    result = {i["id"]: (i["ok"], i["status"]) for i in resp.json()["items"]}
    assert result == {ok1.id: (True, 200), ok2.id: (True, 200), wrong_state.id: (False, 409), other.id: (False, 404),
                      987654: (False, 404)}  # fmt: skip
    assert resp.json()["succeeded"] == 2
    session.expire_all()
    assert [session.get(Alert, a.id).state for a in (ok1, ok2, wrong_state, other)] == [  # type: ignore[union-attr]
        "closed",
        "closed",
        "rectifying",
        "submitted",
    ]
    audits = session.scalars(select(AlertAudit.action).where(AlertAudit.action == "approve")).all()
    assert len(audits) == 2
    school = client.post("/api/v1/alerts/bulk-review", headers=f.bearer(session, "sa_a1"), json=body)
    assert all(i["status"] in (403, 404, 409) for i in school.json()["items"])
