"""The alerts API for people. Paths and field names are what the web app is built against."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from brightkitchen.platform.alerts import actions, service
from brightkitchen.platform.alerts.models import AlertState
from brightkitchen.platform.alerts.rectification_photos import MAX_PHOTOS
from brightkitchen.platform.alerts.schemas import (
    AlertDetailPublic,
    AlertPage,
    BulkRectifyPublic,
    BulkReviewCreate,
    BulkReviewPublic,
    FalsePositiveCreate,
    ReviewCreate,
)
from brightkitchen.platform.alerts.service import AlertFilters
from brightkitchen.platform.authz import Principal
from brightkitchen.platform.deps import NowDep, SessionDep, SettingsDep, UserDep
from brightkitchen.platform.pagination import PageParams, page_params
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sorting import SortParam
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
                    "properties": {
                        "photo": {"type": "string", "format": "binary", "description": "JPEG or PNG"},
                        "photos": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "maxItems": MAX_PHOTOS,
                            "description": "more photos (JPEG or PNG), after photo; at least one photo in all",
                        },
                        "note": {"type": "string", "maxLength": 2000},
                    },
                }
            }
        },
    }
}


_BULK_RECTIFY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["ids", "photos"],
                    "properties": {
                        "ids": {"type": "array", "items": {"type": "integer"}, "maxItems": 200},
                        "photos": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "maxItems": MAX_PHOTOS,
                            "description": "JPEG or PNG; stored once for every alert",
                        },
                        "note": {"type": "string", "maxLength": 2000},
                    },
                }
            }
        },
    }
}


def _states(raw: str | None) -> tuple[str, ...]:
    """``new`` or ``new,pushed,rectifying``: any of these states; an unknown one is a 422."""
    if not raw:
        return ()
    names = tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    unknown = [n for n in names if n not in AlertState.__members__]
    if unknown:
        message = f"unknown state '{unknown[0]}'; states: {', '.join(AlertState)}"
        raise Problem(422, "Invalid request", message, errors=[{"field": "state", "message": message}], code="invalid")
    return names


@router.get("", response_model=AlertPage, summary="Alerts the caller may see, newest first")
def list_alerts(
    now: NowDep,
    principal: UserDep,
    session: SessionDep,
    settings: SettingsDep,
    params: Annotated[PageParams, Depends(page_params)],
    site_id: int | None = None,
    region_id: Annotated[int | None, Query(description="only sites in this region's subtree")] = None,
    camera_id: int | None = None,
    code: ViolationCode | None = None,
    state: Annotated[
        str | None, Query(max_length=200, description="a state, or several separated by commas (any of them)")
    ] = None,
    overdue: bool | None = None,
    escalated: bool | None = None,
    since: Annotated[datetime | None, Query(description="episode last seen at or after")] = None,
    until: Annotated[datetime | None, Query(description="episode first seen before")] = None,
    test: Annotated[bool, Query(description="list the installers' end-to-end test alerts instead")] = False,
    sort: Annotated[
        SortParam,
        Query(description=f"one of {', '.join(service.SORTS)}; a leading '-' sorts downwards; default -id (newest)"),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(max_length=400, description="next_cursor of the previous page (same sort and filters); page is ignored"),
    ] = None,
) -> AlertPage:
    filters = AlertFilters(
        site_id, region_id, code, _states(state), overdue, escalated, since, until, test, camera_id, sort
    )
    return service.list_alerts(session, settings, principal, filters, params, now, cursor)


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
    summary="The school submits its rectification (1 to 6 photos + note)",
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
    photos, note, _ = await _rectification_form(request, settings)
    alert = await run_in_threadpool(actions.rectify, session, store, principal, alert_id, photos, note, now)
    return await run_in_threadpool(_detail, session, settings, principal, alert, now)


async def _rectification_form(request: Request, settings: Settings) -> tuple[list[bytes], str, list[str]]:
    """The photos ("photo" and/or repeated "photos", in order), the note and the raw "ids" values of a form."""
    form = await read_form(request, settings.max_upload_bytes, max_files=MAX_PHOTOS + 1)
    try:
        photos = [p for name in ("photo", "photos") for p in await _part_list(form, name) if p]
        note = ((await part_bytes(form, "note")) or b"").decode(errors="replace")[:2000]
        ids = [v for v in form.getlist("ids") if isinstance(v, str)]
    finally:
        await form.close()
    return photos, note, ids


async def _part_list(form: FormData, name: str) -> list[bytes]:
    return [await v.read() if isinstance(v, UploadFile) else v.encode() for v in form.getlist(name)]


def _ids(raw: list[str]) -> list[int]:
    """Repeated "ids" fields or one comma-separated field; a bad one is a 422 naming it."""
    values = [v.strip() for field in raw for v in field.split(",") if v.strip()]
    if not values or len(values) > 200 or not all(v.isdigit() and len(v) < 12 for v in values):
        raise Problem(422, "Invalid request", "ids must be 1 to 200 alert ids", code="invalid",
                      errors=[{"field": "ids", "message": "1 to 200 alert ids"}])  # fmt: skip
    return [int(v) for v in values]


@router.post(
    "/bulk-rectify",
    response_model=BulkRectifyPublic,
    summary="The school rectifies several alerts of one code with one note and one photo set; a result per id",
    openapi_extra=_BULK_RECTIFY_DOC,
)
async def bulk_rectify(
    now: NowDep, request: Request, principal: UserDep, session: SessionDep, settings: SettingsDep, store: StoreDep
) -> BulkRectifyPublic:
    photos, note, raw_ids = await _rectification_form(request, settings)
    ids = _ids(raw_ids)
    return await run_in_threadpool(actions.bulk_rectify, session, store, principal, ids, photos, note, now)


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
