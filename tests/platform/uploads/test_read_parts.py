"""``read_parts`` (the edge event's multipart reader) gives the bytes ``read_form`` and ``part_bytes`` give for the
same body, and refuses what ``read_form`` refuses, with the same problem codes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from brightkitchen.platform.problems import Problem
from brightkitchen.platform.uploads.forms import part_bytes, read_form, read_parts

LIMIT = 64 * 1024
B = "bkb"


def _app(read: Callable[[Request], Awaitable[dict[str, bytes]]]) -> TestClient:
    app = FastAPI()

    @app.exception_handler(Problem)
    async def _problem(_request: Request, exc: Problem) -> JSONResponse:
        return JSONResponse({"code": exc.code}, status_code=exc.status)

    @app.post("/parts")
    async def parts(request: Request) -> dict[str, Any]:
        return {k: v.hex() for k, v in (await read(request)).items()}

    return TestClient(app)


async def _by_form(request: Request) -> dict[str, bytes]:
    form = await read_form(request, LIMIT)
    try:
        return {k: v for k in form if (v := await part_bytes(form, k)) is not None}
    finally:
        await form.close()


async def _by_parts(request: Request) -> dict[str, bytes]:
    return await read_parts(request, LIMIT)


def _part(name: str, data: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    return f"--{B}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n"


def _post(client: TestClient, body: bytes, content_type: str = f"multipart/form-data; boundary={B}") -> Any:
    return client.post("/parts", content=body, headers={"content-type": content_type})


@pytest.fixture(params=["form", "parts"])
def client(request: pytest.FixtureRequest) -> TestClient:
    return _app(_by_form if request.param == "form" else _by_parts)


JPEG = bytes(range(256)) * 100  # binary, with CR and LF inside


def test_the_same_bytes_as_read_form() -> None:
    body = _part("event", '{"a": "中文"}'.encode()) + _part("snapshot", JPEG, "s.jpg") + f"--{B}--\r\n".encode()
    by_form, by_parts = _post(_app(_by_form), body), _post(_app(_by_parts), body)
    assert by_form.status_code == by_parts.status_code == 200
    assert by_form.json() == by_parts.json()
    assert bytes.fromhex(by_parts.json()["snapshot"]) == JPEG


def test_the_last_part_of_a_name_wins(client: TestClient) -> None:
    body = _part("event", b"first") + _part("event", b"second") + f"--{B}--\r\n".encode()
    assert bytes.fromhex(_post(client, body).json()["event"]) == b"second"


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (_part("a", b"x") + f"--{B}--\r\n".encode(), "multipart/form-data", 422, "bad_multipart"),  # no boundary
        (_part("a", b"x") + f"--{B}--\r\n".encode(), "application/json", 415, "unsupported_media_type"),
        (f"--{B}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--{B}--\r\n".encode(), None, 422, "bad_multipart"),
        (b"".join(_part(f"f{i}", b"x", f"{i}.jpg") for i in range(5)) + f"--{B}--\r\n".encode(), None, 422,
         "bad_multipart"),  # five files
        (b"".join(_part(f"f{i}", b"x") for i in range(9)) + f"--{B}--\r\n".encode(), None, 422,
         "bad_multipart"),  # nine fields
        (_part("big", b"x" * (1024 * 1024 + 1)), None, 413, "too_large"),  # over the body limit
        (b"garbage that is no multipart at all\r\n", None, 422, "bad_multipart"),
    ],
)  # fmt: skip
def test_refusals(client: TestClient, body: bytes, content_type: str | None, status: int, code: str) -> None:
    answer = _post(client, body, content_type or f"multipart/form-data; boundary={B}")
    assert (answer.status_code, answer.json()["code"]) == (status, code)


def test_a_field_over_the_part_limit_is_refused() -> None:
    client = _app(lambda request: read_parts(request, 4 * 1024 * 1024))
    body = _part("event", b"x" * (1024 * 1024 + 1)) + f"--{B}--\r\n".encode()
    assert (_post(client, body).status_code, _post(client, body).json()["code"]) == (422, "bad_multipart")
