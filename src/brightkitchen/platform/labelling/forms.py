"""The two multipart forms of the labelling API (a frame upload, a dataset import), read under the upload limit
and checked field by field, so a wrong field gets a 422 naming it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from starlette.datastructures import FormData, UploadFile

from brightkitchen.platform.labelling.frames import MAX_IMAGE_BYTES
from brightkitchen.platform.labelling.importing import ImportForm
from brightkitchen.platform.labelling.vocab import Task
from brightkitchen.platform.problems import Problem
from brightkitchen.platform.uploads.forms import read_form, too_large

INT8_MAX = 2**63 - 1


def invalid(field: str, message: str) -> Problem:
    return Problem(
        422, "Invalid request", f"{field}: {message}", code="invalid", errors=[{"field": field, "message": message}]
    )


def _text(form: FormData, name: str, *, max_length: int, required: bool = True) -> str:
    value = form.get(name)
    if isinstance(value, UploadFile):
        raise invalid(name, "expected a text field, not a file")
    text = (value or "").strip()
    if required and not text:
        raise invalid(name, "is required")
    if len(text) > max_length:
        raise invalid(name, f"at most {max_length} characters")
    if "\x00" in text or any("\ud800" <= ch <= "\udfff" for ch in text):
        raise invalid(name, "must not contain NUL characters")
    return text


def _id(form: FormData, name: str) -> int:
    text = _text(form, name, max_length=20)
    if not text.isdigit() or not 1 <= int(text) <= INT8_MAX:
        raise invalid(name, "must be a positive integer id")
    return int(text)


def _task(form: FormData) -> Task:
    text = _text(form, "task", max_length=16)
    try:
        return Task(text)
    except ValueError as exc:
        raise invalid("task", f"one of {', '.join(Task)}") from exc


def _file(form: FormData, name: str) -> UploadFile:
    value = form.get(name)
    if not isinstance(value, UploadFile):
        raise invalid(name, "a file is required")
    return value


def _when(form: FormData, name: str) -> datetime | None:
    text = _text(form, name, max_length=40, required=False)
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise invalid(name, "an ISO 8601 time with its zone, e.g. 2026-05-01T08:30:00+08:00") from exc
    if when.tzinfo is None or not 1970 <= when.year <= 2999:
        raise invalid(name, "an ISO 8601 time with its zone, between the years 1970 and 2999")
    return when


@dataclass(frozen=True)
class UploadForm:
    camera_id: int
    task: Task
    image: bytes
    captured_at: datetime | None


async def upload_form(request: Request, limit: int) -> UploadForm:
    form = await read_form(request, limit, max_files=1)
    try:
        camera_id, task, captured_at = _id(form, "camera_id"), _task(form), _when(form, "captured_at")
        upload = _file(form, "image")
        data = await upload.read(MAX_IMAGE_BYTES + 1)
        if len(data) > MAX_IMAGE_BYTES:
            raise too_large(MAX_IMAGE_BYTES)
    finally:
        await form.close()
    return UploadForm(camera_id, task, data, captured_at)


async def import_form(request: Request, limit: int) -> tuple[ImportForm, UploadFile, FormData]:
    """The import's fields and its archive (still open: the caller closes the form once it is read)."""
    form = await read_form(request, limit, max_files=1)
    try:
        fields = ImportForm(
            name=_text(form, "name", max_length=128),
            task=_task(form),
            source=_text(form, "source", max_length=200),
            licence=_text(form, "licence", max_length=64),
            attribution=_text(form, "attribution", max_length=500, required=False),
            site_id=_id(form, "site_id"),
        )
        return fields, _file(form, "file"), form
    except BaseException:
        await form.close()
        raise
