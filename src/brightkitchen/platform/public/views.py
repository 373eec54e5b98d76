from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request, status

from brightkitchen.platform.deps import NowDep, SessionDep, SettingsDep, SiteManagerDep
from brightkitchen.platform.pagination import Page, PageParams, count_rows, one_page, page_params
from brightkitchen.platform.public import service
from brightkitchen.platform.public.schemas import ConcernCreate, ConcernPublic, ConcernReceipt, PublicSite

router = APIRouter()

_NOT_PUBLIC: dict[int | str, dict[str, Any]] = {
    404: {"description": "unknown site, or a site without a public page (the two look the same)"}
}


@router.get(
    "/public/sites/{code}",
    response_model=PublicSite,
    tags=["public"],
    summary="A site's public page: its public cameras and rectification record (no sign-in)",
    responses=_NOT_PUBLIC,
)
def public_site(now: NowDep, code: str, session: SessionDep, settings: SettingsDep) -> PublicSite:
    site = service.get_public_site(session, code)
    return service.public_view(session, settings, site, now, ZoneInfo(settings.timezone))


@router.post(
    "/public/sites/{code}/concerns",
    response_model=ConcernReceipt,
    status_code=status.HTTP_201_CREATED,
    tags=["public"],
    summary="Report a concern about a site (no sign-in; limited per client address)",
    responses={**_NOT_PUBLIC, 429: {"description": "too many reports from this address; see Retry-After"}},
)
def report_concern(
    now: NowDep, code: str, body: ConcernCreate, request: Request, session: SessionDep, settings: SettingsDep
) -> ConcernReceipt:
    site = service.get_public_site(session, code)
    client = service.client_hash(settings.secret_key, request.client.host if request.client else "unknown")
    concern = service.create_concern(session, site, body, client, now)
    return ConcernReceipt(received_at=concern.created_at)


@router.get("/concerns", response_model=Page[ConcernPublic], tags=["public"], summary="Concerns about visible sites")
def list_concerns(
    principal: SiteManagerDep,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    site_id: int | None = None,
) -> Page[ConcernPublic]:
    stmt = service.concerns_query(principal, site_id)
    total = count_rows(session, stmt)
    rows = session.execute(one_page(stmt, params)).all()
    items = [
        ConcernPublic(
            id=c.id,
            site_id=s.id,
            site_code=s.code,
            site_name=s.name,
            name=c.name,
            phone=c.phone,
            text=c.text,
            created_at=c.created_at,
        )
        for c, s in rows
    ]
    return Page.of(items, total, params)
