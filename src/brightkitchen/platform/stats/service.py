"""The regulator's KPIs (DESIGN section 5) and the site ranking (红黑榜); formula in docs/alerts.md."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select
from sqlalchemy.orm import Session

from brightkitchen.platform.keyset import custom_plans
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.stats import queries as q
from brightkitchen.platform.stats import ranking as rk
from brightkitchen.platform.stats.attention import attention
from brightkitchen.platform.stats.counts import window_totals
from brightkitchen.platform.stats.figures import window_figures
from brightkitchen.platform.stats.schemas import (
    OverviewPublic,
    RankingItem,
    RankingPublic,
    TrendPoint,
    UnmonitoredItem,
)

TREND_DAYS = 30


def overview(
    session: Session, settings: Settings, ids: Select[Any], now: datetime, regions: Select[Any] | None = None
) -> OverviewPublic:
    """``regions``: the scope's key regions, when their district rollups stand for its sites (q.rollup_regions)."""
    tz = ZoneInfo(settings.timezone)
    local_today = now.astimezone(tz).date()
    first_day = local_today - timedelta(days=TREND_DAYS - 1)
    # A generic plan of the attention join took a minute instead of half a second; JIT cost more than it saved;
    # parallel workers on the attention grouping took longer than none.
    custom_plans(session, serial=True)
    watch = attention(session, settings, ids, now)
    fleet_now = watch.fleet
    # The 30-day window's rates, and received per day and today: whole local days, so the rollups answer them.
    window, days = window_totals(session, settings, ids, now - timedelta(days=TREND_DAYS), first_day, regions)
    per_day: dict[date, int] = {}
    today: dict[str, int] = {}
    for d in days:
        per_day[d.day] = per_day.get(d.day, 0) + int(d.created)
        if d.day >= local_today:
            today[d.code] = today.get(d.code, 0) + int(d.created)
    mean_hours = window.close_hours / window.close_timed if window.close_timed else None
    return OverviewPublic(
        sites=fleet_now.sites,
        sites_online=fleet_now.sites_online,
        cameras=fleet_now.cameras,
        cameras_online=fleet_now.cameras_online,
        online_rate=q.ratio(fleet_now.cameras_online, fleet_now.cameras),
        alerts_today_by_code={code: n for code, n in today.items() if n > 0},
        open=watch.open,
        overdue=watch.overdue,
        rectification_rate=q.ratio(window.closed, window.total - window.false_positive),
        on_time_rate=q.ratio(window.on_time, window.closed),
        mean_time_to_rectify_h=round(float(mean_hours), 2) if mean_hours is not None else None,
        false_positive_rate=q.ratio(window.false_positive, window.total),
        trend=[
            TrendPoint(date=d, count=per_day.get(d, 0))
            for d in (first_day + timedelta(days=i) for i in range(TREND_DAYS))
        ],
        attention=watch.items,
    )


def ranking(session: Session, settings: Settings, ids: Select[Any], now: datetime, days: int) -> RankingPublic:
    since = now - timedelta(days=days)
    custom_plans(session)  # as the overview
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
