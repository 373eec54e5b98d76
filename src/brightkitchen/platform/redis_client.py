"""One Redis connection pool per process, for what several platform processes and hosts share (the device
rate limits). Timeouts are short: a request must never wait long on Redis, and callers fail open."""

from __future__ import annotations

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

CONNECT_TIMEOUT_S = 0.5
COMMAND_TIMEOUT_S = 0.5


def connect(url: str) -> redis.Redis:
    """A client for ``url`` (redis://host:6379/0, rediss:// for TLS); it connects on first use."""
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=CONNECT_TIMEOUT_S,
        socket_timeout=COMMAND_TIMEOUT_S,
        health_check_interval=30,  # a pooled connection idle this long is checked before reuse
        retry=Retry(NoBackoff(), 1),  # once, for a pooled connection the server closed; no back-off sleeps
    )
