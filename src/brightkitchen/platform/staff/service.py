"""The roster: who may change it (the school's admin, an administrator), certificate states, and queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.problems import Problem, forbidden
from brightkitchen.platform.records.photos import check_photo_ids, photo_url
from brightkitchen.platform.roles import Role
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.staff.models import Staff
from brightkitchen.platform.staff.schemas import CertState, StaffIn, StaffPatch, StaffPublic
from brightkitchen.platform.tenancy import get_visible, site_scope

EXPIRING_DAYS = 30  # a certificate this close to its end shows as "expiring" (and is listed for reminders)


def cert_state(expires_on: date, today: date, days: int = EXPIRING_DAYS) -> tuple[CertState, int]:
    left = (expires_on - today).days
    if left < 0:
        return CertState.expired, left
    return (CertState.expiring if left <= days else CertState.valid), left


def managed_site(session: Session, principal: Principal, site_id: int | None) -> Site:
    """The site whose roster the caller changes: a school admin's own, or any for an administrator."""
    if not (principal.is_admin or principal.role == Role.school_admin):
        raise forbidden("Only the school's admin changes its staff roster")
    if site_id is None:
        if principal.site_id is None:
            raise Problem(422, "Invalid request", "site_id is required", code="invalid",
                          errors=[{"field": "site_id", "message": "required"}])  # fmt: skip
        site_id = principal.site_id
    return get_visible(session, principal, Site, site_id, "site")


def _photo(session: Session, site_id: int, photo_id: int | None) -> int | None:
    return check_photo_ids(session, site_id, [photo_id], field="photo_id")[0] if photo_id else None


def create(session: Session, principal: Principal, body: StaffIn, now: datetime) -> Staff:
    site = managed_site(session, principal, body.site_id)
    values = body.model_dump(exclude={"site_id", "photo_id"})
    values["phone"] = body.phone or ""
    row = Staff(site_id=site.id, photo_id=_photo(session, site.id, body.photo_id), created_at=now, updated_at=now,
                **values)  # fmt: skip
    session.add(row)
    session.flush()
    return row


def update(session: Session, principal: Principal, staff_id: int, body: StaffPatch, now: datetime) -> Staff:
    row = get_visible(session, principal, Staff, staff_id, "staff")
    managed_site(session, principal, row.site_id)
    changes = body.model_dump(exclude_unset=True)
    if "photo_id" in changes:
        changes["photo_id"] = _photo(session, row.site_id, changes["photo_id"])
    if "phone" in changes:
        changes["phone"] = changes["phone"] or ""
    for key in ("name", "position", "cert_no", "cert_issued_on", "cert_expires_on", "active"):
        if key in changes and changes[key] is None:
            raise Problem(422, "Invalid request", f"{key} may not be null", code="invalid",
                          errors=[{"field": key, "message": "may not be null"}])  # fmt: skip
    issued, expires = (
        changes.get("cert_issued_on", row.cert_issued_on),
        changes.get("cert_expires_on", row.cert_expires_on),
    )
    if expires < issued:
        raise Problem(422, "Invalid request", "the certificate expires before it was issued", code="invalid",
                      errors=[{"field": "cert_expires_on", "message": "before cert_issued_on"}])  # fmt: skip
    for key, value in changes.items():
        setattr(row, key, value)
    row.updated_at = now
    session.flush()
    return row


def list_query(
    principal: Principal,
    site_id: int | None,
    active: bool | None,
    q: str | None,
    extra: ColumnElement[bool] | None = None,
) -> Select[Staff]:
    stmt = select(Staff).join(Site, Site.id == Staff.site_id).where(site_scope(principal))
    if site_id is not None:
        stmt = stmt.where(Staff.site_id == site_id)
    if active is not None:
        stmt = stmt.where(Staff.active.is_(active))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(Staff.name.like(like) | Staff.cert_no.like(like) | Staff.position.like(like))
    if extra is not None:
        stmt = stmt.where(extra)
    return stmt.order_by(Staff.site_id, Staff.name, Staff.id)


def to_public(session: Session, rows: Sequence[Staff], today: date) -> list[StaffPublic]:
    names = dict(session.execute(select(Site.id, Site.name).where(Site.id.in_({r.site_id for r in rows}))).all())
    out = []
    for r in rows:
        state, left = cert_state(r.cert_expires_on, today)
        photo = photo_url(r.photo_id) if r.photo_id else None
        out.append(StaffPublic(id=r.id, site_id=r.site_id, site_name=names.get(r.site_id, ""), name=r.name,
                               position=r.position, phone=r.phone, cert_no=r.cert_no, cert_issued_on=r.cert_issued_on,
                               cert_expires_on=r.cert_expires_on, photo_url=photo, active=r.active, cert_state=state,
                               days_left=left))  # fmt: skip
    return out
