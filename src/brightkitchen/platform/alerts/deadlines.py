"""Deadlines per region and violation code, and the overdue flag (a flag computed from state and time)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import UNANSWERED_STATES, Alert
from brightkitchen.platform.alerts.policy_cache import policies_of
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.tenancy import region_ids


def policy_hours(session: Session, settings: Settings, region_path: str, code: str) -> tuple[float, float]:
    """The most specific policy wins: the deepest region first, then the exact code over "*"."""
    policies = policies_of(session)
    best = policies.most_specific(policies.deadlines, region_ids(region_path), code)
    if best is None:
        return settings.rectify_hours_default, settings.escalate_hours_default
    return best[0], best[1]


def deadlines(
    session: Session, settings: Settings, region_path: str, code: str, now: datetime
) -> tuple[datetime, datetime]:
    rectify_h, escalate_h = policy_hours(session, settings, region_path, code)
    return now + timedelta(hours=rectify_h), now + timedelta(hours=escalate_h)


def overdue_clause(now: datetime) -> ColumnElement[bool]:
    return and_(Alert.deadline_at < now, Alert.state.in_(UNANSWERED_STATES))


def is_overdue(state: str, deadline_at: datetime, now: datetime) -> bool:
    return state in UNANSWERED_STATES and deadline_at < now
