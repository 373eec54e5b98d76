"""The light fleet (`brightkitchen simulate --light`) against a real server process: a few hundred devices for a
few seconds keep their pace with no failed request and the database proof passes; and that proof fails when a
heartbeat is made to be lost, a device offline, or a detection missing."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select, text, update

from brightkitchen.platform import migrate
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.settings import Settings
from brightkitchen.simulate.bulk import provision_bulk
from brightkitchen.simulate.light import LightPlan, run_light, small_snapshot
from brightkitchen.simulate.report import verify_heartbeats, verify_in_database
from tests.support.pg import throwaway_database

CLI = [sys.executable, "-m", "brightkitchen.cli"]


@pytest.fixture(scope="module")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of this module's own (PostgreSQL when BRIGHTKITCHEN_TEST_DATABASE_URL is set)."""
    pg = os.environ.get("BRIGHTKITCHEN_TEST_DATABASE_URL")
    if not pg:
        yield f"sqlite:///{tmp_path_factory.mktemp('simlight') / 'platform.sqlite3'}"
        return
    with throwaway_database(pg, "bk_simlight") as url:
        yield url


@pytest.fixture(scope="module")
def server(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("simlight-server")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIGHTKITCHEN_")}
    env.update(BRIGHTKITCHEN_DATABASE_URL=db_url, BRIGHTKITCHEN_DATA_DIR=str(home / "data"),
               BRIGHTKITCHEN_SECRET_KEY="simulate-light-test", BRIGHTKITCHEN_JOBS_ENABLED="false",
               BRIGHTKITCHEN_DEVICE_RATE_PER_S="1000", BRIGHTKITCHEN_DEVICE_RATE_BURST="1000")  # fmt: skip
    migrate.upgrade(Settings(database_url=db_url, data_dir=home / "data"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    proc = subprocess.Popen([*CLI, "serve", "--port", str(port), "--no-migrate"], env=env, cwd=home,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, "the server did not start"
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_light_run_fails_nothing_and_proves_no_loss(server: str, db_url: str, tmp_path: Path) -> None:
    sim = subprocess.run(
        [*CLI, "simulate", "--url", server, "--light", "--sites", "200", "--cameras-per-site", "2",
         "--duration", "4", "--heartbeat-interval", "2", "--events-per-site-per-hour", "180", "--duplicating", "0.3",
         "--connections", "16", "--database-url", db_url, "--progress-every", "2",
         "--min-pace", "0"],  # the pace depends on the machine; what must hold is no failure and the proof
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert sim.returncode == 0, sim.stdout + sim.stderr
    assert "no loss, no double" in sim.stdout
    sent = re.search(r"planned 400 \(100/s\), sent (\d+), acknowledged (\d+) .* failed 0", sim.stdout)
    assert sent and int(sent.group(1)) == int(sent.group(2)) > 200, sim.stdout
    assert "heartbeat check     last acknowledged heartbeat of 200 devices recorded" in sim.stdout
    assert int(re.search(r"created\s+(\d+)", sim.stdout).group(1)) > 5, sim.stdout  # type: ignore[union-attr]
    assert "late p99" in sim.stderr  # progress lines


def test_the_proof_fails_when_a_heartbeat_is_lost(server: str, db_url: str) -> None:
    fleet = provision_bulk(db_url, 120, 2)
    plan = LightPlan(duration_s=3.0, heartbeat_interval_s=1.5, events_per_site_per_hour=1200, connections=8)
    result = run_light(server, fleet, plan, small_snapshot())
    assert result.heartbeats_failed == 0 and result.events_failed == 0, result.errors
    time.sleep(3.0)  # the platform writes gathered heartbeats every heartbeat_flush_s (1 s)
    assert verify_heartbeats(db_url, result.last_ack, slack_s=2.0).ok
    events = verify_in_database(db_url, result.accepted_ids)
    assert events.ok and events.distinct_events > 10

    older, offline, never = fleet[3].device_id, fleet[40].device_id, fleet[77].device_id
    engine = create_engine(db_url)
    with engine.begin() as conn:
        # The device's recorded heartbeat becomes its previous one: the last was lost.
        at = conn.execute(select(Device.last_heartbeat_at).where(Device.id == older)).scalar_one()
        assert at is not None
        previous = at - timedelta(seconds=plan.heartbeat_interval_s)
        conn.execute(update(Device).where(Device.id == older).values(last_heartbeat_at=previous))
        conn.execute(text("UPDATE devices SET status = 'offline' WHERE id = :i"), {"i": offline})
        conn.execute(text("UPDATE devices SET last_heartbeat_at = NULL WHERE id = :i"), {"i": never})
        lost_event = sorted(result.accepted_ids)[0]
        conn.execute(text("DELETE FROM alert_detections WHERE event_id = :e"), {"e": lost_event})
    engine.dispose()

    proof = verify_heartbeats(db_url, result.last_ack, slack_s=2.0)
    assert not proof.ok
    assert {p.split(":")[0] for p in proof.problems} == {f"device {d}" for d in (older, offline, never)}
    assert any("last heartbeat lost" in p for p in proof.problems), proof.problems
    events = verify_in_database(db_url, result.accepted_ids)
    assert not events.ok and events.detections_in_platform == events.distinct_events - 1
