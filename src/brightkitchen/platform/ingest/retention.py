"""Retention of raw detections (``alert_detections``: every event received): deleted once older than
``detection_retention_days``, oldest first, a bounded batch per pass. Alerts are the record and stay, with their
evidence and audit; so does every detection that an alert's kept evidence came with, every detection of an alert
still open, and every detection not yet taken into an alert that a new one could still chain onto (the pending
run of an episode, within the longest episode gap).

A pass resumes where the previous one left off (kept per process): the detections that stay for good are not
walked again on every pass. The walk starts over from the oldest once a day, for those that have since become
free (their alert closed, their snapshot replaced)."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import OPEN_STATES, Alert, AlertDetection, AlertEvidence, EpisodePolicy
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.settings import Settings

BATCH = 5000  # rows per pass: short locks on a busy table
WINDOW = timedelta(days=30)  # received_at span one statement looks at, so a walk over kept rows stays bounded
MAX_WINDOWS = 12  # windows one pass may walk through while it finds nothing to delete
RESTART = timedelta(days=1)


@dataclass
class Walk:
    """How far a process's walk has come: every detection received before ``since`` that may go is gone."""

    since: datetime | None = None
    began: datetime | None = None


def longest_gap(session: Session, settings: Settings) -> timedelta:
    policies = session.scalar(select(func.max(EpisodePolicy.gap_s)))
    return timedelta(seconds=max(settings.episode_gap_s, policies or 0.0))


def _deletable(upper: datetime, quiet: datetime) -> list[ColumnElement[bool]]:
    kept_file = select(AlertEvidence.id).where(AlertEvidence.detection_id == AlertDetection.id).exists()
    open_alert = select(Alert.id).where(Alert.id == AlertDetection.alert_id, Alert.state.in_(OPEN_STATES)).exists()
    return [
        AlertDetection.received_at < upper,
        ~kept_file,
        ~open_alert,
        or_(AlertDetection.alert_id.is_not(None), AlertDetection.ended_at < quiet),
    ]


def prune_window(session: Session, since: datetime, upper: datetime, quiet: datetime, limit: int) -> list[datetime]:
    """Deletes up to ``limit`` deletable detections received in [since, upper), oldest first, and commits; their
    received_at times. Rows another process is deleting are skipped (PostgreSQL: FOR UPDATE SKIP LOCKED)."""
    ids = (
        select(AlertDetection.id)
        .where(AlertDetection.received_at >= since, *_deletable(upper, quiet))
        .order_by(AlertDetection.received_at, AlertDetection.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    # Two statements: PostgreSQL may rerun a LIMIT ... FOR UPDATE subquery inside a DELETE, skipping the rows
    # this statement already removed and taking more than ``limit``.
    chosen = list(session.scalars(ids))
    if not chosen:
        session.commit()
        return []
    gone = list(
        session.scalars(
            delete(AlertDetection)
            .where(AlertDetection.id.in_(chosen))
            .returning(AlertDetection.received_at)
            .execution_options(synchronize_session=False)
        )
    )
    session.commit()
    return gone


def prune_detections(
    session: Session, settings: Settings, now: datetime, walk: Walk, batch: int = BATCH
) -> int:  # fmt: skip
    """One pass: at most ``batch`` detections deleted; ``walk`` moves on. 0 if retention is off (0 days)."""
    if settings.detection_retention_days <= 0:
        return 0
    if walk.began is None or not walk.began <= now <= walk.began + RESTART:
        walk.since, walk.began = None, now
    cutoff = now - timedelta(days=settings.detection_retention_days)
    quiet = now - longest_gap(session, settings)
    since = walk.since
    if since is None:
        since = session.scalar(select(func.min(AlertDetection.received_at)).where(AlertDetection.received_at < cutoff))
        if since is None:
            session.rollback()
            walk.since = cutoff
            return 0
    removed = 0
    for _ in range(MAX_WINDOWS):
        if since >= cutoff or removed >= batch:
            break
        upper = min(cutoff, since + WINDOW)
        gone = prune_window(session, since, upper, quiet, batch - removed)
        removed += len(gone)
        # A full batch stopped inside the window: resume at the last one deleted (ties included); else the
        # whole window is done.
        since = max(gone) if removed >= batch else upper
    walk.since = since
    return removed


_walks: dict[int, tuple[weakref.ref[PlatformContext], Walk]] = {}  # per platform context (ids are reused)


def prune_old_detections(ctx: PlatformContext, now: datetime) -> int:
    """The jobs-loop step."""
    entry = _walks.get(id(ctx))
    if entry is None or entry[0]() is not ctx:
        entry = _walks[id(ctx)] = (weakref.ref(ctx), Walk())
    walk = entry[1]
    with ctx.sessions() as session:
        return prune_detections(session, ctx.settings, now, walk)
