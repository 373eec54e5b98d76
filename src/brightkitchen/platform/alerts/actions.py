"""What people do to alerts: start, submit a rectification, review, mark false positive, bulk review.
Every change goes through ``transitions.apply``; refusals become problem documents."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts import transitions as t
from brightkitchen.platform.alerts.models import Alert, AlertAudit, Rectification
from brightkitchen.platform.alerts.schemas import BulkReviewItem, BulkReviewPublic
from brightkitchen.platform.alerts.service import get_visible
from brightkitchen.platform.authz import Principal
from brightkitchen.platform.notify.models import NotifyEvent
from brightkitchen.platform.notify.outbox import enqueue
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.storage.base import EvidenceStore, new_key
from brightkitchen.platform.uploads.photos import photo_type

DECISIONS = {"approve": t.Action.approve, "reject": t.Action.reject}


def problem_of(exc: t.TransitionError) -> Problem:
    titles = {403: "Forbidden", 409: "Conflict", 422: "Invalid request"}
    codes = {403: "forbidden", 409: "wrong_state", 422: "reason_required"}
    errors = [{"field": "reason", "message": exc.detail}] if exc.status == 422 else None
    return Problem(exc.status, titles[exc.status], exc.detail, errors=errors, code=codes[exc.status])


def transition(
    session: Session, principal: Principal, alert: Alert, action: t.Action, now: datetime, reason: str = ""
) -> AlertAudit:
    try:
        return t.apply(session, alert, action, t.Actor.of(principal), now, reason)
    except t.TransitionError as exc:
        raise problem_of(exc) from exc


def precheck(principal: Principal, alert: Alert, action: t.Action) -> None:
    """The table's verdict before any file is stored (apply checks again, atomically)."""
    role = str(principal.role)
    if role not in t.TABLE[action].actors:
        raise problem_of(t.NotAllowed(f"a {role} may not {action.value} an alert"))
    if alert.state not in t.TABLE[action].sources:
        raise problem_of(t.WrongState(f"cannot {action.value} an alert that is {alert.state}"))


def start(session: Session, principal: Principal, alert_id: int, now: datetime) -> Alert:
    alert = get_visible(session, principal, alert_id)
    transition(session, principal, alert, t.Action.start, now)
    session.commit()
    return alert


def false_positive(session: Session, principal: Principal, alert_id: int, reason: str, now: datetime) -> Alert:
    alert = get_visible(session, principal, alert_id)
    transition(session, principal, alert, t.Action.false_positive, now, reason)
    session.commit()
    return alert


def rectify(
    session: Session, store: EvidenceStore, principal: Principal, alert_id: int, photo: bytes | None, note: str,
    now: datetime,
) -> Alert:  # fmt: skip
    alert = get_visible(session, principal, alert_id)
    precheck(principal, alert, t.Action.submit)
    if not photo:
        raise Problem(422, "Invalid request", "a photo is required", errors=[{"field": "photo", "message": "missing"}])
    ctype = photo_type(photo, field="photo", subject="the photo", mismatch="not JPEG/PNG")
    key = new_key(alert.site_id, ctype, now)
    store.put(key, photo, ctype)
    try:
        transition(session, principal, alert, t.Action.submit, now, note)
        session.add(Rectification(alert_id=alert.id, note=note, photo_key=key,
                                  photo_sha256=hashlib.sha256(photo).hexdigest(),
                                  submitted_by=principal.id, submitted_at=now))  # fmt: skip
        session.commit()
    except BaseException:
        session.rollback()
        store.delete(key)
        raise
    return alert


def _review(
    session: Session, settings: Settings, principal: Principal, alert: Alert, decision: str, reason: str, now: datetime
) -> None:
    audit = transition(session, principal, alert, DECISIONS[decision], now, reason)
    rect = session.scalar(
        select(Rectification).where(Rectification.alert_id == alert.id).order_by(Rectification.id.desc()).limit(1)
    )
    if rect is not None:
        rect.decision = "approved" if decision == "approve" else "rejected"
        rect.reviewed_by, rect.reviewed_at, rect.review_reason = principal.id, now, reason.strip()
    if decision == "reject":
        session.flush()
        enqueue(session, settings, alert, NotifyEvent.rejected, now, tag=str(audit.id))


def review(
    session: Session, settings: Settings, principal: Principal, alert_id: int, decision: str, reason: str,
    now: datetime,
) -> Alert:  # fmt: skip
    alert = get_visible(session, principal, alert_id)
    _review(session, settings, principal, alert, decision, reason, now)
    session.commit()
    return alert


def bulk_review(
    session: Session, settings: Settings, principal: Principal, ids: list[int], decision: str, reason: str,
    now: datetime,
) -> BulkReviewPublic:  # fmt: skip
    """Each id succeeds or fails on its own; a refusal happens before that id writes anything."""
    items: list[BulkReviewItem] = []
    for alert_id in dict.fromkeys(ids):
        try:
            alert = get_visible(session, principal, alert_id)
            _review(session, settings, principal, alert, decision, reason, now)
        except Problem as exc:
            items.append(BulkReviewItem(id=alert_id, ok=False, status=exc.status, detail=exc.detail))
            continue
        items.append(BulkReviewItem(id=alert_id, ok=True, status=200, state=alert.state))
    session.commit()
    ok = sum(1 for i in items if i.ok)
    return BulkReviewPublic(items=items, succeeded=ok, failed=len(items) - ok)
