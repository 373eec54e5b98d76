"""What the platform knows about a batch of sites, gathered in a fixed number of grouped queries
(not per site), so a district's whole checklist costs the same handful of round trips as one site's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.rollout.models import (
    Acceptance,
    AcceptancePhoto,
    AlertTestRequest,
    SiteRollout,
    Training,
)
from brightkitchen.platform.sites.models import Camera, KitchenArea
from brightkitchen.platform.users.models import Role, User


@dataclass(frozen=True)
class CameraFact:
    key: str
    area_kind: str | None
    status: str
    last_seen_at: datetime | None
    created_at: datetime


@dataclass
class SiteFacts:
    site_id: int
    cameras: list[CameraFact] = field(default_factory=list)
    devices: int = 0  # registered and not revoked
    last_heartbeat_at: datetime | None = None
    school_admins: int = 0
    last_login: tuple[str, datetime] | None = None  # (username, at) of the latest school-admin sign-in
    latest_request: AlertTestRequest | None = None
    test_answer: tuple[int, datetime] | None = None  # (alert id, created_at) of the first answer
    training: Training | None = None
    acceptance: Acceptance | None = None
    acceptance_photos: list[AcceptancePhoto] = field(default_factory=list)
    first_accepted_at: datetime | None = None


def gather(session: Session, site_ids: Sequence[int]) -> dict[int, SiteFacts]:
    facts = {sid: SiteFacts(sid) for sid in site_ids}
    if not facts:
        return facts
    ids = list(facts)
    cams = session.execute(
        select(Camera.site_id, Camera.key, KitchenArea.kind, Camera.status, Camera.last_seen_at, Camera.created_at)
        .outerjoin(KitchenArea, KitchenArea.id == Camera.area_id)
        .where(Camera.site_id.in_(ids))
        .order_by(Camera.site_id, Camera.key)
    )
    for site_id, key, kind, status, seen, created in cams:
        facts[site_id].cameras.append(CameraFact(key, kind, status, seen, created))
    devices = session.execute(
        select(Device.site_id, func.count(), func.max(Device.last_heartbeat_at))
        .where(Device.site_id.in_(ids), Device.revoked_at.is_(None))
        .group_by(Device.site_id)
    )
    for site_id, n, last in devices:
        facts[site_id].devices, facts[site_id].last_heartbeat_at = n, _aware(last)
    _logins(session, ids, facts)
    _test_alerts(session, ids, facts)
    for training in session.scalars(
        select(Training).where(Training.site_id.in_(ids)).order_by(Training.trained_at, Training.id)
    ):
        facts[training.site_id].training = training  # the latest wins
    for acc in session.scalars(
        select(Acceptance).where(Acceptance.site_id.in_(ids)).order_by(Acceptance.signed_at, Acceptance.id)
    ):
        facts[acc.site_id].acceptance = acc
    latest = {f.acceptance.id: f for f in facts.values() if f.acceptance is not None}
    if latest:
        photos = select(AcceptancePhoto).where(AcceptancePhoto.acceptance_id.in_(list(latest)))
        for photo in session.scalars(photos.order_by(AcceptancePhoto.id)):
            latest[photo.acceptance_id].acceptance_photos.append(photo)
    for site_id, first in session.execute(
        select(SiteRollout.site_id, SiteRollout.first_accepted_at).where(SiteRollout.site_id.in_(ids))
    ):
        facts[site_id].first_accepted_at = first
    return facts


def _logins(session: Session, ids: list[int], facts: dict[int, SiteFacts]) -> None:
    rows = session.execute(
        select(User.site_id, User.username, User.last_login_at)
        .where(User.site_id.in_(ids), User.role == Role.school_admin, User.is_active.is_(True))
        .order_by(User.site_id, User.id)
    )
    for site_id, username, at in rows:
        if site_id is None:  # the IN filter already excludes it; this tells the type checker
            continue
        f = facts[site_id]
        f.school_admins += 1
        if at is not None and (f.last_login is None or at > f.last_login[1]):
            f.last_login = (username, at)


def _test_alerts(session: Session, ids: list[int], facts: dict[int, SiteFacts]) -> None:
    """Only a test event that arrived after a request counts: the edge's own self-tests prove nothing
    about the installer's press of the button reaching the site."""
    for req in session.scalars(
        select(AlertTestRequest)
        .where(AlertTestRequest.site_id.in_(ids))
        .order_by(AlertTestRequest.requested_at, AlertTestRequest.id)
    ):
        facts[req.site_id].latest_request = req
    first_request = (
        select(func.min(AlertTestRequest.requested_at))
        .where(AlertTestRequest.site_id == Alert.site_id)
        .scalar_subquery()
    )
    answered = session.execute(
        select(Alert.site_id, Alert.id, Alert.created_at)
        .where(Alert.site_id.in_(ids), Alert.test.is_(True), Alert.created_at >= first_request)
        .order_by(Alert.site_id, Alert.created_at, Alert.id)
    )
    for site_id, alert_id, created in answered:
        if facts[site_id].test_answer is None:
            facts[site_id].test_answer = (alert_id, created)


def _aware(value: datetime | None) -> datetime | None:
    # max() over a UTCDateTime column comes back untyped on SQLite: give it its zone again.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
