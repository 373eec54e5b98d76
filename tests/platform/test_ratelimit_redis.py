"""Device rate limits shared through a real Redis: limiters in different processes take from one bucket per
device, the wait they report is right, keys expire, and an unreachable Redis never refuses devices."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.device_api import ratelimit
from brightkitchen.platform.device_api.ratelimit import RedisTokenBuckets, TokenBuckets, make_limiter
from brightkitchen.platform.redis_client import connect
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests import support as s

REDIS_URL = os.environ.get("BRIGHTKITCHEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
DOWN_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own; its keys are removed afterwards."""
    client = connect(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({exc}); CI runs one")
    name = f"bk-test:{uuid.uuid4().hex[:10]}:"
    yield name
    keys = list(client.scan_iter(f"{name}*"))
    if keys:
        client.delete(*keys)
    client.close()


def limiter(prefix: str, rate: float, burst: int) -> RedisTokenBuckets:
    """Each call has its own connection pool, as each platform process has."""
    return RedisTokenBuckets(connect(REDIS_URL), rate, burst, prefix=prefix)


def test_two_limiters_share_one_budget_per_device(prefix: str) -> None:
    a, b = limiter(prefix, 0.01, 4), limiter(prefix, 0.01, 4)
    taken = [(a if i % 2 else b).take(7) for i in range(4)]
    assert taken == [0.0] * 4  # the burst, spent from both
    assert a.take(7) > 0 and b.take(7) > 0  # either one now refuses: one bucket, not two
    assert a.take(8) == 0.0  # another device has its own


def test_wait_is_the_time_until_the_next_token(prefix: str) -> None:
    a, b = limiter(prefix, 0.5, 2), limiter(prefix, 0.5, 2)
    assert a.take(1) == 0.0 and b.take(1) == 0.0
    wait = a.take(1)
    assert 1.9 < wait <= 2.0  # one token every 2 s
    assert 1.9 < b.take(1) <= 2.0  # a refused take costs nothing


def test_keys_expire_when_the_bucket_would_be_full(prefix: str) -> None:
    a = limiter(prefix, 10.0, 20)
    a.take(3)
    ttl_ms = connect(REDIS_URL).pttl(f"{prefix}3")
    assert 0 < ttl_ms <= 20 / 10.0 * 1000 + 1000


def test_retry_after_across_two_apps(settings: Settings, session: Session, prefix: str) -> None:
    """Two apps (two processes' worth of state) behind one Redis: the third heartbeat is refused by the other."""
    w = f.world(session)
    headers = s.device_headers(w.device_keys["A1"])
    beat = {"sent_at": datetime.now(UTC).isoformat(), "software_version": "1.0", "cameras": []}
    limits = {"device_rate_per_s": 0.05, "device_rate_burst": 2, "redis_url": REDIS_URL, "redis_prefix": prefix}
    contexts = [PlatformContext.build(settings.model_copy(update=limits)) for _ in range(2)]
    apps = [create_app(ctx=c) for c in contexts]
    try:
        with TestClient(apps[0]) as one, TestClient(apps[1]) as two:
            assert one.post("/api/v1/device/heartbeats", headers=headers, json=beat).status_code == 204
            assert two.post("/api/v1/device/heartbeats", headers=headers, json=beat).status_code == 204
            refused = one.post("/api/v1/device/heartbeats", headers=headers, json=beat)
            assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
            assert 15 <= int(refused.headers["Retry-After"]) <= 20  # 1 token in 20 s at 0.05/s, less time passed
            assert two.post("/api/v1/device/heartbeats", headers=headers, json=beat).status_code == 429
    finally:
        for c in contexts:
            c.engine.dispose()


def test_settings_choose_the_limiter(settings: Settings) -> None:
    assert isinstance(make_limiter(settings), TokenBuckets)
    shared = make_limiter(settings.model_copy(update={"redis_url": REDIS_URL, "redis_prefix": "bk-x:"}))
    assert isinstance(shared, RedisTokenBuckets) and shared.prefix == "bk-x:device-rate:"


def test_unreachable_redis_fails_open_to_per_process_limits(caplog: pytest.LogCaptureFixture) -> None:
    now = [1000.0]
    down = RedisTokenBuckets(connect(DOWN_URL), 1.0, 3, prefix="unused:", clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger=ratelimit.__name__):
        assert [down.take(1) for _ in range(3)] == [0.0, 0.0, 0.0]  # allowed, not refused
        assert down.take(1) > 0  # a runaway device is still held, by this process alone
        assert down.take(2) == 0.0
        now[0] += ratelimit.OUTAGE_RETRY_S + 0.1  # Redis is tried again, still down
        assert down.take(3) == 0.0
    outage = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
    assert len(outage) == 1  # logged once per interval, not per request
