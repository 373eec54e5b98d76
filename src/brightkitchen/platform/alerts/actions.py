"""What people do to alerts: start, submit a rectification (one alert or a batch), review, mark false positive,
bulk review.
Every change goes through ``transitions.apply``; refusals become problem documents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts import transitions as t
from brightkitchen.platform.alerts.models import Alert, AlertAudit, Rectification
from brightkitchen.platform.alerts.rectification_photos import add_rectification, check_photos, discard, store_photos
from brightkitchen.platform.alerts.schemas import BulkRectifyPublic, BulkReviewItem, BulkReviewPublic
from brightkitchen.platform.alerts.service import get_visible
from brightkitchen.platform.authz import Principal
from brightkitchen.platform.notify.models import NotifyEvent
from brightkitchen.platform.notify.outbox import enqueue
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.storage.base import EvidenceStore

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
    session: Session, store: EvidenceStore, principal: Principal, alert_id: int, photos: Sequence[bytes], note: str,
    now: datetime,
) -> Alert:  # fmt: skip
    alert = get_visible(session, principal, alert_id)
    precheck(principal, alert, t.Action.submit)
    stored = store_photos(store, alert.site_id, photos, now)
    try:
        transition(session, principal, alert, t.Action.submit, now, note)
        add_rectification(session, alert.id, note, stored, principal.id, now)
        session.commit()
    except BaseException:
        session.rollback()
        discard(store, stored)
        raise
    return alert


def _needs_start(alert: Alert) -> bool:
    """A batch answers alerts the school has not started yet too: it starts them on the way."""
    return alert.state in t.TABLE[t.Action.start].sources


def _same_code(alert: Alert, code: str) -> None:
    if alert.code != code:
        raise Problem(409, "Conflict", f"alert {alert.id} is {alert.code}, not {code}: rectify one type at a time",
                      code="mixed_codes")  # fmt: skip


def bulk_rectify(
    session: Session, store: EvidenceStore, principal: Principal, ids: Sequence[int], photos: Sequence[bytes],
    note: str, now: datetime,
) -> BulkRectifyPublic:  # fmt: skip
    """One note and one photo set for several alerts of one violation code (started on the way where needed).
    The photos are checked before any id is looked at and stored once; each id then succeeds or fails on its own
    (another site's id: 404, a different code: 409 mixed_codes)."""
    ids = list(dict.fromkeys(ids))
    check_photos(photos)
    visible: dict[int, Alert | Problem] = {}
    for alert_id in ids:
        try:
            alert = get_visible(session, principal, alert_id)
            precheck(principal, alert, t.Action.start if _needs_start(alert) else t.Action.submit)
            visible[alert_id] = alert
        except Problem as exc:
            visible[alert_id] = exc
    alerts = [a for a in visible.values() if isinstance(a, Alert)]
    if not alerts:
        return _bulk_result([_failed(i, p) for i, p in visible.items() if isinstance(p, Problem)])
    code, site_ids = alerts[0].code, {a.site_id for a in alerts}
    # The files are stored under the first site's folder: a school's batch is one site; a regulator's is refused.
    stored = store_photos(store, min(site_ids), photos, now)
    items: list[BulkReviewItem] = []
    try:
        for alert_id, found in visible.items():
            if isinstance(found, Problem):
                items.append(_failed(alert_id, found))
                continue
            try:
                _same_code(found, code)
                with session.begin_nested():
                    if _needs_start(found):
                        transition(session, principal, found, t.Action.start, now)
                    transition(session, principal, found, t.Action.submit, now, note)
                    add_rectification(session, found.id, note, stored, principal.id, now)
            except Problem as exc:
                items.append(_failed(alert_id, exc))
                continue
            items.append(BulkReviewItem(id=alert_id, ok=True, status=200, state=found.state))
        if not any(i.ok for i in items):
            raise _NothingDone
        session.commit()
    except _NothingDone:
        session.rollback()
        discard(store, stored)
    except BaseException:
        session.rollback()
        discard(store, stored)
        raise
    return _bulk_result(items)


class _NothingDone(Exception):
    """No id took the photos: they are removed again."""


def _failed(alert_id: int, exc: Problem) -> BulkReviewItem:
    return BulkReviewItem(id=alert_id, ok=False, status=exc.status, detail=exc.detail, code=exc.code)


def _bulk_result(items: list[BulkReviewItem]) -> BulkRectifyPublic:
    ok = sum(1 for i in items if i.ok)
    return BulkRectifyPublic(items=items, succeeded=ok, failed=len(items) - ok)


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
