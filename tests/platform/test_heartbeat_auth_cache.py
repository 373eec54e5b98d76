"""Device keys cached per worker (device_api.key_cache): a heartbeat with a known key reads no database, a
revoked key stops working within the cache time, unknown keys are not taken for valid, and the cache is
bounded."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from brightkitchen.platform.app import create_app
from brightkitchen.platform.authz import Principal
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.device_api.key_cache import SWEEP_S, DeviceKeyCache
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.devices.service import issue_key, revoke
from tests import factories as f
from tests.support import device_headers

BODY = {"sent_at": datetime(2026, 11, 20, tzinfo=UTC).isoformat(), "software_version": "t", "cameras": []}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def gathering(ctx: PlatformContext, clock: Clock) -> Iterator[TestClient]:
    """An app that gathers heartbeats (written only at shutdown here) and caches keys for 10 s of ``clock``."""
    settings = ctx.settings.model_copy(update={"heartbeat_flush_s": 3600.0, "device_auth_cache_s": 10.0})
    app = create_app(ctx=replace(ctx, settings=settings))
    app.state.device_key_cache = DeviceKeyCache(10.0, clock=clock)
    with TestClient(app) as client:
        yield client


def queries(ctx: PlatformContext) -> Any:
    seen: list[str] = []
    event.listen(ctx.engine, "before_cursor_execute", lambda _c, _cur, sql, *_a: seen.append(sql))
    return seen


def post(client: TestClient, key: str) -> int:
    return client.post("/api/v1/device/heartbeats", json=BODY, headers=device_headers(key)).status_code


def test_a_heartbeat_with_a_cached_key_reads_no_database(
    ctx: PlatformContext, session: Session, gathering: TestClient
) -> None:
    key = f.world(session).device_keys["A1"]
    assert post(gathering, key) == 204  # checked against the database once
    seen = queries(ctx)
    assert [post(gathering, key) for _ in range(3)] == [204] * 3
    assert seen == []


def test_a_revoked_key_stops_working_within_the_cache_time(
    ctx: PlatformContext, session: Session, gathering: TestClient, clock: Clock
) -> None:
    w = f.world(session)
    key = w.device_keys["A1"]
    assert post(gathering, key) == 204
    device = session.get(Device, w.devices["A1"].id)
    assert device is not None
    device.revoked_at = utcnow()
    session.commit()
    clock.now += SWEEP_S - 1
    assert post(gathering, key) == 204  # still trusted in this worker until its next sweep (or the cache time)
    clock.now += 2
    assert post(gathering, key) == 401  # the heartbeat path sweeps too, long before device_auth_cache_s
    seen = queries(ctx)
    assert post(gathering, key) == 401  # refused a moment ago: no query either
    assert seen == []


def test_a_deleted_device_within_the_cache_time_is_skipped_by_the_write(
    ctx: PlatformContext, session: Session, gathering: TestClient
) -> None:
    w = f.world(session)
    device = w.devices["B1"]
    assert post(gathering, w.device_keys["B1"]) == 204
    gathering.app.state.heartbeats.flush()  # type: ignore[attr-defined]
    session.delete(session.get(Device, device.id))
    session.commit()
    assert post(gathering, w.device_keys["B1"]) == 204
    assert post(gathering, w.device_keys["A1"]) == 204
    assert gathering.app.state.heartbeats.flush() == 1  # type: ignore[attr-defined]


def test_the_device_configuration_always_asks_the_database(session: Session, gathering: TestClient) -> None:
    w = f.world(session)
    key = w.device_keys["A1"]
    assert post(gathering, key) == 204
    session.get(Device, w.devices["A1"].id).revoked_at = utcnow()  # type: ignore[union-attr]
    session.commit()
    assert gathering.get("/api/v1/device/config", headers=device_headers(key)).status_code == 401
    assert post(gathering, key) == 401  # that refusal also dropped the key from the cache


def test_unknown_keys_are_refused_and_remembered_only_briefly(
    ctx: PlatformContext, session: Session, gathering: TestClient, clock: Clock
) -> None:
    f.world(session)
    seen = queries(ctx)
    assert post(gathering, "bkd_not-a-key") == 401
    asked = len(seen)
    assert asked > 0
    assert post(gathering, "bkd_not-a-key") == 401
    assert len(seen) == asked  # remembered as refused
    clock.now += 3
    assert post(gathering, "bkd_not-a-key") == 401
    assert len(seen) > asked  # asked again
    assert post(gathering, "bku_a-person") == 401  # not a device key: never cached
    people = f.login(gathering, "reg_a")
    assert gathering.post("/api/v1/device/heartbeats", json=BODY, headers=people).status_code == 403


def test_no_cache_when_the_setting_is_zero(ctx: PlatformContext, session: Session) -> None:
    key = f.world(session).device_keys["A1"]
    settings = ctx.settings.model_copy(update={"heartbeat_flush_s": 3600.0, "device_auth_cache_s": 0.0})
    with TestClient(create_app(ctx=replace(ctx, settings=settings))) as client:
        assert post(client, key) == 204
        seen = queries(ctx)
        assert post(client, key) == 204
        assert seen != []


def test_the_cache_is_bounded() -> None:
    clock = Clock()
    cache = DeviceKeyCache(10.0, max_keys=2, max_refused=1, clock=clock)
    for n in range(3):
        cache.put(f"d{n}", Principal("device", n, None, None, None, 1))
    assert len(cache) == 2 and cache.get("d0") is None and cache.get("d2") is not None
    cache.refuse("x")
    cache.refuse("y")
    assert cache.get("x") is None and cache.get("y") is False
    clock.now += 11
    assert cache.get("d2") is None and cache.get("y") is None


def test_the_heartbeat_write_drops_a_revoked_or_replaced_key_from_the_cache(
    session: Session, gathering: TestClient
) -> None:
    w = f.world(session)
    for name in ("A1", "A2"):
        assert post(gathering, w.device_keys[name]) == 204
    session.get(Device, w.devices["A1"].id).revoked_at = utcnow()  # type: ignore[union-attr]
    issue_key(session.get(Device, w.devices["A2"].id))  # type: ignore[arg-type]
    session.commit()
    for name in ("A1", "A2"):
        assert post(gathering, w.device_keys[name]) == 204  # cached: taken, but not written
    assert gathering.app.state.heartbeats.flush() == 0  # type: ignore[attr-defined]
    for name in ("A1", "A2"):
        assert post(gathering, w.device_keys[name]) == 401  # long before device_auth_cache_s


def test_a_revoked_key_is_swept_from_the_cache_within_seconds(
    session: Session, gathering: TestClient, clock: Clock
) -> None:
    """A stolen key is revoked to stop a sender that may never send a heartbeat: the event upload's sweep
    drops it long before the cache time runs out."""
    w = f.world(session)
    key = w.device_keys["A1"]
    assert post(gathering, key) == 204
    session.get(Device, w.devices["A1"].id).revoked_at = utcnow()  # type: ignore[union-attr]
    session.commit()
    assert post(gathering, key) == 204  # cached, and no sweep due yet (one per SWEEP_S in a worker)
    clock.now += SWEEP_S + 0.1  # still well inside the 10 s cache time
    event = {"event": (None, b"{}", "application/json")}
    assert gathering.post("/api/v1/device/events", files=event, headers=device_headers(key)).status_code == 401
    assert post(gathering, key) == 401


def test_the_sweep_keeps_keys_that_are_still_their_devices_key(session: Session) -> None:
    """A fleet given its keys a moment ago (every device "re-keyed lately") must not be dropped at every sweep:
    a cached key that is still its device's key stays. One replaced or revoked after it was cached goes."""
    w = f.world(session)
    a1, a2 = (session.get(Device, w.devices[n].id) for n in ("A1", "A2"))
    assert a1 is not None and a2 is not None and a1.key_hash is not None and a2.key_hash is not None
    cache = DeviceKeyCache(300.0)
    cache.put(a1.key_hash, Principal("device", a1.id, None, None, None, a1.site_id))
    cache.put(a2.key_hash, Principal("device", a2.id, None, None, None, a2.site_id))
    assert cache.sweep(session, utcnow()) == []
    assert isinstance(cache.get(a1.key_hash), Principal) and isinstance(cache.get(a2.key_hash), Principal)

    old_a1, old_a2 = a1.key_hash, a2.key_hash
    issue_key(a1)  # replaced: the cached key is the old one
    revoke(a2)
    session.commit()
    assert sorted(cache.sweep(session, utcnow())) == sorted([a1.id, a2.id])
    assert cache.get(old_a1) is None and cache.get(old_a2) is None


def test_a_worker_loads_every_device_key_at_once(ctx: PlatformContext, session: Session, gathering: TestClient) -> None:
    """A restarted worker under a province's fleet must not read the database once per device: its first sweep
    loads every valid key in one query, so a device it has never seen reads nothing either."""
    w = f.world(session)
    assert post(gathering, w.device_keys["A1"]) == 204  # the first request sweeps, and loads the keys
    seen = queries(ctx)
    assert post(gathering, w.device_keys["A2"]) == 204
    assert seen == []


def test_loading_replaces_a_devices_old_key_and_skips_revoked_ones(session: Session) -> None:
    w = f.world(session)
    a1, a2 = (session.get(Device, w.devices[n].id) for n in ("A1", "A2"))
    assert a1 is not None and a2 is not None and a1.key_hash is not None and a2.key_hash is not None
    cache = DeviceKeyCache(300.0)
    old_a1, old_a2 = a1.key_hash, a2.key_hash
    cache.put(old_a1, Principal("device", a1.id, None, None, None, a1.site_id))
    issue_key(a1)
    revoke(a2)
    session.commit()
    assert cache.load(session) == len(w.devices) - 1
    assert cache.get(old_a1) is None  # replaced by its new key
    hit = cache.get(a1.key_hash)  # type: ignore[arg-type]
    assert isinstance(hit, Principal) and hit.id == a1.id and hit.site_id == a1.site_id and hit.kind == "device"
    assert cache.get(old_a2) is None
