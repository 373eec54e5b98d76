"""The alerts API for people. Paths and field names are what the web app is built against."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from brightkitchen.platform.alerts import actions, service
from brightkitchen.platform.alerts.models import AlertState
from brightkitchen.platform.alerts.schemas import (
    AlertDetailPublic,
    BulkReviewCreate,
    BulkReviewPublic,
    FalsePositiveCreate,
    ReviewCreate,
)
from brightkitchen.platform.alerts.service import AlertFilters
from brightkitchen.platform.authz import Principal
from brightkitchen.platform.deps import NowDep, SessionDep, SettingsDep, UserDep
from brightkitchen.platform.pagination import Page, PageParams, page_params
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.storage.deps import StoreDep
from brightkitchen.platform.uploads.forms import part_bytes, read_form
from brightkitchen.protocol.codes import ViolationCode

router = APIRouter(prefix="/alerts", tags=["alerts"])

_RECTIFY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["photo"],
                    "properties": {
                        "photo": {"type": "string", "format": "binary", "description": "JPEG or PNG"},
                        "note": {"type": "string", "maxLength": 2000},
                    },
                }
            }
        },
    }
}


@router.get("", response_model=Page[service.AlertPublic], summary="Alerts the caller may see, newest first")
def list_alerts(
    now: NowDep,
    principal: UserDep,
    session: SessionDep,
    settings: SettingsDep,
    params: Annotated[PageParams, Depends(page_params)],
    site_id: int | None = None,
    region_id: Annotated[int | None, Query(description="only sites in this region's subtree")] = None,
    code: ViolationCode | None = None,
    state: AlertState | None = None,
    overdue: bool | None = None,
    escalated: bool | None = None,
    since: Annotated[datetime | None, Query(description="violation started at or after")] = None,
    until: Annotated[datetime | None, Query(description="violation started before")] = None,
    test: Annotated[bool, Query(description="list the installers' end-to-end test alerts instead")] = False,
) -> Page[service.AlertPublic]:
    filters = AlertFilters(site_id, region_id, code, state, overdue, escalated, since, until, test)
    return service.list_alerts(session, settings, principal, filters, params, now)


def _detail(
    session: Session, settings: Settings, principal: Principal, alert: service.Alert, now: datetime
) -> AlertDetailPublic:
    return service.detail(session, settings, principal, alert, now)


@router.get("/{alert_id}", response_model=AlertDetailPublic, summary="One alert with evidence links and history")
def get_alert(
    now: NowDep, alert_id: int, principal: UserDep, session: SessionDep, settings: SettingsDep
) -> AlertDetailPublic:
    return _detail(session, settings, principal, service.get_visible(session, principal, alert_id), now)


@router.post("/{alert_id}/start", response_model=AlertDetailPublic, summary="The school starts rectifying")
def start(
    now: NowDep, alert_id: int, principal: UserDep, session: SessionDep, settings: SettingsDep
) -> AlertDetailPublic:
    return _detail(session, settings, principal, actions.start(session, principal, alert_id, now), now)


@router.post(
    "/{alert_id}/rectify",
    response_model=AlertDetailPublic,
    summary="The school submits its rectification (photo + note)",
    openapi_extra=_RECTIFY_DOC,
)
async def rectify(
    now: NowDep,
    alert_id: int,
    request: Request,
    principal: UserDep,
    session: SessionDep,
    settings: SettingsDep,
    store: StoreDep,
) -> AlertDetailPublic:
    form = await read_form(request, settings.max_upload_bytes, max_files=1)
    try:
        photo = await part_bytes(form, "photo")
        note = ((await part_bytes(form, "note")) or b"").decode(errors="replace")[:2000]
    finally:
        await form.close()
    alert = await run_in_threadpool(actions.rectify, session, store, principal, alert_id, photo, note, now)
    return await run_in_threadpool(_detail, session, settings, principal, alert, now)


@router.post("/{alert_id}/review", response_model=AlertDetailPublic, summary="The regulator approves or rejects")
def review(
    now: NowDep, alert_id: int, body: ReviewCreate, principal: UserDep, session: SessionDep, settings: SettingsDep
) -> AlertDetailPublic:
    alert = actions.review(session, settings, principal, alert_id, body.decision, body.reason, now)
    return _detail(session, settings, principal, alert, now)


@router.post("/{alert_id}/false-positive", response_model=AlertDetailPublic, summary="Mark as a false positive")
def false_positive(
    now: NowDep,
    alert_id: int,
    body: FalsePositiveCreate,
    principal: UserDep,
    session: SessionDep,
    settings: SettingsDep,
) -> AlertDetailPublic:
    alert = actions.false_positive(session, principal, alert_id, body.reason, now)
    return _detail(session, settings, principal, alert, now)


@router.post("/bulk-review", response_model=BulkReviewPublic, summary="Approve or reject many; a result per id")
def bulk_review(
    now: NowDep, body: BulkReviewCreate, principal: UserDep, session: SessionDep, settings: SettingsDep
) -> BulkReviewPublic:
    return actions.bulk_review(session, settings, principal, body.ids, body.decision, body.reason, now)
