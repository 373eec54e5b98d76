"""The certificate check for the jobs loop: every active staff member whose health certificate has expired
raises health_cert_expired once per person and expiry date (a renewed certificate that expires again raises
anew). Reminders before expiry are the "expiring" list of GET /staff/certificates."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.records.alerting import raise_once
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.staff.models import Staff
from brightkitchen.protocol.codes import ViolationCode


def event_id(staff: Staff) -> str:
    return f"cert-{staff.id}-{staff.cert_expires_on.isoformat()}"


def check_expired(session: Session, settings: Settings, now: datetime) -> int:
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    expired = session.scalars(
        select(Staff).where(Staff.active.is_(True), Staff.cert_expires_on < today).order_by(Staff.id)
    ).all()
    if not expired:
        return 0
    raised = set(session.scalars(select(Alert.event_id).where(Alert.event_id.in_([event_id(s) for s in expired]))))
    count = 0
    for staff in expired:
        if event_id(staff) in raised:
            continue
        detail = f"{staff.position} {staff.name} 的健康证 {staff.cert_no} 已于 {staff.cert_expires_on} 过期"
        alert = raise_once(session, settings, site_id=staff.site_id, code=ViolationCode.health_cert_expired,
                           event_id=event_id(staff), detail=detail, now=now)  # fmt: skip
        count += alert is not None
    return count
