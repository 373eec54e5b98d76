"""The overview's live figures in one pass over the scoped sites: the fleet now (sites and cameras online), the
open and overdue totals, and the sites needing attention (open alerts, devices or cameras offline), worst first.

One statement: each site's open alerts (``ix_alerts_open``), devices and cameras are counted once, joined to the
scope once, summed over the whole scope by window functions and cut to the top rows in the database, so a
province's 27,000 sites and 160,000 cameras never reach Python row by row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera, Site
from brightkitchen.platform.stats import queries as q
from brightkitchen.platform.stats.counts import open_per_site
from brightkitchen.platform.stats.schemas import AttentionItem

ATTENTION_SIZE = 20


@dataclass(frozen=True)
class Fleet:
    sites: int
    sites_online: int  # with an edge device heard from now
    cameras: int
    cameras_online: int


@dataclass(frozen=True)
class Attention:
    items: list[AttentionItem]
    open: int  # alerts in open states in the scope, whatever their age
    overdue: int
    fleet: Fleet


def attention(
    session: Session, settings: Settings, ids: Select[Any], now: datetime, size: int = ATTENTION_SIZE
) -> Attention:
    # The per-table counts read every row of their table and are cut to the scope by the join below: one
    # semi-join with the scope instead of four (a province-wide scope is most of each table anyway).
    alerts = open_per_site(None, now).subquery()
    devices = (
        select(Device.site_id, func.count().label("n"), q.count_if(~q.device_online(settings, now)).label("off"))
        .where(Device.revoked_at.is_(None))
        .group_by(Device.site_id)
        .subquery()
    )
    cameras = (
        select(Camera.site_id, func.count().label("n"), q.count_if(q.camera_online(settings, now)).label("on"))
        .group_by(Camera.site_id)
        .subquery()
    )
    n_open, overdue, escalated = (func.coalesce(alerts.c[n], 0) for n in ("open", "overdue", "escalated_open"))
    n_devices, devices_off = func.coalesce(devices.c.n, 0), func.coalesce(devices.c.off, 0)
    n_cameras, cameras_on = func.coalesce(cameras.c.n, 0), func.coalesce(cameras.c.on, 0)
    cameras_off = n_cameras - cameras_on
    # A site is online when not all of its devices count offline.
    online = func.sum(case((n_devices > devices_off, 1), else_=0))
    rows = session.execute(
        select(
            Site.id, Site.name, n_open, overdue, escalated, devices_off, cameras_off,
            # Over the whole scope, before the cut: the totals and the fleet.
            func.sum(n_open).over(), func.sum(overdue).over(), func.count().over(), online.over(),
            func.sum(n_cameras).over(), func.sum(cameras_on).over(),
        )
        .outerjoin(alerts, alerts.c.site_id == Site.id)
        .outerjoin(devices, devices.c.site_id == Site.id)
        .outerjoin(cameras, cameras.c.site_id == Site.id)
        .where(Site.id.in_(ids))
        .order_by(escalated.desc(), overdue.desc(), devices_off.desc(), cameras_off.desc(), n_open.desc(), Site.id)
        .limit(size)
    ).all()  # fmt: skip
    items = [
        AttentionItem(
            site_id=r[0],
            site_name=r[1],
            open=int(r[2]),
            overdue=int(r[3]),
            escalated=int(r[4]),
            devices_offline=int(r[5]),
            cameras_offline=int(r[6]),
        )
        for r in rows
        if r[2] or r[5] or r[6]  # something open or offline; a quiet site only counts in the totals
    ]
    if not rows:
        return Attention(items, 0, 0, Fleet(0, 0, 0, 0))
    first = rows[0]
    fleet = Fleet(*(int(v or 0) for v in first[9:13]))
    return Attention(items, int(first[7] or 0), int(first[8] or 0), fleet)
