"""Per-site figures of a window ending now: the ranking's inputs, and the regulator's site list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from brightkitchen.platform.health.online import online_seconds
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.stats.counts import site_counts
from brightkitchen.platform.stats.ranking import SiteFigures


def expected_seconds(created_at: datetime, since: datetime, until: datetime) -> int:
    """The part of [since, until) the site existed: a site registered yesterday owes no hours of last week."""
    return max(0, round((until - max(since, created_at)).total_seconds()))


def window_figures(
    session: Session, settings: Settings, ids: Select[Any], since: datetime, now: datetime
) -> list[tuple[Any, SiteFigures]]:
    """(site row with id, code, name, kind, region name; its figures) for every site in ``ids``."""
    sites = session.execute(
        select(Site.id, Site.code, Site.name, Site.kind, Site.created_at, Region.name.label("region_name"))
        .join(Region, Region.id == Site.region_id)
        .where(Site.id.in_(ids))
        .order_by(Site.id)
    ).all()
    counts = site_counts(session, settings, ids, since, now)
    online = online_seconds(session, [s.id for s in sites], since, now)
    out = []
    for s in sites:
        c = counts.get(s.id)
        figures = SiteFigures(
            site_id=s.id, name=s.name, alerts=c.alerts if c else 0, closed=c.closed if c else 0,
            overdue=c.overdue if c else 0, escalated=c.escalated if c else 0, online_s=online[s.id],
            expected_s=expected_seconds(s.created_at, since, now),
        )  # fmt: skip
        out.append((s, figures))
    return out
