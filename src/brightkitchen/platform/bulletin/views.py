"""Bulletins as history, made on demand, and exported: regulators see those of their own region subtree;
schools see none."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from brightkitchen.platform.authz import region_path_clause
from brightkitchen.platform.bulletin import export
from brightkitchen.platform.bulletin.figures import BulletinFigures
from brightkitchen.platform.bulletin.models import Bulletin, BulletinKind
from brightkitchen.platform.bulletin.schemas import BulletinPublic, BulletinRequest, BulletinSummary
from brightkitchen.platform.bulletin.service import produce_now
from brightkitchen.platform.deps import NowDep, RegionStaffDep, SessionDep, SettingsDep
from brightkitchen.platform.pagination import Page, PageParams, page_params, paginate
from brightkitchen.platform.problems import Problem, not_found
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.reports.disposition import attachment
from brightkitchen.platform.tenancy import visible_region

router = APIRouter(prefix="/bulletins", tags=["bulletins"])


@router.get("", response_model=Page[BulletinSummary], summary="Daily bulletins, newest first")
def list_bulletins(
    principal: RegionStaffDep,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    region_id: int | None = None,
    kind: BulletinKind | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Page[BulletinSummary]:
    stmt = (
        select(Bulletin)
        .join(Region, Region.id == Bulletin.region_id)
        .where(region_path_clause(principal, Region.path))
        .order_by(Bulletin.date.desc(), Bulletin.kind, Region.path)
    )
    if kind is not None:
        stmt = stmt.where(Bulletin.kind == kind)
    if region_id is not None:
        stmt = stmt.where(Bulletin.region_id == region_id)
    if since is not None:
        stmt = stmt.where(Bulletin.date >= since)
    if until is not None:
        stmt = stmt.where(Bulletin.date <= until)
    rows, total = paginate(session, stmt, params)
    return Page.of([BulletinSummary.model_validate(r) for r in rows], total, params)


def _visible(session: SessionDep, principal: RegionStaffDep, bulletin_id: int) -> Bulletin:
    row = session.scalar(
        select(Bulletin)
        .join(Region, Region.id == Bulletin.region_id)
        .where(Bulletin.id == bulletin_id, region_path_clause(principal, Region.path))
    )
    if row is None:
        raise not_found("bulletin")
    return row


@router.post(
    "",
    response_model=BulletinPublic,
    status_code=status.HTTP_201_CREATED,
    summary="立即生成: today's bulletin so far for a region (replaces today's earlier one; not sent)",
)
def generate(
    body: BulletinRequest, principal: RegionStaffDep, session: SessionDep, settings: SettingsDep, now: NowDep
) -> BulletinPublic:
    region_id = body.region_id or principal.region_id
    if region_id is None:
        message = "region_id is required"
        raise Problem(422, "Invalid request", message, errors=[{"field": "region_id", "message": "missing"}],
                      code="invalid")  # fmt: skip
    region = visible_region(session, principal, region_id)
    row = produce_now(session, settings, region, now)
    session.commit()
    return BulletinPublic.model_validate(row)


@router.get("/{bulletin_id}", response_model=BulletinPublic, summary="One bulletin: figures and Markdown")
def get_bulletin(bulletin_id: int, principal: RegionStaffDep, session: SessionDep) -> BulletinPublic:
    return BulletinPublic.model_validate(_visible(session, principal, bulletin_id))


class ExportFormat(StrEnum):
    pdf = "pdf"
    xlsx = "xlsx"


MEDIA = {
    ExportFormat.pdf: "application/pdf",
    ExportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get(
    "/{bulletin_id}/export",
    summary="One bulletin as PDF or xlsx, with a Chinese file name",
    response_class=Response,
    responses={200: {"content": {MEDIA[ExportFormat.pdf]: {}, MEDIA[ExportFormat.xlsx]: {}}}},
)
async def export_bulletin(
    bulletin_id: int,
    principal: RegionStaffDep,
    session: SessionDep,
    settings: SettingsDep,
    fmt: Annotated[ExportFormat, Query(alias="format")] = ExportFormat.pdf,
) -> Response:
    figures = BulletinFigures.model_validate(_visible(session, principal, bulletin_id).figures)
    write = export.to_pdf if fmt is ExportFormat.pdf else export.to_xlsx
    content = await run_in_threadpool(write, figures, settings)
    name, fallback = export.filename(figures, fmt.value)
    headers = {"Content-Disposition": attachment(name, fallback), "Cache-Control": "no-store"}
    return Response(content, media_type=MEDIA[fmt], headers=headers)
