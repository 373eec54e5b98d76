"""The birth of every alert, whoever raises it (edge ingestion, device health, and later daily records and
sensors): deadlines from the region's policies, the row, and its first audited transition, in one place."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts import rollups
from brightkitchen.platform.alerts import transitions as t
from brightkitchen.platform.alerts.deadlines import deadlines
from brightkitchen.platform.alerts.models import Alert, AlertState
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Site


def site_region_path(session: Session, site_id: int) -> str:
    path = session.scalar(select(Region.path).join(Site, Site.region_id == Region.id).where(Site.id == site_id))
    return path or "/"


def open_alert(
    session: Session,
    settings: Settings,
    *,
    site_id: int,
    code: str,
    source: str,
    event_id: str,
    actor: t.Actor,
    now: datetime,
    region_path: str | None = None,
    reason: str = "",
    **fields: Any,
) -> Alert:
    """Inserts a ``new`` alert (flushed, so it has its id) and records its "create" transition.
    ``fields`` are the remaining ``Alert`` columns (camera, device, score, times, boxes, detail, ...).
    A unique clash (same event_id, or an open fault already there) raises IntegrityError from the flush:
    the caller decides whether that is a duplicate."""
    path = region_path if region_path is not None else site_region_path(session, site_id)
    deadline_at, escalate_at = deadlines(session, settings, path, code, now)
    alert = Alert(
        event_id=event_id, site_id=site_id, code=code, state=AlertState.new, source=source, created_at=now,
        deadline_at=deadline_at, escalate_at=escalate_at, **fields,
    )  # fmt: skip
    session.add(alert)
    session.flush()
    rollups.born(session, alert, settings.timezone)
    t.record(session, alert.id, "create", actor, None, AlertState.new, reason, now)
    return alert
