"""Reading alerts: scoped lookups, the filtered list, and the detail with signed evidence links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Interval, Select, and_, func, literal_column, not_, select
from sqlalchemy.orm import Session, aliased

from brightkitchen.platform.alerts import transitions as t
from brightkitchen.platform.alerts.deadlines import is_overdue, overdue_clause
from brightkitchen.platform.alerts.models import Alert, AlertAudit, AlertDetection, AlertEvidence, Rectification
from brightkitchen.platform.alerts.rectification_photos import photo_links
from brightkitchen.platform.alerts.schemas import (
    AlertDetailPublic,
    AlertPage,
    AlertPublic,
    AuditPublic,
    EvidencePublic,
    RectificationPublic,
)
from brightkitchen.platform.authz import Principal
from brightkitchen.platform.keyset import after, capped_total, custom_plans, decode_cursor, encode_cursor, key_type
from brightkitchen.platform.pagination import PageParams
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera, Site
from brightkitchen.platform.storage.links import signed_url
from brightkitchen.platform.storage.thumbnails import list_picture_url
from brightkitchen.platform.tenancy import get_visible as get_scoped
from brightkitchen.platform.tenancy import in_region, site_scope
from brightkitchen.platform.users.models import User
from brightkitchen.protocol.codes import VIOLATION_NAMES_ZH, ViolationCode

SelectT = TypeVar("SelectT", bound="Select[*tuple[Any, ...]]")


def get_visible(session: Session, principal: Principal, alert_id: int) -> Alert:
    """Another school's or district's alert answers exactly like a missing one."""
    return get_scoped(session, principal, Alert, alert_id, "alert")


@dataclass
class AlertFilters:
    site_id: int | None = None
    region_id: int | None = None
    code: str | None = None
    states: tuple[str, ...] = ()  # any of these
    overdue: bool | None = None
    escalated: bool | None = None
    since: datetime | None = None
    until: datetime | None = None
    test: bool = False  # installer test alerts are listed only when asked for
    camera_id: int | None = None
    sort: str | None = None  # a name in SORTS, "-" first for downwards; None: newest first


# What the list sorts by (?sort=); anything else is a 422. Ties go by id, so pages never overlap.
SORTS: dict[str, Any] = {
    "id": Alert.id,
    "created_at": Alert.created_at,
    "started_at": Alert.started_at,
    "last_seen_at": Alert.last_seen_at,
    "deadline_at": Alert.deadline_at,
    "detection_count": Alert.detection_count,
    "code": Alert.code,
    "state": Alert.state,
    "score": Alert.score,
}


def _sort_of(sort: str | None) -> tuple[str, str, Any, bool]:
    """The sort as written ("-id" by default), its column's name, the column, and whether it goes downwards."""
    written = sort or "-id"
    name = written.removeprefix("-")
    column = SORTS.get(name)
    if column is None:
        message = f"sort by one of: {', '.join(SORTS)}"
        raise Problem(422, "Invalid request", message, errors=[{"field": "sort", "message": message}], code="invalid")
    return written, name, column, written.startswith("-")


def _ordered(stmt: SelectT, sort: str | None) -> SelectT:
    """By one column of ``SORTS`` (a leading "-": downwards), then by id the same way; default newest first."""
    _, _, column, descending = _sort_of(sort)
    if descending:
        return stmt.order_by(column.desc(), Alert.id.desc())
    return stmt.order_by(column.asc(), Alert.id.asc())


def _filtered(
    stmt: SelectT, f: AlertFilters, region: ColumnElement[bool] | None, now: datetime, ranges: bool = False
) -> SelectT:
    """``ranges``: the database has the episode range index (PostgreSQL), worth using for a closed date range."""
    stmt = stmt.where(Alert.test.is_(f.test))
    if f.site_id is not None:
        stmt = stmt.where(Alert.site_id == f.site_id)
    if region is not None:
        stmt = stmt.where(region)
    if f.code:
        stmt = stmt.where(Alert.code == f.code)
    if f.states:
        stmt = stmt.where(Alert.state.in_(f.states))
    if f.camera_id is not None:
        stmt = stmt.where(Alert.camera_id == f.camera_id)
    if f.overdue is not None:
        stmt = stmt.where(overdue_clause(now) if f.overdue else not_(overdue_clause(now)))
    if f.escalated is not None:
        stmt = stmt.where(Alert.escalated_at.is_not(None) if f.escalated else Alert.escalated_at.is_(None))
    # A date range keeps the alerts whose episode (first to last seen) overlaps it.
    overlap = ranges and f.since is not None and f.until is not None
    # With the range index, the columns' own indexes are kept out (a shift by nothing): the planner ANDed a
    # year of the last_seen_at index (3 M entries, 0.3 s) with the week the range index had already found.
    last_seen, started = (Alert.last_seen_at + _NO_SHIFT, Alert.started_at + _NO_SHIFT) if overlap else (
        Alert.last_seen_at, Alert.started_at)  # fmt: skip
    if f.since is not None:
        stmt = stmt.where(last_seen >= f.since)
    if f.until is not None:
        stmt = stmt.where(started < f.until)
    if overlap:
        # The same condition once more as a range overlap, which the GiST index answers and estimates well.
        wanted = func.tstzrange(f.since, f.until, literal_column("'[)'"))
        stmt = stmt.where(_EPISODE.op("&&")(wanted))
    return stmt


_NO_SHIFT = literal_column("interval '0 seconds'", Interval)
# alerts/models.py EPISODE_RANGE_SQL as an expression on the alerts table (other joined tables have last_seen_at).
_EPISODE = func.tstzrange(Alert.started_at, func.greatest(Alert.started_at, Alert.last_seen_at), literal_column("'[]'"))
# A date range with at most this many alerts is read through its range index and sorted, rather than found by
# walking newest first: ids follow time, so an old range's alerts all lie far down that walk.
_SORT_RANGE_UP_TO = 100_000


def code_name(code: str) -> str:
    try:
        return VIOLATION_NAMES_ZH[ViolationCode(code)]
    except ValueError:
        return code


def to_public(
    alert: Alert, site_name: str, camera_name: str | None, snapshot_key: str | None, settings: Settings, now: datetime
) -> dict[str, Any]:
    url = signed_url(settings.secret_key, snapshot_key, now, settings.evidence_url_ttl_s) if snapshot_key else None
    thumb = list_picture_url(snapshot_key, settings, now)
    return {
        "id": alert.id, "site_id": alert.site_id, "site_name": site_name, "camera_id": alert.camera_id,
        "camera_name": camera_name, "code": alert.code, "code_name": code_name(alert.code), "state": alert.state,
        "overdue": is_overdue(alert.state, alert.deadline_at, now), "escalated": alert.escalated_at is not None,
        "escalated_at": alert.escalated_at, "started_at": alert.started_at, "created_at": alert.created_at,
        "deadline_at": alert.deadline_at, "score": alert.score, "source": alert.source, "test": alert.test,
        "snapshot_url": url, "thumbnail_url": thumb, "detection_count": alert.detection_count,
        "last_seen_at": alert.last_seen_at,
    }  # fmt: skip


def list_alerts(
    session: Session,
    settings: Settings,
    principal: Principal,
    f: AlertFilters,
    params: PageParams,
    now: datetime,
    cursor: str | None = None,
) -> AlertPage:
    """One page by offset (``params.page``) or, given a ``cursor``, the page after it (``page`` is then not
    used). Either way ``next_cursor`` leads on, and the total is exact up to the configured limit."""
    sort, name, column, descending = _sort_of(f.sort)
    resume = None
    if cursor:
        key, last_id = decode_cursor(cursor, sort, key_type(column))
        resume = after(column, key, Alert.id, last_id, descending)
    snap = aliased(AlertEvidence)
    # An out-of-scope region answers with an empty page here (a published answer); unknown ones are 404.
    region = in_region(session, principal, f.region_id) if f.region_id is not None else None
    ranges = session.get_bind().dialect.name == "postgresql"
    # The best path (which index, or a sort) depends on how few alerts the filters leave: never a generic plan.
    custom_plans(session)
    base = select(Alert.id).join(Site, Site.id == Alert.site_id).where(site_scope(principal))
    base = _filtered(base, f, region, now, ranges)
    total, estimated = capped_total(session, base, settings.alert_list_exact_total)
    stmt = (
        select(Alert, Site.name, Camera.name, snap.storage_key)
        .join(Site, Site.id == Alert.site_id)
        .outerjoin(Camera, Camera.id == Alert.camera_id)
        .outerjoin(snap, and_(snap.alert_id == Alert.id, snap.kind == "snapshot"))
        .where(site_scope(principal))
    )
    if name == "id" and f.since is not None and f.until is not None and total <= _SORT_RANGE_UP_TO:
        # "id + 0": the same order, which no index offers, so the planner reads the range and sorts it.
        stmt = stmt.order_by((Alert.id + 0).desc() if descending else (Alert.id + 0).asc())
    else:
        stmt = _ordered(stmt, f.sort)
    stmt = _filtered(stmt, f, region, now, ranges)
    # One row more than the page tells whether there is a next one.
    if resume is not None:
        stmt = stmt.where(resume).limit(params.size + 1)
    else:
        stmt = stmt.limit(params.size + 1).offset((params.page - 1) * params.size)
    rows = session.execute(stmt).all()
    last = rows[params.size - 1][0] if len(rows) > params.size else None
    items = [AlertPublic(**to_public(a, site, cam, key, settings, now)) for a, site, cam, key in rows[: params.size]]
    return AlertPage(
        items=items, total=total, page=params.page, size=params.size, total_estimated=estimated,
        next_cursor=encode_cursor(sort, getattr(last, name), last.id) if last is not None else None,
    )  # fmt: skip


def detail(
    session: Session, settings: Settings, principal: Principal, alert: Alert, now: datetime
) -> AlertDetailPublic:
    ttl, secret = settings.evidence_url_ttl_s, settings.secret_key
    site_name = session.scalar(select(Site.name).where(Site.id == alert.site_id)) or ""
    camera_name = session.scalar(select(Camera.name).where(Camera.id == alert.camera_id)) if alert.camera_id else None
    evidence = session.execute(
        select(AlertEvidence, AlertDetection.started_at)
        .outerjoin(AlertDetection, AlertDetection.id == AlertEvidence.detection_id)
        .where(AlertEvidence.alert_id == alert.id)
        .order_by(AlertEvidence.id)
    ).all()
    snapshot = next((e.storage_key for e, _ in evidence if e.kind == "snapshot"), None)
    history = session.execute(
        select(AlertAudit, User.username)
        .outerjoin(User, and_(AlertAudit.actor_kind == "user", User.id == AlertAudit.actor_id))
        .where(AlertAudit.alert_id == alert.id)
        .order_by(AlertAudit.id)
    ).all()
    rects = session.scalars(
        select(Rectification).where(Rectification.alert_id == alert.id).order_by(Rectification.id)
    ).all()
    photos = photo_links(session, rects, secret, now, ttl)
    role = str(principal.role) if principal.role else "device"
    return AlertDetailPublic(
        **to_public(alert, site_name, camera_name, snapshot, settings, now),
        event_id=alert.event_id, ended_at=alert.ended_at, boxes=list(alert.boxes or []),
        frame_width=alert.frame_width, frame_height=alert.frame_height, track_id=alert.track_id,
        model_name=alert.model_name, model_version=alert.model_version, detail=alert.detail,
        false_positive_reason=alert.false_positive_reason, pushed_at=alert.pushed_at,
        submitted_at=alert.submitted_at, closed_at=alert.closed_at,
        evidence=[
            EvidencePublic(kind=e.kind, url=signed_url(secret, e.storage_key, now, ttl), content_type=e.content_type,
                           size=e.size, sha256=e.sha256, seen_at=seen_at)
            for e, seen_at in evidence
        ],
        history=[
            AuditPublic.model_validate(a).model_copy(update={"actor_name": name}) for a, name in history
        ],
        rectifications=[
            RectificationPublic(
                id=r.id, note=r.note, photo_url=signed_url(secret, r.photo_key, now, ttl), photos=photos[r.id],
                submitted_by=r.submitted_by,
                submitted_at=r.submitted_at, decision=r.decision, reviewed_by=r.reviewed_by,
                reviewed_at=r.reviewed_at, review_reason=r.review_reason,
            )
            for r in rects
        ],
        actions=[a for a in t.allowed_actions(alert.state, role) if a not in ("notify", "clear")],
    )  # fmt: skip
