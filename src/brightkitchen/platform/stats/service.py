"""The regulator's KPIs (DESIGN section 5) and the site ranking (红黑榜); formula in docs/alerts.md."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.rollups import AlertDaily
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera, Site
from brightkitchen.platform.stats import queries as q
from brightkitchen.platform.stats import ranking as rk
from brightkitchen.platform.stats.counts import SiteCounts, site_counts
from brightkitchen.platform.stats.figures import window_figures
from brightkitchen.platform.stats.schemas import (
    AttentionItem,
    OverviewPublic,
    RankingItem,
    RankingPublic,
    TrendPoint,
    UnmonitoredItem,
)

TREND_DAYS = 30


def _per_site_devices(settings: Settings, ids: Select[Any], now: datetime) -> Select[Any]:
    return (
        select(Device.site_id, q.count_if(~q.device_online(settings, now)).label("off"), func.count().label("n"))
        .where(Device.site_id.in_(ids), Device.revoked_at.is_(None))
        .group_by(Device.site_id)
    )


def _per_site_cameras(settings: Settings, ids: Select[Any], now: datetime) -> Select[Any]:
    return (
        select(Camera.site_id, q.count_if(q.camera_online(settings, now)).label("on"), func.count().label("n"))
        .where(Camera.site_id.in_(ids))
        .group_by(Camera.site_id)
    )


def overview(session: Session, settings: Settings, ids: Select[Any], now: datetime) -> OverviewPublic:
    tz = ZoneInfo(settings.timezone)
    local_today = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    since = now - timedelta(days=TREND_DAYS)
    sites = dict(session.execute(select(Site.id, Site.name).where(Site.id.in_(ids))).all())
    devices = {r.site_id: r for r in session.execute(_per_site_devices(settings, ids, now))}
    cameras = {r.site_id: r for r in session.execute(_per_site_cameras(settings, ids, now))}
    counts = site_counts(session, settings, ids, since, now)
    # Received today and per day: whole local days, so the rollups alone answer them.
    today = session.execute(
        select(AlertDaily.code, func.sum(AlertDaily.created))
        .where(AlertDaily.site_id.in_(ids), AlertDaily.day >= local_today.date())
        .group_by(AlertDaily.code)
        .having(func.sum(AlertDaily.created) > 0)
    )
    first_day = (now.astimezone(tz) - timedelta(days=TREND_DAYS - 1)).date()
    per_day = {
        str(d): int(n)
        for d, n in session.execute(
            select(AlertDaily.day, func.sum(AlertDaily.created))
            .where(AlertDaily.site_id.in_(ids), AlertDaily.day >= first_day)
            .group_by(AlertDaily.day)
        )
    }
    close_timed = sum(c.close_timed for c in counts.values())
    mean_hours = sum(c.close_hours for c in counts.values()) / close_timed if close_timed else None
    total = sum(c.total for c in counts.values())
    fp = sum(c.false_positive for c in counts.values())
    closed = sum(c.closed for c in counts.values())
    n_cameras = sum(c.n for c in cameras.values())
    cameras_on = sum(c.on for c in cameras.values())
    trend_days = [first_day + timedelta(days=i) for i in range(TREND_DAYS)]
    return OverviewPublic(
        sites=len(sites),
        sites_online=sum(1 for d in devices.values() if d.n > d.off),
        cameras=n_cameras,
        cameras_online=cameras_on,
        online_rate=q.ratio(cameras_on, n_cameras),
        alerts_today_by_code={code: int(n) for code, n in today},
        open=sum(c.open for c in counts.values()),
        overdue=sum(c.overdue for c in counts.values()),
        rectification_rate=q.ratio(closed, total - fp),
        on_time_rate=q.ratio(sum(c.on_time for c in counts.values()), closed),
        mean_time_to_rectify_h=round(float(mean_hours), 2) if mean_hours is not None else None,
        false_positive_rate=q.ratio(fp, total),
        trend=[TrendPoint(date=d, count=per_day.get(d.isoformat(), 0)) for d in trend_days],
        attention=_attention(sites, counts, devices, cameras),
    )


def _attention(
    sites: dict[int, str], counts: dict[int, SiteCounts], devices: dict[int, Any], cameras: dict[int, Any]
) -> list[AttentionItem]:
    items = []
    for site_id, name in sites.items():
        c, d, cam = counts.get(site_id), devices.get(site_id), cameras.get(site_id)
        item = AttentionItem(
            site_id=site_id, site_name=name, open=c.open if c else 0, overdue=c.overdue if c else 0,
            escalated=c.escalated_open if c else 0, devices_offline=d.off if d else 0,
            cameras_offline=(cam.n - cam.on) if cam else 0,
        )  # fmt: skip
        if item.open or item.devices_offline or item.cameras_offline:
            items.append(item)
    items.sort(key=lambda i: (-i.escalated, -i.overdue, -i.devices_offline, -i.cameras_offline, -i.open, i.site_id))
    return items[:20]


def ranking(session: Session, settings: Settings, ids: Select[Any], now: datetime, days: int) -> RankingPublic:
    since = now - timedelta(days=days)
    share = settings.ranking_min_online_share
    ranked, unwatched = rk.rank((f for _, f in window_figures(session, settings, ids, since, now)), share)
    items = [
        RankingItem(
            rank=r.rank,
            site_id=r.site.site_id,
            site_name=r.site.name,
            score=r.score,
            alerts=r.site.alerts,
            overdue=r.site.overdue,
            escalated=r.site.escalated,
            rectification_rate=r.site.rectification_rate,
            online_hours=r.site.online_hours,
            online_share=r.site.online_share,
        )
        for r in ranked
    ]
    apart = [
        UnmonitoredItem(
            site_id=s.site_id,
            site_name=s.name,
            online_hours=s.online_hours,
            expected_hours=s.expected_hours,
            online_share=s.online_share,
            alerts=s.alerts,
        )
        for s in unwatched
    ]
    return RankingPublic(days=days, since=since, until=now, min_online_share=share, formula=rk.formula_zh(share),
                         items=items, unmonitored=apart)  # fmt: skip
