"""Events the database cannot hold are refused with 422 (the edge keeps them as dead), never answered 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from tests import factories as f
from tests import support as s

URL = "/api/v1/device/events"


@pytest.fixture
def w(session: Session) -> f.World:
    return f.world(session)


@pytest.fixture
def lenient(ctx: PlatformContext) -> Any:
    with TestClient(create_app(ctx=ctx), raise_server_exceptions=False) as c:
        yield c


def _raw(doc: dict[str, Any], text: str) -> dict[str, Any]:
    # json.dumps would refuse NaN only with allow_nan=False; the edge could send it, so send it raw.
    return {"files": {"event": (None, text, "application/json")}}


@pytest.mark.parametrize(
    "change",
    [
        {"track_id": 2**40},
        {"track_id": -(2**40)},
        {"boxes": [{"label": "face", "score": 0.9, "x1": 1, "y1": 2, "x2": 3, "y2": 4, "track_id": 2**40}]},
        {"started_at": "0001-01-01T00:00:00+14:00", "ended_at": "0001-01-01T00:00:01+14:00"},
        {"started_at": "9999-12-31T23:59:59-14:00", "ended_at": "9999-12-31T23:59:59-14:00"},
        {"model_name": "face\u0000mask"},
        {"model_version": "1\u0000"},
        {"site_code": "A\u00001"},
        {"boxes": [{"label": "fa\u0000ce", "score": 0.9, "x1": 1, "y1": 2, "x2": 3, "y2": 4}]},
    ],
)
def test_unstorable_event_is_422(lenient: TestClient, w: f.World, change: dict[str, Any]) -> None:
    resp = lenient.post(URL, headers=s.device_headers(w.device_keys["A1"]), **s.parts(s.event(**change)))
    assert resp.status_code == 422, resp.text


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity", "1e999"])
@pytest.mark.parametrize("field", ["x1", "score"])
def test_non_finite_numbers_are_422(lenient: TestClient, w: f.World, bad: str, field: str) -> None:
    doc = s.event()
    doc["boxes"] = [{"label": "face", "score": 0.5, "x1": 1.0, "y1": 2.0, "x2": 3.0, "y2": 4.0}]
    marker = 123456.789
    doc["boxes"][0][field] = marker
    text = json.dumps(doc).replace(str(marker), bad)
    resp = lenient.post(URL, headers=s.device_headers(w.device_keys["A1"]), **_raw(doc, text))
    assert resp.status_code == 422, resp.text


def test_heartbeat_with_nul_or_huge_numbers_is_422(lenient: TestClient, w: f.World) -> None:
    from datetime import UTC, datetime

    base = {"sent_at": datetime.now(UTC).isoformat(), "software_version": "1.0"}
    cases = [{"software_version": "1.\u00000"}, {"outbox_depth": 2**70}, {"disk_used_bytes": 2**63}]
    for change in cases:
        resp = lenient.post(
            "/api/v1/device/heartbeats", headers=s.device_headers(w.device_keys["A1"]), json=base | change
        )
        assert resp.status_code == 422, (change, resp.text)
    ok = lenient.post("/api/v1/device/heartbeats", headers=s.device_headers(w.device_keys["A1"]), json=base)
    assert ok.status_code < 300, ok.text
