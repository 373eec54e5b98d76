"""The public page's API: what a site shows without sign-in, concern reports, their rate limit and scope."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert, AlertState
from brightkitchen.platform.concerns.models import Concern
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.public import service
from tests import factories as f


def _public(session: Session) -> f.World:
    w = f.world(session)
    w.site_a1.public_page = True
    w.cameras["A1"].public = True
    w.cameras["A1"].status = "online"
    f.camera(session, w.site_a1, "cam-private", name="仓库", public=False)
    session.commit()
    return w


def _alert(session: Session, site_id: int, state: str, created_at: datetime, **kw: object) -> None:
    session.add(
        Alert(
            event_id=f"ev-{uuid.uuid4().hex}",
            site_id=site_id,
            code=kw.get("code", "no_mask"),
            state=state,
            started_at=created_at,
            ended_at=created_at,
            created_at=created_at,
            deadline_at=created_at + timedelta(hours=24),
            escalate_at=created_at + timedelta(hours=48),
            test=bool(kw.get("test", False)),
        )
    )


def test_public_site_shows_public_cameras_and_the_record(client: TestClient, session: Session) -> None:
    w = _public(session)
    now = utcnow()
    for state in (AlertState.closed, AlertState.closed, AlertState.rectifying, AlertState.false_positive):
        _alert(session, w.site_a1.id, state, now - timedelta(minutes=5))
    _alert(session, w.site_a1.id, AlertState.new, now - timedelta(minutes=5), test=True)
    _alert(session, w.site_a1.id, AlertState.new, now - timedelta(minutes=5), code="camera_fault")
    _alert(session, w.site_a2.id, AlertState.new, now - timedelta(minutes=5))
    session.commit()

    resp = client.get("/api/v1/public/sites/A1")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["name"] == w.site_a1.name
    assert [c["name"] for c in body["cameras"]] == [w.cameras["A1"].name]
    assert body["cameras"][0]["status"] == "online"
    assert "stream_url" not in resp.text and "rtsp://" not in resp.text
    assert "contact_phone" not in body
    assert len(body["months"]) == service.RECORD_MONTHS
    this_month = now.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    assert body["months"][-1] == {"month": this_month, "alerts": 3, "rectified": 2, "open": 1}
    assert all(m["alerts"] == 0 for m in body["months"][:-1])


def test_private_and_unknown_sites_answer_the_same(client: TestClient, session: Session) -> None:
    _public(session)
    private = client.get("/api/v1/public/sites/A2")
    unknown = client.get("/api/v1/public/sites/NOPE")
    assert private.status_code == unknown.status_code == 404
    assert private.json()["detail"] == unknown.json()["detail"]
    assert "学校 A2" not in private.text
    for code in ("A2", "NOPE"):
        sent = client.post(f"/api/v1/public/sites/{code}/concerns", json={"text": "看到有人没戴口罩"})
        assert sent.status_code == 404
        assert sent.json()["detail"] == private.json()["detail"]


def test_month_starts_cross_the_year() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    starts = service.month_starts(datetime(2026, 2, 10, tzinfo=UTC), tz, 4)
    assert [s.strftime("%Y-%m") for s in starts] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    # 2026-01-31 17:00 UTC is already February in China.
    assert service.month_starts(datetime(2026, 1, 31, 17, tzinfo=UTC), tz, 1)[0].month == 2


def test_concern_lands_with_the_school_and_the_regulator_only(client: TestClient, session: Session) -> None:
    _public(session)
    sent = client.post(
        "/api/v1/public/sites/A1/concerns", json={"name": " 王女士 ", "phone": "138 0000 0000", "text": " 地面有积水 "}
    )
    assert sent.status_code == 201, sent.text
    assert "received_at" in sent.json()
    stored = session.scalars(select(Concern)).one()
    assert (stored.name, stored.text) == ("王女士", "地面有积水")
    assert "testclient" not in stored.client_hash and len(stored.client_hash) == 64

    def concerns(user: str) -> list[dict[str, object]]:
        resp = client.get("/api/v1/concerns", headers=f.login(client, user))
        assert resp.status_code == 200, resp.text
        return list(resp.json()["items"])

    assert [c["text"] for c in concerns("sa_a1")] == ["地面有积水"]
    assert [c["site_code"] for c in concerns("reg_a")] == ["A1"]
    assert concerns("reg_city")[0]["phone"] == "138 0000 0000"
    assert concerns("sa_a2") == []
    assert concerns("reg_b") == []
    staff = client.get("/api/v1/concerns", headers=f.login(client, "ss_a1"))
    assert staff.status_code == 403
    assert client.get("/api/v1/concerns").status_code == 401


def test_concern_text_is_required_and_checked(client: TestClient, session: Session) -> None:
    _public(session)
    for body, field in (({"text": "   "}, "text"), ({}, "text"), ({"text": "x", "phone": "call me"}, "phone")):
        resp = client.post("/api/v1/public/sites/A1/concerns", json=body)
        assert resp.status_code == 422, body
        assert resp.json()["errors"][0]["field"] == field
    assert client.post("/api/v1/public/sites/A1/concerns", json={"text": "x" * 1001}).status_code == 422


def test_concerns_are_rate_limited_per_client_address(client: TestClient, session: Session) -> None:
    _public(session)
    session.commit()
    for _ in range(service.CONCERN_LIMIT):
        assert client.post("/api/v1/public/sites/A1/concerns", json={"text": "问题"}).status_code == 201
    refused = client.post("/api/v1/public/sites/A1/concerns", json={"text": "问题"})
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert 0 < int(refused.headers["Retry-After"]) <= service.CONCERN_WINDOW.total_seconds()
    assert session.scalar(select(Concern.id).order_by(Concern.id.desc())) is not None
    assert len(session.scalars(select(Concern)).all()) == service.CONCERN_LIMIT

    # Another address is not affected; the window passing frees this one.
    other = service.client_hash("test-secret", "198.51.100.7")
    service.check_rate(session, other, utcnow())
    for concern in session.scalars(select(Concern)):
        concern.created_at = utcnow() - service.CONCERN_WINDOW - timedelta(seconds=1)
    session.commit()
    assert client.post("/api/v1/public/sites/A1/concerns", json={"text": "问题"}).status_code == 201
