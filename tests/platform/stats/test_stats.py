"""KPIs and ranking over known data, scoped like everything else."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brightkitchen.platform.db import utcnow
from tests import factories as f


def seed(session: Session) -> f.World:
    w = f.world(session)
    now = utcnow()
    cam_a1, cam_b1 = w.cameras["A1"], w.cameras["B1"]
    cam_a1.status, cam_a1.last_seen_at = "online", now
    cam_b1.status, cam_b1.last_seen_at = "online", now - timedelta(hours=2)  # stale: counts offline
    w.devices["A1"].status, w.devices["A1"].last_heartbeat_at = "online", now
    session.commit()
    day = timedelta(days=1)
    # A1: closed on time (2 h), closed late (30 h), one false positive, one open and overdue.
    f.alert(session, w.site_a1, cam_a1, state="closed", created_at=now - 3 * day, submitted_at=now - 3 * day,
            closed_at=now - 3 * day + timedelta(hours=2))  # fmt: skip
    late = now - 5 * day
    f.alert(session, w.site_a1, cam_a1, state="closed", created_at=late, submitted_at=late + timedelta(hours=30),
            closed_at=late + timedelta(hours=30))  # fmt: skip
    f.alert(session, w.site_a1, cam_a1, state="false_positive", created_at=now - 2 * day)
    f.alert(session, w.site_a1, cam_a1, state="rectifying", created_at=now - 2 * day, escalated_at=now - day)
    f.alert(session, w.site_a1, cam_a1, state="pushed", code="smoking")  # today
    f.alert(session, w.site_a1, cam_a1, state="new", test=True)  # an edge self-test: never counted
    # B1: one open today.
    f.alert(session, w.site_b1, cam_b1, state="new")
    return w


def test_overview_numbers(client: TestClient, session: Session) -> None:
    w = seed(session)
    admin = client.get("/api/v1/stats/overview", headers=f.bearer(session, "admin"))
    assert admin.status_code == 200, admin.text
    o = admin.json()
    assert (o["sites"], o["sites_online"], o["cameras"], o["cameras_online"]) == (3, 1, 3, 1)
    assert o["online_rate"] == round(1 / 3, 4)
    assert o["alerts_today_by_code"] == {"smoking": 1, "no_mask": 1}
    assert (o["open"], o["overdue"]) == (3, 1)
    # 6 real alerts in the window, 1 false positive, 2 closed; 1 of them on time.
    assert o["rectification_rate"] == round(2 / 5, 4)
    assert o["on_time_rate"] == 0.5
    assert o["false_positive_rate"] == round(1 / 6, 4)
    assert o["mean_time_to_rectify_h"] == 16.0
    assert len(o["trend"]) == 30 and sum(p["count"] for p in o["trend"]) == 6 and o["trend"][-1]["count"] == 2
    assert o["attention"][0]["site_id"] == w.site_a1.id
    reg_b = client.get("/api/v1/stats/overview", headers=f.bearer(session, "reg_b")).json()
    assert (reg_b["sites"], reg_b["open"], reg_b["alerts_today_by_code"]) == (1, 1, {"no_mask": 1})
    one = client.get(f"/api/v1/stats/overview?region_id={w.district_b.id}", headers=f.bearer(session, "admin"))
    assert one.json()["sites"] == 1
    other = client.get(f"/api/v1/stats/overview?region_id={w.district_b.id}", headers=f.bearer(session, "reg_a"))
    assert other.status_code == 404
    school = client.get("/api/v1/stats/overview", headers=f.bearer(session, "sa_a1")).json()
    assert school["sites"] == 1 and school["open"] == 2
