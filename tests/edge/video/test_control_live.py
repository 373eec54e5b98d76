"""The control channel against a real HTTP platform (long-poll latency, a platform that is down, a prompt
stop under a poll in flight) and the live queue's rules (only when wanted, newest first, drops counted)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from brightkitchen.edge.clock import SystemClock
from brightkitchen.edge.video.control import ControlChannel
from brightkitchen.edge.video.live import Live
from brightkitchen.edge.video.segmenter import Segment
from brightkitchen.edge.video.uplink import VideoUplink
from brightkitchen.protocol.video import SegmentMeta, VideoDemand
from tests.edge.pipeline.conftest import FakeClock, wait_for
from tests.edge.video.video_receiver import KEY, VideoReceiver


class Applied:
    def __init__(self) -> None:
        self.demands: list[tuple[float, VideoDemand]] = []
        self.lock = threading.Lock()

    def __call__(self, demand: VideoDemand) -> None:
        with self.lock:
            self.demands.append((time.monotonic(), demand))

    def versions(self) -> list[str]:
        with self.lock:
            return [d.version for _, d in self.demands]


def test_a_change_reaches_the_edge_within_a_second_and_stop_cuts_the_poll_short(platform: VideoReceiver) -> None:
    applied = Applied()
    channel = ControlChannel(VideoUplink(platform.url, KEY, 5), applied, wait_s=25)
    channel.start()
    try:
        assert wait_for(lambda: applied.versions() == ["v0"], 5)
        time.sleep(0.5)  # the next poll is now held by the platform
        changed = time.monotonic()
        platform.state.set_demand(live=["cam1"])
        assert wait_for(lambda: len(applied.versions()) == 2, 2)
        at, demand = applied.demands[1]
        assert demand.live == ["cam1"] and at - changed < 1.0
        assert platform.state.polls[:2] == [None, "v0"]  # each poll says which version the edge holds
    finally:
        t = time.monotonic()
        channel.stop()
        channel.join(3)
    assert not channel._thread.is_alive() and time.monotonic() - t < 3.0
    assert applied.versions() == ["v0", "v1"]  # an unchanged answer is not applied again


def test_a_platform_that_is_down_is_retried_until_it_is_back() -> None:
    platform = VideoReceiver()  # nothing listens on its port yet
    applied = Applied()
    channel = ControlChannel(VideoUplink(platform.url, KEY, 5), applied, wait_s=25, backoff_max_s=0.5)
    channel.start()
    try:
        assert wait_for(lambda: channel.failures >= 2, 5)
        assert channel.last_error and "Connect" in channel.last_error
        platform.state.set_demand(live=["cam2"])
        platform.start()
        assert wait_for(lambda: applied.versions() == ["v1"], 5)
        assert channel.last_error is None
    finally:
        channel.stop()
        channel.join(3)
        platform.stop()


def test_a_wrong_key_is_a_failure_not_a_crash(platform: VideoReceiver) -> None:
    channel = ControlChannel(VideoUplink(platform.url, "not-the-key", 5), Applied(), wait_s=25, backoff_max_s=0.3)
    channel.start()
    try:
        assert wait_for(lambda: channel.failures >= 2, 5)
        assert "401" in (channel.last_error or "")
    finally:
        channel.stop()
        channel.join(3)


def seg(i: int, codec: str = "h264") -> Segment:
    meta = SegmentMeta(start=datetime.fromtimestamp(1_700_000_000 + i, UTC), duration_s=1.0)
    return Segment(f"segment {i}".encode(), meta, codec)


def no_stream(key: str, url: str, sink: object) -> object:
    raise AssertionError("a camera without live_url must not get a stream of its own")


def test_live_queues_only_wanted_cameras_and_drops_the_oldest_when_behind() -> None:
    clock = FakeClock()
    live = Live(clock, lambda key: None, no_stream, queue_size=3)  # type: ignore[arg-type]
    live.offer("cam1", seg(0))
    assert live.next_item() is None  # nobody watches
    live.set_wanted({"cam1"})
    for i in range(1, 6):
        live.offer("cam1", seg(i))
    live.offer("cam2", seg(99))  # not wanted
    items = [live.next_item() for _ in range(4)]
    assert [i.segment.data for i in items if i] == [b"segment 3", b"segment 4", b"segment 5"] and items[3] is None
    assert live.dropped == {"cam1": 2}
    first = items[0]
    assert first is not None and [i.seq for i in items if i] == [first.seq, first.seq + 1, first.seq + 2]
    assert first.seq > clock.now()  # numbers run on from the wall clock, so a restarted edge keeps rising

    live.offer("cam1", seg(6))
    live.set_wanted(set())  # nobody watches any more: what waits is dropped
    assert live.next_item() is None
    live.set_wanted({"cam1"})
    live.offer("cam1", seg(7))
    again = live.next_item()
    assert again is not None and again.seq > first.seq + 3  # never reused within a run


def test_live_refuses_hevc_and_reports_upload_failures() -> None:
    live = Live(FakeClock(), lambda key: None, no_stream)  # type: ignore[arg-type]
    live.set_wanted({"cam1", "cam2"})
    live.offer("cam1", seg(1, codec="hevc"))
    live.offer("cam2", seg(1))
    item = live.next_item()
    assert item is not None and item.camera_key == "cam2" and live.next_item() is None
    assert live.error("cam1") == "h265_unsupported" and live.codec("cam1") == "hevc"
    live.uploaded("cam2", "HTTP 503")
    assert live.error("cam2") == "upload_failed"
    live.uploaded("cam2", None)
    assert live.error("cam2") is None and live.sent == {"cam2": 1}


def test_live_opens_a_stream_of_its_own_only_while_wanted() -> None:
    opened: list[tuple[str, str]] = []

    class FakeSegmenter:
        def __init__(self, key: str, url: str) -> None:
            self.key, self.url, self.running = key, url, False

        def start(self) -> None:
            self.running = True

        def stop(self) -> None:
            self.running = False

        def join(self, timeout: float | None = None) -> None:
            pass

    made: list[FakeSegmenter] = []

    def factory(key: str, url: str, sink: object) -> FakeSegmenter:
        opened.append((key, url))
        made.append(FakeSegmenter(key, url))
        return made[-1]

    urls = {"cam1": "rtsp://cam1/sub"}
    live = Live(SystemClock(), urls.get, factory)  # type: ignore[arg-type]
    live.set_wanted({"cam1"})
    assert opened == [("cam1", "rtsp://cam1/sub")] and made[0].running
    live.offer("cam1", seg(1))  # the recorder's segment is not used when the camera has a live stream
    assert live.next_item() is None
    urls["cam1"] = "rtsp://cam1/other"  # the configuration changed
    live.refresh()
    assert not made[0].running and made[1].running and made[1].url == "rtsp://cam1/other"
    live.set_wanted(set())
    assert not made[1].running and live.own_segmenter("cam1") is None
