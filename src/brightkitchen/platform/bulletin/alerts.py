"""The bulletin's alert figures for one period, per child region: new alerts by code, rectified, overdue at
the period's end, escalated, sites not watched; and the lowest-scoring sites by the ranking's rule."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert, AlertState
from brightkitchen.platform.health.online import online_seconds
from brightkitchen.platform.reports.data import answered_by, open_at
from brightkitchen.platform.stats import ranking as rk
from brightkitchen.platform.stats.counts import daily_counts
from brightkitchen.platform.stats.figures import expected_seconds
from brightkitchen.protocol.codes import ViolationCode


class AlertCounts(BaseModel):
    region_id: int
    region_name: str
    sites: int = 0
    new: int = 0  # violations raised in the period (false positives included: they were raised)
    by_code: dict[str, int] = Field(default_factory=dict)
    false_positive: int = 0
    rectified: int = 0  # closed in the period, whenever raised
    overdue: int = 0  # at the period's end: past the deadline, not answered
    escalated: int = 0  # escalated to the regulator in the period
    sites_offline: int = 0  # watched for less than the ranking's share of the period


class WorstSite(BaseModel):
    site_id: int
    site_name: str
    region_name: str
    score: float
    alerts: int
    overdue: int
    escalated: int
    rectification_rate: float | None


class OfflineSite(BaseModel):
    site_id: int
    site_name: str
    region_name: str
    online_hours: float
    expected_hours: float


class AlertFigures(BaseModel):
    totals: AlertCounts
    rows: list[AlertCounts]
    worst: list[WorstSite]
    offline: list[OfflineSite]


def alert_figures(
    session: Session, sites: Sequence[Any], child_of: Callable[[Any], tuple[int, str]], total: tuple[int, str], *,
    start: datetime, end: datetime, min_share: float, worst_limit: int, tz: str,
) -> AlertFigures:  # fmt: skip
    """``sites`` rows have id, name, created_at; ``child_of(row)`` names the row (child region) it counts in."""
    ids = [s.id for s in sites]
    rows: dict[int, AlertCounts] = {}
    totals = AlertCounts(region_id=total[0], region_name=total[1])
    place = {}
    for s in sites:
        child_id, child_name = child_of(s)
        place[s.id] = (rows.setdefault(child_id, AlertCounts(region_id=child_id, region_name=child_name)), child_name)
    per_site: dict[int, dict[str, int]] = {i: {"alerts": 0, "closed": 0, "overdue": 0, "escalated": 0} for i in ids}
    real = (Alert.site_id.in_(ids), Alert.test.is_(False))
    violation = Alert.code != ViolationCode.camera_fault

    def bump(site_id: int, name: str, code: str | None = None, n: int = 1) -> None:
        if n <= 0:
            return
        for c in (place[site_id][0], totals):
            setattr(c, name, getattr(c, name) + n)
            if code is not None:
                c.by_code[code] = c.by_code.get(code, 0) + n

    # Raised in the period: the daily rollups (whole days) and the raw alerts of the period's partial days.
    for r in daily_counts(session, tz, ids, start, end):
        if r.code == ViolationCode.camera_fault:
            continue
        bump(r.site_id, "new", r.code, r.created)
        bump(r.site_id, "false_positive", n=r.false_positive)
        per_site[r.site_id]["alerts"] += r.created - r.false_positive
        per_site[r.site_id]["closed"] += r.close_timed
    # The rollups hold states as they are now: an alert closed after the period was not closed in it.
    for site_id, n in session.execute(
        select(Alert.site_id, func.count())
        .where(*real, violation, Alert.created_at >= start, Alert.created_at < end)
        .where(Alert.state == AlertState.closed, Alert.closed_at >= end)
        .group_by(Alert.site_id)
    ):
        per_site[site_id]["closed"] -= n
    for (site_id,) in session.execute(
        select(Alert.site_id).where(
            *real, violation, Alert.state == AlertState.closed, Alert.closed_at >= start, Alert.closed_at < end
        )
    ):
        bump(site_id, "rectified")
    for (site_id,) in session.execute(
        select(Alert.site_id).where(
            *real, Alert.created_at < end, Alert.deadline_at < end, ~answered_by(end), open_at(end)
        )
    ):
        bump(site_id, "overdue")
        per_site[site_id]["overdue"] += 1
    for (site_id,) in session.execute(select(Alert.site_id).where(*real, Alert.escalated_at >= start,
                                                                  Alert.escalated_at < end)):  # fmt: skip
        bump(site_id, "escalated")
        per_site[site_id]["escalated"] += 1
    watched = online_seconds(session, ids, start, end)
    figures = []
    for s in sites:
        place[s.id][0].sites += 1
        totals.sites += 1
        figures.append(rk.SiteFigures(site_id=s.id, name=s.name, **per_site[s.id], online_s=watched[s.id],
                                      expected_s=expected_seconds(s.created_at, start, end)))  # fmt: skip
    ranked, unwatched = rk.rank(figures, min_share)
    offline = []
    for f in unwatched:
        bump(f.site_id, "sites_offline")
        offline.append(OfflineSite(site_id=f.site_id, site_name=f.name, region_name=place[f.site_id][1],
                                   online_hours=f.online_hours, expected_hours=f.expected_hours))  # fmt: skip
    worst = [
        WorstSite(
            site_id=r.site.site_id,
            site_name=r.site.name,
            region_name=place[r.site.site_id][1],
            score=r.score,
            alerts=r.site.alerts,
            overdue=r.site.overdue,
            escalated=r.site.escalated,
            rectification_rate=r.site.rectification_rate,
        )
        for r in reversed(ranked)
        if r.score < 100  # a site with nothing against it is nobody's worst
    ][:worst_limit]
    return AlertFigures(totals=totals, rows=list(rows.values()), worst=worst, offline=offline)
