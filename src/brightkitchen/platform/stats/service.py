"""The regulator's KPIs (DESIGN section 5) and the site ranking (红黑榜); formula in docs/alerts.md."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert, AlertState
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera, Site
from brightkitchen.platform.stats import queries as q
from brightkitchen.platform.stats.schemas import (
    AttentionItem,
    OverviewPublic,
    RankingItem,
    RankingPublic,
    TrendPoint,
)
from brightkitchen.protocol.codes import ViolationCode

TREND_DAYS = 30
FORMULA = (
    "score = 100 - min(40, 2*alerts) - min(30, 5*overdue) - min(30, 10*escalated) "
    "- 20*(1 - rectification_rate) - 10*(1 - camera_online_rate), floored at 0"
)


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
    counts = {r.site_id: r for r in session.execute(q.alert_counts(ids, since, now))}
    today = session.execute(
        select(Alert.code, func.count())
        .where(Alert.site_id.in_(ids), q.real(), Alert.created_at >= local_today)
        .group_by(Alert.code)
    )
    day = q.local_date(session, Alert.created_at, settings.timezone, now)
    per_day = {
        str(d): n
        for d, n in session.execute(
            select(day, func.count()).where(Alert.site_id.in_(ids), q.real(), Alert.created_at >= since).group_by(day)
        )
    }
    mean_hours = session.scalar(
        select(func.avg(q.hours_between(session, Alert.created_at, Alert.closed_at))).where(
            Alert.site_id.in_(ids), q.real(), Alert.created_at >= since, Alert.state == AlertState.closed,
            Alert.code != ViolationCode.camera_fault, Alert.closed_at.is_not(None),
        )
    )  # fmt: skip
    total = sum(c.total for c in counts.values())
    fp = sum(c.false_positive for c in counts.values())
    closed = sum(c.closed for c in counts.values())
    n_cameras = sum(c.n for c in cameras.values())
    cameras_on = sum(c.on for c in cameras.values())
    first_day = (now.astimezone(tz) - timedelta(days=TREND_DAYS - 1)).date()
    trend_days = [first_day + timedelta(days=i) for i in range(TREND_DAYS)]
    return OverviewPublic(
        sites=len(sites),
        sites_online=sum(1 for d in devices.values() if d.n > d.off),
        cameras=n_cameras,
        cameras_online=cameras_on,
        online_rate=q.ratio(cameras_on, n_cameras),
        alerts_today_by_code={code: n for code, n in today},
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
    sites: dict[int, str], counts: dict[int, Any], devices: dict[int, Any], cameras: dict[int, Any]
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


def score(alerts: int, overdue: int, escalated: int, rectification_rate: float, camera_online_rate: float) -> float:
    value = (
        100 - min(40, 2 * alerts) - min(30, 5 * overdue) - min(30, 10 * escalated)
        - 20 * (1 - rectification_rate) - 10 * (1 - camera_online_rate)
    )  # fmt: skip
    return round(max(0.0, value), 1)


def ranking(session: Session, settings: Settings, ids: Select[Any], now: datetime, days: int) -> RankingPublic:
    since = now - timedelta(days=days)
    sites = session.execute(select(Site.id, Site.name).where(Site.id.in_(ids))).all()
    counts = {r.site_id: r for r in session.execute(q.alert_counts(ids, since, now))}
    cameras = {r.site_id: r for r in session.execute(_per_site_cameras(settings, ids, now))}
    rows = []
    for site_id, name in sites:
        c, cam = counts.get(site_id), cameras.get(site_id)
        answered = (c.total - c.false_positive) if c else 0
        rect = q.ratio(c.closed, answered) if c and answered else 1.0
        online = q.ratio(cam.on, cam.n) if cam and cam.n else 0.0
        alerts, overdue, escalated = (c.alerts, c.overdue, c.escalated) if c else (0, 0, 0)
        rows.append((score(alerts, overdue, escalated, rect, online), name, site_id, alerts, overdue, escalated, rect,
                     online))  # fmt: skip
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    items, rank, previous = [], 0, None
    for i, (value, name, site_id, alerts, overdue, escalated, rect, online) in enumerate(rows, start=1):
        rank = rank if value == previous else i  # equal scores share a rank (1, 2, 2, 4)
        previous = value
        items.append(RankingItem(rank=rank, site_id=site_id, site_name=name, score=value, alerts=alerts,
                                 overdue=overdue, escalated=escalated, rectification_rate=rect,
                                 camera_online_rate=online))  # fmt: skip
    return RankingPublic(days=days, formula=FORMULA, items=items)
