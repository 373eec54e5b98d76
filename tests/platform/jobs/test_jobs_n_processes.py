"""Whole job passes in two "processes" at once (two contexts, each its own engine and pool, started together):
every new alert is pushed and its notification delivered exactly once, and retention deletes what is due
without either pass failing. Escalation (test_time_based) and bulletins (bulletin/test_bulletin) have theirs."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.jobs.runner import JobReport, run_due_jobs
from brightkitchen.platform.notify.models import Notification
from brightkitchen.platform.sensors.models import Sensor, SensorReading
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests.platform.notify.receivers import http_receiver

ALERTS = 12
PASSES = 3  # per process: the later ones find nothing left to do


def run_together(contexts: list[PlatformContext], now_of: list[int]) -> list[JobReport]:
    barrier = threading.Barrier(len(contexts))
    reports: list[JobReport] = []
    errors: list[BaseException] = []
    base = utcnow()

    def run(ctx: PlatformContext) -> None:
        try:
            barrier.wait(30)
            reports.extend(run_due_jobs(ctx, base + timedelta(seconds=s)) for s in now_of)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in contexts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    return reports


def test_two_processes_push_deliver_and_prune_once(ctx: PlatformContext, session: Session, settings: Settings) -> None:
    w = f.world(session)
    now = utcnow()
    sensor = Sensor(site_id=w.site_a1.id, key="fr-1", name="冷藏", kind="fridge")
    session.add(sensor)
    session.flush()
    old = now - timedelta(days=settings.sensor_retention_days + 1)
    session.add_all([SensorReading(sensor_id=sensor.id, at=old, value=float(i)) for i in range(50)])
    session.add(SensorReading(sensor_id=sensor.id, at=now, value=99.0))
    session.commit()
    alerts = [f.alert(session, w.site_a1, w.cameras["A1"], state="new", created_at=now) for _ in range(ALERTS)]
    with http_receiver() as receiver:
        f.channel(session, "webhook", f"{receiver.url}/hook", region=w.district_a)
        local = settings.model_copy(update={"notify_allow_http": True, "notify_allow_networks": ["127.0.0.0/8"],
                                            "bulletin_region_kinds": []})  # fmt: skip
        contexts = [PlatformContext.build(local) for _ in range(2)]
        try:
            reports = run_together(contexts, list(range(PASSES)))
        finally:
            for c in contexts:
                c.engine.dispose()
        assert all(r.errors == [] for r in reports), [r.errors for r in reports]
        assert sum(r.pushed for r in reports) == ALERTS  # each alert pushed by one of the two
        assert sum(r.delivery.sent for r in reports) == ALERTS
        delivered = [r.json()["alert"]["id"] for r in receiver.requests]
    assert sorted(delivered) == sorted(a.id for a in alerts)  # each sent once, none twice
    session.expire_all()
    states = session.scalars(select(Notification.state)).all()
    assert len(states) == ALERTS and set(states) == {"sent"}
    assert set(session.scalars(select(Alert.state))) == {"pushed"}
    assert session.scalars(select(SensorReading.value)).all() == [99.0]
    assert session.scalar(select(func.count()).select_from(SensorReading)) == 1
