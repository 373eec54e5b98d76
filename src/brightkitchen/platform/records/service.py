"""Writing and reading records: who may write where, the checks beyond the data's shape, versions kept for
every correction (append-only: nothing is updated in place except the current-version pointer row)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.problems import forbidden, not_found
from brightkitchen.platform.records import kinds
from brightkitchen.platform.records.models import Meal, Record, RecordKind, RecordVersion
from brightkitchen.platform.records.photos import check_photo_ids, photo_list
from brightkitchen.platform.records.schemas import CorrectionIn, RecordIn, RecordPublic, VersionPublic
from brightkitchen.platform.roles import SITE_ROLES
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.staff.models import Staff
from brightkitchen.platform.tenancy import get_visible, site_scope
from brightkitchen.platform.users.models import User


def person_name(session: Session, principal: Principal) -> str:
    """How the writer is named on the record: display name, else user name."""
    row = session.execute(select(User.display_name, User.username).where(User.id == principal.id)).first()
    return str(row.display_name or row.username) if row else f"user {principal.id}"


def writable_site(session: Session, principal: Principal, site_id: int | None) -> Site:
    """School users write their own site; region roles only read."""
    if principal.role not in SITE_ROLES or principal.site_id is None:
        raise forbidden("Only the school's own staff write its records")
    return get_visible(session, principal, Site, site_id or principal.site_id, "site")


def readable_site(session: Session, principal: Principal, site_id: int | None) -> Site:
    if site_id is None:
        if principal.site_id is None:
            raise kinds.invalid("site_id", "required for region users")
        site_id = principal.site_id
    return get_visible(session, principal, Site, site_id, "site")


def _check_staff(session: Session, site_id: int, data: BaseModel) -> None:
    if not isinstance(data, kinds.MorningCheck):
        return
    ids = {e.staff_id for e in data.entries}
    active = set(session.scalars(select(Staff.id).where(Staff.id.in_(ids), Staff.site_id == site_id, Staff.active)))
    for i, entry in enumerate(data.entries):
        if entry.staff_id not in active:
            raise kinds.invalid(f"data.entries.{i}.staff_id", f"no active staff member {entry.staff_id} at this site")


def _validated(
    session: Session, tz: ZoneInfo, site_id: int, kind: RecordKind, raw: dict[str, object], photo_ids: Sequence[int]
) -> tuple[BaseModel, list[int]]:
    data = kinds.parse_data(kind, raw, tz)
    _check_staff(session, site_id, data)
    inner = kinds.photo_refs(kind, data)
    if inner:
        check_photo_ids(session, site_id, inner, field="data.photo_ids")
    return data, check_photo_ids(session, site_id, photo_ids)


def create_record(
    session: Session, tz: ZoneInfo, principal: Principal, kind: RecordKind, body: RecordIn, now: datetime
) -> tuple[Record, BaseModel]:
    site = writable_site(session, principal, body.site_id)
    kinds.check_meal(kind, body.meal)
    data, photos = _validated(session, tz, site.id, kind, body.data, body.photo_ids)
    name = person_name(session, principal)
    stored = data.model_dump(mode="json")
    record = Record(site_id=site.id, kind=kind, record_date=body.record_date, meal=body.meal, data=stored,
                    photo_ids=photos, created_by=principal.id, created_by_name=name, created_at=now)  # fmt: skip
    record.version = 1
    session.add(record)
    session.flush()
    session.add(RecordVersion(record_id=record.id, version=1, data=stored, photo_ids=photos, by=principal.id,
                              by_name=name, at=now, reason=""))  # fmt: skip
    return record, data


def visible_record(session: Session, principal: Principal, kind: RecordKind, record_id: int) -> Record:
    record = get_visible(session, principal, Record, record_id, "record")
    if record.kind != kind:
        raise not_found("record")
    return record


def correct_record(
    session: Session, tz: ZoneInfo, principal: Principal, kind: RecordKind, record_id: int, body: CorrectionIn,
    now: datetime,
) -> tuple[Record, BaseModel]:  # fmt: skip
    record = visible_record(session, principal, kind, record_id)
    writable_site(session, principal, record.site_id)
    photo_ids = record.photo_ids if body.photo_ids is None else body.photo_ids
    data, photos = _validated(session, tz, record.site_id, kind, body.data, photo_ids)
    stored = data.model_dump(mode="json")
    version = record.version + 1
    # The version row's unique (record_id, version) makes two corrections racing on one version a 409.
    session.add(RecordVersion(record_id=record.id, version=version, data=stored, photo_ids=photos, by=principal.id,
                              by_name=person_name(session, principal), at=now, reason=body.reason))  # fmt: skip
    session.flush()
    record.data, record.photo_ids, record.version = stored, photos, version
    session.flush()
    return record, data


def history(session: Session, record: Record) -> list[VersionPublic]:
    rows = session.scalars(
        select(RecordVersion).where(RecordVersion.record_id == record.id).order_by(RecordVersion.version)
    )
    return [
        VersionPublic(
            version=v.version, data=v.data, photos=photo_list(v.photo_ids), by_name=v.by_name, at=v.at, reason=v.reason
        )
        for v in rows
    ]


def list_query(
    principal: Principal, kind: RecordKind, site_id: int | None, date_from: date | None, date_to: date | None,
    meal: Meal | None,
) -> Select[Record]:  # fmt: skip
    stmt = select(Record).join(Site, Site.id == Record.site_id).where(site_scope(principal), Record.kind == kind)
    if site_id is not None:
        stmt = stmt.where(Record.site_id == site_id)
    if date_from is not None:
        stmt = stmt.where(Record.record_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(Record.record_date <= date_to)
    if meal is not None:
        stmt = stmt.where(Record.meal == meal)
    return stmt.order_by(Record.record_date.desc(), Record.id.desc())


def to_public(session: Session, records: Sequence[Record]) -> list[RecordPublic]:
    names = dict(session.execute(select(Site.id, Site.name).where(Site.id.in_({r.site_id for r in records}))).all())
    return [
        RecordPublic(
            id=r.id, kind=RecordKind(r.kind), site_id=r.site_id, site_name=names.get(r.site_id, ""),
            record_date=r.record_date, meal=Meal(r.meal) if r.meal else None, data=r.data,
            photos=photo_list(r.photo_ids),
            created_by_name=r.created_by_name, created_at=r.created_at, version=r.version, corrected=r.version > 1,
        )
        for r in records
    ]  # fmt: skip
