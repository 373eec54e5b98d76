"""Deliveries off the jobs loop: the loop claims as many due messages as there are free workers and moves
on; a small thread pool sends them, each within its total deadline. A slow receiver holds one worker for at
most that deadline, never the loop, so another district's alert is still pushed on time."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.notify.outbox import Claimed, claim, deliver_one

log = logging.getLogger(__name__)


class DeliveryPool:
    def __init__(self, ctx: PlatformContext, workers: int | None = None) -> None:
        self.ctx = ctx
        self.workers = workers or ctx.settings.notify_workers
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="brightkitchen-notify")
        self._lock = threading.Lock()
        self._in_flight = 0

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    def hand_over(self, now: datetime) -> int:
        """Claims up to the number of free workers and queues them; returns at once with how many."""
        free = self.workers - self.in_flight
        if free <= 0:
            return 0  # every worker is busy: the rows stay pending for the next pass
        jobs = claim(self.ctx, now, free)
        with self._lock:
            self._in_flight += len(jobs)
        for job in jobs:
            self._executor.submit(self._deliver, job, now)
        return len(jobs)

    def _deliver(self, job: Claimed, now: datetime) -> None:
        try:
            deliver_one(self.ctx, job, now)
        except Exception:
            # The claim's lease brings the row back later; the worker stays alive for the next one.
            log.exception("notification %s: delivery failed unexpectedly", job.id)
        finally:
            with self._lock:
                self._in_flight -= 1

    def close(self) -> None:
        """Waits for sends in flight (each ends by its deadline); nothing queued is left (claims are per worker)."""
        self._executor.shutdown(wait=True, cancel_futures=True)
