"""Heartbeats gathered per worker and written together (health.coalesce): one write for many reports, the
latest wins, faults are neither lost nor doubled, two writers do not double-credit online hours, a stopping
worker writes what it holds, and a database that is down costs no report and no crash."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.app import create_app
from brightkitchen.platform.authz import Principal
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.health.coalesce import HeartbeatBuffer
from brightkitchen.platform.health.models import OnlineHour
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.video.models import CameraRecording
from brightkitchen.protocol.v1 import Heartbeat, RecordingHealth
from tests import factories as f
from tests.support import device_headers

T0 = datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC)
DEAD_URL = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=1"


def beat(version: str = "v1", **cameras: str) -> Heartbeat:
    return Heartbeat.model_validate({
        "sent_at": T0.isoformat(), "software_version": version,
        "cameras": [{"camera_key": k, "status": s, "fps": 10.0} for k, s in cameras.items()],
    })  # fmt: skip


def principal(device: Device) -> Principal:
    return Principal("device", device.id, None, None, None, device.site_id)


@contextmanager
def statements(ctx: PlatformContext) -> Iterator[list[tuple[str, int]]]:
    """The SQL run on the engine meanwhile, with how many parameter sets each had."""
    seen: list[tuple[str, int]] = []

    def record(_conn: Any, _cur: Any, sql: str, params: Any, _ctx: Any, many: bool) -> None:
        seen.append((sql, len(params) if many else 1))

    event.listen(ctx.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(ctx.engine, "before_cursor_execute", record)


def faults(session: Session) -> list[Alert]:
    session.expire_all()
    return list(session.scalars(select(Alert).where(Alert.code == "camera_fault")))


def credited(session: Session, device: Device) -> int:
    total = session.scalar(select(func.sum(OnlineHour.seconds)).where(OnlineHour.device_id == device.id))
    return int(total or 0)


def test_many_heartbeats_make_one_write_and_the_latest_wins(ctx: PlatformContext, session: Session) -> None:
    w = f.world(session)
    device, cam = w.devices["A1"], w.cameras["A1"].key
    buffer = HeartbeatBuffer(ctx, 3600)
    for i in range(5):
        buffer.add(principal(device), beat(f"v{i}", **{cam: "online"}), T0 + timedelta(seconds=i))
    buffer.add(principal(w.devices["B1"]), beat("b", **{w.cameras["B1"].key: "online"}), T0)
    assert len(buffer) == 2
    with statements(ctx) as seen:
        assert buffer.flush() == 2
    buffer.stop()
    device_writes = [(sql, n) for sql, n in seen if sql.startswith("UPDATE devices SET") and "last_heartbeat_at" in sql]
    assert [n for _, n in device_writes] == [2]  # one statement for both devices, one row each
    session.expire_all()
    stored = session.get(Device, device.id)
    assert stored is not None
    assert (stored.software_version, stored.last_heartbeat_at, stored.status) == ("v4", T0 + timedelta(seconds=4),
                                                                                   "online")  # fmt: skip
    assert len(buffer) == 0 and buffer.flush() == 0


def test_unchanged_cameras_are_not_rewritten_until_stale(ctx: PlatformContext, session: Session) -> None:
    w = f.world(session)
    device, cam = w.devices["A1"], w.cameras["A1"].key
    buffer = HeartbeatBuffer(ctx, 3600)
    written = []
    for gap in (0, 30, 60):  # stale after half the offline cutoff (45 s by default)
        buffer.add(principal(device), beat(**{cam: "online"}), T0 + timedelta(seconds=gap))
        with statements(ctx) as seen:
            buffer.flush()
        written.append(sum(n for sql, n in seen if sql.startswith("UPDATE cameras")))
    assert written == [1, 0, 1]


def test_a_camera_that_fails_and_recovers_between_writes_raises_and_clears_once(
    ctx: PlatformContext, session: Session
) -> None:
    w = f.world(session)
    device, cam = w.devices["A1"], w.cameras["A1"].key
    buffer = HeartbeatBuffer(ctx, 3600)
    for i, status in enumerate(["online", "online", "offline", "offline", "online"]):
        buffer.add(principal(device), beat(**{cam: status}), T0 + timedelta(seconds=i))
    buffer.flush()
    found = faults(session)
    assert len(found) == 1 and found[0].open_fault_key is None  # raised, then cleared
    buffer.add(principal(device), beat(**{cam: "no_frames"}), T0 + timedelta(seconds=10))
    buffer.add(principal(device), beat(**{cam: "offline"}), T0 + timedelta(seconds=11))
    buffer.flush()
    buffer.stop()
    found = faults(session)
    assert len(found) == 2 and sum(a.open_fault_key is not None for a in found) == 1


def test_a_stopping_worker_writes_what_it_gathered(ctx: PlatformContext, session: Session) -> None:
    w = f.world(session)
    gathering = replace(ctx, settings=ctx.settings.model_copy(update={"heartbeat_flush_s": 3600.0}))
    body = {"sent_at": T0.isoformat(), "software_version": "late", "cameras": []}
    with TestClient(create_app(ctx=gathering)) as client:
        resp = client.post("/api/v1/device/heartbeats", json=body, headers=device_headers(w.device_keys["A1"]))
        assert resp.status_code == 204
        session.expire_all()
        assert session.get(Device, w.devices["A1"].id).software_version != "late"  # type: ignore[union-attr]
    session.expire_all()
    assert session.get(Device, w.devices["A1"].id).software_version == "late"  # type: ignore[union-attr]


def test_a_database_that_is_down_keeps_the_heartbeats_and_the_write_is_retried(
    ctx: PlatformContext, session: Session
) -> None:
    w = f.world(session)
    device, cam = w.devices["A1"], w.cameras["A1"].key
    dead = PlatformContext.build(ctx.settings.model_copy(update={"database_url": DEAD_URL}))
    buffer = HeartbeatBuffer(dead, 0.02, max_devices=2)
    buffer.add(principal(device), beat("first", **{cam: "online"}), T0)
    deadline = time.monotonic() + 10
    while buffer.failed_writes < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert buffer.failed_writes >= 3 and buffer._thread is not None and buffer._thread.is_alive()
    buffer.add(principal(device), beat("second", **{cam: "offline"}), T0 + timedelta(seconds=1))
    buffer.add(principal(w.devices["A2"]), beat("a2"), T0)
    with pytest.raises(Problem) as refused:  # bounded: a third device waits for the database
        buffer.add(principal(w.devices["B1"]), beat("b1"), T0)
    assert refused.value.status == 503
    buffer._stopping.set()
    buffer._thread.join()
    buffer.flush()  # still down: kept, in order
    assert len(buffer) == 2
    buffer.ctx = ctx  # the database is back
    assert buffer.flush() == 2
    session.expire_all()
    stored = session.get(Device, device.id)
    assert stored is not None and stored.software_version == "second"
    assert len(faults(session)) == 1  # the camera's failure in the kept report was not lost
    dead.engine.dispose()


@pytest.mark.postgres
def test_two_writers_of_one_device_credit_once_and_raise_one_fault(
    ctx: PlatformContext, session: Session, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("needs PostgreSQL: two writers racing on row locks")
    w = f.world(session)
    device = w.devices["A1"]
    second = f.camera(session, w.site_a1, "cam-a1-2")
    device.status, device.last_heartbeat_at = "online", T0
    session.commit()
    one, two = PlatformContext.build(ctx.settings), PlatformContext.build(ctx.settings)
    try:
        at = T0
        for round_no in range(4):
            # Each worker got one of the device's heartbeats: the camera that works keeps it watched, the
            # other fails (round 0) and recovers (round 2) in both reports at once.
            down = "offline" if round_no < 2 else "online"
            buffers = [HeartbeatBuffer(c, 3600) for c in (one, two)]
            for n, buffer in enumerate(buffers):
                cams = {w.cameras["A1"].key: "online", second.key: down}
                buffer.add(principal(device), beat(f"r{round_no}", **cams), at + timedelta(seconds=30 + n))
            start = threading.Barrier(2)

            def write(buffer: HeartbeatBuffer, start: threading.Barrier = start) -> None:
                start.wait()
                buffer.flush()

            threads = [threading.Thread(target=write, args=(b,)) for b in buffers]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            at += timedelta(seconds=31)
        session.expire_all()
        assert credited(session, device) == 4 * 31  # not 30 + 31 per round
        stored = session.get(Device, device.id)
        assert stored is not None and stored.last_heartbeat_at == at
        found = [a for a in faults(session) if a.camera_id == second.id]
        assert len(found) == 1 and found[0].open_fault_key is None
    finally:
        one.engine.dispose()
        two.engine.dispose()


def test_recording_health_is_written_for_the_whole_batch_from_the_latest_report(
    ctx: PlatformContext, session: Session
) -> None:
    w = f.world(session)
    buffer = HeartbeatBuffer(ctx, 3600)
    for name, days in (("A1", 1.0), ("A1", 2.5), ("B1", 7.0)):
        rec = RecordingHealth(status="recording", days_kept=days, bytes=1000, video_codec="h264")
        hb = beat(**{w.cameras[name].key: "online"})
        hb = hb.model_copy(update={"cameras": [hb.cameras[0].model_copy(update={"recording": rec})]})
        buffer.add(principal(w.devices[name]), hb, T0 + timedelta(seconds=days))
    assert buffer.flush() == 2
    buffer.stop()
    rows = {r.camera_id: r for r in session.scalars(select(CameraRecording))}
    assert {w.cameras[n].id: rows[w.cameras[n].id].days_kept for n in ("A1", "B1")} == {
        w.cameras["A1"].id: 2.5, w.cameras["B1"].id: 7.0,
    }  # fmt: skip
    assert rows[w.cameras["A1"].id].reported_at == T0 + timedelta(seconds=2.5)
