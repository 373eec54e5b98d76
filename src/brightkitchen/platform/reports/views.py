"""Reports for regulators: their own region (or any region below it); others' regions answer 404."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from brightkitchen.platform.deps import NowDep, RegionStaffDep, SessionDep, SettingsDep
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.reports.disposition import attachment
from brightkitchen.platform.reports.periods import PeriodKind
from brightkitchen.platform.reports.service import ReportFormat, build_report
from brightkitchen.platform.tenancy import visible_region

router = APIRouter(prefix="/reports", tags=["reports"])


@router.get(
    "/{period}",
    summary="A region's daily / weekly / monthly report as Excel or PDF",
    response_class=Response,
    responses={
        200: {
            "content": {"application/pdf": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}
        }
    },
)
async def get_report(
    period: PeriodKind,
    principal: RegionStaffDep,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    region_id: Annotated[int | None, Query(description="default: the caller's own region")] = None,
    day: Annotated[date | None, Query(alias="date", description="a day inside the period; default today")] = None,
    fmt: Annotated[ReportFormat, Query(alias="format")] = ReportFormat.xlsx,
) -> Response:
    region_id = region_id or principal.region_id
    if region_id is None:
        raise Problem(
            422, "Invalid request", "region_id is required", errors=[{"field": "region_id", "message": "missing"}]
        )
    region = visible_region(session, principal, region_id)
    # Building a monthly PDF takes a moment: keep it off the event loop.
    report = await run_in_threadpool(build_report, session, settings, region, period, day, fmt, now)
    headers = {"Content-Disposition": attachment(report.filename_zh, report.filename), "Cache-Control": "no-store"}
    return Response(report.content, media_type=report.media_type, headers=headers)
