from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, UploadFile, status

from brightkitchen.platform.deps import (
    AdminDep,
    NowDep,
    RegionStaffDep,
    SessionDep,
    SettingsDep,
    SiteManagerDep,
    UserDep,
)
from brightkitchen.platform.pagination import Page, PageParams, page_params
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.sites import importer, service
from brightkitchen.platform.sites.models import Site, SiteKind
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
from brightkitchen.platform.sorting import SortParam

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
    sort: SortParam = None,
) -> Page[SitePublic]:
    rows, total = service.list_sites(session, principal, params, region_id, kind, q, sort)
    return Page.of([SitePublic.model_validate(s) for s in rows], total, params)


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
    return [AreaPublic.model_validate(a) for a in service.list_areas(session, site)]


@router.post("/sites/{site_id}/areas", response_model=AreaPublic, status_code=status.HTTP_201_CREATED)
def create_area(site_id: int, body: AreaCreate, principal: SiteManagerDep, session: SessionDep) -> AreaPublic:
    site = service.get_visible(session, principal, site_id)
    return AreaPublic.model_validate(service.create_area(session, site, body.name, body.kind))


@router.delete("/sites/{site_id}/areas/{area_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_area(site_id: int, area_id: int, principal: SiteManagerDep, session: SessionDep) -> None:
    site = service.get_visible(session, principal, site_id)
    session.delete(service.get_area(session, site, area_id))


@router.get("/cameras", response_model=Page[CameraPublic], summary="Cameras the caller may see")
def list_cameras(
    now: NowDep,
    principal: UserDep,
    session: SessionDep,
    settings: SettingsDep,
    params: Annotated[PageParams, Depends(page_params)],
    site_id: int | None = None,
    camera_status: Annotated[str | None, Query(alias="status", max_length=16)] = None,
    region_id: Annotated[int | None, Query(description="only cameras of sites in this region's subtree")] = None,
    area_id: int | None = None,
    q: Annotated[str | None, Query(max_length=64, description="name or key contains")] = None,
    sort: SortParam = None,
) -> Page[CameraPublic]:
    filters = service.CameraFilters(site_id, camera_status, region_id, area_id, q, sort)
    rows, total = service.list_cameras(session, principal, params, filters)
    return Page.of([service.camera_public(c, settings, now) for c in rows], total, params)


@router.post("/sites/{site_id}/cameras", response_model=CameraPublic, status_code=status.HTTP_201_CREATED)
def create_camera(
    now: NowDep, site_id: int, body: CameraCreate, principal: SiteManagerDep, session: SessionDep, settings: SettingsDep
) -> CameraPublic:
    site = service.get_visible(session, principal, site_id)
    service.check_area(session, site, body.area_id)
    return service.camera_public(service.create_camera(session, site, **body.model_dump()), settings, now)


@router.get("/cameras/{camera_id}", response_model=CameraPublic)
def get_camera(
    now: NowDep, camera_id: int, principal: UserDep, session: SessionDep, settings: SettingsDep
) -> CameraPublic:
    return service.camera_public(service.get_camera_visible(session, principal, camera_id), settings, now)


@router.patch("/cameras/{camera_id}", response_model=CameraPublic)
def update_camera(
    now: NowDep,
    camera_id: int,
    body: CameraUpdate,
    principal: SiteManagerDep,
    session: SessionDep,
    settings: SettingsDep,
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
    return service.camera_public(camera, settings, now)


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
