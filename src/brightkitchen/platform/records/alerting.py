"""Alerts the platform raises about records and certificates: born through ``open_alert`` with a stable
event id, so each is raised once however many passes or processes try (the unique event id is the claim)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts import transitions as t
from brightkitchen.platform.alerts.birth import open_alert
from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.settings import Settings
from brightkitchen.protocol.codes import ViolationCode


def raise_once(
    session: Session, settings: Settings, *, site_id: int, code: ViolationCode, event_id: str, detail: str,
    now: datetime, at: datetime | None = None,
) -> Alert | None:  # fmt: skip
    """The alert, or None when it was raised before (by this process or another)."""
    if session.scalar(select(Alert.id).where(Alert.event_id == event_id)) is not None:
        return None
    happened = at or now
    try:
        with session.begin_nested():  # a clash with another process undoes only this insert
            return open_alert(
                session, settings, site_id=site_id, code=code, source="system", event_id=event_id,
                actor=t.Actor.system(), now=now, reason=detail, camera_id=None, score=1.0, started_at=happened,
                ended_at=happened, boxes=[], detail=detail[:500],
            )  # fmt: skip
    except IntegrityError:
        return None


def supplier_event_id(site_id: int, supplier: str, licence_no: str) -> str:
    digest = hashlib.sha256(f"{supplier}\n{licence_no}".encode()).hexdigest()[:20]
    return f"lic-{site_id}-{digest}"


def raise_supplier_expired(
    session: Session, settings: Settings, site_id: int, supplier: str, licence_no: str, expires_on: str, now: datetime
) -> Alert | None:
    detail = f"供应商 {supplier} 的资质 {licence_no} 已于 {expires_on} 过期"
    return raise_once(session, settings, site_id=site_id, code=ViolationCode.supplier_cert_expired,
                      event_id=supplier_event_id(site_id, supplier, licence_no), detail=detail, now=now)  # fmt: skip
