"""Time for the edge, injected everywhere so rules and tests never read the system clock themselves."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Wall-clock time, epoch seconds: what events and evidence are stamped with."""
        ...

    def monotonic(self) -> float:
        """Monotonic seconds: for timeouts, rates and latencies."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


def to_datetime(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)
