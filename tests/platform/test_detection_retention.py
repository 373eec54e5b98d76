"""Retention of raw detections: old rows go, oldest first and a bounded batch per pass; young rows, rows an
alert's kept evidence came with, rows of open alerts and a pending run that could still grow stay."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert, AlertDetection, AlertEvidence, AlertState, EpisodePolicy
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.ingest.retention import Walk, prune_detections, prune_old_detections
from brightkitchen.platform.jobs.runner import run_due_jobs
from brightkitchen.platform.settings import Settings
from tests import factories as f

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _detections(session: Session, w: f.World, n: int, received: datetime, alert: Alert | None = None,
                ended: datetime | None = None) -> list[int]:  # fmt: skip
    cam = w.cameras["A1"]
    rows = []
    for i in range(n):
        at = received + timedelta(microseconds=i)
        rows.append(AlertDetection(
            event_id=f"ev-{uuid.uuid4().hex}", site_id=w.site_a1.id, camera_id=cam.id,
            alert_id=alert.id if alert else None, code="no_mask", started_at=ended or at, ended_at=ended or at,
            score=0.5, outcome="joined" if alert else "below_min", received_at=at,
        ))  # fmt: skip
    session.add_all(rows)
    session.commit()
    return [r.id for r in rows]


def _left(session: Session, ids: list[int]) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).where(AlertDetection.id.in_(ids))) or 0)


def test_old_rows_go_and_the_kept_ones_stay(session: Session, settings: Settings) -> None:
    w = f.world(session)
    old = NOW - timedelta(days=200)
    closed = f.alert(session, w.site_a1, w.cameras["A1"], state=AlertState.closed, created_at=old)
    still_open = f.alert(session, w.site_a1, w.cameras["A1"], state=AlertState.pushed, created_at=old)
    gone = _detections(session, w, 30, old, closed) + _detections(session, w, 5, old)  # joined, and below_min
    young = _detections(session, w, 4, NOW - timedelta(days=100), closed)
    of_open = _detections(session, w, 3, old, still_open)
    with_file = _detections(session, w, 1, old, closed)
    session.add(AlertEvidence(alert_id=closed.id, detection_id=with_file[0], kind="snapshot",
                              storage_key=f"{w.site_a1.id}/2025/11/13/{uuid.uuid4().hex}.jpg", sha256="0" * 64,
                              size=1, content_type="image/jpeg"))  # fmt: skip
    session.commit()

    walk = Walk()
    assert prune_detections(session, settings, NOW, walk, batch=1000) == 35
    assert _left(session, gone) == 0
    assert _left(session, young) == 4 and _left(session, of_open) == 3 and _left(session, with_file) == 1
    assert session.get(Alert, closed.id) is not None  # alerts are the record
    assert prune_detections(session, settings, NOW, walk, batch=1000) == 0  # nothing more, and no error

    # Once the open alert is closed, the next walk from the oldest (a day later) takes its detections.
    session.get(Alert, still_open.id).state = AlertState.closed  # type: ignore[union-attr]
    session.commit()
    assert prune_detections(session, settings, NOW + timedelta(days=2), walk, batch=1000) == 3
    assert _left(session, with_file) == 1 and _left(session, young) == 4


def test_the_batch_bound_holds_and_the_walk_resumes(session: Session, settings: Settings) -> None:
    w = f.world(session)
    closed = f.alert(session, w.site_a1, w.cameras["A1"], state=AlertState.closed, created_at=NOW)
    first = _detections(session, w, 25, NOW - timedelta(days=400), closed)
    later = _detections(session, w, 25, NOW - timedelta(days=190), closed)  # another 30-day window
    walk = Walk()
    counts = [prune_detections(session, settings, NOW, walk, batch=20) for _ in range(4)]
    assert counts == [20, 20, 10, 0]
    assert _left(session, first) == 0 and _left(session, later) == 0
    assert walk.since == NOW - timedelta(days=180)


def test_a_pending_run_within_the_gap_stays(session: Session, settings: Settings) -> None:
    """A below-minimum detection received long ago but ending within the (policy's long) gap could still be
    chained onto: it stays; one that ended before the gap goes."""
    w = f.world(session)
    session.add(EpisodePolicy(region_id=w.city.id, code="*", min_duration_s=0, gap_s=300 * 86400))
    session.commit()
    pending = _detections(session, w, 2, NOW - timedelta(days=200), ended=NOW - timedelta(days=250))
    quiet = _detections(session, w, 2, NOW - timedelta(days=400), ended=NOW - timedelta(days=400))
    assert prune_detections(session, settings, NOW, Walk()) == 2
    assert _left(session, pending) == 2 and _left(session, quiet) == 0


def test_zero_days_keeps_everything_and_the_jobs_loop_runs_the_step(ctx: PlatformContext, session: Session) -> None:
    w = f.world(session)
    closed = f.alert(session, w.site_a1, w.cameras["A1"], state=AlertState.closed, created_at=NOW)
    ids = _detections(session, w, 3, NOW - timedelta(days=365), closed)
    forever = ctx.settings.model_copy(update={"detection_retention_days": 0})
    assert prune_detections(session, forever, NOW, Walk()) == 0
    assert _left(session, ids) == 3
    assert prune_old_detections(ctx, NOW) == 3
    assert _left(session, ids) == 0
    assert run_due_jobs(ctx, NOW).errors == []
