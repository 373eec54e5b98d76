"""A device that hangs up in the middle of an upload: a plain 400 in the log's info lines, not an unhandled
error with a traceback, and nothing recorded."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import MutableMapping
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import AlertDetection
from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from tests import factories as f


def test_an_upload_cut_off_midway_is_a_quiet_400(
    ctx: PlatformContext, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    key = f.world(session).device_keys["A1"]
    app = create_app(ctx=ctx)
    boundary = "cut"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="event"\r\n\r\n{{"event_id": "e-1"').encode()
    incoming: list[dict[str, Any]] = [
        {"type": "http.request", "body": head, "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/api/v1/device/events", "raw_path": b"/api/v1/device/events", "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
        "headers": [
            (b"host", b"testserver"), (b"authorization", f"Bearer {key}".encode()),
            (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
            (b"content-length", b"100000"),
        ],
    }  # fmt: skip
    with caplog.at_level(logging.INFO):
        asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert session.scalar(select(func.count()).select_from(AlertDetection)) == 0
