"""A receiver that drips one byte a second forever holds neither the jobs loop nor another district's alert:
the real background loop pushes district B's alert within seconds, and the dripping delivery is cut off at
its total deadline and recorded as a timeout."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.jobs.runner import JobLoop
from brightkitchen.platform.notify.models import Notification
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests.platform.notify.receivers import dripping_receiver, http_receiver

DEADLINE_S = 2.0


def wait_for(check: Callable[[], bool], within_s: float) -> float:
    """Seconds until check() held; fails the test when it never does."""
    start = time.monotonic()
    while time.monotonic() - start < within_s:
        if check():
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"not within {within_s} s")


def test_dripping_receiver_does_not_stall_other_districts(settings: Settings, session: Session) -> None:
    loop_ctx = PlatformContext.build(
        settings.model_copy(
            update={
                "jobs_interval_s": 0.1,
                "notify_timeout_s": DEADLINE_S,
                "notify_max_attempts": 1,
                "notify_workers": 2,
            }
        )
    )
    loop = JobLoop(loop_ctx)
    w = f.world(session)
    with dripping_receiver() as drip, http_receiver() as peer:
        f.channel(session, "webhook", f"{drip.url}/slow", region=w.district_a)
        f.channel(session, "webhook", f"{peer.url}/b", region=w.district_b)
        slow = f.alert(session, w.site_a1, w.cameras["A1"], state="new")
        loop.start()
        try:
            started = time.monotonic()
            assert drip.connected.wait(5), "the dripping receiver was never called"
            other = f.alert(session, w.site_b1, w.cameras["B1"], state="new")
            # District B is told within a few seconds, while A's receiver is still dripping.
            wait_for(lambda: len(peer.requests) == 1, within_s=3.0)
            assert time.monotonic() - started < DEADLINE_S + 1.0
            session.expire_all()
            assert session.get(Alert, other.id).state == "pushed"  # type: ignore[union-attr]
            assert session.get(Alert, slow.id).state == "pushed"  # type: ignore[union-attr]

            def slow_done() -> bool:
                session.expire_all()
                row = session.scalars(select(Notification).where(Notification.alert_id == slow.id)).one()
                return row.state == "failed"

            # Cut off at the total deadline, although a byte arrives every second.
            wait_for(slow_done, within_s=DEADLINE_S + 3.0)
            assert time.monotonic() - started < DEADLINE_S + 3.0
            row = session.scalars(select(Notification).where(Notification.alert_id == slow.id)).one()
            assert (row.state, row.last_error, row.attempts) == ("failed", "timeout", 1)
            assert peer.requests[0].json()["alert"]["id"] == other.id
        finally:
            loop.stop(timeout=10)
            loop_ctx.engine.dispose()
    assert loop.pool.in_flight == 0
