"""The segmenter on a REAL RTSP camera (ffmpeg encoding a test pattern through the RTSP relay): ~1 s
self-contained segments starting on key frames, the key-frame interval setting the length, continuous
timestamps and wall-clock starts, an offline camera retried, and HEVC recorded but refused for live."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

import pytest

from brightkitchen.edge.clock import SystemClock
from brightkitchen.edge.sources import SourceOptions
from brightkitchen.edge.video.live import Live
from brightkitchen.edge.video.segmenter import Segment, Segmenter
from tests.edge.pipeline.conftest import wait_for
from tests.edge.video.conftest import (
    PatternCamera,
    decode_first_frame,
    ffmpeg_has_encoder,
    needs_ffmpeg,
    segment_keyframe_first,
)

pytestmark = [pytest.mark.rtsp, pytest.mark.slow, needs_ffmpeg]

FAST_RETRY = SourceOptions(backoff_initial_s=0.2, backoff_max_s=0.5, open_timeout_s=3, read_timeout_s=3)


class Collector:
    def __init__(self) -> None:
        self.segments: list[Segment] = []
        self.arrived: list[float] = []  # wall clock when each was cut

    def __call__(self, segment: Segment) -> None:
        self.segments.append(segment)
        self.arrived.append(time.time())


def run(url: str, until: Callable[[Collector], bool], timeout: float) -> tuple[Segmenter, Collector]:
    got = Collector()
    seg = Segmenter("cam1", url, got, SystemClock(), FAST_RETRY)
    seg.start()
    try:
        assert wait_for(lambda: until(got), timeout), f"{len(got.segments)} segments, {seg.health()}"
    finally:
        seg.stop()
        seg.join(5)
    return seg, got


def test_one_second_segments_start_on_key_frames_and_play_on_their_own(camera: PatternCamera) -> None:
    seg, got = run(camera.url, lambda g: len(g.segments) >= 8, 25)
    segs = got.segments
    assert seg.health().codec == "h264" and seg.health().connects == 1
    assert [s.meta.discontinuity for s in segs[:5]] == [True, False, False, False, False]
    for s in segs[:8]:
        assert s.meta.duration_s == pytest.approx(1.0, abs=0.05)  # GOP 25 at 25 fps
        assert segment_keyframe_first(s.data)
        codec, key, _ = decode_first_frame(s.data)
        assert codec == "h264" and key
    # Timestamps run on from one segment to the next, in the stream and on the wall clock alike.
    times = [decode_first_frame(s.data)[2] for s in segs[:5]]
    assert [round(b - a, 2) for a, b in itertools.pairwise(times)] == [1.0] * 4
    for a, b in itertools.pairwise(segs[:5]):
        assert (b.meta.start - a.meta.start).total_seconds() == pytest.approx(a.meta.duration_s, abs=0.002)
    for s, cut in zip(segs, got.arrived, strict=True):  # cut about a segment after its first frame
        assert 0.0 < cut - s.meta.start.timestamp() < 3.0


def test_a_two_second_key_frame_interval_gives_two_second_segments() -> None:
    cam = PatternCamera(gop=50).start()
    try:
        _, got = run(cam.url, lambda g: len(g.segments) >= 3, 20)
    finally:
        cam.stop()
    assert [s.meta.duration_s for s in got.segments[:2]] == [pytest.approx(2.0, abs=0.05)] * 2


def test_a_camera_offline_at_start_is_retried_and_a_drop_reconnects() -> None:
    cam = PatternCamera()  # not publishing yet: the relay is not even listening
    got = Collector()
    seg = Segmenter("cam1", cam.url, got, SystemClock(), FAST_RETRY)
    seg.start()
    try:
        assert wait_for(lambda: seg.health().status == "offline" and seg.health().error is not None, 10)
        cam.start()
        assert wait_for(lambda: len(got.segments) >= 2, 20), seg.health()
        cam.kill_ffmpeg()  # the camera drops
        assert wait_for(lambda: seg.health().status == "offline", 10)
        before = len(got.segments)
        cam.start()
        assert wait_for(lambda: len(got.segments) >= before + 2, 20), seg.health()
    finally:
        seg.stop()
        seg.join(5)
        cam.stop()
    assert seg.health().connects >= 2
    assert got.segments[before].meta.discontinuity  # the first segment after the reconnect says so
    assert not got.segments[before + 1].meta.discontinuity


@pytest.mark.skipif(not ffmpeg_has_encoder("libx265"), reason="ffmpeg has no libx265 encoder: no HEVC camera")
def test_hevc_is_recorded_but_refused_for_live() -> None:
    cam = PatternCamera(encoder="libx265").start()
    live = Live(SystemClock(), lambda key: None, lambda *a: pytest.fail("no stream of its own"))  # type: ignore[arg-type,return-value]
    live.set_wanted({"cam1"})
    try:
        got = Collector()

        def both(s: Segment) -> None:
            got(s)
            live.offer("cam1", s)

        seg = Segmenter("cam1", cam.url, both, SystemClock(), FAST_RETRY)
        seg.start()
        assert wait_for(lambda: len(got.segments) >= 2, 30), seg.health()
        seg.stop()
        seg.join(5)
    finally:
        cam.stop()
    assert seg.health().codec == "hevc"
    codec, key, _ = decode_first_frame(got.segments[0].data)  # the remuxed HEVC segment plays: recording works
    assert codec == "hevc" and key
    assert live.error("cam1") == "h265_unsupported" and live.next_item() is None
