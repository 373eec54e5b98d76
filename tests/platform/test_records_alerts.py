"""Missing records and expired certificates are alerts, driven with a fake clock: raised at the deadline of a
scheduled school day (local time) and not before, never on a holiday or a day without school, once however
many passes (or processes) run, and left in place when the record comes late."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert, AlertAudit
from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.jobs.records import run_record_jobs
from brightkitchen.platform.jobs.runner import run_due_jobs
from brightkitchen.platform.records import schedules
from brightkitchen.platform.records.models import Record
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests import support
from tests.platform import records_support as rs
from tests.platform.records_worker import run_record_jobs_at

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 30)
SAVED = datetime(2026, 11, 29, 8, 0, tzinfo=TZ)  # the schedule was saved the day before


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return support.make_settings(migrated_url, tmp_path)


@pytest.fixture
def w(session: Session) -> f.World:
    return f.world(session)


def _local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=TZ)


def _schedule(session: Session, site_id: int, **kw: object) -> None:
    schedules.save(session, site_id, schedules.Schedule.model_validate(kw), None, SAVED)
    session.commit()


def _alerts(session: Session, code: str | None = None) -> list[Alert]:
    session.expire_all()
    stmt = select(Alert).order_by(Alert.id)
    return list(session.scalars(stmt.where(Alert.code == code) if code else stmt))


def _record(session: Session, site_id: int, kind: str, day: date, meal: str | None) -> None:
    session.add(Record(site_id=site_id, kind=kind, record_date=day, meal=meal, data={}, photo_ids=[], version=1,
                       created_by_name="t", created_at=datetime.now(UTC)))  # fmt: skip
    session.commit()


def test_missed_lunch_sample_raises_one_alert_at_two_and_not_before(
    ctx: PlatformContext, session: Session, w: f.World
) -> None:
    _schedule(session, w.site_a1.id, meals=["lunch"])
    _record(session, w.site_a1.id, "morning_check", MONDAY, None)
    run_record_jobs(ctx, _local(MONDAY, 13, 59))
    assert _alerts(session) == []
    report = run_record_jobs(ctx, _local(MONDAY, 14, 0))
    assert report.missing == 1
    run_record_jobs(ctx, _local(MONDAY, 14, 30))
    alerts = _alerts(session)
    assert [(a.code, a.event_id) for a in alerts] == [
        ("sample_missing", f"rec-{w.site_a1.id}-sample_retention-2026-11-30-lunch")
    ]
    alert = alerts[0]
    assert (alert.site_id, alert.camera_id, alert.state, alert.source) == (w.site_a1.id, None, "new", "system")
    assert alert.created_at == _local(MONDAY, 14, 0) and alert.deadline_at > alert.created_at
    assert alert.escalate_at >= alert.deadline_at and "午餐留样" in alert.detail
    audit = session.scalars(select(AlertAudit).where(AlertAudit.alert_id == alert.id)).all()
    assert [a.action for a in audit] == ["create"]
    # The lunch disinfection deadline (15:00) comes next; the morning check was made, so nothing for it.
    run_record_jobs(ctx, _local(MONDAY, 15, 0))
    assert sorted(a.code for a in _alerts(session)) == ["disinfection_missing", "sample_missing"]
    # A record made late does not withdraw the alert: the school rectifies it as usual.
    _record(session, w.site_a1.id, "sample_retention", MONDAY, "lunch")
    run_record_jobs(ctx, _local(MONDAY, 16, 0))
    assert [a.state for a in _alerts(session, "sample_missing")] == ["new"]


def test_a_record_in_time_a_holiday_a_weekend_and_an_unscheduled_site_raise_nothing(
    ctx: PlatformContext, session: Session, w: f.World
) -> None:
    _schedule(session, w.site_a1.id, meals=["lunch"], holidays=["2026-12-01"])
    for kind, meal in (("morning_check", None), ("sample_retention", "lunch"), ("disinfection", "lunch")):
        _record(session, w.site_a1.id, kind, MONDAY, meal)
    run_record_jobs(ctx, _local(MONDAY, 23, 0))
    holiday = MONDAY + timedelta(days=1)
    run_record_jobs(ctx, _local(holiday, 23, 0))
    sunday = MONDAY + timedelta(days=6)  # its pass looks back to Saturday: no school either day
    run_record_jobs(ctx, _local(sunday, 23, 0))
    assert _alerts(session) == []  # site A2 and B1 never saved a schedule: they are not checked
    run_record_jobs(ctx, _local(holiday + timedelta(days=1), 9, 0))
    assert [a.code for a in _alerts(session)] == ["morning_check_missing"]


def test_deadlines_before_the_schedule_was_saved_raise_nothing(
    ctx: PlatformContext, session: Session, w: f.World
) -> None:
    schedules.save(session, w.site_a1.id, schedules.Schedule(), None, _local(MONDAY, 12, 0))
    session.commit()
    run_record_jobs(ctx, _local(MONDAY, 12, 30))
    assert _alerts(session) == []  # 09:00 and 10:00 came before the school set up its records
    run_record_jobs(ctx, _local(MONDAY, 14, 0))
    assert [a.code for a in _alerts(session)] == ["sample_missing"]


def test_the_jobs_pass_raises_and_pushes_them(ctx: PlatformContext, session: Session, w: f.World) -> None:
    _schedule(session, w.site_b1.id)
    report = run_due_jobs(ctx, _local(MONDAY, 9, 1))
    assert report.errors == []
    run_due_jobs(ctx, _local(MONDAY, 9, 2))
    alerts = _alerts(session)
    assert [(a.code, a.site_id, a.state) for a in alerts] == [("morning_check_missing", w.site_b1.id, "pushed")]


def test_a_missing_record_alert_is_seen_and_worked_like_any_alert(
    ctx: PlatformContext, session: Session, w: f.World
) -> None:
    _schedule(session, w.site_a1.id)
    for minute in (0, 1):  # raised in one pass, pushed to the school in the next
        run_due_jobs(ctx, _local(MONDAY, 9, minute))
    [alert] = _alerts(session)
    assert alert.state == "pushed"
    with TestClient(create_app(ctx=ctx)) as client:
        mine = client.get(f"/api/v1/alerts/{alert.id}", headers=f.bearer(session, "sa_a1"))
        assert mine.status_code == 200, mine.text
        assert (mine.json()["code"], mine.json()["camera_id"]) == ("morning_check_missing", None)
        listed = client.get("/api/v1/alerts?code=morning_check_missing", headers=f.bearer(session, "reg_a")).json()
        assert [a["id"] for a in listed["items"]] == [alert.id]
        assert client.get(f"/api/v1/alerts/{alert.id}", headers=f.bearer(session, "sa_b1")).status_code == 404
        started = client.post(f"/api/v1/alerts/{alert.id}/start", headers=f.bearer(session, "sa_a1"))
        assert started.status_code == 200 and started.json()["state"] == "rectifying"


def test_expired_health_certificates_raise_one_alert_per_person_and_expiry(
    ctx: PlatformContext, session: Session, w: f.World
) -> None:
    expired = rs.staff(session, w.site_a1, "过期", expires=MONDAY - timedelta(days=1))
    rs.staff(session, w.site_a1, "离职", expires=MONDAY - timedelta(days=3), active=False)
    rs.staff(session, w.site_a1, "今天到期", expires=MONDAY)  # valid through its last day
    for hour in (8, 9):
        run_record_jobs(ctx, _local(MONDAY, hour))
    alerts = _alerts(session, "health_cert_expired")
    assert [(a.site_id, a.event_id) for a in alerts] == [(w.site_a1.id, f"cert-{expired.id}-2026-11-29")]
    assert "过期" in alerts[0].detail
    expired.cert_expires_on = MONDAY + timedelta(days=1)  # renewed once, then it lapses again
    session.commit()
    run_record_jobs(ctx, _local(MONDAY + timedelta(days=3), 8))
    mine = [a.event_id for a in _alerts(session, "health_cert_expired") if a.event_id.startswith(f"cert-{expired.id}-")]
    assert mine == [f"cert-{expired.id}-2026-11-29", f"cert-{expired.id}-2026-12-01"]


@pytest.mark.postgres
def test_two_processes_raise_each_missing_record_once(
    ctx: PlatformContext, session: Session, is_postgres: bool, migrated_url: str, tmp_path: Path, w: f.World
) -> None:
    if not is_postgres:
        pytest.skip("needs PostgreSQL: SQLite is the single-process embedded database")
    for site in (w.site_a1, w.site_a2, w.site_b1):
        _schedule(session, site.id, meals=["breakfast", "lunch", "dinner"])
    rs.staff(session, w.site_a2, "过期", expires=MONDAY - timedelta(days=1))
    now = _local(MONDAY, 23, 0).isoformat()
    mp = multiprocessing.get_context("spawn")
    with mp.Manager() as manager:
        start = manager.Event()
        with mp.Pool(2) as pool:
            pending = [
                pool.apply_async(run_record_jobs_at, (migrated_url, str(tmp_path), now, start, 3)) for _ in range(2)
            ]
            start.set()
            results = [p.get(120) for p in pending]
    per_site = 1 + 3 * 2  # the morning check, and a sample and a disinfection per meal
    assert sum(r["missing"] for r in results) == 3 * per_site
    assert sum(r["certificates"] for r in results) == 1
    assert session.scalar(select(func.count()).select_from(Alert)) == 3 * per_site + 1
