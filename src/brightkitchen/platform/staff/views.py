"""The staff API (/api/v1/staff): roster, sheet import/export, and the district's certificate list."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile, status
from sqlalchemy import select, true

from brightkitchen.platform.deps import NowDep, SessionDep, SettingsDep, UserDep
from brightkitchen.platform.pagination import Page, PageParams, page_params, paginate
from brightkitchen.platform.problems import Problem, forbidden
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.roles import REGION_ROLES
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.staff import service, sheet
from brightkitchen.platform.staff.models import Staff
from brightkitchen.platform.staff.schemas import CertState, StaffImportResult, StaffIn, StaffPatch, StaffPublic
from brightkitchen.platform.tenancy import get_visible, in_region

router = APIRouter(prefix="/staff", tags=["staff"])
MAX_SHEET_BYTES = 2 * 1024 * 1024


@router.get("", response_model=Page[StaffPublic], summary="The staff roster of the sites the caller sees")
def list_staff(
    principal: UserDep, session: SessionDep, settings: SettingsDep, now: NowDep,
    params: Annotated[PageParams, Depends(page_params)], site_id: int | None = None, active: bool | None = None,
    q: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[StaffPublic]:  # fmt: skip
    if site_id is not None:
        get_visible(session, principal, Site, site_id, "site")
    rows, total = paginate(session, service.list_query(principal, site_id, active, q), params)
    return Page.of(service.to_public(session, rows, now.astimezone(ZoneInfo(settings.timezone)).date()), total, params)


@router.post("", response_model=StaffPublic, status_code=status.HTTP_201_CREATED,
             summary="Add a person to the roster (the school's admin, or an administrator)")  # fmt: skip
def create_staff(
    body: StaffIn, principal: UserDep, session: SessionDep, settings: SettingsDep, now: NowDep
) -> StaffPublic:
    row = service.create(session, principal, body, now)
    return service.to_public(session, [row], now.astimezone(ZoneInfo(settings.timezone)).date())[0]


@router.post("/import", response_model=StaffImportResult,
             summary="Import the roster from an .xlsx sheet (Chinese headers); all-or-nothing")  # fmt: skip
def import_staff(
    principal: UserDep, session: SessionDep, now: NowDep, file: Annotated[UploadFile, File()],
    site_id: int | None = None,
) -> StaffImportResult:  # fmt: skip
    site = service.managed_site(session, principal, site_id)
    content = file.file.read(MAX_SHEET_BYTES + 1)
    if len(content) > MAX_SHEET_BYTES:
        raise Problem(413, "File too large", f"staff sheets are limited to {MAX_SHEET_BYTES // 1024} KiB",
                      code="too_large")  # fmt: skip
    try:
        rows = sheet.read_rows(content)
    except sheet.SheetError as exc:
        raise Problem(422, "Unreadable import file", str(exc), errors=[{"field": "file", "message": str(exc)}],
                      code="unreadable_file") from exc  # fmt: skip
    outcome = sheet.import_rows(session, site.id, rows, now)
    if outcome.errors:
        session.rollback()
        raise Problem(422, "Import refused", f"nothing imported: {len(outcome.errors)} bad row(s)",
                      errors=[{"row": e.row, "field": e.field, "message": e.message} for e in outcome.errors],
                      code="import_rows_invalid")  # fmt: skip
    return StaffImportResult(created=outcome.created, updated=outcome.updated)


@router.get("/export", summary="The roster as an .xlsx sheet (the import's headers)",
            responses={200: {"content": {sheet.XLSX: {}}}})  # fmt: skip
def export_staff(principal: UserDep, session: SessionDep, site_id: int | None = None) -> Response:
    if site_id is None and principal.site_id is None:
        raise Problem(422, "Invalid request", "site_id is required", code="invalid",
                      errors=[{"field": "site_id", "message": "required"}])  # fmt: skip
    site = get_visible(session, principal, Site, site_id or principal.site_id or 0, "site")
    rows = list(session.scalars(service.list_query(principal, site.id, True, None)))
    name = quote(f"从业人员-{site.code}.xlsx")
    return Response(sheet.export(rows), media_type=sheet.XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})  # fmt: skip


@router.get("/certificates", response_model=list[StaffPublic],
            summary="Active staff whose health certificate expires soon or has expired")  # fmt: skip
def certificates(
    principal: UserDep, session: SessionDep, settings: SettingsDep, now: NowDep,
    state: CertState | None = None, region_id: int | None = None,
    street: Annotated[str | None, Query(max_length=128, description="street (region) name")] = None,
    days: Annotated[int, Query(ge=1, le=365)] = service.EXPIRING_DAYS,
) -> list[StaffPublic]:  # fmt: skip
    if principal.role not in REGION_ROLES:
        raise forbidden("The district's certificate list is for region users")
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    if state == CertState.valid:
        raise Problem(422, "Invalid request", "state is expiring or expired", code="invalid",
                      errors=[{"field": "state", "message": "expiring or expired"}])  # fmt: skip
    if state == CertState.expired:
        window = Staff.cert_expires_on < today
    elif state == CertState.expiring:
        window = (Staff.cert_expires_on >= today) & (Staff.cert_expires_on <= today + timedelta(days=days))
    else:
        window = Staff.cert_expires_on <= today + timedelta(days=days)
    where = window & (in_region(session, principal, region_id) if region_id else true())
    if street:
        where = where & Site.region_id.in_(select(Region.id).where(Region.name == street))
    rows = list(session.scalars(service.list_query(principal, None, True, None, where).limit(5000)))
    rows.sort(key=lambda r: (r.cert_expires_on, r.id))
    return service.to_public(session, rows, today)


@router.get("/{staff_id}", response_model=StaffPublic, summary="One staff member")
def get_staff(
    staff_id: int, principal: UserDep, session: SessionDep, settings: SettingsDep, now: NowDep
) -> StaffPublic:
    row = get_visible(session, principal, Staff, staff_id, "staff")
    return service.to_public(session, [row], now.astimezone(ZoneInfo(settings.timezone)).date())[0]


@router.patch("/{staff_id}", response_model=StaffPublic,
              summary="Change a staff member; `active: false` takes them off the roster (no hard delete)")  # fmt: skip
def patch_staff(
    staff_id: int, body: StaffPatch, principal: UserDep, session: SessionDep, settings: SettingsDep, now: NowDep
) -> StaffPublic:
    row = service.update(session, principal, staff_id, body, now)
    return service.to_public(session, [row], now.astimezone(ZoneInfo(settings.timezone)).date())[0]
