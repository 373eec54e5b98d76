"""The overview's fleet figures over the scoped sites, as totals in the database: a province's 27,000 sites and
162,000 cameras are counted there, never brought into Python row by row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera
from brightkitchen.platform.stats import queries as q


@dataclass(frozen=True)
class Fleet:
    sites: int
    sites_online: int  # with an edge device heard from now
    cameras: int
    cameras_online: int


def fleet(session: Session, settings: Settings, ids: Select[Any], now: datetime) -> Fleet:
    # A site is online when not all of its devices count offline (as the per-site attention figures say).
    per_site = (
        select(Device.site_id)
        .where(Device.site_id.in_(ids), Device.revoked_at.is_(None))
        .group_by(Device.site_id)
        .having(func.count() > q.count_if(~q.device_online(settings, now)))
        .subquery()
    )
    cameras = (
        select(func.count().label("n"), q.count_if(q.camera_online(settings, now)).label("on"))
        .where(Camera.site_id.in_(ids))
        .subquery()
    )
    row = session.execute(
        select(
            select(func.count()).select_from(ids.subquery()).scalar_subquery(),
            select(func.count()).select_from(per_site).scalar_subquery(),
            cameras.c.n,
            cameras.c.on,
        )
    ).one()
    return Fleet(*(int(v or 0) for v in row))
