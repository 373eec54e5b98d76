"""The access log (who watched what), recording health from heartbeats with the timeline, the camera's video
configuration, and the housekeeping of segments on disk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.sites.models import Camera
from brightkitchen.platform.video.health import camera_video_fields, record_recording_health
from brightkitchen.platform.video.jobs import cleanup_video
from brightkitchen.platform.video.models import LiveSegment, Playback
from brightkitchen.protocol.v1 import CameraConfig, Heartbeat
from tests import factories as f
from tests.platform.video.conftest import T0, put_live, put_playback, ts_segments
from tests.support import stored_files


def test_access_log_lists_who_watched(client: TestClient, session: Session) -> None:
    w = f.world(session)
    a1, b1 = w.cameras["A1"], w.cameras["B1"]
    assert client.post(f"/api/v1/cameras/{a1.id}/live", headers=f.bearer(session, "ss_a1")).status_code == 200
    rng = {"start": T0.isoformat(), "end": (T0 + timedelta(minutes=3)).isoformat()}
    pb = client.post(f"/api/v1/cameras/{a1.id}/playback", headers=f.bearer(session, "reg_a"), json=rng)
    assert pb.status_code == 200
    assert client.post(f"/api/v1/cameras/{b1.id}/live", headers=f.bearer(session, "sa_b1")).status_code == 200
    w.site_a1.public_page, a1.public = True, True
    w.site_a1.public_video_from = w.site_a1.public_video_until = datetime.min.time()  # all day
    session.commit()
    assert client.post(f"/api/v1/public/sites/A1/cameras/{a1.id}/live").status_code == 200

    everything = client.get("/api/v1/video/access-log", headers=f.bearer(session, "admin")).json()
    assert everything["total"] == 4
    rows = everything["items"]
    assert [(r["kind"], r["role"], r["username"], r["camera_id"]) for r in rows] == [
        ("live", "public", None, a1.id),
        ("live", "school_admin", "sa_b1", b1.id),
        ("playback", "regulator", "reg_a", a1.id),
        ("live", "school_staff", "ss_a1", a1.id),
    ]  # newest first
    public = rows[0]
    assert len(public["client_hash"]) == 64 and "testclient" not in public["client_hash"]  # no raw address
    assert rows[2]["range_start"] is not None and rows[2]["request_id"] == pb.json()["request_id"]
    assert rows[3]["camera_name"] == a1.name and rows[3]["site_name"] == w.site_a1.name

    mine = client.get("/api/v1/video/access-log", headers=f.bearer(session, "reg_a")).json()
    assert {r["site_id"] for r in mine["items"]} == {w.site_a1.id} and mine["total"] == 3
    assert client.get("/api/v1/video/access-log", headers=f.bearer(session, "reg_b")).json()["total"] == 1
    filtered = client.get("/api/v1/video/access-log", params={"kind": "playback"},
                          headers=f.bearer(session, "admin")).json()  # fmt: skip
    assert [r["kind"] for r in filtered["items"]] == ["playback"]
    by_camera = client.get("/api/v1/video/access-log", params={"camera_id": b1.id, "size": 1},
                           headers=f.bearer(session, "admin")).json()  # fmt: skip
    assert by_camera["total"] == 1 and by_camera["items"][0]["camera_id"] == b1.id
    assert client.get("/api/v1/video/access-log", headers=f.bearer(session, "sa_a1")).status_code == 403
    assert client.get("/api/v1/video/access-log").status_code == 401


def test_recording_health_and_timeline(client: TestClient, session: Session) -> None:
    w = f.world(session)
    cam = w.cameras["A1"]
    until = datetime.now(UTC).replace(microsecond=0)
    hb = Heartbeat.model_validate(
        {
            "sent_at": until.isoformat(),
            "software_version": "1.0",
            "cameras": [
                {"camera_key": "cam-a1", "status": "online", "fps": 5.0,
                 "recording": {"status": "recording", "recorded_from": (until - timedelta(days=7)).isoformat(),
                               "recorded_until": until.isoformat(), "days_kept": 7.0, "bytes": 80_000_000_000,
                               "video_codec": "h265", "live_error": "h265_unsupported"}},
                {"camera_key": "not-registered", "status": "online", "fps": 5.0,
                 "recording": {"status": "recording"}},
                {"camera_key": "cam-b1", "status": "online", "fps": 5.0, "recording": {"status": "error"}},
            ],
        }
    )  # fmt: skip
    assert record_recording_health(session, w.site_a1.id, hb) == 1
    session.commit()
    inside = f.alert(session, w.site_a1, cam, code="no_mask", created_at=until - timedelta(hours=2))
    f.alert(session, w.site_a1, cam, code="smoking", created_at=until - timedelta(days=3))  # outside the window
    f.alert(session, w.site_a1, w.cameras["A2"], code="no_mask", created_at=until - timedelta(hours=1))  # other cam

    headers = f.bearer(session, "sa_a1")
    window = {"since": (until - timedelta(hours=24)).isoformat(), "until": until.isoformat()}
    tl = client.get(f"/api/v1/cameras/{cam.id}/recordings", headers=headers, params=window)
    assert tl.status_code == 200, tl.text
    body = tl.json()
    assert body["status"] == "recording" and body["days_kept"] == 7.0 and body["live_error"] == "h265_unsupported"
    assert datetime.fromisoformat(body["recorded_from"]) == until - timedelta(days=7)
    assert body["recording"]["bytes_kept"] == 80_000_000_000  # a week of 1080p: beyond 32 bits
    assert [(a["id"], a["code"], a["code_name"]) for a in body["alerts"]] == [(inside.id, "no_mask", "未戴口罩")]
    assert set(body["alerts"][0]) >= {"id", "code", "code_name", "started_at", "state"}
    # The live view says why this camera cannot play in a browser.
    grant = client.post(f"/api/v1/cameras/{cam.id}/live", headers=headers).json()
    assert grant["status"] == "unavailable" and "H.265" in grant["message"]
    assert grant["live_error"] == "h265_unsupported"
    b1 = client.get(f"/api/v1/cameras/{w.cameras['B1'].id}/recordings", headers=f.bearer(session, "sa_b1")).json()
    assert b1["status"] is None and b1["alerts"] == []  # another site's report did not land on its camera


def test_camera_video_fields_go_into_the_device_config(client: TestClient, session: Session) -> None:
    w = f.world(session)
    headers = f.bearer(session, "sa_a1")
    made = client.post(f"/api/v1/sites/{w.site_a1.id}/cameras", headers=headers,
                       json={"key": "cam-sub", "name": "后厨-子码流", "stream_url": "rtsp://u:p@cam/main",
                             "live_url": "rtsp://u:p@cam/sub", "retention_days": 15, "record": True})  # fmt: skip
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["has_live_url"] is True and body["retention_days"] == 15 and body["record"] is True
    assert "live_url" not in body and "rtsp://" not in made.text  # write-only, like the stream URL
    cam = session.get(Camera, body["id"])
    assert cam is not None
    fields = camera_video_fields(cam)
    assert fields == {"live_url": "rtsp://u:p@cam/sub", "record": True, "retention_days": 15}
    config = CameraConfig(key=cam.key, name=cam.name, url=cam.stream_url, **fields)
    assert config.live_url == "rtsp://u:p@cam/sub"
    patched = client.patch(f"/api/v1/cameras/{cam.id}", headers=headers, json={"live_url": "", "record": False})
    assert patched.json()["has_live_url"] is False and patched.json()["record"] is False
    session.refresh(cam)
    assert camera_video_fields(cam) == {"live_url": None, "record": False, "retention_days": 15}
    site = client.patch(f"/api/v1/sites/{w.site_a1.id}", headers=headers,
                        json={"public_video_from": "07:00:00", "public_video_until": "19:30:00"})  # fmt: skip
    assert site.status_code == 200 and site.json()["public_video_until"] == "19:30:00"
    limit = client.patch(f"/api/v1/sites/{w.site_a1.id}", headers=headers, json={"video_stream_limit": 8})
    assert limit.status_code == 403  # the uplink budget is the regulator's to set
    regulator = f.bearer(session, "reg_a")
    limit = client.patch(f"/api/v1/sites/{w.site_a1.id}", headers=regulator, json={"video_stream_limit": 8})
    assert limit.status_code == 200 and limit.json()["video_stream_limit"] == 8


def test_cleanup_removes_stale_live_and_finished_playback(
    client: TestClient, session: Session, ctx: PlatformContext
) -> None:
    w = f.world(session)
    key = w.device_keys["A1"]
    headers = f.bearer(session, "sa_a1")
    assert client.post(f"/api/v1/cameras/{w.cameras['A1'].id}/live", headers=headers).status_code == 200
    for seq in range(3):
        assert put_live(client, key, "cam-a1", seq, ts_segments()[seq]).status_code == 204
    rng = {"start": T0.isoformat(), "end": (T0 + timedelta(minutes=1)).isoformat()}
    finished = client.post(f"/api/v1/cameras/{w.cameras['A1'].id}/playback", headers=headers, json=rng).json()
    stuck = client.post(f"/api/v1/cameras/{w.cameras['A1'].id}/playback", headers=headers, json=rng).json()
    assert put_playback(client, key, finished["request_id"], 0, ts_segments()[0], T0).status_code == 204
    assert client.post(f"/api/v1/device/playback/{finished['request_id']}/done", json={"segments": 1},
                       headers={"Authorization": f"Bearer {key}"}).status_code == 204  # fmt: skip
    now = datetime.now(UTC)
    assert cleanup_video(ctx, now).live_segments == 0  # nothing is old yet
    later = now + timedelta(seconds=ctx.settings.video_playback_timeout_s + ctx.settings.video_playback_keep_s + 60)
    report = cleanup_video(ctx, later)
    assert report.live_segments == 2  # the newest row stays: it carries the position on
    assert report.playbacks_timed_out == 1
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(LiveSegment)) == 1
    stuck_row = session.scalar(select(Playback).where(Playback.request_id == stuck["request_id"]))
    assert stuck_row is not None and stuck_row.state == "failed" and stuck_row.error == "timeout"
    files = [p.relative_to(ctx.settings.video_dir).as_posix() for p in stored_files(ctx.settings.video_dir)]
    assert files == [f"live/{w.cameras['A1'].id}/3.ts"]
    assert cleanup_video(ctx, later + timedelta(seconds=ctx.settings.video_playback_keep_s + 1)).playbacks_purged == 1
