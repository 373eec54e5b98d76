"""Live video and playback in a real Chromium: a real RTSP camera (ffmpeg), the real edge video service
recording it and answering the platform's control channel over real HTTP, the real platform, hls.js in the
built web app."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from brightkitchen.edge.video import VideoCamera, VideoService, VideoUplink
from brightkitchen.protocol.video import SegmentMeta
from tests import factories as f
from tests.e2e.conftest import PHONE, login, shot, upload_violation
from tests.edge.video.conftest import PatternCamera, needs_ffmpeg

pytestmark = [pytest.mark.e2e, pytest.mark.rtsp, needs_ffmpeg]

# How much a frame's pixels vary: a blank (black, grey) picture is near 0, the test pattern far above.
PICTURE_SPREAD_JS = """(sel) => {
  const v = document.querySelector(sel);
  if (!v || !v.videoWidth) return -1;
  const c = document.createElement('canvas');
  c.width = 64; c.height = 36;
  const g = c.getContext('2d');
  g.drawImage(v, 0, 0, 64, 36);
  const d = g.getImageData(0, 0, 64, 36).data;
  let sum = 0, sq = 0, n = 0;
  for (let i = 0; i < d.length; i += 4) { const y = (d[i] + d[i + 1] + d[i + 2]) / 3; sum += y; sq += y * y; n++; }
  const mean = sum / n;
  return Math.sqrt(sq / n - mean * mean);
}"""


class CountingUplink(VideoUplink):
    """The edge's real uplink, counting the live segments it sends per camera."""

    def __init__(self, base_url: str, device_key: str) -> None:
        super().__init__(base_url, device_key)
        self.live_sent: Counter[str] = Counter()
        self._count_lock = threading.Lock()

    def put_live(self, camera_key: str, seq: int, meta: SegmentMeta, data: bytes) -> httpx.Response:
        resp = super().put_live(camera_key, seq, meta, data)
        with self._count_lock:
            self.live_sent[camera_key] += 1
        return resp


@pytest.fixture
def edge_video(server: str, world: f.World, tmp_path: Path) -> Iterator[tuple[VideoService, CountingUplink, str]]:
    """School A1's camera is a real RTSP stream; its edge records it and serves live and playback."""
    camera = PatternCamera().start()
    key = world.cameras["A1"].key
    uplink = CountingUplink(server, world.device_keys["A1"])
    service = VideoService(tmp_path / "edge", [VideoCamera(key, camera.url)], uplink, 0, lambda: 0)
    service.start()
    try:
        yield service, uplink, key
    finally:
        service.stop()
        camera.stop()


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def assert_playing(page: Any, video_sel: str) -> None:
    """The video's clock advances and its picture is not blank."""
    page.wait_for_function(f"() => (document.querySelector({video_sel!r})?.currentTime ?? 0) > 0.5", timeout=30_000)
    before = page.evaluate(f"() => document.querySelector({video_sel!r}).currentTime")
    page.wait_for_timeout(2500)
    after = page.evaluate(f"() => document.querySelector({video_sel!r}).currentTime")
    assert after > before + 1.0, (before, after)
    assert page.evaluate(PICTURE_SPREAD_JS, video_sel) > 20


def test_school_watches_live_and_a_second_viewer_adds_no_upload(
    open_page: Callable[..., Any],
    session: Session,
    world: f.World,
    edge_video: tuple[VideoService, CountingUplink, str],
) -> None:
    service, uplink, key = edge_video
    # School A1 publishes its page and this camera to parents, all day.
    world.site_a1.public_page = True
    world.site_a1.public_video_from = world.site_a1.public_video_until = dt_time(0, 0)
    world.cameras["A1"].public = True
    session.commit()
    page = open_page()
    login(page, "sa_a1")
    page.goto("/cameras")
    page.get_by_test_id("camera-live").first.click()
    player = page.get_by_test_id("live-dialog").get_by_test_id("live-player")
    player.wait_for()
    page.wait_for_selector('[data-test="live-dialog"] [data-test="live-player"][data-state="playing"]', timeout=30_000)
    assert_playing(page, '[data-test="live-dialog"] [data-test="live-player"] video')
    # The picture's wall-clock time is shown (the camera's time from #EXT-X-PROGRAM-DATE-TIME).
    assert page.get_by_test_id("picture-time").first.inner_text().strip()
    assert key in service.live.wanted()
    shot(page, "video-live-school")

    # A second person watches the same camera: the edge still sends one stream (about a segment a second).
    second = open_page()
    login(second, "ss_a1")
    second.goto("/cameras")
    second.get_by_test_id("camera-live").first.click()
    second.wait_for_selector('[data-test="live-player"][data-state="playing"]', timeout=30_000)
    before = uplink.live_sent[key]
    window = 6.0
    page.wait_for_timeout(window * 1000)
    sent = uplink.live_sent[key] - before
    assert 0 < sent <= window + 2, f"{sent} live segments in {window} s: more than one stream"

    # The district's regulator watches it on the video wall.
    wall = open_page()
    login(wall, "reg_a")
    wall.goto("/wall")
    wall.get_by_test_id("wall-layout-4").click()
    wall.wait_for_selector('[data-test="wall-tile"] [data-test="live-player"][data-state="playing"]', timeout=30_000)
    shot(wall, "video-wall")

    # A parent on a phone watches the public camera on the site's public page.
    parent = open_page(PHONE)
    parent.goto(f"/p/{world.site_a1.code}")
    parent.get_by_test_id("public-live-play").first.click()
    parent.wait_for_selector('[data-test="live-player"][data-state="playing"]', timeout=30_000)
    assert_playing(parent, '[data-test="live-player"] video')
    shot(parent, "video-public-phone")


def test_playback_around_an_alert_plays_the_recording(
    open_page: Callable[..., Any], server: str, world: f.World, edge_video: tuple[VideoService, CountingUplink, str]
) -> None:
    service, _uplink, key = edge_video
    # Let the edge record a while, then an alert from this camera a few seconds in the past.
    wait_until(lambda: (r := service.store.range(key)) is not None and r.days * 86400 > 12, 60, "12 s of recording")
    started = datetime.now(UTC) - timedelta(seconds=8)
    alert_id = upload_violation(
        server, world.device_keys["A1"], world.site_a1.code, key,
        started_at=started.isoformat(), ended_at=(started + timedelta(seconds=2)).isoformat(),
    )  # fmt: skip
    page = open_page()
    login(page, "sa_a1")
    page.goto(f"/alerts/{alert_id}")
    page.get_by_test_id("alert-playback").click()
    page.get_by_test_id("playback-dialog").wait_for()
    assert_playing(page, '[data-test="playback-video"]')
    shot(page, "video-playback-alert")
