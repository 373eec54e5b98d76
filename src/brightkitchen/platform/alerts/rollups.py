"""Daily rollups of alerts per site and code (``alert_daily``): what the overview, the ranking, the bulletin and
the reports count, kept so that they never scan years of raw alerts.

One row per local day (``settings.timezone``) of receipt, site and code, real alerts only (an edge self-test is
never counted anywhere). The counters describe the alerts *as they are now*: how many were received, how many
are open, closed (and closed on time), false positives, and the hours they took to close. They are kept on write
in the same transaction as the change: ``born`` from ``birth.open_alert`` and ``changed`` from
``transitions.apply``, the only places an alert is born or changes state; each adds the difference between the
alert's counters after and before, as one upsert. ``rebuild`` recomputes them from the raw alerts (after a bulk
import). Figures that depend on the clock (overdue, escalated, online now) are not rolled up: they are read from
the few raw alerts in open states (``ix_alerts_open``) or escalated (``ix_alerts_escalated_at``)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts import region_rollups
from brightkitchen.platform.alerts.models import OPEN_STATES, Alert, AlertState
from brightkitchen.platform.alerts.rollup_tables import COUNTERS, AlertDaily, counters_upsert
from brightkitchen.platform.settings import Settings


@dataclass(frozen=True)
class Counters:
    created: int = 0
    open: int = 0
    closed: int = 0
    closed_on_time: int = 0
    false_positive: int = 0
    close_timed: int = 0
    close_hours: float = 0.0

    def minus(self, other: Counters) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) - getattr(other, f.name) for f in fields(self)}


assert tuple(f.name for f in fields(Counters)) == COUNTERS


def counters_of(alert: Alert, **now: Any) -> Counters:
    """The counters one alert contributes; ``now`` overrides columns with the values about to be written."""

    def get(name: str) -> Any:
        return now[name] if name in now else getattr(alert, name)

    state = get("state")
    closed = state == AlertState.closed
    submitted_at, deadline_at, closed_at = get("submitted_at"), get("deadline_at"), get("closed_at")
    timed = closed and closed_at is not None
    return Counters(
        created=1,
        open=int(state in OPEN_STATES),
        closed=int(closed),
        closed_on_time=int(closed and submitted_at is not None and submitted_at <= deadline_at),
        false_positive=int(state == AlertState.false_positive),
        close_timed=int(timed),
        close_hours=(closed_at - alert.created_at).total_seconds() / 3600 if timed else 0.0,
    )


def day_start(tz: str, day: date) -> datetime:
    """The UTC instant a local day begins in zone ``tz``."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


# The zone a session's rollups are kept in: PlatformContext puts settings.timezone in every session's info, so
# that a state change (transitions.apply, which is given no settings) files it under the same day as the birth.
TIMEZONE_INFO = "timezone"
DEFAULT_TIMEZONE = str(Settings.model_fields["timezone"].default)


def session_timezone(session: Session) -> str:
    return str(session.info.get(TIMEZONE_INFO, DEFAULT_TIMEZONE))


_SITE_KEY = ("day", "site_id", "code")
_SITE_TABLE = cast(Table, AlertDaily.__table__)
_SITE_UPSERT = {
    dialect: counters_upsert(
        dialect,
        _SITE_TABLE,
        _SITE_KEY,
        lambda ins: ins(_SITE_TABLE).values({n: bindparam(n) for n in (*_SITE_KEY, *COUNTERS)}),
    )
    for dialect in ("postgresql", "sqlite")
}


def _add(session: Session, tz: str, alert: Alert, deltas: dict[str, Any]) -> None:
    """Adds ``deltas`` (every counter) to the alert's site row and its district row."""
    if alert.test or not any(deltas.values()):
        return
    day = alert.created_at.astimezone(ZoneInfo(tz)).date()
    session.execute(
        _SITE_UPSERT[session.get_bind().dialect.name],
        {"day": day, "site_id": alert.site_id, "code": alert.code, **deltas},
    )
    region_rollups.add(session, day, alert.site_id, alert.code, deltas)


def born(session: Session, alert: Alert, tz: str | None = None) -> None:
    """Counts a new alert, in whatever state it is born (called by ``birth.open_alert``, in its transaction),
    on its local day in ``tz`` (default: the session's zone)."""
    _add(session, tz or session_timezone(session), alert, counters_of(alert).minus(Counters()))


def changed(session: Session, alert: Alert, values: dict[str, Any]) -> None:
    """Moves an alert's counts from its current columns to ``values`` (called by ``transitions.apply``
    before the loaded object takes them), in the session's zone (``session_timezone``)."""
    _add(session, session_timezone(session), alert, counters_of(alert, **values).minus(counters_of(alert)))


def _count(cond: Any) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def hours_between(dialect: str, start: Any, end: Any) -> Any:
    """SQL for (end - start) in hours, on PostgreSQL and SQLite alike."""
    if dialect == "postgresql":
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def raw_aggregates(dialect: str) -> list[Any]:
    """Every counter of ``Counters`` as a labelled SQL aggregate over raw alerts (what ``counters_of`` says for
    one alert, summed): for ``rebuild``, and for the raw part of a window."""
    closed = Alert.state == AlertState.closed
    timed = and_(closed, Alert.closed_at.is_not(None))
    hours = hours_between(dialect, Alert.created_at, Alert.closed_at)
    aggregates = [
        func.count(),
        _count(Alert.state.in_(OPEN_STATES)),
        _count(closed),
        _count(and_(closed, Alert.submitted_at.is_not(None), Alert.submitted_at <= Alert.deadline_at)),
        _count(Alert.state == AlertState.false_positive),
        _count(timed),
        func.coalesce(func.sum(case((timed, hours))), 0.0),
    ]
    return [agg.label(name) for agg, name in zip(aggregates, COUNTERS, strict=True)]


def local_date_sql(dialect: str, column: Any, tz: str) -> Any:
    if dialect == "postgresql":
        return func.date(func.timezone(tz, column))
    # SQLite stores UTC text; shift by the zone's offset (China has no daylight saving).
    offset = ZoneInfo(tz).utcoffset(datetime(2000, 1, 1))
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return func.date(column, f"{minutes:+d} minutes")


def rebuild(session: Session, settings: Settings, since: date | None = None) -> int:
    """Recomputes the rows of local days from ``since`` (all days when None) from the raw alerts, with one
    INSERT ... SELECT ... GROUP BY; returns the rows written. For a bulk import: alerts written without
    ``open_alert`` and ``transitions.apply`` are not counted until this runs. The district rows
    (alerts/region_rollups.py) follow from the site rows. The caller commits."""
    dialect = session.get_bind().dialect.name
    day = local_date_sql(dialect, Alert.created_at, settings.timezone)
    where: list[ColumnElement[bool]] = [Alert.test.is_(False)]
    wipe = delete(AlertDaily)
    if since is not None:
        where.append(Alert.created_at >= day_start(settings.timezone, since))
        wipe = wipe.where(AlertDaily.day >= since)
    session.execute(wipe)
    grouped = (
        select(day.label("day"), Alert.site_id, Alert.code, *raw_aggregates(dialect))
        .where(*where)
        .group_by(day, Alert.site_id, Alert.code)
        # Written day by day, as live upserts lay them down: a window of days then reads a few pages, not a
        # page per row (a hash aggregate's order scattered a month over 80,000 pages of a 10 M-alert table).
        .order_by(day, Alert.site_id, Alert.code)
    )
    session.execute(insert(AlertDaily).from_select(["day", "site_id", "code", *COUNTERS], grouped))
    region_rollups.rebuild(session, since)
    query = select(func.count()).select_from(AlertDaily)
    if since is not None:
        query = query.where(AlertDaily.day >= since)
    return int(session.scalar(query) or 0)
