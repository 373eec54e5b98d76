"""camera_fault alerts raised and cleared by the platform itself: at most one open per camera or device
(``open_fault_key`` is unique while open), raised on the change to faulty, cleared on recovery."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts import transitions as t
from brightkitchen.platform.alerts.birth import open_alert
from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.notify.models import NotifyEvent
from brightkitchen.platform.notify.outbox import enqueue
from brightkitchen.platform.settings import Settings
from brightkitchen.protocol.codes import ViolationCode

log = logging.getLogger(__name__)


def raise_fault(
    session: Session, settings: Settings, *, site_id: int, fault_key: str, detail: str, now: datetime,
    camera_id: int | None = None, device_id: int | None = None,
) -> Alert | None:  # fmt: skip
    if session.scalar(select(Alert.id).where(Alert.open_fault_key == fault_key)) is not None:
        return None
    try:
        # A savepoint: if another request raised the same fault a moment ago, only this insert is undone.
        with session.begin_nested():
            return open_alert(
                session, settings, site_id=site_id, code=ViolationCode.camera_fault, source="system",
                event_id=f"sys-{fault_key.replace(':', '-')}-{int(now.timestamp() * 1000)}", actor=t.Actor.system(),
                now=now, reason=detail, camera_id=camera_id, device_id=device_id, score=1.0, started_at=now,
                ended_at=now, boxes=[], detail=detail[:500], open_fault_key=fault_key,
            )  # fmt: skip
    except IntegrityError:
        return None


def clear_fault(session: Session, settings: Settings, fault_key: str, reason: str, now: datetime) -> Alert | None:
    alert = session.scalar(select(Alert).where(Alert.open_fault_key == fault_key))
    if alert is None:
        return None
    try:
        t.apply(session, alert, t.Action.clear, t.Actor.system(), now, reason)
    except t.TransitionError as exc:
        log.info("fault %s not cleared: %s", fault_key, exc.detail)
        return None
    enqueue(session, settings, alert, NotifyEvent.cleared, now)
    return alert
