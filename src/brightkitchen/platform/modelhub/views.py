"""/models and /model-assignments: the registry's API. Admins upload, assign and promote; regulators read
(assignments, roll-out and advice within their region tree); nobody else sees the registry."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from brightkitchen.platform.deps import AdminDep, NowDep, RegionStaffDep, SessionDep, SettingsDep
from brightkitchen.platform.modelhub import assignments, service
from brightkitchen.platform.modelhub.files import CONTENT_TYPE, ModelStoreDep
from brightkitchen.platform.modelhub.rollout import rollout
from brightkitchen.platform.modelhub.schemas import (
    AssignmentIn,
    AssignmentOut,
    ModelVersionOut,
    PromoteIn,
    RolloutOut,
    ThresholdAdvice,
)
from brightkitchen.platform.modelhub.thresholds import threshold_advice
from brightkitchen.platform.problems import not_found
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.storage.base import EvidenceMissing, EvidenceStore
from brightkitchen.platform.uploads.forms import part_bytes, read_form

router = APIRouter(tags=["models"])

FORM_ROOM = 1024 * 1024  # the card, the notes and the multipart framing around the model file
MAX_NOTES = 2000
_UPLOAD_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "card"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "the model (.onnx)"},
                        "card": {"type": "string", "format": "binary", "description": "the model card, YAML or JSON"},
                        "notes": {"type": "string", "maxLength": MAX_NOTES},
                    },
                }
            }
        },
    }
}


def upload_limit(settings: Settings) -> int:
    return settings.model_max_bytes + FORM_ROOM


@router.post(
    "/models",
    response_model=ModelVersionOut,
    status_code=status.HTTP_201_CREATED,
    summary="Upload a model version (.onnx and its card); checked by loading it",
    openapi_extra=_UPLOAD_DOC,
)
async def upload_model(
    request: Request, principal: AdminDep, session: SessionDep, settings: SettingsDep, store: ModelStoreDep, now: NowDep
) -> ModelVersionOut:
    form = await read_form(request, upload_limit(settings), max_files=2)
    try:
        data, card = await part_bytes(form, "file"), await part_bytes(form, "card")
        notes = ((await part_bytes(form, "notes")) or b"").decode(errors="replace")[:MAX_NOTES]
    finally:
        await form.close()
    version = await run_in_threadpool(
        service.upload, session, store, principal, data, card, notes, settings.model_max_bytes, now
    )
    return (await run_in_threadpool(service.present, session, [version]))[0]


upload_model.__dict__["body_limit"] = upload_limit  # the body guard lets a model through, not just a photo


@router.get("/models", response_model=list[ModelVersionOut], summary="Model versions, newest first")
def list_models(
    _: RegionStaffDep,
    session: SessionDep,
    name: Annotated[str | None, Query(max_length=64, description="only this model name")] = None,
) -> list[ModelVersionOut]:
    return service.present(session, service.list_versions(session, name))


@router.get("/models/{model_id}", response_model=ModelVersionOut)
def get_model(model_id: int, _: RegionStaffDep, session: SessionDep) -> ModelVersionOut:
    return service.present(session, [service.get(session, model_id)])[0]


@router.get("/models/{model_id}/file", response_class=Response, summary="The model file's bytes")
def get_model_file(model_id: int, _: AdminDep, session: SessionDep, store: ModelStoreDep) -> Response:
    version = service.get(session, model_id)
    return file_response(store, version.storage_key, f"{version.name}-{version.version}.onnx")


def file_response(store: EvidenceStore, key: str, filename: str | None = None) -> Response:
    """The file from the local folder as it is, or read from the bucket (devices may not reach the bucket)."""
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache"}
    path = store.local_path(key)
    if path is not None:
        if not path.is_file():
            raise not_found("model file")
        return FileResponse(path, media_type=CONTENT_TYPE, headers=headers, filename=filename)
    try:
        data = store.read(key)
    except EvidenceMissing as exc:
        raise not_found("model file") from exc
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(data, media_type=CONTENT_TYPE, headers=headers)


@router.delete("/models/{model_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete an unassigned version")
def delete_model(model_id: int, principal: AdminDep, session: SessionDep, store: ModelStoreDep, now: NowDep) -> None:
    service.delete(session, store, principal, service.get(session, model_id), now)


@router.get("/models/{model_id}/rollout", response_model=RolloutOut, summary="Where the version runs, per device")
def get_rollout(model_id: int, principal: RegionStaffDep, session: SessionDep) -> RolloutOut:
    return rollout(session, principal, service.get(session, model_id))


@router.get(
    "/models/{model_id}/threshold-advice",
    response_model=list[ThresholdAdvice],
    summary="Per site and label: the last 30 days' false-positive rate and a suggested threshold",
)
def get_threshold_advice(
    model_id: int, principal: RegionStaffDep, session: SessionDep, now: NowDep
) -> list[ThresholdAdvice]:
    return threshold_advice(session, principal, service.get(session, model_id), now)


@router.post(
    "/models/{model_id}/promote",
    response_model=AssignmentOut,
    summary="Assign this version to a region and retire its canary site assignments",
)
def promote(model_id: int, body: PromoteIn, principal: AdminDep, session: SessionDep, now: NowDep) -> AssignmentOut:
    row = assignments.promote(session, principal, service.get(session, model_id), body.region_id, now)
    return assignments.present(session, [row])[0]


@router.get("/model-assignments", response_model=list[AssignmentOut], summary="Assignments in the caller's regions")
def list_assignments(
    principal: RegionStaffDep,
    session: SessionDep,
    model_id: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="only this version's")] = None,
    name: Annotated[str | None, Query(max_length=64, description="only this model name's")] = None,
) -> list[AssignmentOut]:
    return assignments.present(session, assignments.list_assignments(session, principal, model_id, name))


@router.put(
    "/model-assignments",
    response_model=AssignmentOut,
    summary="Assign a version to a region or site (replaces that target's assignment of the same model name)",
)
def put_assignment(body: AssignmentIn, principal: AdminDep, session: SessionDep, now: NowDep) -> AssignmentOut:
    return assignments.present(session, [assignments.put(session, principal, body, now)])[0]


@router.delete("/model-assignments/{assignment_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_assignment(assignment_id: int, principal: AdminDep, session: SessionDep, now: NowDep) -> None:
    assignments.delete(session, principal, assignment_id, now)
