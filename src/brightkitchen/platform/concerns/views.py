from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.concerns import service
from brightkitchen.platform.concerns.models import ConcernState
from brightkitchen.platform.concerns.schemas import (
    ConcernDetail,
    ConcernNote,
    ConcernPublic,
    ConcernReopen,
    ConcernReplyBody,
)
from brightkitchen.platform.deps import NowDep, SessionDep, SiteManagerDep
from brightkitchen.platform.pagination import Page, PageParams, count_rows, one_page, page_params
from brightkitchen.platform.sorting import SortParam

router = APIRouter(tags=["concerns"])

_STEP_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "code concern_regulator_only: closing and reopening are the regulator's"},
    404: {"description": "unknown concern, or one about a site outside the caller's scope"},
    409: {"description": "code concern_wrong_state: the concern's state does not allow this step (now)"},
}


@router.get("/concerns", response_model=Page[ConcernPublic], summary="Concerns about visible sites")
def list_concerns(
    principal: SiteManagerDep,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    site_id: int | None = None,
    state: ConcernState | None = None,
    since: Annotated[datetime | None, Query(description="reported at or after")] = None,
    until: Annotated[datetime | None, Query(description="reported before")] = None,
    sort: SortParam = None,
) -> Page[ConcernPublic]:
    """Newest first unless sorted by created_at, updated_at or state. A school sees the contact masked."""
    stmt = service.list_query(principal, service.ConcernFilters(site_id, state, since, until, sort))
    total = count_rows(session, stmt)
    rows = session.execute(one_page(stmt, params)).all()
    return Page.of([service.to_public(c, s, principal) for c, s in rows], total, params)


@router.get("/concerns/{concern_id}", response_model=ConcernDetail, summary="A concern with its handling steps",
            responses={404: _STEP_ERRORS[404]})  # fmt: skip
def get_concern(principal: SiteManagerDep, session: SessionDep, concern_id: int) -> ConcernDetail:
    concern, site = service.get(session, principal, concern_id)
    return service.detail(session, principal, concern, site)


def _step(
    principal: Principal, session: Session, now: datetime, concern_id: int, action: str, **kw: Any
) -> ConcernDetail:
    concern, site = service.get(session, principal, concern_id)
    service.take_step(session, principal, concern, action, now, **kw)
    return service.detail(session, principal, concern, site)


@router.post("/concerns/{concern_id}/handle", response_model=ConcernDetail, responses=_STEP_ERRORS,
             summary="Start handling a received concern (已受理 → 处理中)")  # fmt: skip
def handle_concern(
    principal: SiteManagerDep, session: SessionDep, now: NowDep, concern_id: int, body: ConcernNote
) -> ConcernDetail:
    return _step(principal, session, now, concern_id, "handle", note=body.note)


@router.post("/concerns/{concern_id}/reply", response_model=ConcernDetail, responses=_STEP_ERRORS,
             summary="Reply to the complainant (→ 已答复); a later reply replaces the shown one")  # fmt: skip
def reply_concern(
    principal: SiteManagerDep, session: SessionDep, now: NowDep, concern_id: int, body: ConcernReplyBody
) -> ConcernDetail:
    return _step(principal, session, now, concern_id, "reply", reply=body.reply)


@router.post("/concerns/{concern_id}/close", response_model=ConcernDetail, responses=_STEP_ERRORS,
             summary="Close a replied concern (已答复 → 已办结; regulator or admin)")  # fmt: skip
def close_concern(
    principal: SiteManagerDep, session: SessionDep, now: NowDep, concern_id: int, body: ConcernNote
) -> ConcernDetail:
    return _step(principal, session, now, concern_id, "close", note=body.note)


@router.post("/concerns/{concern_id}/reopen", response_model=ConcernDetail, responses=_STEP_ERRORS,
             summary="Send a replied or closed concern back for handling (→ 处理中; regulator or admin)")  # fmt: skip
def reopen_concern(
    principal: SiteManagerDep, session: SessionDep, now: NowDep, concern_id: int, body: ConcernReopen
) -> ConcernDetail:
    return _step(principal, session, now, concern_id, "reopen", note=body.note)
