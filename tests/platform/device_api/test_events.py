"""POST /api/v1/device/events: one alert per event, nothing half-stored, refusals the edge can act on."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert, AlertAudit, AlertEvidence
from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests import support as s

URL = "/api/v1/device/events"


def counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(Alert)) or 0,
        session.scalar(select(func.count()).select_from(AlertEvidence)) or 0,
    )


@pytest.fixture
def w(session: Session) -> f.World:
    return f.world(session)


def post(client: TestClient, w: f.World, body: dict[str, Any], site: str = "A1") -> Any:
    return client.post(URL, headers=s.device_headers(w.device_keys[site]), **body)


def assert_nothing_stored(session: Session, settings: Settings) -> None:
    assert counts(session) == (0, 0)
    assert s.stored_files(settings.evidence_dir) == []


def test_event_with_evidence_makes_one_alert(client: TestClient, session: Session, w: f.World, settings: Settings):
    body = s.parts(s.event(), s.jpeg_bytes(), s.mp4_bytes())
    first = post(client, w, body)
    assert first.status_code == 201, first.text
    alert_id = first.json()["alert_id"]
    assert first.json() == {"alert_id": alert_id, "duplicate": False, "outcome": "opened", "detection_count": 1}
    again = post(client, w, body)
    assert again.status_code == 200
    assert again.json() == {"alert_id": alert_id, "duplicate": True, "outcome": "opened", "detection_count": 1}
    assert counts(session) == (1, 2)
    files = s.stored_files(settings.evidence_dir)
    assert len(files) == 2
    assert {hashlib.sha256(p.read_bytes()).hexdigest() for p in files} == {
        hashlib.sha256(s.jpeg_bytes()).hexdigest(),
        hashlib.sha256(s.mp4_bytes()).hexdigest(),
    }
    alert = session.get(Alert, alert_id)
    assert alert is not None and alert.state == "new" and alert.camera_id == w.cameras["A1"].id
    audit = session.scalars(select(AlertAudit).where(AlertAudit.alert_id == alert_id)).all()
    assert [(a.action, a.actor_kind, a.from_state, a.to_state) for a in audit] == [("create", "device", None, "new")]


def test_event_without_evidence(client: TestClient, session: Session, w: f.World):
    resp = post(client, w, s.parts(s.event()))
    assert resp.status_code == 201
    assert counts(session) == (1, 0)


@pytest.mark.parametrize(
    ("doc", "status", "code"),
    [
        ({"site_code": "B1", "camera_key": "cam-b1"}, 403, "wrong_site"),
        ({"site_code": "A2", "camera_key": "cam-a2"}, 403, "wrong_site"),
        ({"site_code": "A1", "camera_key": "cam-b1"}, 404, "unknown_camera"),
        ({"site_code": "A1", "camera_key": "nope"}, 404, "unknown_camera"),
    ],
)
def test_device_only_for_its_own_site_and_cameras(
    client: TestClient, session: Session, w: f.World, settings: Settings, doc: dict[str, str], status: int, code: str
):
    resp = post(client, w, s.parts(s.event(**doc), s.jpeg_bytes()))
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["code"] == code
    assert_nothing_stored(session, settings)


def _text() -> bytes:
    return b"this is not an image at all, just text pretending to be a .jpg\n" * 20


@pytest.mark.parametrize(
    ("snapshot", "clip"),
    [
        (s.png_bytes, None),  # a PNG named snapshot.jpg
        (_text, None),  # text named .jpg
        (s.mp4_bytes, None),  # a video as the snapshot
        (None, s.jpeg_bytes),  # a JPEG as the clip
        (None, _text),
    ],
)
def test_wrong_type_by_content_is_415(
    client: TestClient,
    session: Session,
    w: f.World,
    settings: Settings,
    snapshot: Callable[[], bytes] | None,
    clip: Callable[[], bytes] | None,
) -> None:
    body = s.parts(s.event(), snapshot() if snapshot else None, clip() if clip else None)
    resp = post(client, w, body)
    assert resp.status_code == 415, resp.text
    assert resp.json()["code"] == "unsupported_media_type"
    assert_nothing_stored(session, settings)


def test_declared_content_type_must_match_too(
    client: TestClient, session: Session, w: f.World, settings: Settings
) -> None:
    doc = s.event(evidence=[s.ref("snapshot", s.jpeg_bytes(), "video/mp4")])
    body = s.parts(doc)
    body["files"]["snapshot"] = ("a.jpg", s.jpeg_bytes(), "image/jpeg")
    resp = post(client, w, body)
    assert resp.status_code == 415
    assert_nothing_stored(session, settings)


def test_truncated_and_mismatched_evidence_is_422(
    client: TestClient, session: Session, w: f.World, settings: Settings
) -> None:
    jpeg, mp4 = s.jpeg_bytes(), s.mp4_bytes()
    half = jpeg[: len(jpeg) // 2]
    cases = [
        # truncated in transit: the listed size and sha256 are the whole file's
        ({"event": s.event(evidence=[s.ref("snapshot", jpeg)])}, {"snapshot": half}, "size_mismatch"),
        # truncated at the source: size and sha256 agree, the JPEG has no end
        ({"event": s.event(evidence=[s.ref("snapshot", half)])}, {"snapshot": half}, "corrupt"),
        ({"event": s.event(evidence=[s.ref("clip", mp4[:-100])])}, {"clip": mp4[:-100]}, "corrupt"),
        # same size, other bytes
        (
            {"event": s.event(evidence=[s.ref("snapshot", jpeg)])},
            {"snapshot": jpeg[:-3] + b"\x00\xff\xd9"},
            "sha256_mismatch",
        ),
        # listed but not sent, sent but not listed
        ({"event": s.event(evidence=[s.ref("snapshot", jpeg)])}, {}, "invalid"),
        ({"event": s.event()}, {"snapshot": jpeg}, "invalid"),
    ]
    for doc, files, code in cases:
        body = s.parts(doc["event"])
        body["files"].update({k: (f"{k}.bin", v, "application/octet-stream") for k, v in files.items()})
        resp = post(client, w, body)
        assert resp.status_code == 422, (code, resp.text)
        assert resp.json()["code"] == code
        assert_nothing_stored(session, settings)


def test_invalid_event_names_the_field(client: TestClient, session: Session, w: f.World, settings: Settings) -> None:
    resp = post(client, w, s.parts(s.event(code="not_a_code"), s.jpeg_bytes()))
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "event.code"
    missing = client.post(URL, headers=s.device_headers(w.device_keys["A1"]), files={"snapshot": ("a", b"x")})
    assert missing.status_code == 422
    assert_nothing_stored(session, settings)


@pytest.fixture
def small_client(settings: Settings, ctx: PlatformContext) -> Iterator[TestClient]:
    small = PlatformContext.build(settings.model_copy(update={"max_upload_bytes": 50_000}))
    with TestClient(create_app(ctx=small)) as c:
        yield c
    small.engine.dispose()


def test_oversize_body_is_413(small_client: TestClient, session: Session, w: f.World, settings: Settings):
    big = s.jpeg_bytes(1280, 960)
    assert len(big) > 50_000
    resp = post(small_client, w, s.parts(s.event(), big))
    assert resp.status_code == 413
    assert resp.json()["code"] == "too_large"
    assert_nothing_stored(session, settings)


def test_database_failure_leaves_nothing_behind(
    session: Session, w: f.World, settings: Settings, ctx: PlatformContext
) -> None:
    def fail(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO ALERT_EVIDENCE"):
            raise RuntimeError("disk full, say")

    sa_event.listen(ctx.engine, "before_cursor_execute", fail)
    try:
        with TestClient(create_app(ctx=ctx), raise_server_exceptions=False) as client:
            resp = post(client, w, s.parts(s.event(), s.jpeg_bytes(), s.mp4_bytes()))
    finally:
        sa_event.remove(ctx.engine, "before_cursor_execute", fail)
    assert resp.status_code == 500
    assert "Traceback" not in resp.text
    assert_nothing_stored(session, settings)


def test_rate_limit_per_device(settings: Settings, ctx: PlatformContext, session: Session, w: f.World):
    limited = PlatformContext.build(settings.model_copy(update={"device_rate_per_s": 0.5, "device_rate_burst": 2}))
    with TestClient(create_app(ctx=limited)) as c:
        codes = [post(c, w, s.parts(s.event())).status_code for _ in range(3)]
        other = post(c, w, s.parts(s.event(site_code="A2", camera_key="cam-a2")), site="A2")
        assert codes == [201, 201, 429]
        refused = post(c, w, s.parts(s.event()))
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["code"] == "rate_limited"
        assert other.status_code == 201  # each device has its own bucket
    limited.engine.dispose()


def test_only_devices_may_upload(client: TestClient, w: f.World):
    assert client.post(URL, **s.parts(s.event())).status_code == 401
    bad = client.post(URL, headers=s.device_headers("bkd_forged"), **s.parts(s.event()))
    assert bad.status_code == 401
    person = client.post(URL, headers=f.login(client, "sa_a1"), **s.parts(s.event()))
    assert person.status_code == 403
