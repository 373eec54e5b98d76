"""The bulletin's figures for one region and period: the alerts of the period per child region (streets of a
district, districts of a city), the sites not watched and the lowest-scoring ones; and the roll-out's progress
as of the moment it is made (counts, what changed since the same time yesterday, the sites stuck longest)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, computed_field
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.bulletin.alerts import AlertFigures, alert_figures
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.rollout.models import RolloutStatus
from brightkitchen.platform.rollout.service import evaluate_sites, status_at
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Site

S = RolloutStatus


class Counts(BaseModel):
    region_id: int
    region_name: str
    total: int = 0
    accepted: int = 0
    in_progress: int = 0
    not_started: int = 0
    regressed: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def coverage(self) -> float:
        return round(self.accepted / self.total, 4) if self.total else 0.0


class SiteRef(BaseModel):
    site_id: int
    site_code: str
    site_name: str
    region_name: str  # the child region (street) it is in


class StuckSite(SiteRef):
    status: str
    since: datetime
    days: int


class BulletinFigures(BaseModel):
    region_id: int
    region_name: str
    date: date
    as_of: datetime
    # The period the alert figures cover; bulletins made before periods existed have none (None).
    kind: str = "scheduled"
    period_start: datetime | None = None
    period_end: datetime | None = None
    alerts: AlertFigures | None = None
    rollout_under_way: bool = Field(default=True, description="not every site accepted yet: progress is shown")
    totals: Counts
    rows: list[Counts]
    newly_accepted: list[SiteRef]  # not accepted yesterday (never before), accepted now
    recovered: list[SiteRef]  # regressed yesterday, accepted again now
    newly_regressed: list[SiteRef]
    stuck: list[StuckSite]  # not accepted, longest first


def _child_id(region: Region, site_path: str) -> int:
    """The child of ``region`` that a site's region path runs through (the region itself for direct sites)."""
    rest = site_path[len(region.path) :].strip("/")
    return int(rest.split("/")[0]) if rest else region.id


def compute(
    session: Session, settings: Settings, region: Region, now: datetime, *,
    start: datetime | None = None, end: datetime | None = None, kind: str = "scheduled",
) -> BulletinFigures:  # fmt: skip
    """The figures as of ``now``; the alert figures over [start, end) (default: today up to now)."""
    tz = ZoneInfo(settings.timezone)
    local_now = now.astimezone(tz)
    end = end or now
    start = start or local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    sites = session.execute(
        select(Site, Region.path)
        .join(Region, Region.id == Site.region_id)
        .where(Region.path.startswith(region.path, autoescape=True))
        .order_by(Site.code)
    ).all()
    ids = [s.id for s, _ in sites]
    lists = evaluate_sites(session, settings, ids, now)  # statuses as of now, changes recorded
    before = status_at(session, ids, now - timedelta(days=1))
    children = {r.id: r.name for r in session.scalars(select(Region).where(Region.parent_id == region.id))}
    children.setdefault(region.id, f"{region.name}（直属）")
    rows: dict[int, Counts] = {}
    totals = Counts(region_id=region.id, region_name=region.name)
    accepted_new: list[SiteRef] = []
    recovered: list[SiteRef] = []
    regressed_new: list[SiteRef] = []
    stuck: list[StuckSite] = []
    for site, path in sites:
        child = _child_id(region, path)
        row = rows.setdefault(child, Counts(region_id=child, region_name=children.get(child, str(child))))
        checklist = lists[site.id]
        status = checklist.status
        for counts in (row, totals):
            counts.total += 1
            setattr(counts, status.value, getattr(counts, status.value) + 1)
        ref = SiteRef(site_id=site.id, site_code=site.code, site_name=site.name, region_name=row.region_name)
        was = before.get(site.id)
        if status is S.accepted and was == S.regressed:
            recovered.append(ref)
        elif status is S.accepted and was != S.accepted:
            accepted_new.append(ref)
        elif status is S.regressed and was != S.regressed:
            regressed_new.append(ref)
        if status is not S.accepted:
            # Never accepted: stuck since the site was registered; regressed: since it fell back.
            since = checklist.status_since if checklist.first_accepted_at else site.created_at
            days = max(0, (now - since) // timedelta(days=1))  # a status set after the period counts as new
            stuck.append(StuckSite(**ref.model_dump(), status=status, since=since, days=days))
    stuck.sort(key=lambda s: (s.since, s.site_code))
    site_child = {site.id: _child_id(region, path) for site, path in sites}

    def child_of(site: Site) -> tuple[int, str]:
        child = site_child[site.id]
        return child, children.get(child, str(child))

    alerts = alert_figures(
        session, [s for s, _ in sites], child_of, (region.id, region.name), start=start, end=end,
        min_share=settings.ranking_min_online_share, worst_limit=settings.bulletin_worst_limit, tz=settings.timezone,
    )  # fmt: skip
    alerts.rows.sort(key=lambda r: (r.region_id == region.id, r.region_name, r.region_id))
    return BulletinFigures(
        region_id=region.id,
        region_name=region.name,
        date=start.astimezone(tz).date(),
        as_of=now,
        kind=kind,
        period_start=start,
        period_end=end,
        alerts=alerts,
        rollout_under_way=totals.accepted < totals.total,
        totals=totals,
        rows=sorted(rows.values(), key=lambda r: (r.region_id == region.id, r.region_name, r.region_id)),
        newly_accepted=accepted_new,
        recovered=recovered,
        newly_regressed=regressed_new,
        stuck=stuck[: settings.bulletin_stuck_limit],
    )
