"""VideoService end to end: a REAL RTSP camera (ffmpeg test pattern through the relay), the real disk and a
real HTTP platform (uvicorn) for the demand long-poll, live and playback uploads."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest

from brightkitchen.edge.sources import SourceOptions
from brightkitchen.edge.video import VideoCamera, VideoOptions, VideoService, VideoUplink
from brightkitchen.edge.video.recording import read_index
from tests.edge.pipeline.conftest import wait_for
from tests.edge.video.conftest import PatternCamera, decode_first_frame, needs_ffmpeg, segment_keyframe_first
from tests.edge.video.video_receiver import KEY, VideoReceiver

pytestmark = [pytest.mark.rtsp, pytest.mark.slow, needs_ffmpeg]

FAST = SourceOptions(backoff_initial_s=0.2, backoff_max_s=0.5, open_timeout_s=3, read_timeout_s=3)
OPTIONS = VideoOptions(control_backoff_max_s=1.0, maintenance_interval_s=1.0)


def service(data: Path, cameras: list[VideoCamera], platform: VideoReceiver | None = None) -> VideoService:
    uplink = VideoUplink(platform.url, KEY, timeout_s=5) if platform is not None else None
    return VideoService(data, cameras, uplink, quota_bytes=0, other_used_bytes=lambda: 0, options=OPTIONS)


def stored(svc: VideoService, key: str = "cam1") -> int:
    r = svc.store.range(key)
    return 0 if r is None else sum(1 for _ in svc.store.segments(key, r.recorded_from, r.recorded_until))


def stop_promptly(svc: VideoService) -> None:
    t = time.monotonic()
    svc.stop()
    assert time.monotonic() - t < 3.0


def test_recording_survives_a_restart_and_a_camera_drop(tmp_path: Path, camera: PatternCamera) -> None:
    cam = VideoCamera("cam1", camera.url, source=FAST)
    svc = service(tmp_path, [cam])
    svc.start()
    assert wait_for(lambda: stored(svc) >= 3, 20), svc.health("cam1")
    h = svc.health("cam1")
    assert h.status == "recording" and h.video_codec == "h264" and h.bytes > 0 and h.recorded_from is not None
    stop_promptly(svc)

    # The agent died in the middle of a segment: bytes on disk that no index line describes.
    newest = max((tmp_path / "recordings" / "cam1").glob("*/*.ts"))
    indexed = newest.stat().st_size
    with newest.open("ab") as f:
        f.write(b"\x47" + bytes(5000))
    svc = service(tmp_path, [cam])
    assert newest.stat().st_size == indexed  # cut back at start
    before_restart = stored(svc)
    svc.start()
    try:
        assert wait_for(lambda: stored(svc) >= before_restart + 3, 20)
        camera.kill_ffmpeg()  # the camera drops
        assert wait_for(lambda: svc.health("cam1").status == "error", 10), svc.health("cam1")
        assert svc.health("cam1").error
        before_drop = stored(svc)
        camera.start()
        assert wait_for(lambda: stored(svc) >= before_drop + 2, 20), svc.health("cam1")
        assert svc.health("cam1").status == "recording"
    finally:
        stop_promptly(svc)

    r = svc.store.range("cam1")
    assert r is not None
    segments = list(svc.store.segments("cam1", r.recorded_from, r.recorded_until))
    flags = [m.discontinuity for m, _ in segments]
    assert flags[0] and flags[before_restart] and flags[before_drop]  # the start, the restart, the drop
    assert sum(flags) <= 4  # and not every segment (one more if a gap happened to need it)
    for meta, data in segments:
        assert 0 < meta.duration_s <= 1.1 and segment_keyframe_first(data)
    for _meta, data in segments[:: max(1, len(segments) // 5)]:
        assert decode_first_frame(data)[:2] == ("h264", True)
    for ts in (tmp_path / "recordings" / "cam1").glob("*/*.ts"):
        entries = read_index(ts.with_suffix(".idx"))
        assert [e.offset for e in entries] == [sum(e.size for e in entries[:i]) for i in range(len(entries))]
        assert ts.stat().st_size == sum(e.size for e in entries)


def test_live_demand_starts_and_stops_uploads_from_the_one_camera_read(
    tmp_path: Path, camera: PatternCamera, platform: VideoReceiver
) -> None:
    svc = service(tmp_path, [VideoCamera("cam1", camera.url, source=FAST)], platform)
    svc.start()
    try:
        assert wait_for(lambda: stored(svc) >= 2, 20)
        assert platform.state.live == {}  # nobody watches: nothing goes up
        asked = time.monotonic()
        asked_wall = time.time()
        platform.state.set_demand(live=["cam1"])
        assert wait_for(lambda: len(platform.state.live.get("cam1", [])) >= 3, 10)
        got = platform.state.live["cam1"]
        assert got[0].mono - asked < 3.0  # a viewer sees video within about three seconds
        assert got[0].meta.start.timestamp() > asked_wall - 1.5  # the newest segment, not the backlog
        assert [g.seq for g in got[:3]] == [got[0].seq, got[0].seq + 1, got[0].seq + 2]
        for g in got[:3]:
            assert g.meta.duration_s == pytest.approx(1.0, abs=0.05) and segment_keyframe_first(g.data)
        # The very segments that were recorded: one camera connection feeds both, nothing is decoded.
        recorded = {
            d for _, d in svc.store.segments("cam1", got[0].meta.start, got[2].meta.start + timedelta(seconds=2))
        }
        assert all(g.data in recorded for g in got[:3])
        assert camera.relay is not None and camera.relay.readers == 1
        assert svc.health("cam1").live_error is None

        platform.state.set_demand(live=[])
        time.sleep(1.5)
        settled = len(platform.state.live["cam1"])
        time.sleep(2.5)
        assert len(platform.state.live["cam1"]) == settled  # nobody watches any more: uploads stop
    finally:
        stop_promptly(svc)


def test_a_live_url_is_read_only_while_watched(tmp_path: Path, camera: PatternCamera, platform: VideoReceiver) -> None:
    cam = VideoCamera("cam1", camera.url, live_url=camera.url, source=FAST)  # the relay serves many readers
    svc = service(tmp_path, [cam], platform)
    svc.start()
    relay = camera.relay
    assert relay is not None
    try:
        assert wait_for(lambda: relay.readers == 1 and stored(svc) >= 1, 20)
        platform.state.set_demand(live=["cam1"])
        assert wait_for(lambda: relay.readers == 2, 5)  # the sub-stream is opened on demand
        assert wait_for(lambda: len(platform.state.live.get("cam1", [])) >= 2, 10)
        first = platform.state.live["cam1"][0]
        assert first.meta.discontinuity and segment_keyframe_first(first.data)
        platform.state.set_demand(live=[])
        assert wait_for(lambda: relay.readers == 1, 8)  # and closed when nobody watches
        assert stored(svc) >= 3  # recording went on throughout
    finally:
        stop_promptly(svc)


def test_playback_with_a_platform_that_was_down_at_start(tmp_path: Path, camera: PatternCamera) -> None:
    platform = VideoReceiver()  # not started: connection refused
    svc = service(tmp_path, [VideoCamera("cam1", camera.url, source=FAST)], platform)
    svc.start()
    try:
        assert wait_for(lambda: stored(svc) >= 5, 25)
        assert svc.control is not None and svc.control.failures >= 1 and svc.control.polls == 0
        r = svc.store.range("cam1")
        assert r is not None
        start, end = r.recorded_from + timedelta(seconds=1.5), r.recorded_from + timedelta(seconds=3.5)
        expected = [(m, d) for m, d in svc.store.segments("cam1", start, end)]
        assert len(expected) in (2, 3)
        later, minute = r.recorded_until + timedelta(hours=1), timedelta(seconds=60)
        demands: list[dict[str, object]] = [
            {"request_id": "play-range-0001", "camera_key": "cam1", "start": start, "end": end},
            {"request_id": "play-empty-0002", "camera_key": "cam1", "start": later, "end": later + minute},
            {"request_id": "play-long-00003", "camera_key": "cam1", "start": start, "end": start + timedelta(hours=1)},
            {"request_id": "play-nocam-0004", "camera_key": "cam9", "start": start, "end": end},
        ]
        platform.state.set_demand(playback=demands)
        platform.start()  # the platform comes back: the edge finds it without a restart
        assert wait_for(lambda: len(platform.state.done) == 4, 10), (svc.control.last_error, platform.state.done)
        got = platform.state.playback["play-range-0001"]
        assert [g.seq for g in got] == list(range(len(expected)))
        assert [(g.meta, g.data) for g in got] == expected
        done = platform.state.done
        assert done["play-range-0001"].segments == len(expected) and done["play-range-0001"].error is None
        assert done["play-range-0001"].recorded_from == r.recorded_from
        assert done["play-empty-0002"].segments == 0 and done["play-empty-0002"].error == "no_recording"
        assert done["play-long-00003"].error == "range_too_long"
        assert done["play-nocam-0004"].error == "unknown_camera"

        platform.state.set_demand(playback=demands)  # listed again (a new version): each is served once
        polls = len(platform.state.polls)
        assert wait_for(lambda: len(platform.state.polls) > polls, 5)
        time.sleep(0.5)
        assert len(platform.state.playback["play-range-0001"]) == len(expected)
        assert set(platform.state.playback) == {"play-range-0001"}
    finally:
        stop_promptly(svc)
        platform.stop()
