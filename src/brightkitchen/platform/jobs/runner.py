"""``run_due_jobs(ctx, now)``: everything time-based, once; and the loop that calls it in the background."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import OperationalError

from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.ingest.retention import prune_old_detections
from brightkitchen.platform.jobs.records import run_record_jobs
from brightkitchen.platform.jobs.rollout import run_rollout_jobs
from brightkitchen.platform.jobs.steps import detect_offline, escalate_due, push_new
from brightkitchen.platform.notify.outbox import Delivery, deliver_due
from brightkitchen.platform.notify.pool import DeliveryPool
from brightkitchen.platform.sensors.jobs import prune_readings
from brightkitchen.platform.storage.reclaim import reclaim_due
from brightkitchen.platform.video.jobs import cleanup_video

log = logging.getLogger(__name__)
MAX_BACKOFF_S = 60.0


@dataclass
class JobReport:
    offline: int = 0
    pushed: int = 0
    escalated: int = 0
    delivery: Delivery = field(default_factory=Delivery)
    errors: list[str] = field(default_factory=list)


def run_due_jobs(ctx: PlatformContext, now: datetime | None = None, pool: DeliveryPool | None = None) -> JobReport:
    """One pass. A failing step is logged and reported; the others still run. With a pool, due messages are
    handed to it and the pass moves on; without, they are sent here, one after another."""
    now = now or utcnow()
    report = JobReport()

    def deliver() -> None:
        if pool is None:
            report.delivery = deliver_due(ctx, now)
        else:
            report.delivery.handed_over = pool.hand_over(now)

    steps: list[tuple[str, Callable[[], object]]] = [
        ("offline", lambda: setattr(report, "offline", detect_offline(ctx, now))),
        ("push", lambda: setattr(report, "pushed", push_new(ctx, now))),
        ("escalate", lambda: setattr(report, "escalated", escalate_due(ctx, now))),
        ("rollout", lambda: run_rollout_jobs(ctx, now)),
        ("records", lambda: run_record_jobs(ctx, now)),
        ("deliver", deliver),
        ("video", lambda: cleanup_video(ctx, now)),
        ("reclaim", lambda: reclaim_due(ctx, now)),
        ("sensors", lambda: prune_readings(ctx, now)),
        ("detections", lambda: prune_old_detections(ctx, now)),
    ]
    for name, step in steps:
        try:
            step()
        except OperationalError as exc:  # the database is away: one line, not a traceback per step per pass
            log.error("job step %s: database unavailable (%s)", name, str(exc.orig).splitlines()[0] if exc.orig else "")
            report.errors.append(f"{name}: {type(exc).__name__}")
        except Exception as exc:
            log.exception("job step %s failed", name)
            report.errors.append(f"{name}: {type(exc).__name__}: {exc}")
    return report


class JobLoop:
    """A daemon thread calling run_due_jobs every ``jobs_interval_s``; stopped (and joined) at shutdown."""

    def __init__(self, ctx: PlatformContext) -> None:
        self.ctx = ctx
        self._stop = threading.Event()
        self.pool = DeliveryPool(ctx)
        self._thread = threading.Thread(target=self._run, name="brightkitchen-jobs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
        self.pool.close()

    def _run(self) -> None:
        interval = base = self.ctx.settings.jobs_interval_s
        while not self._stop.wait(interval):
            try:
                failed = bool(run_due_jobs(self.ctx, pool=self.pool).errors)
            except Exception:
                log.exception("jobs loop pass failed")
                failed = True
            # While something keeps failing (the database is down, say), wait longer between passes: the log
            # gets a line every minute, not every 2 s, and the database is not hammered as it comes back.
            interval = min(interval * 2, max(base, MAX_BACKOFF_S)) if failed else base
