"""The labelling and dataset API, for admins and regulators only (school users: 403), each within their region
tree (another district's ids: 404). Paths, fields and problem codes are a contract the web app builds against."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from brightkitchen.platform.deps import NowDep, RegionStaffDep, SessionDep, SettingsDep
from brightkitchen.platform.labelling import datasets, exporting, images, listing, review
from brightkitchen.platform.labelling.forms import import_form, upload_form
from brightkitchen.platform.labelling.importing import import_archive
from brightkitchen.platform.labelling.schemas import (
    BoxesUpdate,
    DatasetCreate,
    DatasetPublic,
    ExportFormat,
    ExportPublic,
    FalsePositiveIn,
    ImageStatusName,
    LabelImageCreate,
    LabelImagePublic,
    LabelPublic,
    ReviewPublic,
    VocabularyPublic,
)
from brightkitchen.platform.labelling.vocab import VOCABULARIES, Task
from brightkitchen.platform.pagination import MAX_PAGE, Page, PageParams
from brightkitchen.platform.problems import not_found
from brightkitchen.platform.sorting import SortParam
from brightkitchen.platform.storage.base import EvidenceMissing, InvalidKey
from brightkitchen.platform.storage.deps import StoreDep

router = APIRouter(tags=["labelling"])

_UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["camera_id", "task", "image"],
                    "properties": {
                        "camera_id": {"type": "integer"},
                        "task": {"type": "string", "enum": [t.value for t in Task]},
                        "image": {"type": "string", "format": "binary", "description": "JPEG or PNG"},
                        "captured_at": {"type": "string", "format": "date-time"},
                    },
                }
            }
        },
    }
}
_IMPORT_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "name", "task", "source", "licence", "site_id"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "a YOLO zip"},
                        "name": {"type": "string", "maxLength": 128},
                        "task": {"type": "string", "enum": [t.value for t in Task]},
                        "source": {"type": "string", "maxLength": 200},
                        "licence": {"type": "string", "maxLength": 64},
                        "attribution": {"type": "string", "maxLength": 500},
                        "site_id": {"type": "integer"},
                    },
                }
            }
        },
    }
}


def label_page(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page number")] = 1,
    page_size: Annotated[int | None, Query(ge=1, le=500, description="items per page (default 50)")] = None,
    size: Annotated[int | None, Query(ge=1, le=500, description="the same as page_size, as the other lists")] = None,
) -> PageParams:
    return PageParams(page=page, size=page_size or size or 50)


# --- vocabularies and images ---


@router.get("/labelling/vocabularies", response_model=list[VocabularyPublic], summary="The fixed label vocabularies")
def vocabularies(principal: RegionStaffDep) -> list[VocabularyPublic]:
    return [
        VocabularyPublic(
            task=v.task,
            name_zh=v.name_zh,
            name_en=v.name_en,
            labels=[
                LabelPublic(label=lab.label, name_zh=lab.name_zh, name_en=lab.name_en, code=lab.code)
                for lab in v.labels
            ],
        )
        for v in VOCABULARIES.values()
    ]


@router.post(
    "/labelling/images",
    response_model=LabelImagePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add an alert's frame (again: 200 with the same image) or a camera's latest picture",
    responses={200: {"model": LabelImagePublic, "description": "the alert's image already existed"}},
)
def add_image(
    now: NowDep,
    body: LabelImageCreate,
    response: Response,
    principal: RegionStaffDep,
    session: SessionDep,
    store: StoreDep,
) -> LabelImagePublic:
    if body.alert_id is not None:
        image, made = images.from_alert(session, store, principal, body.alert_id, now)
        if not made:
            response.status_code = status.HTTP_200_OK
    else:
        assert body.camera_id is not None and body.task is not None
        image = images.from_picture(session, store, principal, body.camera_id, body.task, now)
    return listing.public(session, image)


@router.post(
    "/labelling/images/upload",
    response_model=LabelImagePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add a frame the browser sends (a frame grabbed from a recording)",
    openapi_extra=_UPLOAD_DOC,
)
async def upload_image(
    now: NowDep,
    request: Request,
    principal: RegionStaffDep,
    session: SessionDep,
    settings: SettingsDep,
    store: StoreDep,
) -> LabelImagePublic:
    form = await upload_form(request, settings.max_upload_bytes)
    image = await run_in_threadpool(
        images.from_upload, session, store, principal, form.camera_id, form.task, form.image, form.captured_at, now
    )
    return await run_in_threadpool(listing.public, session, image)


@router.get("/labelling/images", response_model=Page[LabelImagePublic], summary="Frames to label, newest first")
def list_images(
    principal: RegionStaffDep,
    session: SessionDep,
    params: Annotated[PageParams, Depends(label_page)],
    task: Task | None = None,
    status: ImageStatusName | None = None,
    site_id: Annotated[int | None, Query(ge=1)] = None,
    sort: Annotated[
        SortParam, Query(description=f"one of {', '.join(listing.SORTS)}; a leading '-' sorts downwards; default -id")
    ] = None,
) -> Page[LabelImagePublic]:
    filters = listing.ImageFilters(task=task, status=status, site_id=site_id, sort=sort)
    return listing.list_images(session, principal, filters, params)


@router.get("/labelling/images/{image_id}", response_model=LabelImagePublic, summary="One frame with its boxes")
def get_image(image_id: int, principal: RegionStaffDep, session: SessionDep) -> LabelImagePublic:
    return listing.public(session, listing.visible_image(session, principal, image_id))


@router.get(
    "/labelling/images/{image_id}/file",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
    summary="The frame itself (JPEG)",
)
def image_file(image_id: int, principal: RegionStaffDep, session: SessionDep, store: StoreDep) -> Response:
    image = listing.visible_image(session, principal, image_id)
    # The file of an id never changes; it shows people, so no shared cache may keep it.
    headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
    try:
        path = store.local_path(image.storage_key)
        if path is not None:
            if not path.is_file():
                raise not_found("image file")
            return FileResponse(path, media_type="image/jpeg", headers=headers)
        return Response(store.read(image.storage_key), media_type="image/jpeg", headers=headers)
    except (EvidenceMissing, InvalidKey) as exc:
        raise not_found("image file") from exc


@router.put(
    "/labelling/images/{image_id}/boxes",
    response_model=LabelImagePublic,
    summary="Confirm (the same boxes) or correct (other boxes) a frame's boxes",
)
def put_boxes(
    now: NowDep, image_id: int, body: BoxesUpdate, principal: RegionStaffDep, session: SessionDep
) -> LabelImagePublic:
    image = listing.visible_image(session, principal, image_id)
    review.set_boxes(session, principal, image, [b.model_dump() for b in body.boxes], body.note, now)
    return listing.public(session, image)


@router.post(
    "/labelling/images/{image_id}/false-positive",
    response_model=LabelImagePublic,
    summary="Nothing of the task in this frame: no boxes, kept as a background image",
)
def mark_false_positive(
    now: NowDep, image_id: int, body: FalsePositiveIn, principal: RegionStaffDep, session: SessionDep
) -> LabelImagePublic:
    image = listing.visible_image(session, principal, image_id)
    review.false_positive(session, principal, image, body.note, now)
    return listing.public(session, image)


@router.get(
    "/labelling/images/{image_id}/history", response_model=list[ReviewPublic], summary="Every review, oldest first"
)
def image_history(image_id: int, principal: RegionStaffDep, session: SessionDep) -> list[ReviewPublic]:
    return review.history(session, listing.visible_image(session, principal, image_id))


# --- datasets ---


@router.post(
    "/datasets",
    response_model=DatasetPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Freeze every reviewed frame of a task in the caller's scope as the name's next version",
)
def create_dataset(
    now: NowDep, body: DatasetCreate, principal: RegionStaffDep, session: SessionDep, settings: SettingsDep
) -> DatasetPublic:
    return datasets.to_public(datasets.create(session, principal, body, ZoneInfo(settings.timezone), now))


@router.get(
    "/datasets", response_model=list[DatasetPublic], summary="Dataset versions the caller may see, newest first"
)
def list_datasets(principal: RegionStaffDep, session: SessionDep, task: Task | None = None) -> list[DatasetPublic]:
    return datasets.list_datasets(session, principal, task)


@router.post(
    "/datasets/import",
    response_model=DatasetPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Import a YOLO zip as confirmed frames of one site and a new dataset version (all or nothing)",
    openapi_extra=_IMPORT_DOC,
)
async def import_dataset(
    now: NowDep,
    request: Request,
    principal: RegionStaffDep,
    session: SessionDep,
    settings: SettingsDep,
    store: StoreDep,
) -> DatasetPublic:
    fields, upload, form = await import_form(request, settings.max_upload_bytes)
    try:
        tz = ZoneInfo(settings.timezone)
        ds = await run_in_threadpool(import_archive, session, store, principal, upload.file, fields, tz, now)
    finally:
        await form.close()
    return datasets.to_public(ds)


@router.get("/datasets/{dataset_id}", response_model=DatasetPublic, summary="One dataset version")
def get_dataset(dataset_id: int, principal: RegionStaffDep, session: SessionDep) -> DatasetPublic:
    return datasets.to_public(datasets.visible_dataset(session, principal, dataset_id))


@router.get(
    "/datasets/{dataset_id}/export",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}}},
    summary="Download a dataset version as a YOLO or COCO zip (logged)",
)
def export_dataset(
    now: NowDep,
    dataset_id: int,
    principal: RegionStaffDep,
    session: SessionDep,
    store: StoreDep,
    fmt: Annotated[ExportFormat, Query(alias="format")] = "yolo",
) -> FileResponse:
    ds = datasets.visible_dataset(session, principal, dataset_id)
    path: Path = exporting.export(session, store, principal, ds, fmt, now)
    return FileResponse(
        path,
        media_type="application/zip",
        filename=exporting.archive_name(ds, fmt),
        headers={"Cache-Control": "no-store"},
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


@router.get("/datasets/{dataset_id}/exports", response_model=list[ExportPublic], summary="The export log, newest first")
def dataset_exports(dataset_id: int, principal: RegionStaffDep, session: SessionDep) -> list[ExportPublic]:
    return exporting.export_log(session, datasets.visible_dataset(session, principal, dataset_id))
