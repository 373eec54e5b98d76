"""Playback of a recorded range: part of the demand until the edge is done; an EVENT playlist that grows as
segments arrive and ends (seekable) once the edge says done; "no recording" said plainly."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.protocol.video import MAX_PLAYBACK_S, VideoDemand
from tests import factories as f
from tests.platform.video.conftest import (
    T0,
    demand,
    playlist_uris,
    put_playback,
    segment_headers,
    tags,
    ts_segments,
)
from tests.support import device_headers, running_server

Client = TestClient | httpx.Client


def ask(client: Client, camera_id: int, headers: dict[str, str], minutes: float = 2) -> dict[str, str]:
    body = {"start": T0.isoformat(), "end": (T0 + timedelta(minutes=minutes)).isoformat()}
    resp = client.post(f"/api/v1/cameras/{camera_id}/playback", headers=headers, json=body)
    assert resp.status_code == 200, resp.text
    grant: dict[str, str] = resp.json()
    return grant


def done(client: Client, device_key: str, request_id: str, **body: object) -> int:
    resp = client.post(f"/api/v1/device/playback/{request_id}/done", json=body, headers=device_headers(device_key))
    return resp.status_code


def test_event_playlist_grows_then_ends(client: TestClient, session: Session) -> None:
    w = f.world(session)
    key = w.device_keys["A1"]
    headers = f.bearer(session, "reg_a")
    grant = ask(client, w.cameras["A1"].id, headers)
    rid = grant["request_id"]
    asked = VideoDemand.model_validate(demand(client, key).json())
    assert [(p.request_id, p.camera_key, p.start, p.end) for p in asked.playback] == [
        (rid, "cam-a1", T0, T0 + timedelta(minutes=2))
    ]
    assert asked.live == []

    first = client.get(grant["playlist_url"])
    assert first.status_code == 200
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in first.text and "#EXT-X-ENDLIST" not in first.text
    assert playlist_uris(first.text) == []

    segs = ts_segments()
    starts = [T0 + timedelta(seconds=s) for s in (0, 1, 2)]
    assert put_playback(client, key, rid, 0, segs[0], starts[0]).status_code == 204
    assert put_playback(client, key, rid, 2, segs[2], starts[2]).status_code == 204  # ahead of 1
    growing = client.get(grant["playlist_url"]).text
    assert len(playlist_uris(growing)) == 1  # only the run without a gap: an EVENT playlist only grows at its end
    assert client.get(grant["status_url"], headers=headers).json()["state"] == "uploading"
    assert put_playback(client, key, rid, 1, segs[1], starts[1]).status_code == 204
    assert len(playlist_uris(client.get(grant["playlist_url"]).text)) == 3
    assert "#EXT-X-ENDLIST" not in client.get(grant["playlist_url"]).text

    recorded = {"recorded_from": (T0 - timedelta(days=6)).isoformat(), "recorded_until": T0.isoformat()}
    assert done(client, key, rid, segments=3, **recorded) == 204
    assert done(client, key, rid, segments=3, **recorded) == 204  # repeated: no change
    final = client.get(grant["playlist_url"]).text
    assert final.rstrip().endswith("#EXT-X-ENDLIST") and "#EXT-X-PLAYLIST-TYPE:EVENT" in final
    assert tags(final, "#EXT-X-PROGRAM-DATE-TIME:") == [
        f"#EXT-X-PROGRAM-DATE-TIME:{s.isoformat(timespec='milliseconds')}" for s in starts
    ]
    assert [client.get(u).content for u in playlist_uris(final)] == segs
    status = client.get(grant["status_url"], headers=headers).json()
    assert status["state"] == "done" and status["segments"] == 3 and status["segments_expected"] == 3
    assert status["recorded_from"] is not None and status["error"] is None
    # Done requests are no longer asked for; the edge may not add to them.
    after = VideoDemand.model_validate(demand(client, key).json())
    assert after.playback == [] and after.version != asked.version
    assert put_playback(client, key, rid, 3, segs[0], starts[2]).status_code == 409


def test_no_recording_is_said_plainly(client: TestClient, session: Session) -> None:
    w = f.world(session)
    headers = f.bearer(session, "sa_a1")
    grant = ask(client, w.cameras["A1"].id, headers)
    until = (T0 - timedelta(days=8)).isoformat()
    assert done(client, w.device_keys["A1"], grant["request_id"], segments=0, error="no_recording",
                recorded_from=(T0 - timedelta(days=15)).isoformat(), recorded_until=until) == 204  # fmt: skip
    resp = client.get(grant["playlist_url"])
    assert resp.status_code == 404 and resp.json()["code"] == "no_recording"
    assert "没有录像" in resp.json()["detail"]
    status = client.get(grant["status_url"], headers=headers).json()
    assert status["state"] == "failed" and status["error"] == "no_recording" and status["message"]
    assert status["recorded_until"].startswith(until[:19])


def test_range_checks_and_tampered_playback_links(client: TestClient, session: Session) -> None:
    w = f.world(session)
    headers = f.bearer(session, "sa_a1")
    cam = w.cameras["A1"].id
    too_long = {"start": T0.isoformat(), "end": (T0 + timedelta(seconds=MAX_PLAYBACK_S + 1)).isoformat()}
    backwards = {"start": T0.isoformat(), "end": (T0 - timedelta(seconds=1)).isoformat()}
    naive = {"start": "2026-03-02T09:00:00", "end": "2026-03-02T09:05:00"}
    for body in (too_long, backwards, naive):
        assert client.post(f"/api/v1/cameras/{cam}/playback", headers=headers, json=body).status_code == 422
    assert demand(client, w.device_keys["A1"]).json()["playback"] == []
    grant = ask(client, cam, headers, minutes=MAX_PLAYBACK_S / 60)
    other = ask(client, cam, headers)
    swapped = grant["playlist_url"].replace(grant["request_id"], other["request_id"])
    assert client.get(swapped).status_code == 403
    assert client.get(grant["playlist_url"].replace("sig=", "sig=0")).status_code == 403


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe is not installed")
def test_a_real_hls_client_plays_the_ended_playlist(ctx: PlatformContext, session: Session) -> None:
    """ffprobe (an HLS client like the browser's) follows the signed segment links over real HTTP."""
    w = f.world(session)
    key = w.device_keys["A1"]
    with running_server(create_app(ctx=ctx)) as base, httpx.Client(base_url=base) as http:
        grant = ask(http, w.cameras["A1"].id, f.bearer(session, "sa_a1"))
        for seq, seg in enumerate(ts_segments()):
            put = http.put(f"/api/v1/device/playback/{grant['request_id']}/segments/{seq}", content=seg,
                           headers={**device_headers(key), **segment_headers(T0 + timedelta(seconds=seq))})  # fmt: skip
            assert put.status_code == 204
        assert done(http, key, grant["request_id"], segments=3) == 204
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0", "-show_entries",
             "stream=codec_name,nb_read_packets", "-of", "csv=p=0", base + grant["playlist_url"]],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    # The stream is listed once under its HLS program and once on its own: the same line each time.
    assert {line for line in probe.stdout.splitlines() if line} == {"h264,15"}  # 3 one-second segments of 5 frames
