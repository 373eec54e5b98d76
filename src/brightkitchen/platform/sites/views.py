from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, UploadFile, status
from sqlalchemy import select

from brightkitchen.platform.authz import site_scope
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.deps import AdminDep, RegionStaffDep, SessionDep, SettingsDep, SiteManagerDep, UserDep
from brightkitchen.platform.pagination import Page, PageParams, page_params, paginate
from brightkitchen.platform.problems import Problem, not_found
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.sites import importer, service
from brightkitchen.platform.sites.models import Camera, KitchenArea, Site, SiteKind
from brightkitchen.platform.sites.schemas import (
    AreaCreate,
    AreaPublic,
    CameraCreate,
    CameraPublic,
    CameraUpdate,
    SiteCreate,
    SiteImportResult,
    SitePublic,
    SiteUpdate,
)

router = APIRouter(tags=["sites"])
MAX_IMPORT_BYTES = 5 * 1024 * 1024


@router.get("/sites", response_model=Page[SitePublic], summary="Sites the caller may see")
def list_sites(
    principal: UserDep,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    region_id: Annotated[int | None, Query(description="only sites in this region's subtree")] = None,
    kind: SiteKind | None = None,
    q: Annotated[str | None, Query(max_length=64, description="name or code contains")] = None,
) -> Page[SitePublic]:
    stmt = select(Site).where(site_scope(principal)).order_by(Site.id)
    if region_id is not None:
        region = session.get(Region, region_id)
        if region is None:
            raise not_found("region")
        subtree = select(Region.id).where(Region.path.startswith(region.path, autoescape=True))
        stmt = stmt.where(Site.region_id.in_(subtree))
    if kind is not None:
        stmt = stmt.where(Site.kind == kind)
    if q:
        stmt = stmt.where(Site.name.contains(q, autoescape=True) | Site.code.contains(q, autoescape=True))
    rows, total = paginate(session, stmt, params)
    return Page(items=[SitePublic.model_validate(s) for s in rows], total=total, page=params.page, size=params.size)


@router.post("/sites", response_model=SitePublic, status_code=status.HTTP_201_CREATED)
def create_site(body: SiteCreate, principal: RegionStaffDep, session: SessionDep) -> SitePublic:
    return SitePublic.model_validate(service.create(session, principal, body))


@router.get("/sites/{site_id}", response_model=SitePublic)
def get_site(site_id: int, principal: UserDep, session: SessionDep) -> SitePublic:
    return SitePublic.model_validate(service.get_visible(session, principal, site_id))


@router.patch("/sites/{site_id}", response_model=SitePublic)
def update_site(site_id: int, body: SiteUpdate, principal: SiteManagerDep, session: SessionDep) -> SitePublic:
    site = service.get_visible(session, principal, site_id)
    return SitePublic.model_validate(service.update(session, principal, site, body))


@router.delete("/sites/{site_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_site(site_id: int, principal: AdminDep, session: SessionDep) -> None:
    session.delete(service.get_visible(session, principal, site_id))


@router.get("/sites/{site_id}/areas", response_model=list[AreaPublic])
def list_areas(site_id: int, principal: UserDep, session: SessionDep) -> list[AreaPublic]:
    site = service.get_visible(session, principal, site_id)
    rows = session.scalars(select(KitchenArea).where(KitchenArea.site_id == site.id).order_by(KitchenArea.id))
    return [AreaPublic.model_validate(a) for a in rows]


@router.post("/sites/{site_id}/areas", response_model=AreaPublic, status_code=status.HTTP_201_CREATED)
def create_area(site_id: int, body: AreaCreate, principal: SiteManagerDep, session: SessionDep) -> AreaPublic:
    site = service.get_visible(session, principal, site_id)
    return AreaPublic.model_validate(service.create_area(session, site, body.name, body.kind))


@router.delete("/sites/{site_id}/areas/{area_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_area(site_id: int, area_id: int, principal: SiteManagerDep, session: SessionDep) -> None:
    site = service.get_visible(session, principal, site_id)
    area = session.get(KitchenArea, area_id)
    if area is None or area.site_id != site.id:
        raise not_found("area")
    session.delete(area)


@router.get("/cameras", response_model=Page[CameraPublic], summary="Cameras the caller may see")
def list_cameras(
    principal: UserDep,
    session: SessionDep,
    settings: SettingsDep,
    params: Annotated[PageParams, Depends(page_params)],
    site_id: int | None = None,
    camera_status: Annotated[str | None, Query(alias="status", max_length=16)] = None,
) -> Page[CameraPublic]:
    stmt = select(Camera).join(Site, Site.id == Camera.site_id).where(site_scope(principal)).order_by(Camera.id)
    if site_id is not None:
        stmt = stmt.where(Camera.site_id == site_id)
    if camera_status is not None:
        stmt = stmt.where(Camera.status == camera_status)
    rows, total = paginate(session, stmt, params)
    now = utcnow()
    return Page(
        items=[service.camera_public(c, settings, now) for c in rows], total=total, page=params.page, size=params.size
    )


@router.post("/sites/{site_id}/cameras", response_model=CameraPublic, status_code=status.HTTP_201_CREATED)
def create_camera(
    site_id: int, body: CameraCreate, principal: SiteManagerDep, session: SessionDep, settings: SettingsDep
) -> CameraPublic:
    site = service.get_visible(session, principal, site_id)
    service.check_area(session, site, body.area_id)
    return service.camera_public(service.create_camera(session, site, **body.model_dump()), settings, utcnow())


@router.get("/cameras/{camera_id}", response_model=CameraPublic)
def get_camera(camera_id: int, principal: UserDep, session: SessionDep, settings: SettingsDep) -> CameraPublic:
    return service.camera_public(service.get_camera_visible(session, principal, camera_id), settings, utcnow())


@router.patch("/cameras/{camera_id}", response_model=CameraPublic)
def update_camera(
    camera_id: int, body: CameraUpdate, principal: SiteManagerDep, session: SessionDep, settings: SettingsDep
) -> CameraPublic:
    camera = service.get_camera_visible(session, principal, camera_id)
    changes = body.model_dump(exclude_unset=True)
    if "area_id" in changes:
        site = session.get(Site, camera.site_id)
        assert site is not None
        service.check_area(session, site, changes["area_id"])
    for key, value in changes.items():
        if value is not None or key == "area_id":
            setattr(camera, key, value)
    return service.camera_public(camera, settings, utcnow())


@router.delete("/cameras/{camera_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_camera(camera_id: int, principal: SiteManagerDep, session: SessionDep) -> None:
    session.delete(service.get_camera_visible(session, principal, camera_id))


@router.post(
    "/sites/import",
    response_model=SiteImportResult,
    summary="Bulk import sites and school admin accounts from a .csv or .xlsx sheet (all-or-nothing)",
)
def import_sites(
    principal: RegionStaffDep, session: SessionDep, file: Annotated[UploadFile, File()]
) -> SiteImportResult:
    content = file.file.read(MAX_IMPORT_BYTES + 1)
    if len(content) > MAX_IMPORT_BYTES:
        raise Problem(413, "File too large", f"import sheets are limited to {MAX_IMPORT_BYTES // 1024} KiB")
    try:
        rows = importer.read_rows(file.filename or "", content)
    except importer.ImportFileError as exc:
        raise Problem(422, "Unreadable import file", str(exc), errors=[{"field": "file", "message": str(exc)}]) from exc
    result = importer.import_sites(session, principal, rows)
    if not result.ok:
        session.rollback()
        raise Problem(
            422,
            "Import refused",
            f"nothing imported: {len(result.errors)} bad row(s)",
            errors=[{"row": e.row, "field": e.field, "message": e.message} for e in result.errors],
            code="import_rows_invalid",
        )
    return SiteImportResult(
        sites_created=result.sites_created,
        sites_updated=result.sites_updated,
        sites_unchanged=result.sites_unchanged,
        streets_created=result.streets_created,
        accounts=[{"username": u, "one_time_password": p} for u, p in result.accounts_created],
    )
