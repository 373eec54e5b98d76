"""Outbox and uploader against a real local HTTP receiver: delivery, duplicates, retry, refusal, quota."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from brightkitchen.edge.clock import SystemClock
from brightkitchen.edge.outbox import Outbox
from brightkitchen.edge.platform_client import PlatformClient
from brightkitchen.edge.uploader import Uploader, UploaderOptions, UploadState
from tests.edge.pipeline.conftest import wait_for
from tests.edge.pipeline.media_fixtures import REPO_ROOT
from tests.edge.pipeline.outbox_helpers import T0, add_event, open_outbox
from tests.edge.pipeline.receiver import KEY, Receiver, free_port

FAST = UploaderOptions(backoff_initial_s=0.05, backoff_max_s=0.3, auth_retry_s=60)


def uploader_for(outbox: Outbox, url: str, key: str = KEY, opts: UploaderOptions = FAST) -> Uploader:
    return Uploader(outbox, PlatformClient(url, key, timeout_s=5), opts, SystemClock())


def drain(up: Uploader, limit: int = 50) -> None:
    for _ in range(limit):
        if up.outbox.counts().pending == 0:
            return
        up.step()


def test_events_are_delivered_with_verified_evidence(tmp_path: Path, receiver: Receiver) -> None:
    outbox = open_outbox(tmp_path)
    ids = [f"evt-deliver-{i}" for i in range(3)]
    for i, eid in enumerate(ids):
        assert add_event(outbox, eid, T0 + i)
    up = uploader_for(outbox, receiver.url)
    drain(up)
    assert sorted(receiver.state.events) == ids  # the receiver checked sha256 and size of every part
    assert receiver.state.posts == ids  # oldest first, once each
    assert outbox.counts().delivered == 3 and up.status.delivered == 3


def test_a_retry_of_a_delivered_event_is_a_duplicate_not_a_second_alert(tmp_path: Path, receiver: Receiver) -> None:
    first, second = open_outbox(tmp_path / "a"), open_outbox(tmp_path / "b")
    add_event(first, "evt-dup-0001")
    add_event(second, "evt-dup-0001")  # as if the acknowledgement was lost and the edge sends again
    drain(uploader_for(first, receiver.url))
    up = uploader_for(second, receiver.url)
    drain(up)
    assert second.state_of("evt-dup-0001") == "delivered" and up.status.duplicates == 1
    assert len(receiver.state.events) == 1 and receiver.state.posts == ["evt-dup-0001"] * 2


def test_busy_platform_is_retried_after_retry_after(tmp_path: Path, receiver: Receiver) -> None:
    outbox = open_outbox(tmp_path)
    add_event(outbox, "evt-busy-0001")
    up = uploader_for(outbox, receiver.url)
    receiver.control["mode"] = "busy"
    pause = up.step()
    assert pause >= 1.0  # Retry-After: 1 beats the 0.05 s backoff
    assert up.status.state == UploadState.retrying and outbox.counts().pending == 1
    assert outbox.next_due(time.time()) is None  # not due before Retry-After
    receiver.control.clear()
    assert wait_for(lambda: outbox.next_due(time.time()) is not None, 3)
    up.step()
    assert outbox.state_of("evt-busy-0001") == "delivered"


def test_refused_key_stops_and_keeps_events(tmp_path: Path, receiver: Receiver) -> None:
    outbox = open_outbox(tmp_path)
    add_event(outbox, "evt-auth-0001")
    add_event(outbox, "evt-auth-0002", T0 + 1)
    up = uploader_for(outbox, receiver.url, key="wrong-key")
    assert up.step() == FAST.auth_retry_s
    assert up.status.state == UploadState.auth_failed and "401" in (up.status.last_error or "")
    assert outbox.counts().pending == 2 and outbox.next_due(time.time()) is None  # kept, and held back
    assert len(receiver.state.posts) == 0


def test_permanently_refused_event_is_dead_and_the_rest_go_on(tmp_path: Path, receiver: Receiver) -> None:
    outbox = open_outbox(tmp_path)
    add_event(outbox, "evt-dead-0001")
    add_event(outbox, "evt-live-0002", T0 + 1)
    up = uploader_for(outbox, receiver.url)
    receiver.control["mode"] = "reject"
    assert up.step() == 0.0
    receiver.control.clear()
    drain(up)
    assert outbox.state_of("evt-dead-0001") == "dead" and outbox.state_of("evt-live-0002") == "delivered"
    assert outbox.counts() == type(outbox.counts())(pending=0, delivered=1, dead=1)
    assert outbox.evidence_bytes() > 0  # the dead event's evidence is kept


def test_platform_down_for_a_while_then_everything_arrives(tmp_path: Path) -> None:
    receiver = Receiver(free_port())  # nothing listens yet: connection refused
    outbox = open_outbox(tmp_path)
    up = uploader_for(outbox, receiver.url)
    up.start()
    try:
        for i in range(5):
            add_event(outbox, f"evt-down-{i:04d}", T0 + i)
            up.wake()
        time.sleep(1.5)
        assert outbox.counts().pending == 5 and up.status.state == UploadState.retrying
        receiver.start()
        assert wait_for(lambda: outbox.counts().pending == 0, 10)
        assert sorted(receiver.state.events) == [f"evt-down-{i:04d}" for i in range(5)]
    finally:
        up.stop(5)
        receiver.stop()


def test_quota_evicts_only_delivered_evidence_oldest_first(tmp_path: Path, receiver: Receiver) -> None:
    outbox = open_outbox(tmp_path)
    for i in range(4):
        add_event(outbox, f"evt-quota-{i}", T0 + i)
    per_event = outbox.evidence_bytes() // 4
    up = uploader_for(outbox, receiver.url)
    up.step()
    up.step()  # the two oldest are delivered
    files = {p.name for p in outbox.root.rglob("*.*")}
    assert outbox.enforce_quota(per_event * 3) is False  # evicting the oldest delivered event is enough
    left = {p.name for p in outbox.root.rglob("*.*")}
    assert {f for f in files - left} == {"evt-quota-0.jpg", "evt-quota-0.mp4"}
    assert outbox.enforce_quota(per_event) is True  # only undelivered evidence left: kept, and reported
    assert {p.stem for p in outbox.root.rglob("*.*")} == {"evt-quota-2", "evt-quota-3"}


def test_sweep_removes_torn_and_unrecorded_files_only(tmp_path: Path) -> None:
    outbox = open_outbox(tmp_path)
    add_event(outbox, "evt-sweep-0001")
    day = next(outbox.root.iterdir())
    (day / "evt-x.mp4.tmp").write_bytes(b"torn")
    (day / "evt-never-stored.jpg").write_bytes(b"written before a crash, never committed")
    assert outbox.sweep_orphans() == 2
    assert sorted(p.name for p in day.iterdir()) == ["evt-sweep-0001.jpg", "evt-sweep-0001.mp4"]


@pytest.mark.slow
def test_kill_9_mid_upload_loses_nothing_and_doubles_nothing(tmp_path: Path, receiver: Receiver) -> None:
    n = 12
    receiver.control["delay_after_s"] = 0.15  # stored, not yet acknowledged: the window a crash hits
    cmd = [sys.executable, "-m", "tests.edge.pipeline.outbox_child", str(tmp_path), receiver.url, str(n)]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    kills = 0
    for stop_after in (3, 7):  # two crashes at different points, each while a request is in flight
        child = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE)
        assert wait_for(lambda k=stop_after: len(receiver.state.posts) >= k, 60, 0.01)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        kills += 1
    done = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]

    expected = {f"killtest-{i:04d}" for i in range(n)}
    assert set(receiver.state.events) == expected  # every event arrived
    assert len(receiver.state.events) == n  # and each is one alert at the platform
    duplicates = len(receiver.state.posts) - n
    assert 1 <= duplicates <= kills  # the request in flight at a crash was sent again, and deduplicated
    outbox = open_outbox(tmp_path)
    assert outbox.counts().delivered == n and outbox.counts().pending == 0
