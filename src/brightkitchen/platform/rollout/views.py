"""The roll-out API: checklists (anyone for the sites they see; schools read their own only),
the installer's and inspector's actions, and the device's side of "send test alert"."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlalchemy import or_, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from brightkitchen.platform.authz import Principal, can_see_region, site_scope
from brightkitchen.platform.deps import RegionStaffDep, SessionDep, SettingsDep, UserDep, require_roles
from brightkitchen.platform.ingest.ratelimit import LimitedDeviceDep
from brightkitchen.platform.ingest.uploads import part_bytes, read_form
from brightkitchen.platform.pagination import Page, PageParams, page_params, paginate
from brightkitchen.platform.problems import not_found
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.rollout import actions, service
from brightkitchen.platform.rollout.clock import NowDep
from brightkitchen.platform.rollout.models import RolloutStatus, RolloutStatusChange, SiteRollout
from brightkitchen.platform.rollout.present import checklist_public, site_status_public
from brightkitchen.platform.rollout.schemas import (
    AcceptancePublic,
    AlertTestRequestPublic,
    ChecklistPublic,
    SiteStatusPublic,
    StatusChangePublic,
    TrainingCreate,
    TrainingPublic,
)
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.storage.deps import StoreDep
from brightkitchen.platform.users.models import Role

router = APIRouter(prefix="/rollout", tags=["rollout"])
# The on-site acceptance is the inspector's signature: a regulator's, not an administrator's.
InspectorDep = Annotated[Principal, Depends(require_roles(Role.regulator))]

_ACCEPT_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["photos"],
                    "properties": {
                        "photos": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": f"1 to {actions.MAX_PHOTOS} JPEG or PNG photos",
                        },
                        "note": {"type": "string", "maxLength": 2000},
                    },
                }
            }
        },
    }
}


def visible_site(session: SessionDep, principal: Principal, site_id: int) -> Site:
    """Another tenant's site answers exactly like a missing one."""
    site = session.scalar(select(Site).where(Site.id == site_id, site_scope(principal)))
    if site is None:
        raise not_found("site")
    return site


@router.get("/sites", response_model=Page[SiteStatusPublic], summary="Roll-out status of the sites the caller sees")
def list_sites(
    principal: UserDep,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    params: Annotated[PageParams, Depends(page_params)],
    region_id: int | None = None,
    rollout_status: Annotated[
        RolloutStatus | None, Query(alias="status", description="filter on the last stored status")
    ] = None,
) -> Page[SiteStatusPublic]:
    stmt = (
        select(Site)
        .outerjoin(SiteRollout, SiteRollout.site_id == Site.id)
        .where(site_scope(principal))
        .order_by(Site.code)
    )
    if region_id is not None:
        region = session.get(Region, region_id)
        if region is None or not can_see_region(session, principal, region_id):
            raise not_found("region")
        stmt = stmt.where(Site.region_id.in_(select(Region.id).where(Region.path.startswith(region.path))))
    if rollout_status is not None:
        cond = SiteRollout.status == rollout_status
        if rollout_status is RolloutStatus.not_started:
            cond = or_(cond, SiteRollout.site_id.is_(None))  # never evaluated yet
        stmt = stmt.where(cond)
    sites, total = paginate(session, stmt, params)
    lists = service.evaluate_sites(session, settings, [s.id for s in sites], now)
    items = [site_status_public(site, lists[site.id]) for site in sites]
    return Page(items=items, total=total, page=params.page, size=params.size)


@router.get("/sites/{site_id}", response_model=ChecklistPublic, summary="A site's acceptance checklist")
def get_checklist(
    site_id: int, principal: UserDep, session: SessionDep, settings: SettingsDep, now: NowDep
) -> ChecklistPublic:
    site = visible_site(session, principal, site_id)
    checklist = service.evaluate_site(session, settings, site.id, now)
    return checklist_public(settings, site, checklist, now)


@router.get("/sites/{site_id}/history", response_model=list[StatusChangePublic], summary="Status changes, oldest first")
def get_history(site_id: int, principal: UserDep, session: SessionDep) -> list[StatusChangePublic]:
    site = visible_site(session, principal, site_id)
    rows = session.scalars(
        select(RolloutStatusChange)
        .where(RolloutStatusChange.site_id == site.id)
        .order_by(RolloutStatusChange.at, RolloutStatusChange.id)
    )
    return [StatusChangePublic.model_validate(r) for r in rows]


@router.post(
    "/sites/{site_id}/test-alert",
    response_model=AlertTestRequestPublic,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Ask the site's edge server to send a test alert through the normal event path",
)
def send_test_alert(
    site_id: int, principal: RegionStaffDep, session: SessionDep, settings: SettingsDep, now: NowDep
) -> AlertTestRequestPublic:
    site = visible_site(session, principal, site_id)
    return AlertTestRequestPublic.model_validate(actions.request_test_alert(session, settings, principal, site.id, now))


@router.post(
    "/sites/{site_id}/training",
    response_model=TrainingPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Record the training of the school's staff",
)
def record_training(
    site_id: int,
    body: TrainingCreate,
    principal: RegionStaffDep,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
) -> TrainingPublic:
    site = visible_site(session, principal, site_id)
    row = actions.record_training(
        session, principal, site.id, body.trainer, body.attendees, body.note, body.trained_at, now
    )
    service.evaluate_site(session, settings, site.id, now)  # record a status change now, not at the next look
    return TrainingPublic.model_validate(row)


@router.post(
    "/sites/{site_id}/acceptance",
    response_model=AcceptancePublic,
    status_code=status.HTTP_201_CREATED,
    summary="The inspector signs the on-site acceptance (现场验收) with photos and a note",
    openapi_extra=_ACCEPT_DOC,
)
async def sign_acceptance(
    site_id: int,
    request: Request,
    principal: InspectorDep,
    session: SessionDep,
    settings: SettingsDep,
    store: StoreDep,
    now: NowDep,
) -> AcceptancePublic:
    site = await run_in_threadpool(visible_site, session, principal, site_id)
    form = await read_form(request, settings.max_upload_bytes, max_files=actions.MAX_PHOTOS + 1)
    try:
        photos = [data for value in form.getlist("photos") if (data := await _read(value))]
        note = ((await part_bytes(form, "note")) or b"").decode(errors="replace")[:2000]
    finally:
        await form.close()
    acceptance = await run_in_threadpool(actions.sign_acceptance, session, store, principal, site.id, note, photos, now)
    checklist = await run_in_threadpool(service.evaluate_site, session, settings, site.id, now)
    public = checklist_public(settings, site, checklist, now).acceptance
    assert public is not None and public.id == acceptance.id
    return public


async def _read(value: UploadFile | str) -> bytes:
    # A photo sent as a plain field still goes through the content check (and fails it).
    return await value.read() if isinstance(value, UploadFile) else value.encode()


@router.get(
    "/device/test-request",
    response_model=AlertTestRequestPublic,
    summary="For edge devices: the pending test request of its site (204 when none)",
    responses={204: {"description": "nothing to test"}},
)
def device_test_request(device: LimitedDeviceDep, session: SessionDep, now: NowDep) -> Response:
    assert device.site_id is not None
    req = actions.pending_for_device(session, device.site_id, now)
    if req is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    body = AlertTestRequestPublic.model_validate(req).model_dump_json()
    return Response(body, media_type="application/json")
