"""Per-device token buckets, in process: each worker process allows ``rate`` per second with ``burst``,
so N workers allow up to N times that in all (enough to stop a runaway device, which is the point)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.deps import DeviceDep
from brightkitchen.platform.problems import Problem


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


_create_lock = threading.Lock()


def limiter_for(request: Request) -> TokenBuckets:
    state = request.app.state
    limiter: TokenBuckets | None = getattr(state, "device_limiter", None)
    if limiter is None:
        with _create_lock:
            limiter = getattr(state, "device_limiter", None)
            if limiter is None:
                settings = state.ctx.settings
                limiter = TokenBuckets(settings.device_rate_per_s, settings.device_rate_burst)
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
