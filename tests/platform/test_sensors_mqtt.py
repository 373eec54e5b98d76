"""Readings over a real MQTT broker (Mosquitto on 127.0.0.1:1883, or BRIGHTKITCHEN_TEST_MQTT_URL): a freezer
too warm for longer than its rule becomes ONE alert and clears on recovery; bad messages are counted, never
fatal; subscribers in one shared group store each reading once; `serve` and `sensors listen` subscribe."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.sensors.models import Sensor, SensorReading
from brightkitchen.platform.sensors.mqtt import SensorListener, parse_broker
from tests import factories as f
from tests import support as s

BROKER = os.environ.get("BRIGHTKITCHEN_TEST_MQTT_URL", "mqtt://127.0.0.1:1883")


def _reachable() -> bool:
    b = parse_broker(BROKER)
    try:
        with socket.create_connection((b.host, b.port), timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _reachable(), reason=f"no MQTT broker reachable at {BROKER}")


@pytest.fixture
def publisher() -> Iterator[Callable[[str, bytes], None]]:
    b = parse_broker(BROKER)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"test-pub-{uuid.uuid4().hex[:8]}")
    client.connect(b.host, b.port)
    client.loop_start()

    def publish(topic: str, payload: bytes) -> None:
        client.publish(topic, payload, qos=1).wait_for_publish(5)

    yield publish
    client.disconnect()
    client.loop_stop()


@pytest.fixture
def group() -> str:
    # A group of its own: another platform or test run on the same broker never takes these messages.
    return f"test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def listener(ctx: PlatformContext, group: str) -> Iterator[SensorListener]:
    sub = SensorListener(ctx, BROKER, group=group)
    sub.start()
    assert sub.connected.wait(10), "the listener did not subscribe"
    yield sub
    sub.stop()


def wait_for(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def freezer(session: Session, site_id: int, key: str = "fz-1", duration_s: int = 1) -> Sensor:
    sensor = Sensor(site_id=site_id, key=key, name="冷冻柜", kind="freezer", unit="°C", rule_op="above",
                    rule_threshold=-12.0, rule_duration_s=duration_s)  # fmt: skip
    session.add(sensor)
    session.commit()
    return sensor


def breach_alerts(session: Session) -> list[Alert]:
    session.expire_all()
    return list(session.scalars(select(Alert).where(Alert.code == "cold_chain_temperature").order_by(Alert.id)))


def test_warm_freezer_over_mqtt_is_one_alert_and_clears(
    session: Session, listener: SensorListener, publisher: Callable[[str, bytes], None]
) -> None:
    w = f.world(session)
    sensor = freezer(session, w.site_a1.id, duration_s=1)
    topic = "brightkitchen/A1/sensors/fz-1"
    sent = 0
    # -5 °C every 0.2 s for ~2 s: well past the (shortened) 1 s rule, ten messages.
    for _ in range(10):
        publisher(topic, b'{"value": -5}')
        sent += 1
        time.sleep(0.2)
    wait_for(lambda: listener.counts["stored"] == sent)
    raised = breach_alerts(session)
    assert len(raised) == 1, "one alert per breach, not one per message"
    assert raised[0].state == "new" and raised[0].site_id == w.site_a1.id
    session.refresh(sensor)
    assert sensor.breach is True and sensor.last_value == -5.0
    publisher(topic, b'{"value": -20.5}')
    wait_for(lambda: listener.counts["stored"] == sent + 1)
    cleared = breach_alerts(session)
    assert [a.state for a in cleared] == ["closed"]
    session.refresh(sensor)
    assert sensor.breach is False and sensor.last_value == -20.5


def test_short_breach_over_mqtt_raises_nothing(
    session: Session, listener: SensorListener, publisher: Callable[[str, bytes], None]
) -> None:
    w = f.world(session)
    freezer(session, w.site_a1.id, duration_s=30)
    for value in (b"-5", b"-4", b"-18"):
        publisher("brightkitchen/A1/sensors/fz-1", b'{"value": ' + value + b"}")
    wait_for(lambda: listener.counts["stored"] == 3)
    assert breach_alerts(session) == []


def test_bad_messages_are_counted_and_the_listener_keeps_going(
    session: Session, listener: SensorListener, publisher: Callable[[str, bytes], None]
) -> None:
    w = f.world(session)
    freezer(session, w.site_a1.id)
    freezer(session, w.site_b1.id, key="fz-b")
    bad = [
        ("brightkitchen/A1/sensors/nope", b'{"value": 1}', "unknown_sensor"),
        ("brightkitchen/ZZ/sensors/fz-1", b'{"value": 1}', "unknown_sensor"),
        ("brightkitchen/A1/sensors/fz-b", b'{"value": 1}', "unknown_sensor"),  # B1's key under A1's code
        ("brightkitchen/A1/sensors/fz-1", b"not json", "malformed"),
        ("brightkitchen/A1/sensors/fz-1", b'{"value": true}', "malformed"),
        ("brightkitchen/A1/sensors/fz-1", b'{"value": "cold"}', "malformed"),
        ("brightkitchen/A1/sensors/fz-1", b'{"temp": 1}', "malformed"),
        ("brightkitchen/A1/sensors/fz-1", b'{"value": 1, "at": "yesterday"}', "malformed"),
        ("brightkitchen/A1/sensors/fz-1", b'{"value": 1, "at": "2999-01-01T00:00:00Z"}', "malformed"),
        ("brightkitchen/A1/sensors/fz-1", b"\xff\xfe", "malformed"),
        ("brightkitchen/A1/sensors/fz-1", b"[1, 2]", "malformed"),
        ("brightkitchen/A1/sensors/fz-1", b'{"value": 1e300}', "malformed"),
    ]
    for topic, payload, _ in bad:
        publisher(topic, payload)
    publisher("brightkitchen/A1/sensors/fz-1", b'{"value": -19.5, "at": "2026-11-29T08:00:00+08:00"}')
    wait_for(lambda: listener.counts["stored"] == 1)
    assert listener.counts["unknown_sensor"] == 3 and listener.counts["malformed"] == 9
    session.expire_all()
    assert session.scalars(select(SensorReading.value)).all() == [-19.5]
    # Topics outside the layout never reach the subscription; handed over directly they are counted too.
    assert listener.handle("brightkitchen/A1/other/fz-1", b'{"value": 1}') == "unknown_topic"


def test_one_shared_group_stores_each_reading_once_and_raises_one_alert(
    session: Session, ctx: PlatformContext, group: str, publisher: Callable[[str, bytes], None]
) -> None:
    w = f.world(session)
    freezer(session, w.site_a1.id, duration_s=5)
    workers = [SensorListener(ctx, BROKER, group=group) for _ in range(3)]
    for sub in workers:
        sub.start()
    t0 = datetime.now(UTC) - timedelta(minutes=2)
    try:
        assert all(sub.connected.wait(10) for sub in workers)
        # 30 s of -5 °C, one reading a second, handled by three subscribers at once.
        for i in range(30):
            doc = {"value": -5 - i / 100, "at": (t0 + timedelta(seconds=i)).isoformat()}
            publisher("brightkitchen/A1/sensors/fz-1", json.dumps(doc).encode())
        wait_for(lambda: sum(sub.counts["stored"] for sub in workers) >= 30)
        time.sleep(0.5)  # a duplicate would arrive meanwhile
    finally:
        for sub in workers:
            sub.stop()
    assert sum(sub.counts["stored"] for sub in workers) == 30
    assert sum(1 for sub in workers if sub.counts["stored"]) >= 2, "the broker shares the messages out"
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(SensorReading)) == 30
    assert len(breach_alerts(session)) == 1


def test_serve_subscribes_when_mqtt_url_is_set(
    migrated_url: str, tmp_path: Path, group: str, publisher: Callable[[str, bytes], None]
) -> None:
    settings = s.make_settings(migrated_url, tmp_path, mqtt_url=BROKER, mqtt_share_group=group)
    ctx = PlatformContext.build(settings)
    try:
        with ctx.sessions() as session:
            w = f.world(session)
            sensor_id = freezer(session, w.site_a1.id, duration_s=3600).id
            headers = f.bearer(session, "sa_a1")
        with TestClient(create_app(ctx=ctx)) as client:

            def seen() -> bool:
                publisher("brightkitchen/A1/sensors/fz-1", b'{"value": -21}')
                return client.get(f"/api/v1/sensors/{sensor_id}", headers=headers).json()["last_value"] == -21.0

            wait_for(seen, 15)
    finally:
        from tests.conftest import _empty_all_tables

        _empty_all_tables(ctx)
        ctx.engine.dispose()


def test_cli_listen_stores_readings(
    migrated_url: str, tmp_path: Path, session: Session, group: str, publisher: Callable[[str, bytes], None]
) -> None:
    w = f.world(session)
    sensor = freezer(session, w.site_a1.id, duration_s=3600)
    env = {**os.environ, "BRIGHTKITCHEN_DATABASE_URL": migrated_url, "BRIGHTKITCHEN_DATA_DIR": str(tmp_path),
           "BRIGHTKITCHEN_MQTT_SHARE_GROUP": group}  # fmt: skip
    cli = [sys.executable, "-m", "brightkitchen.cli", "sensors", "listen", "--broker", BROKER]
    proc = subprocess.Popen(cli, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:

        def stored() -> bool:
            publisher("brightkitchen/A1/sensors/fz-1", b'{"value": -22}')
            session.expire_all()
            return session.scalar(select(Sensor.last_value).where(Sensor.id == sensor.id)) == -22.0

        wait_for(stored, 20)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "listening on" in out and "stored" in out
    bad = subprocess.run([*cli[:-1], "ftp://x"], env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "mqtt://" in bad.stderr
