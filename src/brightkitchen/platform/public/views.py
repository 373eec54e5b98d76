from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Request, status
from sqlalchemy import Engine

from brightkitchen.platform.concerns import service as concerns
from brightkitchen.platform.concerns.schemas import ConcernCreate, ConcernReceipt, ReceiptLookup
from brightkitchen.platform.deps import NowDep, SessionDep, SettingsDep
from brightkitchen.platform.public import service
from brightkitchen.platform.public.schemas import PublicSite

router = APIRouter()

_NOT_PUBLIC: dict[int | str, dict[str, Any]] = {
    404: {"description": "unknown site, or a site without a public page (the two look the same)"}
}


def _client(request: Request, settings: SettingsDep) -> str:
    return service.client_hash(settings.secret_key, request.client.host if request.client else "unknown")


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
    summary="Report a concern about a site (no sign-in; limited per client address); answers the receipt code",
    responses={**_NOT_PUBLIC, 429: {"description": "too many reports from this address; see Retry-After"}},
)
def report_concern(
    now: NowDep, code: str, body: ConcernCreate, request: Request, session: SessionDep, settings: SettingsDep
) -> ConcernReceipt:
    site = service.get_public_site(session, code)
    concern, receipt = service.create_concern(session, site, body, _client(request, settings), now)
    return ConcernReceipt(received_at=concern.created_at, receipt_code=receipt)


@router.get(
    "/public/concerns/{receipt_code}",
    response_model=ReceiptLookup,
    tags=["public"],
    summary="A concern's progress and reply by its receipt code (no sign-in; limited per client address)",
    responses={
        404: {"description": "no concern has this code (a malformed code answers the same)"},
        429: {"description": "too many lookups from this address; see Retry-After"},
    },
)
def lookup_concern(
    now: NowDep,
    receipt_code: Annotated[str, Path(max_length=40)],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> ReceiptLookup:
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    # Counted and committed first: a wrong code is a 404 that rolls this session back, and must still count.
    service.take_lookup(engine, _client(request, settings), now)
    return concerns.lookup(session, receipt_code)
