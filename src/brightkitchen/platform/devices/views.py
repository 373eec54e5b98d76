from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy import select

from brightkitchen.platform.deps import RegionStaffDep, SessionDep, SiteManagerDep
from brightkitchen.platform.devices import service
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.devices.schemas import DeviceCreate, DevicePublic, DeviceUpdate, DeviceWithKey
from brightkitchen.platform.pagination import Page, PageParams, page_params, paginate
from brightkitchen.platform.sites import service as sites
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.sorting import SortParam, sorted_by
from brightkitchen.platform.tenancy import in_region, site_scope

router = APIRouter(tags=["devices"])

SORTS = {
    "name": Device.name,
    "serial": Device.serial,
    "status": Device.status,
    "site_id": Device.site_id,
    "last_heartbeat_at": Device.last_heartbeat_at,
    "key_issued_at": Device.key_issued_at,
}


def _with_key(device: Device, key: str) -> DeviceWithKey:
    return DeviceWithKey(**DevicePublic.model_validate(device).model_dump(), device_key=key)


@router.get("/devices", response_model=Page[DevicePublic], summary="Edge devices the caller may manage")
def list_devices(
    principal: SiteManagerDep,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    site_id: int | None = None,
    device_status: Annotated[str | None, Query(max_length=16)] = None,
    region_id: Annotated[int | None, Query(description="only devices of sites in this region's subtree")] = None,
    revoked: Annotated[bool | None, Query(description="true: keys revoked; false: keys in use")] = None,
    q: Annotated[str | None, Query(max_length=64, description="name or serial contains")] = None,
    sort: SortParam = None,
) -> Page[DevicePublic]:
    stmt = select(Device).join(Site, Site.id == Device.site_id).where(site_scope(principal))
    stmt = sorted_by(stmt, sort, SORTS, Device.id)
    if site_id is not None:
        stmt = stmt.where(Device.site_id == site_id)
    if device_status is not None:
        stmt = stmt.where(Device.status == device_status)
    if region_id is not None:
        stmt = stmt.where(in_region(session, principal, region_id))
    if revoked is not None:
        stmt = stmt.where(Device.revoked_at.is_not(None) if revoked else Device.revoked_at.is_(None))
    if q:
        stmt = stmt.where(Device.name.contains(q, autoescape=True) | Device.serial.contains(q, autoescape=True))
    rows, total = paginate(session, stmt, params)
    return Page.of([DevicePublic.model_validate(d) for d in rows], total, params)


@router.post(
    "/sites/{site_id}/devices",
    response_model=DeviceWithKey,
    status_code=status.HTTP_201_CREATED,
    summary="Register an edge device; its key is shown in this response only",
)
def create_device(site_id: int, body: DeviceCreate, principal: SiteManagerDep, session: SessionDep) -> DeviceWithKey:
    site = sites.get_visible(session, principal, site_id)
    device, key = service.create(session, site, body.name, body.serial)
    return _with_key(device, key)


@router.get("/devices/{device_id}", response_model=DevicePublic)
def get_device(device_id: int, principal: SiteManagerDep, session: SessionDep) -> DevicePublic:
    return DevicePublic.model_validate(service.get_visible(session, principal, device_id))


@router.patch("/devices/{device_id}", response_model=DevicePublic)
def update_device(device_id: int, body: DeviceUpdate, principal: SiteManagerDep, session: SessionDep) -> DevicePublic:
    device = service.get_visible(session, principal, device_id)
    for key, value in body.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(device, key, value)
    return DevicePublic.model_validate(device)


@router.post("/devices/{device_id}/key", response_model=DeviceWithKey, summary="Issue a new key (the old stops)")
def rotate_key(device_id: int, principal: SiteManagerDep, session: SessionDep) -> DeviceWithKey:
    device = service.get_visible(session, principal, device_id)
    return _with_key(device, service.issue_key(device))


@router.post("/devices/{device_id}/revoke", response_model=DevicePublic, summary="Revoke the device's key")
def revoke_device(device_id: int, principal: SiteManagerDep, session: SessionDep) -> DevicePublic:
    device = service.get_visible(session, principal, device_id)
    service.revoke(device)
    return DevicePublic.model_validate(device)


@router.delete("/devices/{device_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_device(device_id: int, principal: RegionStaffDep, session: SessionDep) -> None:
    session.delete(service.get_visible(session, principal, device_id))
