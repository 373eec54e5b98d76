"""Segment uploads are checked before anything is kept: the device's own site, the headers, the size and
the content (MPEG-TS by its sync bytes)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.settings import Settings
from brightkitchen.platform.video.models import LiveSegment, PlaybackSegment
from brightkitchen.platform.video.segments import is_mpeg_ts
from brightkitchen.protocol.video import MAX_SEGMENT_BYTES, SEGMENT_HEADERS
from tests import factories as f
from tests.platform.video.conftest import T0, put_live, put_playback, segment_headers, ts_segments
from tests.support import jpeg_bytes, stored_files

START, DURATION, DISC = SEGMENT_HEADERS["start"], SEGMENT_HEADERS["duration_s"], SEGMENT_HEADERS["discontinuity"]


def nothing_stored(session: Session, settings: Settings) -> bool:
    rows = session.scalar(select(func.count()).select_from(LiveSegment)) or 0
    rows += session.scalar(select(func.count()).select_from(PlaybackSegment)) or 0
    return rows == 0 and not stored_files(settings.video_dir)


def test_real_segments_are_mpeg_ts_and_others_are_not() -> None:
    seg = ts_segments()[0]
    assert is_mpeg_ts(seg)
    assert not is_mpeg_ts(b"")
    assert not is_mpeg_ts(seg[:-1])  # a torn last packet
    assert not is_mpeg_ts(seg[:188] + b"\x00" + seg[189:376])  # fine length, but packet 2 lost its sync byte
    assert not is_mpeg_ts(jpeg_bytes())
    assert not is_mpeg_ts(b"\x47" * 100)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({START: "yesterday"}, START),
        ({START: "2026-03-02T09:30:00"}, START),  # no offset: the camera's clock is ambiguous
        ({DURATION: "0"}, DURATION),
        ({DURATION: "11.5"}, DURATION),  # longer than MAX_SEGMENT_S
        ({DURATION: "one"}, DURATION),
        ({DISC: "yes"}, DISC),
    ],
)
def test_bad_headers_are_422_and_nothing_is_stored(
    client: TestClient, session: Session, settings: Settings, change: dict[str, str], field: str
) -> None:
    w = f.world(session)
    headers = {**segment_headers(T0), **change}
    resp = put_live(client, w.device_keys["A1"], "cam-a1", 1, ts_segments()[0], headers=headers)
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["errors"][0]["field"] == field
    assert nothing_stored(session, settings)


def test_missing_start_header_is_422(client: TestClient, session: Session, settings: Settings) -> None:
    w = f.world(session)
    headers = {k: v for k, v in segment_headers(T0).items() if k != START}
    resp = put_live(client, w.device_keys["A1"], "cam-a1", 1, ts_segments()[0], headers=headers)
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == START
    assert nothing_stored(session, settings)


def test_wrong_bodies_are_refused_and_nothing_is_stored(
    client: TestClient, session: Session, settings: Settings
) -> None:
    w = f.world(session)
    key, seg = w.device_keys["A1"], ts_segments()[0]
    assert put_live(client, key, "cam-a1", 1, jpeg_bytes()).status_code == 415
    assert put_live(client, key, "cam-a1", 2, seg[:-100]).status_code == 415
    assert put_live(client, key, "cam-a1", 3, b"").status_code == 415
    as_png = {**segment_headers(T0), "Content-Type": "image/png"}
    assert put_live(client, key, "cam-a1", 4, seg, headers=as_png).status_code == 415
    huge = b"\x47" + b"\x00" * 187
    oversize = put_live(client, key, "cam-a1", 5, huge * (MAX_SEGMENT_BYTES // 188 + 1))
    assert oversize.status_code == 413
    assert put_live(client, key, "cam-b1", 6, seg).status_code == 404  # another site's camera
    assert put_live(client, key, "no-such-cam", 7, seg).status_code == 404
    assert put_live(client, "bkd_not-a-key", "cam-a1", 8, seg).status_code == 401
    people = client.put("/api/v1/device/cameras/cam-a1/live/9", content=seg,
                        headers={**f.bearer(session, "admin"), **segment_headers(T0)})  # fmt: skip
    assert people.status_code == 403  # a person's token is not a device key
    assert put_playback(client, key, "no-such-request", 0, seg, T0).status_code == 404
    assert nothing_stored(session, settings)
    # The same upload done right is kept.
    assert put_live(client, key, "cam-a1", 10, seg).status_code == 204
    assert not nothing_stored(session, settings)


def test_playback_segments_only_from_the_site_of_the_request(
    client: TestClient, session: Session, settings: Settings
) -> None:
    w = f.world(session)
    rng = {"start": T0.isoformat(), "end": T0.replace(minute=40).isoformat()}
    rid = client.post(f"/api/v1/cameras/{w.cameras['A1'].id}/playback", headers=f.bearer(session, "sa_a1"),
                      json=rng).json()["request_id"]  # fmt: skip
    assert put_playback(client, w.device_keys["B1"], rid, 0, ts_segments()[0], T0).status_code == 404
    assert put_playback(client, w.device_keys["A1"], rid, 0, jpeg_bytes(), T0).status_code == 415
    assert nothing_stored(session, settings)
    assert put_playback(client, w.device_keys["A1"], rid, 0, ts_segments()[0], T0).status_code == 204
