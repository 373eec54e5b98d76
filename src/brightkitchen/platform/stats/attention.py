"""The overview's sites needing attention (open alerts, devices or cameras offline), worst first, and the open
and overdue totals of the scope: ranked and cut in the database, so only the top rows reach Python."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera, Site
from brightkitchen.platform.stats import queries as q
from brightkitchen.platform.stats.counts import open_per_site
from brightkitchen.platform.stats.schemas import AttentionItem

ATTENTION_SIZE = 20


@dataclass(frozen=True)
class Attention:
    items: list[AttentionItem]
    open: int  # alerts in open states in the scope, whatever their age
    overdue: int


def attention(
    session: Session, settings: Settings, ids: Select[Any], now: datetime, size: int = ATTENTION_SIZE
) -> Attention:
    alerts = open_per_site(ids, now).subquery()
    devices = (
        select(Device.site_id, q.count_if(~q.device_online(settings, now)).label("off"))
        .where(Device.site_id.in_(ids), Device.revoked_at.is_(None))
        .group_by(Device.site_id)
        .subquery()
    )
    cameras = (
        select(Camera.site_id, (func.count() - q.count_if(q.camera_online(settings, now))).label("off"))
        .where(Camera.site_id.in_(ids))
        .group_by(Camera.site_id)
        .subquery()
    )
    n_open, overdue, escalated = (func.coalesce(alerts.c[n], 0) for n in ("open", "overdue", "escalated_open"))
    devices_off, cameras_off = func.coalesce(devices.c.off, 0), func.coalesce(cameras.c.off, 0)
    rows = session.execute(
        select(
            Site.id,
            Site.name,
            n_open,
            overdue,
            escalated,
            devices_off,
            cameras_off,
            # Sites left out below have nothing open, so the totals over the rows kept are the scope's.
            func.sum(n_open).over(),
            func.sum(overdue).over(),
        )
        .outerjoin(alerts, alerts.c.site_id == Site.id)
        .outerjoin(devices, devices.c.site_id == Site.id)
        .outerjoin(cameras, cameras.c.site_id == Site.id)
        .where(Site.id.in_(ids), or_(n_open > 0, devices_off > 0, cameras_off > 0))
        .order_by(escalated.desc(), overdue.desc(), devices_off.desc(), cameras_off.desc(), n_open.desc(), Site.id)
        .limit(size)
    ).all()
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
    ]
    total_open, total_overdue = (int(rows[0][7] or 0), int(rows[0][8] or 0)) if rows else (0, 0)
    return Attention(items, total_open, total_overdue)
