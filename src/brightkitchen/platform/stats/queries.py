"""Building blocks of the KPIs: scoped site ids, per-site counts, local-day grouping."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.deadlines import overdue_clause
from brightkitchen.platform.alerts.models import OPEN_STATES, Alert, AlertState
from brightkitchen.platform.alerts.region_rollups import scope_regions
from brightkitchen.platform.authz import Principal
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera, Site
from brightkitchen.platform.tenancy import in_region, site_scope
from brightkitchen.protocol.codes import ViolationCode


def site_ids(session: Session, principal: Principal, region_id: int | None) -> Select[Any]:
    stmt = select(Site.id).where(site_scope(principal))
    if region_id is not None:
        stmt = stmt.where(in_region(session, principal, region_id))
    return stmt


def rollup_regions(session: Session, principal: Principal, region_id: int | None) -> Select[Any] | None:
    """The key regions whose district rollups stand for the scope's sites (alerts/region_rollups.py), or None
    when the scope reads its sites' rows (a school, a street). Called after ``site_ids``, which has refused a
    region outside the caller's scope."""
    if principal.site_id is not None:
        return None
    if region_id is not None:
        path = session.scalar(select(Region.path).where(Region.id == region_id))
        return None if path is None else scope_regions(session, path)
    if principal.is_admin:
        return scope_regions(session, None)
    return None if principal.region_path is None else scope_regions(session, principal.region_path)


def fresh_cutoff(settings: Settings, now: datetime) -> datetime:
    return now - timedelta(seconds=settings.heartbeat_interval_s * settings.offline_after_missed)


def camera_online(settings: Settings, now: datetime) -> ColumnElement[bool]:
    # A camera counts online only while its device is heard from: stale reports do not count.
    return and_(Camera.status == "online", Camera.last_seen_at >= fresh_cutoff(settings, now))


def device_online(settings: Settings, now: datetime) -> ColumnElement[bool]:
    return and_(Device.status == "online", Device.last_heartbeat_at >= fresh_cutoff(settings, now))


def real(alert: type[Alert] = Alert) -> ColumnElement[bool]:
    return alert.test.is_(False)


def count_if(cond: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def alert_counts(ids: Select[Any], since: datetime, now: datetime) -> Select[Any]:
    """Per site: violations in the window, open, overdue, escalated, closed, closed on time, false positives,
    counted from the raw alerts. The figures read ``counts.site_counts`` (the rollups), which must agree with
    this (tests/platform/test_rollups.py)."""
    window = Alert.created_at >= since
    violation = and_(window, Alert.code != ViolationCode.camera_fault)
    return (
        select(
            Alert.site_id,
            count_if(and_(violation, Alert.state != AlertState.false_positive)).label("alerts"),
            count_if(violation).label("total"),
            count_if(Alert.state.in_(OPEN_STATES)).label("open"),
            count_if(overdue_clause(now)).label("overdue"),
            count_if(Alert.escalated_at >= since).label("escalated"),
            count_if(and_(Alert.state.in_(OPEN_STATES), Alert.escalated_at.is_not(None))).label("escalated_open"),
            count_if(and_(violation, Alert.state == AlertState.closed)).label("closed"),
            count_if(and_(violation, Alert.state == AlertState.closed, Alert.submitted_at <= Alert.deadline_at)).label(
                "on_time"
            ),
            count_if(and_(violation, Alert.state == AlertState.false_positive)).label("false_positive"),
        )
        # Only rows that can count: in the window, or still open (open/overdue count whatever their age).
        .where(Alert.site_id.in_(ids), real(), or_(window, Alert.state.in_(OPEN_STATES), Alert.escalated_at >= since))
        .group_by(Alert.site_id)
    )


def hours_between(session: Session, start: Any, end: Any) -> Any:
    """SQL for (end - start) in hours, on PostgreSQL and SQLite alike (averaged in the database)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def local_date(session: Session, column: Any, tz: str, now: datetime) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(tz, column))
    # SQLite stores UTC text; shift by the zone's offset now (China has no daylight saving).
    offset = ZoneInfo(tz).utcoffset(now.replace(tzinfo=None))
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return func.date(column, f"{minutes:+d} minutes")


def ratio(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0
