"""The time-based steps. Each is safe with several platform processes on one database: the row that a
step acts on is claimed by a conditional UPDATE (or FOR UPDATE SKIP LOCKED), so only one worker acts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from brightkitchen.platform.alerts import transitions as t
from brightkitchen.platform.alerts.models import UNANSWERED_STATES, Alert, AlertState
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.health.service import mark_offline_devices
from brightkitchen.platform.notify.models import NotifyEvent
from brightkitchen.platform.notify.outbox import enqueue

BATCH = 200


def detect_offline(ctx: PlatformContext, now: datetime) -> int:
    with ctx.sessions.begin() as session:
        return mark_offline_devices(session, ctx.settings, now)


def push_new(ctx: PlatformContext, now: datetime) -> int:
    """new -> pushed, queueing the "new" notifications in the same transaction."""
    pushed = 0
    with ctx.sessions.begin() as session:
        alerts = session.scalars(
            select(Alert)
            .where(Alert.state == AlertState.new)
            .order_by(Alert.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)  # PostgreSQL: another worker takes the rest; SQLite: ignored
        ).all()
        for alert in alerts:
            try:
                t.apply(session, alert, t.Action.notify, t.Actor.system(), now)
            except t.WrongState:
                continue  # another worker pushed it first
            enqueue(session, ctx.settings, alert, NotifyEvent.new, now)
            pushed += 1
    return pushed


def escalate_due(ctx: PlatformContext, now: datetime) -> int:
    """Alerts unanswered past their escalation deadline: flagged once (the UPDATE ... WHERE escalated_at
    IS NULL ... RETURNING is the claim), with an audit row and a notification to the region."""
    with ctx.sessions.begin() as session:
        due = (
            select(Alert.id)
            .where(
                Alert.escalated_at.is_(None),
                Alert.escalate_at <= now,
                Alert.state.in_(UNANSWERED_STATES),
                Alert.test.is_(False),  # an installer's test alert is nobody's failure to answer
            )
            .order_by(Alert.id)
            .limit(BATCH)
            .scalar_subquery()
        )
        claimed = session.execute(
            update(Alert)
            .where(Alert.id.in_(due), Alert.escalated_at.is_(None))
            .values(escalated_at=now)
            .returning(Alert.id, Alert.state, Alert.escalate_at)
            .execution_options(synchronize_session=False)
        ).all()
        for alert_id, state, escalate_at in claimed:
            reason = f"no answer by {escalate_at.isoformat()}; escalated to the regulator"
            t.record(session, alert_id, "escalate", t.Actor.system(), state, state, reason, now)
            alert = session.get(Alert, alert_id)
            assert alert is not None
            enqueue(session, ctx.settings, alert, NotifyEvent.escalated, now)
        return len(claimed)
