"""Multipart bodies read under a hard size limit (413 before the rest is even received)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
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


def _check_multipart(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Problem(415, "Unsupported media type", "send multipart/form-data", code="unsupported_media_type")


def _unreadable(message: str) -> Problem:
    return Problem(422, "Invalid request", f"unreadable multipart body: {message}", code="bad_multipart")


async def read_form(request: Request, limit: int, max_files: int = 4) -> FormData:
    _check_multipart(request, limit)
    parser = MultiPartParser(request.headers, _limited(request, limit), max_files=max_files, max_fields=8,
                             max_part_size=1024 * 1024)  # fmt: skip
    try:
        return await parser.parse()
    except MultiPartException as exc:
        raise _unreadable(exc.message) from exc


class _Parts:
    """python-multipart's callbacks, collecting each part's bytes by its name (the last of a name wins, as
    ``FormData.get``), under the same limits as ``read_form``."""

    def __init__(self, max_files: int, max_fields: int, max_field_size: int) -> None:
        self.found: dict[str, bytes] = {}
        self.limits = (max_files, max_fields, max_field_size)
        self.files = self.fields = 0
        self.name: str | None = None
        self.is_file = False
        self.data: list[bytes] = []
        self.size = 0
        self.header = [b"", b""]
        self.disposition = b""

    def callbacks(self) -> dict[str, Any]:
        return {"on_part_begin": self.begin, "on_header_field": self.header_field,
                "on_header_value": self.header_value, "on_header_end": self.header_end,
                "on_headers_finished": self.headers_finished, "on_part_data": self.part_data,
                "on_part_end": self.end}  # fmt: skip

    def begin(self) -> None:
        self.name, self.is_file, self.data, self.size, self.disposition = None, False, [], 0, b""

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self.header[0] += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self.header[1] += data[start:end]

    def header_end(self) -> None:
        if self.header[0].lower() == b"content-disposition":
            self.disposition = self.header[1]
        self.header = [b"", b""]

    def headers_finished(self) -> None:
        _, options = parse_options_header(self.disposition)
        if b"name" not in options:
            raise _Refused('The Content-Disposition header field "name" must be provided.')
        self.name = options[b"name"].decode("utf-8", errors="replace")
        self.is_file = b"filename" in options
        max_files, max_fields, _ = self.limits
        if self.is_file:
            self.files += 1
            if self.files > max_files:
                raise _Refused(f"Too many files. Maximum number of files is {max_files}.")
        else:
            self.fields += 1
            if self.fields > max_fields:
                raise _Refused(f"Too many fields. Maximum number of fields is {max_fields}.")

    def part_data(self, data: bytes, start: int, end: int) -> None:
        self.size += end - start
        if not self.is_file and self.size > self.limits[2]:
            raise _Refused(f"Part exceeded maximum size of {self.limits[2] // 1024}KB.")
        self.data.append(data[start:end])

    def end(self) -> None:
        if self.name is not None:
            self.found[self.name] = b"".join(self.data)


class _Refused(Exception):
    pass


async def read_parts(
    request: Request, limit: int, max_files: int = 4, max_fields: int = 8, max_field_size: int = 1024 * 1024
) -> dict[str, bytes]:
    """The parts of a multipart body by name, as bytes: what ``read_form`` and ``part_bytes`` give, in one
    pass of python-multipart's parser over the chunks as they arrive, without a temporary file or an upload
    object per part (an edge event: a JSON part and a snapshot or a clip, all kept in memory anyway)."""
    _check_multipart(request, limit)
    _, params = parse_options_header(request.headers["content-type"])
    boundary = params.get(b"boundary")
    if not boundary:
        raise _unreadable("Missing boundary in multipart.")
    parts = _Parts(max_files, max_fields, max_field_size)
    try:
        parser = MultipartParser(boundary, parts.callbacks())  # type: ignore[arg-type]
        async for chunk in _limited(request, limit):
            parser.write(chunk)
        parser.finalize()
    except _Refused as exc:
        raise _unreadable(str(exc)) from exc
    except FormParserError as exc:
        raise _unreadable("Invalid multipart data.") from exc
    return parts.found


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
