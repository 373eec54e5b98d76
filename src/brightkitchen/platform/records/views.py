"""The records API (/api/v1/records): photos, today, completion, schedules, then records by kind."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy import select, true
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.deps import NowDep, SessionDep, SettingsDep, UserDep
from brightkitchen.platform.pagination import Page, PageParams, page_params, paginate
from brightkitchen.platform.problems import Problem, forbidden, not_found
from brightkitchen.platform.records import completion as rates
from brightkitchen.platform.records import kinds, schedules, service
from brightkitchen.platform.records.alerting import raise_supplier_expired
from brightkitchen.platform.records.models import Meal, Record, RecordKind, RecordPhoto
from brightkitchen.platform.records.photos import photo_url, store_photo
from brightkitchen.platform.records.schemas import (
    Completion,
    CorrectionIn,
    PhotoRef,
    RecordIn,
    RecordPublic,
    TodayItem,
    VersionPublic,
)
from brightkitchen.platform.records.today import today_items
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.roles import Role
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.storage.base import EvidenceMissing
from brightkitchen.platform.storage.deps import StoreDep
from brightkitchen.platform.tenancy import get_visible, in_region, site_scope
from brightkitchen.platform.uploads.forms import part_bytes, read_form

router = APIRouter(prefix="/records", tags=["records"])

_PHOTO_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["photo"],
                    "properties": {"photo": {"type": "string", "format": "binary", "description": "JPEG or PNG"}},
                }
            }
        },
    }
}


def _tz(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.timezone)


@router.post("/photos", response_model=PhotoRef, status_code=status.HTTP_201_CREATED,
             summary="Upload one photo for a record (JPEG/PNG by content); use its id in photo_ids",
             openapi_extra=_PHOTO_DOC)  # fmt: skip
async def upload_photo(
    request: Request, principal: UserDep, session: SessionDep, settings: SettingsDep, store: StoreDep, now: NowDep
) -> PhotoRef:
    site = await run_in_threadpool(service.writable_site, session, principal, None)
    form = await read_form(request, settings.max_upload_bytes, max_files=2)
    try:
        data = await part_bytes(form, "photo")
    finally:
        await form.close()
    if not data:
        raise Problem(422, "Invalid request", "a photo is required", code="photo_required",
                      errors=[{"field": "photo", "message": "missing"}])  # fmt: skip
    row = await run_in_threadpool(store_photo, session, store, principal, site.id, data, now)
    return PhotoRef(photo_id=row.id, url=photo_url(row.id))


@router.get("/photos/{photo_id}", summary="A record photo (the caller's scope)",
            responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}})  # fmt: skip
def read_photo(photo_id: int, principal: UserDep, session: SessionDep, store: StoreDep) -> Response:
    row = get_visible(session, principal, RecordPhoto, photo_id, "photo")
    try:
        data = store.read(row.storage_key)
    except EvidenceMissing as exc:
        raise not_found("photo") from exc
    return Response(data, media_type=row.content_type, headers={"Cache-Control": "private, max-age=3600"})


@router.get("/today", response_model=list[TodayItem], summary="Today's scheduled records and whether each is done")
def today(
    principal: UserDep, session: SessionDep, settings: SettingsDep, now: NowDep, site_id: int | None = None
) -> list[TodayItem]:
    site = service.readable_site(session, principal, site_id)
    return today_items(session, site.id, _tz(settings), now)


@router.get("/completion", response_model=Completion, summary="台账完成率 per site and kind over a date range")
def completion(
    principal: UserDep, session: SessionDep, settings: SettingsDep, now: NowDep,
    date_from: date | None = None, date_to: date | None = None, region_id: int | None = None,
    street: Annotated[str | None, Query(max_length=128, description="street (region) name")] = None,
) -> Completion:  # fmt: skip
    today_ = now.astimezone(_tz(settings)).date()
    date_to = date_to or today_
    date_from = date_from or date_to - timedelta(days=6)
    if date_from > date_to:
        raise kinds.invalid("date_from", "must not be after date_to")
    if (date_to - date_from).days >= rates.MAX_DAYS:
        raise kinds.invalid("date_to", f"at most {rates.MAX_DAYS} days")
    clause = site_scope(principal) & (in_region(session, principal, region_id) if region_id else true())
    if street:  # the street's name, as each site's ``street`` shows it
        clause = clause & Site.region_id.in_(select(Region.id).where(Region.name == street))
    return rates.completion(session, clause, date_from, date_to)


def _schedule_site(session: Session, principal: Principal, site_id: int) -> Site:
    return get_visible(session, principal, Site, site_id, "site")


@router.get("/schedules/{site_id}", response_model=schedules.Schedule, summary="A site's record schedule")
def get_schedule(site_id: int, principal: UserDep, session: SessionDep) -> schedules.Schedule:
    return schedules.load(session, _schedule_site(session, principal, site_id).id)


@router.put("/schedules/{site_id}", response_model=schedules.Schedule,
            summary="Set a site's record schedule (the school's admin, or an administrator)")  # fmt: skip
def put_schedule(
    site_id: int, body: schedules.Schedule, principal: UserDep, session: SessionDep, now: NowDep
) -> schedules.Schedule:
    site = _schedule_site(session, principal, site_id)
    if not (principal.is_admin or principal.role == Role.school_admin):
        raise forbidden("Only the school's admin sets its schedule")
    return schedules.save(session, site.id, body, principal.id, now)


@router.post("/{kind}", response_model=RecordPublic, status_code=status.HTTP_201_CREATED,
             summary="Make a record (school users, their own site)")  # fmt: skip
def create_record(
    kind: RecordKind, body: RecordIn, principal: UserDep, session: SessionDep, settings: SettingsDep, now: NowDep
) -> RecordPublic:
    record, data = service.create_record(session, _tz(settings), principal, kind, body, now)
    _supplier_check(session, settings, record, data, now)
    return service.to_public(session, [record])[0]


def _supplier_check(session: Session, settings: Settings, record: Record, data: BaseModel, now: datetime) -> None:
    if isinstance(data, kinds.IncomingGoods) and data.licence_expires_on < record.record_date:
        raise_supplier_expired(session, settings, record.site_id, data.supplier, data.licence_no,
                               data.licence_expires_on.isoformat(), now)  # fmt: skip


@router.get("/{kind}", response_model=Page[RecordPublic], summary="Records of one kind, newest first")
def list_records(
    kind: RecordKind, principal: UserDep, session: SessionDep, params: Annotated[PageParams, Depends(page_params)],
    site_id: int | None = None, date_from: date | None = None, date_to: date | None = None, meal: Meal | None = None,
) -> Page[RecordPublic]:  # fmt: skip
    if site_id is not None:
        get_visible(session, principal, Site, site_id, "site")
    rows, total = paginate(session, service.list_query(principal, kind, site_id, date_from, date_to, meal), params)
    return Page.of(service.to_public(session, rows), total, params)


@router.post("/{kind}/{record_id}/corrections", response_model=RecordPublic,
             summary="Correct a record: a new version with a reason; earlier versions stay in its history")  # fmt: skip
def correct_record(
    kind: RecordKind, record_id: int, body: CorrectionIn, principal: UserDep, session: SessionDep,
    settings: SettingsDep, now: NowDep,
) -> RecordPublic:  # fmt: skip
    record, data = service.correct_record(session, _tz(settings), principal, kind, record_id, body, now)
    _supplier_check(session, settings, record, data, now)
    return service.to_public(session, [record])[0]


@router.get("/{kind}/{record_id}/history", response_model=list[VersionPublic],
            summary="Every version of a record, oldest first")  # fmt: skip
def record_history(kind: RecordKind, record_id: int, principal: UserDep, session: SessionDep) -> list[VersionPublic]:
    return service.history(session, service.visible_record(session, principal, kind, record_id))
