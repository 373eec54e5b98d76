"""Per-site alert counts of a window ending now, read from the daily rollups (alerts/rollups.py).

A window "since" an instant that is not a local midnight (the last 30 days from now) is answered exactly: the
whole local days from the rollups, the part of the first day from the raw alerts of those few hours
(``ix_alerts_site_id_created_at``). What depends on the clock comes from raw alerts through small indexes:
open and overdue from the alerts in open states (``ix_alerts_open``), escalations in the window by their time
(``ix_alerts_escalated_at``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.deadlines import overdue_clause
from brightkitchen.platform.alerts.models import OPEN_STATES, Alert
from brightkitchen.platform.alerts.rollup_tables import AlertRegionDaily
from brightkitchen.platform.alerts.rollups import COUNTERS, AlertDaily, day_start, local_date_sql, raw_aggregates
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.stats.queries import count_if, real
from brightkitchen.protocol.codes import ViolationCode

Rows = Select[*tuple[Any, ...]]  # a query of per-site rows, whatever its columns


@dataclass
class SiteCounts:
    total: int = 0  # violations received in the window, false positives included
    false_positive: int = 0
    closed: int = 0
    on_time: int = 0
    close_timed: int = 0
    close_hours: float = 0.0
    open: int = 0  # now, whatever their age; these three count every code
    overdue: int = 0
    escalated_open: int = 0
    escalated: int = 0  # escalated in the window

    @property
    def alerts(self) -> int:
        """Valid violations: neither false positive nor test."""
        return self.total - self.false_positive


def split(tz: str, since: datetime) -> tuple[date, datetime]:
    """(the first local day wholly after ``since``, when it starts): [since, that start) is read raw."""
    first = since.astimezone(ZoneInfo(tz)).date()
    if day_start(tz, first) < since:
        first += timedelta(days=1)
    return first, day_start(tz, first)


@dataclass(frozen=True)
class DayCounts:
    """The rollup counters of one local day, site and code (alerts/rollups.py), as they are now."""

    day: date
    site_id: int
    code: str
    created: int
    open: int
    closed: int
    closed_on_time: int
    false_positive: int
    close_timed: int
    close_hours: float


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def daily_counts(session: Session, tz: str, ids: Any, start: datetime, end: datetime) -> list[DayCounts]:
    """The counters of the real alerts received in [start, end) per local day, site and code: the whole local
    days from the rollups, the hours before the first and after the last whole day from the raw alerts (the
    created_at index), so the answer is exact for any window."""
    first, lo_edge = split(tz, start)
    last = end.astimezone(ZoneInfo(tz)).date()  # days before this one end by ``end``
    hi_edge = day_start(tz, last)
    raw_spans = [(start, end)] if hi_edge <= lo_edge else [(start, lo_edge), (hi_edge, end)]
    out: list[DayCounts] = []
    if hi_edge > lo_edge:
        for r in session.execute(
            select(
                AlertDaily.day, AlertDaily.site_id, AlertDaily.code, *(getattr(AlertDaily, n) for n in COUNTERS)
            ).where(AlertDaily.site_id.in_(ids), AlertDaily.day >= first, AlertDaily.day < last)
        ):
            out.append(DayCounts(*r))
    dialect = session.get_bind().dialect.name
    day = local_date_sql(dialect, Alert.created_at, tz)
    for lo, hi in raw_spans:
        if hi <= lo:
            continue
        for r in session.execute(
            select(day.label("day"), Alert.site_id, Alert.code, *raw_aggregates(dialect))
            .where(Alert.site_id.in_(ids), real(), Alert.created_at >= lo, Alert.created_at < hi)
            .group_by(day, Alert.site_id, Alert.code)
        ):
            out.append(DayCounts(_day(r.day), r.site_id, r.code, *(getattr(r, n) for n in COUNTERS)))
    return out


def _add(out: dict[int, SiteCounts], site_id: int, row: Any) -> None:
    _add_to(out.setdefault(site_id, SiteCounts()), row)


def _add_to(c: SiteCounts, row: Any) -> None:
    c.total += int(row.created)
    c.false_positive += int(row.false_positive)
    c.closed += int(row.closed)
    c.on_time += int(row.closed_on_time)
    c.close_timed += int(row.close_timed)
    c.close_hours += float(row.close_hours or 0.0)


def window_totals(
    session: Session,
    settings: Settings,
    ids: Select[Any],
    since: datetime,
    from_day: date,
    regions: Select[Any] | None = None,
) -> tuple[SiteCounts, list[DayCounts]]:
    """The window's violations summed over the scoped sites (the rollups of its whole local days and the raw
    first hours, as ``site_counts`` reads them, without a row per site), and the rollup counters per local day
    and code (all codes) from ``from_day`` on, for the figures per day. ``regions``: the scope's key regions
    (region_rollups.scope_regions), whose district rows then stand for the site rows."""
    out = SiteCounts()
    first, edge_end = split(settings.timezone, since)
    days: list[DayCounts] = []
    table: Any = AlertDaily if regions is None else AlertRegionDaily
    scoped = AlertDaily.site_id.in_(ids) if regions is None else AlertRegionDaily.region_id.in_(regions)
    sums = [func.sum(getattr(table, name)).label(name) for name in COUNTERS]
    for row in session.execute(
        select(table.day, table.code, *sums)
        .where(scoped, table.day >= min(first, from_day))
        .group_by(table.day, table.code)
    ):
        day = _day(row.day)
        if day >= from_day:
            days.append(DayCounts(day, 0, row.code, *(getattr(row, n) or 0 for n in COUNTERS)))
        if day >= first and row.code != ViolationCode.camera_fault:
            _add_to(out, row)
    if edge_end > since:
        dialect = session.get_bind().dialect.name
        row = session.execute(
            select(*raw_aggregates(dialect))
            .where(Alert.site_id.in_(ids), real(), Alert.code != ViolationCode.camera_fault)
            .where(Alert.created_at >= since, Alert.created_at < edge_end)
        ).one()
        _add_to(out, row)
    return out, days


def rollup_per_site(ids: Select[Any], first: date) -> Rows:
    """Per site: the rollup counters (violations) of the whole local days from ``first`` on."""
    sums = [func.coalesce(func.sum(getattr(AlertDaily, name)), 0).label(name) for name in COUNTERS]
    return (
        select(AlertDaily.site_id, *sums)
        .where(AlertDaily.site_id.in_(ids), AlertDaily.day >= first, AlertDaily.code != ViolationCode.camera_fault)
        .group_by(AlertDaily.site_id)
    )


def edge_per_site(dialect: str, ids: Select[Any], since: datetime, edge_end: datetime) -> Rows:
    """Per site: the same counters from the raw violations received in [since, edge_end)."""
    return (
        select(Alert.site_id, *raw_aggregates(dialect))
        .where(Alert.site_id.in_(ids), real(), Alert.code != ViolationCode.camera_fault)
        .where(Alert.created_at >= since, Alert.created_at < edge_end)
        .group_by(Alert.site_id)
    )


def open_per_site(ids: Select[Any], now: datetime) -> Rows:
    """Per site: alerts in open states now (any code, any age), overdue, escalated (``ix_alerts_open``)."""
    return (
        select(
            Alert.site_id,
            func.count().label("open"),
            count_if(overdue_clause(now)).label("overdue"),
            count_if(Alert.escalated_at.is_not(None)).label("escalated_open"),
        )
        .where(Alert.site_id.in_(ids), real(), Alert.state.in_(OPEN_STATES))
        .group_by(Alert.site_id)
    )


def escalated_per_site(ids: Select[Any], since: datetime) -> Rows:
    """Per site: alerts escalated since ``since`` (``ix_alerts_escalated_at``)."""
    return (
        select(Alert.site_id, func.count().label("escalated"))
        .where(Alert.site_id.in_(ids), real(), and_(Alert.escalated_at.is_not(None), Alert.escalated_at >= since))
        .group_by(Alert.site_id)
    )


def site_counts(
    session: Session, settings: Settings, ids: Select[Any], since: datetime, now: datetime
) -> dict[int, SiteCounts]:
    """Per site with anything to count: the window's violations (rollups + the raw first hours) and the
    clock-bound figures as of ``now``."""
    out: dict[int, SiteCounts] = {}
    first, edge_end = split(settings.timezone, since)
    for row in session.execute(rollup_per_site(ids, first)):
        _add(out, row.site_id, row)
    if edge_end > since:
        for row in session.execute(edge_per_site(session.get_bind().dialect.name, ids, since, edge_end)):
            _add(out, row.site_id, row)
    for row in session.execute(open_per_site(ids, now)):
        c = out.setdefault(row.site_id, SiteCounts())
        c.open, c.overdue, c.escalated_open = int(row.open), int(row.overdue), int(row.escalated_open)
    for row in session.execute(escalated_per_site(ids, since)):
        out.setdefault(row.site_id, SiteCounts()).escalated = int(row.escalated)
    return out
