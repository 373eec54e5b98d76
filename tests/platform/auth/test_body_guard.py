"""The caller is authenticated, and the body's size checked, before the server reads a request body."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from tests import factories as f
from tests.support import running_server

FIFTY_MB = 50 * 1024 * 1024
BOUNDARY = "bk-test-boundary"


def send_raw(base: str, head: str, body: bytes, timeout: float = 5.0) -> tuple[int, bytes]:
    """Sends the head and only ``body`` (often a small part of what the head declares); returns the status
    and answer the server gives without waiting for the rest."""
    url = urlsplit(base)
    with socket.create_connection((url.hostname or "127.0.0.1", url.port or 80), timeout=timeout) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)  # a server still reading the body never answers: socket.timeout fails the test
            if not chunk:
                break
            answer += chunk
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    return int(answer.split(b" ", 2)[1]), answer


def upload_head(path: str, length: int, token: str | None = None) -> str:
    auth = f"Authorization: Bearer {token}\n" if token else ""
    return (f"POST {path} HTTP/1.1\nHost: test\n{auth}Content-Type: multipart/form-data; boundary={BOUNDARY}\n"
            f"Content-Length: {length}\n")  # fmt: skip


def first_part() -> bytes:
    return (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="sites.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n").encode() + b"x" * 65536  # fmt: skip


def test_an_unauthenticated_50_mb_upload_is_refused_before_it_is_read(ctx: PlatformContext, session: Session) -> None:
    f.world(session)
    with running_server(create_app(ctx=ctx)) as base:
        started = time.monotonic()
        status, answer = send_raw(base, upload_head("/api/v1/sites/import", FIFTY_MB), first_part())
        assert status == 401, answer
        assert b"application/problem+json" in answer
        bad_token, _ = send_raw(base, upload_head("/api/v1/sites/import", FIFTY_MB, "bku_forged"), first_part())
        assert bad_token == 401
        json_head = (
            f"POST /api/v1/regions HTTP/1.1\nHost: test\nContent-Type: application/json\nContent-Length: {FIFTY_MB}\n"
        )
        assert send_raw(base, json_head, b'{"name": "' + b"x" * 65536)[0] == 401
    assert time.monotonic() - started < 5  # answered at once: 50 MB were never waited for


def test_an_oversize_body_from_a_signed_in_caller_is_413(ctx: PlatformContext, session: Session) -> None:
    f.world(session)
    token = f.bearer(session, "admin")["Authorization"].split()[1]
    with running_server(create_app(ctx=ctx)) as base:
        status, answer = send_raw(base, upload_head("/api/v1/sites/import", FIFTY_MB, token), first_part())
        assert status == 413, answer
        head = (f"POST /api/v1/regions HTTP/1.1\nHost: test\nAuthorization: Bearer {token}\n"
                f"Content-Type: application/json\nContent-Length: {ctx.settings.max_json_bytes + 1}\n")  # fmt: skip
        assert send_raw(base, head, b'{"name": "')[0] == 413


def test_a_streamed_body_is_counted_and_cut_off(ctx: PlatformContext, session: Session) -> None:
    f.world(session)
    token = f.bearer(session, "admin")["Authorization"].split()[1]
    small = PlatformContext.build(ctx.settings.model_copy(update={"max_json_bytes": 10_000}))
    try:
        with running_server(create_app(ctx=small)) as base:
            head = (f"POST /api/v1/regions HTTP/1.1\nHost: test\nAuthorization: Bearer {token}\n"
                    "Content-Type: application/json\nTransfer-Encoding: chunked\n")  # fmt: skip
            payload = b'{"name": "' + b"x" * 30_000 + b'", "kind": "city", "code": "c-big"}'
            chunked = b"".join(
                b"%x\r\n%s\r\n" % (len(c), c) for c in (payload[i : i + 4096] for i in range(0, len(payload), 4096))
            )
            status, answer = send_raw(base, head, chunked + b"0\r\n\r\n")
            assert status == 413, answer
            # A body under the cap still goes through.
            fine = b'{"name": "Small", "kind": "city", "code": "c-small"}'
            ok_head = head.replace("Transfer-Encoding: chunked", f"Content-Length: {len(fine)}")
            assert send_raw(base, ok_head, fine)[0] == 201
    finally:
        small.engine.dispose()
