"""Deadlines per region and violation code, and the overdue flag (a flag computed from state and time)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import UNANSWERED_STATES, Alert, DeadlinePolicy
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.tenancy import region_ids


def policy_hours(session: Session, settings: Settings, region_path: str, code: str) -> tuple[float, float]:
    """The most specific policy wins: the deepest region first, then the exact code over "*"."""
    ids = region_ids(region_path)
    rows = session.execute(
        select(
            DeadlinePolicy.region_id, DeadlinePolicy.code, DeadlinePolicy.rectify_hours, DeadlinePolicy.escalate_hours
        ).where(DeadlinePolicy.region_id.in_(ids), DeadlinePolicy.code.in_((code, "*")))
    ).all()
    if not rows:
        return settings.rectify_hours_default, settings.escalate_hours_default
    best = max(rows, key=lambda r: (ids.index(r.region_id), r.code != "*"))
    return best.rectify_hours, best.escalate_hours


def deadlines(
    session: Session, settings: Settings, region_path: str, code: str, now: datetime
) -> tuple[datetime, datetime]:
    rectify_h, escalate_h = policy_hours(session, settings, region_path, code)
    return now + timedelta(hours=rectify_h), now + timedelta(hours=escalate_h)


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    return and_(Alert.deadline_at < now, Alert.state.in_(UNANSWERED_STATES))


def is_overdue(state: str, deadline_at: datetime, now: datetime) -> bool:
    return state in UNANSWERED_STATES and deadline_at < now
