"""What people (and the edge) do during a roll-out: record training, sign the on-site acceptance with
photos, press "send test alert", and the device picking that request up."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.authz import Principal
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.rollout.models import Acceptance, AcceptancePhoto, AlertTestRequest, Training
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.storage.base import EvidenceStore, new_key
from brightkitchen.platform.uploads.photos import photo_type
from brightkitchen.platform.users.models import User

MAX_PHOTOS = 6


def record_training(
    session: Session,
    principal: Principal,
    site_id: int,
    trainer: str,
    attendees: str,
    note: str,
    trained_at: datetime | None,
    now: datetime,
) -> Training:
    if trained_at is not None and trained_at > now + timedelta(minutes=5):
        raise Problem(
            422,
            "Invalid request",
            "training cannot be in the future",
            errors=[{"field": "trained_at", "message": "in the future"}],
        )
    row = Training(
        site_id=site_id,
        trainer=trainer,
        attendees=attendees,
        note=note,
        trained_at=trained_at or now,
        recorded_by=principal.id,
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    return row


def sign_acceptance(
    session: Session,
    store: EvidenceStore,
    principal: Principal,
    site_id: int,
    note: str,
    photos: list[bytes],
    now: datetime,
) -> Acceptance:
    """Every photo is checked by content before any is stored; stored names are made here, never taken
    from the upload, and the files written are removed again if the database refuses the rows."""
    if not photos:
        raise Problem(
            422, "Invalid request", "at least one photo is required", errors=[{"field": "photos", "message": "missing"}]
        )
    if len(photos) > MAX_PHOTOS:
        raise Problem(
            422, "Invalid request", f"at most {MAX_PHOTOS} photos", errors=[{"field": "photos", "message": "too many"}]
        )
    types = [
        photo_type(data, field=f"photos[{i}]", subject=f"photos[{i}]", mismatch="not JPEG or PNG",
                   corrupt_prefix=f"photos[{i}]: ")
        for i, data in enumerate(photos)
    ]  # fmt: skip
    inspector = session.get(User, principal.id)
    name = (inspector.display_name or inspector.username) if inspector else str(principal.id)
    acceptance = Acceptance(site_id=site_id, inspector_id=principal.id, inspector_name=name, note=note, signed_at=now)
    session.add(acceptance)
    session.flush()
    written: list[str] = []
    try:
        for data, ctype in zip(photos, types, strict=True):
            key = new_key(site_id, ctype, now)
            store.put(key, data, ctype)
            written.append(key)
            session.add(
                AcceptancePhoto(
                    acceptance_id=acceptance.id,
                    storage_key=key,
                    content_type=ctype,
                    sha256=hashlib.sha256(data).hexdigest(),
                    size=len(data),
                )
            )
        session.flush()
    except BaseException:
        for key in written:
            store.delete(key)
        raise
    return acceptance


def request_test_alert(
    session: Session, settings: Settings, principal: Principal, site_id: int, now: datetime
) -> AlertTestRequest:
    req = AlertTestRequest(
        site_id=site_id,
        requested_by=principal.id,
        requested_at=now,
        expires_at=now + timedelta(seconds=settings.rollout_test_alert_timeout_s),
    )
    session.add(req)
    session.flush()
    return req


def pending_for_device(session: Session, site_id: int, now: datetime) -> AlertTestRequest | None:
    """The newest unexpired request of the device's site that no test event has answered yet;
    marked delivered the first time the device sees it, so the installer knows it got through."""
    req = session.scalar(
        select(AlertTestRequest)
        .where(AlertTestRequest.site_id == site_id, AlertTestRequest.expires_at >= now)
        .order_by(AlertTestRequest.requested_at.desc(), AlertTestRequest.id.desc())
        .limit(1)
    )
    if req is None:
        return None
    answered = session.scalar(
        select(Alert.id).where(Alert.site_id == site_id, Alert.test.is_(True), Alert.created_at >= req.requested_at)
    )
    if answered is not None:
        return None
    if req.delivered_at is None:
        req.delivered_at = now
    return req
