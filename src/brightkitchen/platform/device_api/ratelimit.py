"""Per-device token buckets. Without ``redis_url`` each worker process keeps its own (``rate`` per second with
``burst``, so N processes allow up to N times that in all: enough to stop a runaway device). With it, one
bucket per device lives in Redis and every process and host takes from it, in one atomic script call."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Annotated, Protocol

import redis
from fastapi import Depends, Request

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.deps import DeviceDep
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.redis_client import connect
from brightkitchen.platform.settings import Settings

log = logging.getLogger(__name__)


class DeviceLimiter(Protocol):
    def take(self, key: int) -> float:
        """Takes a token: 0.0 if allowed, else the seconds until one is there."""
        ...


class TokenBuckets:
    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, float(burst), clock
        self._buckets: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: int) -> float:
        """Takes a token: 0.0 if allowed, else the seconds until one is there."""
        with self._lock:
            now = self.clock()
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate


# KEYS[1] the device's bucket; ARGV rate, burst. The time is Redis's own, so hosts with skewed clocks agree.
# The bucket is full again after burst/rate seconds, which is when the key expires: a missing key is a full bucket.
_TAKE_SCRIPT = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'n', 't')
local tokens, last = tonumber(state[1]), tonumber(state[2])
if tokens == nil or last == nil then tokens, last = burst, now end
tokens = math.min(burst, tokens + math.max(0, now - last) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'n', string.format('%.6f', tokens), 't', string.format('%.6f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return string.format('%.6f', wait)
"""

OUTAGE_RETRY_S = 5.0  # while Redis is unreachable, it is asked again this often (not on every request)
OUTAGE_LOG_S = 60.0  # and the outage is logged once per this


class RedisTokenBuckets:
    """One bucket per device shared by every process through Redis. When Redis cannot be reached the limiter
    fails open to this process's own buckets (the limit as without Redis), so devices are never refused for it."""

    def __init__(
        self,
        client: redis.Redis,
        rate: float,
        burst: int,
        prefix: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate, self.burst, self.prefix, self.clock = rate, burst, prefix, clock
        self._script = client.register_script(_TAKE_SCRIPT)
        self._fallback = TokenBuckets(rate, burst, clock)
        self._down_until = float("-inf")
        self._logged_at = float("-inf")

    def take(self, key: int) -> float:
        now = self.clock()
        if now < self._down_until:
            return self._fallback.take(key)
        try:
            wait = self._script(keys=[f"{self.prefix}{key}"], args=[self.rate, self.burst])
        except redis.RedisError as exc:
            self._down_until = now + OUTAGE_RETRY_S
            if now - self._logged_at >= OUTAGE_LOG_S:
                self._logged_at = now
                log.warning("device rate limit: Redis unreachable (%s); limiting per process meanwhile", exc)
            return self._fallback.take(key)
        return float(wait)


_create_lock = threading.Lock()


def make_limiter(settings: Settings) -> DeviceLimiter:
    if settings.redis_url:
        client, prefix = connect(settings.redis_url), f"{settings.redis_prefix}device-rate:"
        return RedisTokenBuckets(client, settings.device_rate_per_s, settings.device_rate_burst, prefix)
    return TokenBuckets(settings.device_rate_per_s, settings.device_rate_burst)


def limiter_for(request: Request) -> DeviceLimiter:
    state = request.app.state
    limiter: DeviceLimiter | None = getattr(state, "device_limiter", None)
    if limiter is None:
        with _create_lock:
            limiter = getattr(state, "device_limiter", None)
            if limiter is None:
                limiter = make_limiter(state.ctx.settings)
                state.device_limiter = limiter
    return limiter


def rate_limited_device(principal: DeviceDep, request: Request) -> Principal:
    """A dependency for device endpoints that are not on the hot path (the hot ones use device_api.auth)."""
    wait = limiter_for(request).take(principal.id)
    if wait > 0:
        raise Problem(
            429, "Too many requests", "this device is sending too fast; retry after the given delay",
            headers={"Retry-After": str(max(1, math.ceil(wait)))}, code="rate_limited",
        )  # fmt: skip
    return principal


LimitedDeviceDep = Annotated[Principal, Depends(rate_limited_device)]
