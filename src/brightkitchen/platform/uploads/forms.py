"""Multipart bodies read under a hard size limit (413 before the rest is even received)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from fastapi import Request
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from brightkitchen.platform.problems import Problem


def too_large(limit: int) -> Problem:
    return Problem(413, "Upload too large", f"the body is over the limit of {limit} bytes", code="too_large")


async def _limited(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise too_large(limit)
        yield chunk


async def read_form(request: Request, limit: int, max_files: int = 4) -> FormData:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Problem(415, "Unsupported media type", "send multipart/form-data", code="unsupported_media_type")
    parser = MultiPartParser(request.headers, _limited(request, limit), max_files=max_files, max_fields=8,
                             max_part_size=1024 * 1024)  # fmt: skip
    try:
        return await parser.parse()
    except MultiPartException as exc:
        raise Problem(
            422, "Invalid request", f"unreadable multipart body: {exc.message}", code="bad_multipart"
        ) from exc


async def part_bytes(form: FormData, name: str) -> bytes | None:
    value = form.get(name)
    if value is None:
        return None
    if isinstance(value, UploadFile):
        return await value.read()
    return value.encode()


async def read_body(request: Request, limit: int) -> bytes:
    """A raw (non-multipart) body, refused with 413 as soon as it passes ``limit``."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    return b"".join([chunk async for chunk in _limited(request, limit)])
