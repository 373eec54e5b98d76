"""The regulator's site list: each site's figures over a window, filtered, sorted and paged.

Sorted in Python over the caller's scoped sites (a district's few hundred to few thousand), since the sort
keys (rate, online share) are computed from several tables; the page is cut afterwards."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.pagination import Page, PageParams
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.stats import queries as q
from brightkitchen.platform.stats.figures import window_figures
from brightkitchen.platform.stats.ranking import SiteFigures, monitored
from brightkitchen.platform.stats.schemas import SiteStatsItem


class OnlineFilter(StrEnum):
    online = "online"
    offline = "offline"
    unmonitored = "unmonitored"


SORT_KEYS: dict[str, Any] = {
    "name": lambda i: i.name,
    "alerts": lambda i: i.alerts,
    "rate": lambda i: -1.0 if i.rectification_rate is None else i.rectification_rate,  # "—" sorts lowest
    "online": lambda i: i.online_share,
}


def _item(row: Any, f: SiteFigures, online_now: bool, share: float) -> SiteStatsItem:
    return SiteStatsItem(
        site_id=row.id, code=row.code, name=row.name, kind=row.kind, region_name=row.region_name, alerts=f.alerts,
        overdue=f.overdue, rectification_rate=f.rectification_rate, online_hours=f.online_hours,
        online_share=f.online_share, monitored=monitored(f, share), online_now=online_now,
    )  # fmt: skip


def site_list(
    session: Session, settings: Settings, ids: Select[Any], now: datetime, *, days: int, params: PageParams,
    sort: str | None, online: OnlineFilter | None,
) -> Page[SiteStatsItem]:  # fmt: skip
    key = (sort or "name").removeprefix("-")
    if key not in SORT_KEYS:
        message = "sort by one of: " + ", ".join(sorted(SORT_KEYS))
        raise Problem(422, "Invalid request", message, errors=[{"field": "sort", "message": message}], code="invalid")
    live = set(
        session.scalars(
            select(Device.site_id).where(
                Device.site_id.in_(ids), Device.revoked_at.is_(None), q.device_online(settings, now)
            )
        )
    )
    share = settings.ranking_min_online_share
    figures = window_figures(session, settings, ids, now - timedelta(days=days), now)
    items = [_item(row, f, row.id in live, share) for row, f in figures]
    if online is OnlineFilter.online:
        items = [i for i in items if i.online_now]
    elif online is OnlineFilter.offline:
        items = [i for i in items if not i.online_now]
    elif online is OnlineFilter.unmonitored:
        items = [i for i in items if not i.monitored]
    items.sort(key=lambda i: i.site_id)  # the tie-break, kept by the stable sort below
    items.sort(key=SORT_KEYS[key], reverse=(sort or "").startswith("-"))
    start = (params.page - 1) * params.size
    return Page.of(items[start : start + params.size], len(items), params)
