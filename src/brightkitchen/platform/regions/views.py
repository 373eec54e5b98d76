from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy import select

from brightkitchen.platform.authz import region_path_clause
from brightkitchen.platform.deps import AdminDep, RegionStaffDep, SessionDep
from brightkitchen.platform.pagination import Page, PageParams, page_params, paginate
from brightkitchen.platform.regions import service
from brightkitchen.platform.regions.models import Region, RegionKind
from brightkitchen.platform.regions.schemas import RegionCreate, RegionPublic, RegionUpdate

router = APIRouter(prefix="/regions", tags=["regions"])


@router.get("", response_model=Page[RegionPublic], summary="Regions the caller may see")
def list_regions(
    principal: RegionStaffDep,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    kind: RegionKind | None = None,
    parent_id: int | None = None,
    q: Annotated[str | None, Query(max_length=64, description="name contains")] = None,
) -> Page[RegionPublic]:
    stmt = select(Region).where(region_path_clause(principal, Region.path)).order_by(Region.path)
    if kind is not None:
        stmt = stmt.where(Region.kind == kind)
    if parent_id is not None:
        stmt = stmt.where(Region.parent_id == parent_id)
    if q:
        stmt = stmt.where(Region.name.contains(q, autoescape=True))
    rows, total = paginate(session, stmt, params)
    items = [RegionPublic.model_validate(r) for r in rows]
    return Page.of(items, total, params)


@router.post("", response_model=RegionPublic, status_code=status.HTTP_201_CREATED)
def create_region(body: RegionCreate, _: AdminDep, session: SessionDep) -> RegionPublic:
    return RegionPublic.model_validate(service.create(session, body))


@router.get("/{region_id}", response_model=RegionPublic)
def get_region(region_id: int, principal: RegionStaffDep, session: SessionDep) -> RegionPublic:
    return RegionPublic.model_validate(service.get_visible(session, principal, region_id))


@router.patch("/{region_id}", response_model=RegionPublic)
def update_region(region_id: int, body: RegionUpdate, principal: AdminDep, session: SessionDep) -> RegionPublic:
    region = service.get_visible(session, principal, region_id)
    if body.name is not None:
        region.name = body.name
    return RegionPublic.model_validate(region)


@router.delete("/{region_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_region(region_id: int, principal: AdminDep, session: SessionDep) -> None:
    service.delete(session, service.get_visible(session, principal, region_id))
