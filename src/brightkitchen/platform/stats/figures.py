"""Per-site figures of a window ending now: the ranking's inputs, and the regulator's site list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.health.models import OnlineHour
from brightkitchen.platform.health.online import hour_of
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.stats import counts
from brightkitchen.platform.stats.counts import split
from brightkitchen.platform.stats.ranking import SiteFigures


def expected_seconds(created_at: datetime, since: datetime, until: datetime) -> int:
    """The part of [since, until) the site existed: a site registered yesterday owes no hours of last week."""
    return max(0, round((until - max(since, created_at)).total_seconds()))


def _online_per_site(ids: Select[Any], lo: datetime, hi: datetime) -> Select[Any]:
    """``health.online.online_seconds`` per site of a scope given as a query (a province's 27,000 ids as bound
    parameters cost more than the query): a site's seconds in an hour are the most of any of its devices."""
    per_hour = (
        select(OnlineHour.site_id, func.max(OnlineHour.seconds).label("seconds"))
        .where(OnlineHour.site_id.in_(ids), OnlineHour.hour >= hour_of(lo), OnlineHour.hour < hi)
        .group_by(OnlineHour.site_id, OnlineHour.hour)
        .subquery()
    )
    return select(per_hour.c.site_id, func.sum(per_hour.c.seconds).label("seconds")).group_by(per_hour.c.site_id)


def window_figures(
    session: Session, settings: Settings, ids: Select[Any], since: datetime, now: datetime
) -> list[tuple[Any, SiteFigures]]:
    """(site row with id, code, name, kind, region name; its figures) for every site in ``ids``: one row per
    site from one query, the per-site parts (as ``counts.site_counts`` reads them) joined in the database."""
    first, edge_end = split(settings.timezone, since)
    days = counts.rollup_per_site(ids, first).subquery()
    opened = counts.open_per_site(ids, now).subquery()
    escalated = counts.escalated_per_site(ids, since).subquery()
    online = _online_per_site(ids, since, now).subquery()
    total, false_positive, closed = (func.coalesce(days.c[n], 0) for n in ("created", "false_positive", "closed"))
    stmt = (
        select(
            Site.id,
            Site.code,
            Site.name,
            Site.kind,
            Site.created_at,
            Region.name.label("region_name"),
            total.label("total"),
            false_positive.label("false_positive"),
            closed.label("closed"),
            func.coalesce(opened.c.overdue, 0).label("overdue"),
            func.coalesce(escalated.c.escalated, 0).label("escalated"),
            func.coalesce(online.c.seconds, 0).label("online_s"),
        )
        .join(Region, Region.id == Site.region_id)
        .outerjoin(days, days.c.site_id == Site.id)
        .outerjoin(opened, opened.c.site_id == Site.id)
        .outerjoin(escalated, escalated.c.site_id == Site.id)
        .outerjoin(online, online.c.site_id == Site.id)
        .where(Site.id.in_(ids))
        .order_by(Site.id)
    )
    # The window's first hours before its first whole local day: a few raw alerts, added per site.
    edge: dict[int, Any] = {}
    if edge_end > since:
        edge = {r.site_id: r for r in session.execute(counts.edge_per_site(_dialect(session), ids, since, edge_end))}
    out = []
    for s in session.execute(stmt):
        alerts, n_closed = int(s.total) - int(s.false_positive), int(s.closed)
        e = edge.get(s.id)
        if e is not None:
            alerts += int(e.created) - int(e.false_positive)
            n_closed += int(e.closed)
        figures = SiteFigures(
            site_id=s.id, name=s.name, alerts=alerts, closed=n_closed, overdue=int(s.overdue),
            escalated=int(s.escalated), online_s=int(s.online_s), expected_s=expected_seconds(s.created_at, since, now),
        )  # fmt: skip
        out.append((s, figures))
    return out


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name
