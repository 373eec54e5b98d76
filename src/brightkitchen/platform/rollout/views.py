"""The roll-out API: checklists (anyone for the sites they see; schools read their own only),
the installer's and inspector's actions. The device's side of "send test alert" is in device_api."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from brightkitchen.platform.authz import Principal
from brightkitchen.platform.deps import NowDep, RegionStaffDep, SessionDep, SettingsDep, UserDep, require_roles
from brightkitchen.platform.pagination import Page, PageParams, page_params
from brightkitchen.platform.roles import Role
from brightkitchen.platform.rollout import actions, queries, service
from brightkitchen.platform.rollout.models import RolloutStatus
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
from brightkitchen.platform.tenancy import get_visible
from brightkitchen.platform.uploads.forms import part_bytes, read_form

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
    sites, total = queries.list_sites(session, principal, params, region_id, rollout_status)
    lists = service.evaluate_sites(session, settings, [s.id for s in sites], now)
    items = [site_status_public(site, lists[site.id]) for site in sites]
    return Page.of(items, total, params)


@router.get("/sites/{site_id}", response_model=ChecklistPublic, summary="A site's acceptance checklist")
def get_checklist(
    site_id: int, principal: UserDep, session: SessionDep, settings: SettingsDep, now: NowDep
) -> ChecklistPublic:
    site = get_visible(session, principal, Site, site_id, "site")
    checklist = service.evaluate_site(session, settings, site.id, now)
    return checklist_public(settings, site, checklist, now)


@router.get("/sites/{site_id}/history", response_model=list[StatusChangePublic], summary="Status changes, oldest first")
def get_history(site_id: int, principal: UserDep, session: SessionDep) -> list[StatusChangePublic]:
    site = get_visible(session, principal, Site, site_id, "site")
    rows = queries.history(session, site.id)
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
    site = get_visible(session, principal, Site, site_id, "site")
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
    site = get_visible(session, principal, Site, site_id, "site")
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
    site = await run_in_threadpool(get_visible, session, principal, Site, site_id, "site")
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
