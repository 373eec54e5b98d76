"""Bulletins as history: regulators see those of their own region subtree; schools see none."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import select

from brightkitchen.platform.authz import region_path_clause
from brightkitchen.platform.bulletin.models import Bulletin
from brightkitchen.platform.bulletin.schemas import BulletinPublic, BulletinSummary
from brightkitchen.platform.deps import RegionStaffDep, SessionDep
from brightkitchen.platform.pagination import Page, PageParams, page_params, paginate
from brightkitchen.platform.problems import not_found
from brightkitchen.platform.regions.models import Region

router = APIRouter(prefix="/bulletins", tags=["bulletins"])


@router.get("", response_model=Page[BulletinSummary], summary="Daily bulletins, newest first")
def list_bulletins(
    principal: RegionStaffDep,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    region_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Page[BulletinSummary]:
    stmt = (
        select(Bulletin)
        .join(Region, Region.id == Bulletin.region_id)
        .where(region_path_clause(principal, Region.path))
        .order_by(Bulletin.date.desc(), Region.path)
    )
    if region_id is not None:
        stmt = stmt.where(Bulletin.region_id == region_id)
    if since is not None:
        stmt = stmt.where(Bulletin.date >= since)
    if until is not None:
        stmt = stmt.where(Bulletin.date <= until)
    rows, total = paginate(session, stmt, params)
    return Page.of([BulletinSummary.model_validate(r) for r in rows], total, params)


@router.get("/{bulletin_id}", response_model=BulletinPublic, summary="One bulletin: figures and Markdown")
def get_bulletin(bulletin_id: int, principal: RegionStaffDep, session: SessionDep) -> BulletinPublic:
    row = session.scalar(
        select(Bulletin)
        .join(Region, Region.id == Bulletin.region_id)
        .where(Bulletin.id == bulletin_id, region_path_clause(principal, Region.path))
    )
    if row is None:
        raise not_found("bulletin")
    return BulletinPublic.model_validate(row)
