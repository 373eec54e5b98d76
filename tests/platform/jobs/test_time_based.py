"""Escalation, push and offline detection by a fake clock; exactly once with two worker processes."""

from __future__ import annotations

import multiprocessing
import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert, AlertAudit, DeadlinePolicy
from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.health.service import mark_offline_devices
from brightkitchen.platform.jobs.runner import run_due_jobs
from brightkitchen.platform.notify.models import Notification
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests import support as s
from tests.platform.jobs.worker import run_jobs_at


def escalation_rows(session: Session) -> list[AlertAudit]:
    session.expire_all()
    return list(session.scalars(select(AlertAudit).where(AlertAudit.action == "escalate")))


def test_escalates_once_when_unanswered(ctx: PlatformContext, session: Session) -> None:
    w = f.world(session)
    f.channel(session, "webhook", "http://127.0.0.1:9/x", region=w.district_a, events=["escalated"])
    t0 = utcnow()
    late = f.alert(session, w.site_a1, w.cameras["A1"], state="rectifying", created_at=t0)
    answered = f.alert(session, w.site_a1, w.cameras["A1"], state="submitted", created_at=t0)
    assert run_due_jobs(ctx, t0 + timedelta(hours=47)).escalated == 0
    report = run_due_jobs(ctx, t0 + timedelta(hours=48, seconds=1))
    assert report.escalated == 1 and report.errors == []
    assert run_due_jobs(ctx, t0 + timedelta(hours=60)).escalated == 0
    (row,) = escalation_rows(session)
    assert (row.alert_id, row.actor_kind, row.from_state, row.to_state) == (
        late.id,
        "system",
        "rectifying",
        "rectifying",
    )
    assert session.get(Alert, late.id).escalated_at is not None  # type: ignore[union-attr]
    assert session.get(Alert, answered.id).escalated_at is None  # type: ignore[union-attr]
    assert [n.event for n in session.scalars(select(Notification))] == ["escalated"]


def test_push_moves_new_to_pushed_once(ctx: PlatformContext, session: Session) -> None:
    w = f.world(session)
    alerts = [f.alert(session, w.site_a1, w.cameras["A1"], state="new") for _ in range(3)]
    assert run_due_jobs(ctx, utcnow()).pushed == 3
    assert run_due_jobs(ctx, utcnow()).pushed == 0
    session.expire_all()
    for a in alerts:
        assert session.get(Alert, a.id).state == "pushed"  # type: ignore[union-attr]
    assert session.scalar(select(func.count()).where(AlertAudit.action == "notify")) == 3


def test_deadline_policy_most_specific_wins(client: TestClient, session: Session) -> None:
    w = f.world(session)
    session.add_all([
        DeadlinePolicy(region_id=w.city.id, code="*", rectify_hours=12, escalate_hours=36),
        DeadlinePolicy(region_id=w.district_a.id, code="smoking", rectify_hours=2, escalate_hours=4),
    ])  # fmt: skip
    session.commit()

    def hours(site: str, code: str) -> float:
        doc = s.event(site_code=site, camera_key=f"cam-{site.lower()}", code=code)
        resp = client.post("/api/v1/device/events", headers=s.device_headers(w.device_keys[site]), **s.parts(doc))
        a = session.get(Alert, resp.json()["alert_id"])
        assert a is not None
        return (a.deadline_at - a.created_at).total_seconds() / 3600

    assert hours("A1", "smoking") == 2
    assert hours("A1", "no_mask") == 12
    assert hours("B1", "smoking") == 12


def test_device_offline_after_three_missed_heartbeats(ctx: PlatformContext, session: Session, settings: Settings):
    w = f.world(session)
    t0 = utcnow()
    device = w.devices["A1"]
    device.status, device.last_heartbeat_at = "online", t0
    session.commit()
    interval = settings.heartbeat_interval_s
    assert run_due_jobs(ctx, t0 + timedelta(seconds=interval * 3 - 1)).offline == 0
    assert run_due_jobs(ctx, t0 + timedelta(seconds=interval * 3 + 1)).offline == 1
    assert run_due_jobs(ctx, t0 + timedelta(seconds=interval * 10)).offline == 0
    session.expire_all()
    assert session.get(Device, device.id).status == "offline"  # type: ignore[union-attr]
    faults = session.scalars(select(Alert).where(Alert.code == "camera_fault")).all()
    assert len(faults) == 1 and faults[0].device_id == device.id and "missed 3 heartbeats" in faults[0].detail


def test_a_dark_network_goes_offline_in_bounded_passes(ctx: PlatformContext, session: Session, settings: Settings):
    """Thousands of devices due at once are flipped (and their faults raised) a batch per pass, oldest silence
    first, never all in one long transaction; each device once."""
    w = f.world(session)
    t0 = utcnow()
    names = sorted(w.devices)
    for n, name in enumerate(names):
        w.devices[name].status, w.devices[name].last_heartbeat_at = "online", t0 + timedelta(seconds=n)
    session.commit()
    late = t0 + timedelta(seconds=settings.heartbeat_interval_s * 10)
    with ctx.sessions() as s1:
        assert mark_offline_devices(s1, settings, late, batch=2) == 2
        s1.commit()
    session.expire_all()
    offline = {name for name in names if session.get(Device, w.devices[name].id).status == "offline"}  # type: ignore[union-attr]
    assert offline == set(names[:2])  # the longest silent first
    with ctx.sessions() as s2:
        assert mark_offline_devices(s2, settings, late, batch=len(names)) == len(names) - 2
        s2.commit()
    faults = session.scalars(select(Alert).where(Alert.code == "camera_fault")).all()
    assert sorted(a.device_id for a in faults) == sorted(w.devices[name].id for name in names)


@pytest.mark.postgres
def test_two_processes_escalate_exactly_once(
    ctx: PlatformContext, session: Session, is_postgres: bool, migrated_url: str, tmp_path: Path
) -> None:
    if not is_postgres:
        pytest.skip("needs PostgreSQL: SQLite is the single-process embedded database (no row locks to race on)")
    w = f.world(session)
    f.channel(session, "webhook", "http://127.0.0.1:9/x", region=w.district_a)
    t0 = utcnow()
    alerts = [f.alert(session, w.site_a1, w.cameras["A1"], state="pushed", created_at=t0) for _ in range(40)]
    for name in ("A1", "A2"):
        w.devices[name].status, w.devices[name].last_heartbeat_at = "online", t0
    session.commit()
    now = (t0 + timedelta(hours=49)).isoformat()
    mp = multiprocessing.get_context("spawn")
    with mp.Manager() as manager:
        start = manager.Event()
        with mp.Pool(2) as pool:
            pending = [pool.apply_async(run_jobs_at, (migrated_url, str(tmp_path), now, start, 3)) for _ in range(2)]
            start.set()
            results = [p.get(120) for p in pending]
    assert sum(r["errors"] for r in results) == 0, results
    assert sum(r["escalated"] for r in results) == len(alerts)
    assert sum(r["offline"] for r in results) == 2
    rows = escalation_rows(session)
    assert sorted(r.alert_id for r in rows) == sorted(a.id for a in alerts)  # one row per alert, none twice
    escalated = session.scalars(select(Notification).where(Notification.event == "escalated")).all()
    assert sorted(n.alert_id for n in escalated) == sorted(a.id for a in alerts)  # type: ignore[type-var]
    assert session.scalar(select(func.count()).select_from(Alert).where(Alert.code == "camera_fault")) == 2


def test_background_loop_runs_in_the_app_lifespan(ctx: PlatformContext, session: Session, settings: Settings) -> None:
    w = f.world(session)
    alert = f.alert(session, w.site_a1, w.cameras["A1"], state="new")
    looping = PlatformContext.build(settings.model_copy(update={"jobs_enabled": True, "jobs_interval_s": 0.05}))
    with TestClient(create_app(ctx=looping)):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            session.expire_all()
            if session.get(Alert, alert.id).state == "pushed":  # type: ignore[union-attr]
                break
            time.sleep(0.05)
    looping.engine.dispose()
    assert session.get(Alert, alert.id).state == "pushed"  # type: ignore[union-attr]


def test_installer_test_alerts_are_neither_escalated_nor_listed(
    ctx: PlatformContext, session: Session, client: TestClient
) -> None:
    w = f.world(session)
    t0 = utcnow()
    real = f.alert(session, w.site_a1, w.cameras["A1"], state="pushed", created_at=t0)
    test = f.alert(session, w.site_a1, w.cameras["A1"], state="pushed", created_at=t0, test=True)
    report = run_due_jobs(ctx, t0 + timedelta(hours=49))
    assert report.escalated == 1
    assert [row.alert_id for row in escalation_rows(session)] == [real.id]
    headers = f.login(client, "sa_a1")
    listed = client.get("/api/v1/alerts", headers=headers).json()["items"]
    assert [a["id"] for a in listed] == [real.id]
    tests = client.get("/api/v1/alerts?test=true", headers=headers).json()["items"]
    assert [a["id"] for a in tests] == [test.id]
