"""Temporary smoke check of the web video player (deleted after use)."""

from __future__ import annotations

import io
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any, Callable

import av
import httpx
import numpy as np
import pytest
from sqlalchemy.orm import Session

from brightkitchen.protocol.video import SEGMENT_CONTENT_TYPE, SEGMENT_HEADERS, format_segment_start
from tests import factories as f
from tests import support
from tests.e2e.conftest import heartbeat, login

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


def segment(n: int, fps: int = 10) -> bytes:
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mpegts") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        stream.options = {"g": str(fps), "bf": "0"}
        for i in range(fps):
            shade = (n * 40 + i * 10) % 255
            frame = av.VideoFrame.from_ndarray(np.full((180, 320, 3), shade, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()


def headers(key: str, start: datetime) -> dict[str, str]:
    return {**support.device_headers(key), "Content-Type": SEGMENT_CONTENT_TYPE,
            SEGMENT_HEADERS["start"]: format_segment_start(start), SEGMENT_HEADERS["duration_s"]: "1.000",
            SEGMENT_HEADERS["discontinuity"]: "0"}


def test_smoke(server: str, world: f.World, open_page: Callable[..., Any], session: Session) -> None:
    key = world.device_keys["A1"]
    heartbeat(server, key, "cam-a1")
    stop = threading.Event()
    segs = [segment(n) for n in range(4)]

    def feed() -> None:
        seq = 0
        while not stop.is_set():
            start = datetime.now(UTC) - timedelta(seconds=1)
            httpx.put(f"{server}/api/v1/device/cameras/cam-a1/live/{seq}", content=segs[seq % 4],
                      headers=headers(key, start), timeout=10)
            seq += 1
            time.sleep(1.0)

    t = threading.Thread(target=feed, daemon=True)
    t.start()
    try:
        page = open_page()
        logs: list[str] = []
        page.on("console", lambda m: logs.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: logs.append(f"pageerror: {e}"))
        login(page, "sa_a1")
        print("MSE h264:", page.evaluate("MediaSource.isTypeSupported('video/mp4; codecs=\"avc1.42E01E\"')"))
        page.goto("/cameras")
        page.get_by_test_id("camera-live").first.click()
        player = page.locator('[data-testid="live-player"]')
        expect(player).to_have_attribute("data-state", "playing", timeout=30_000)
        page.wait_for_timeout(2500)
        pt = page.locator('[data-testid="picture-time"]')
        print("picture time:", pt.inner_text(), pt.get_attribute("data-time"), "now", datetime.now(UTC).isoformat())
        page.screenshot(path="/tmp/live_smoke.png")
        # close: the player goes away
        page.keyboard.press("Escape")
        expect(player).to_have_count(0)
        # the wall
        page.goto("/wall")
        expect(page.get_by_test_id("wall-tile")).to_have_count(1)
        expect(player).to_have_attribute("data-state", "playing", timeout=30_000)
        page.screenshot(path="/tmp/wall_smoke.png")
        # hide the tab: stops
        page.evaluate("""() => { Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
            document.dispatchEvent(new Event('visibilitychange')) }""")
        expect(player).to_have_attribute("data-state", "idle")
        page.evaluate("""() => { Object.defineProperty(document, 'visibilityState', {value: 'visible', configurable: true});
            document.dispatchEvent(new Event('visibilitychange')) }""")
        expect(player).to_have_attribute("data-state", "playing", timeout=30_000)
        page.goto("/cameras")
        page.get_by_test_id("camera-playback").first.click()
        page.get_by_test_id("playback-play").click()
        from sqlalchemy import select
        from brightkitchen.platform.video.models import Playback
        pb = None
        for _ in range(50):
            session.expire_all()
            pb = session.scalars(select(Playback)).first()
            if pb:
                break
            time.sleep(0.2)
        assert pb is not None
        print("playback range", pb.start, pb.end)
        expect(page.locator('[data-test="playback-status"]')).to_have_attribute("data-phase", "waiting")
        start = pb.start.replace(tzinfo=UTC) if pb.start.tzinfo is None else pb.start
        for i in range(6):
            r = httpx.put(f"{server}/api/v1/device/playback/{pb.request_id}/segments/{i}", content=segs[i % 4],
                          headers=headers(key, start + timedelta(seconds=i)), timeout=10)
            assert r.status_code in (200, 201, 204), r.text
        expect(page.locator('[data-test="playback-status"]')).to_have_attribute("data-phase", "uploading")
        r = httpx.post(f"{server}/api/v1/device/playback/{pb.request_id}/done", json={"segments": 6,
                       "recorded_from": (start - timedelta(hours=3)).isoformat(), "recorded_until": datetime.now(UTC).isoformat()},
                       headers=support.device_headers(key), timeout=10)
        assert r.status_code == 204, r.text
        expect(page.locator('[data-test="playback-status"]')).to_have_attribute("data-phase", "ready")
        page.wait_for_function("() => document.querySelector('[data-test=playback-video]').currentTime > 0.5", timeout=20000)
        page.wait_for_timeout(1500)
        print("playback time:", page.get_by_test_id("playback-time").inner_text(), page.get_by_test_id("playback-time").get_attribute("data-time"), "range start", start)
        page.screenshot(path="/tmp/playback_smoke.png")
        page.keyboard.press("Escape")
        page.goto("/video/access-log")
        print("logs:", "\n".join(logs[-20:]))
    finally:
        stop.set()
        t.join(timeout=5)


def test_smoke_limits(server: str, world: f.World, open_page: Callable[..., Any], session: Session) -> None:
    from datetime import time as dtime
    from zoneinfo import ZoneInfo
    site = session.merge(world.site_a1)
    site.video_stream_limit = 1
    site.public_page = True
    local = datetime.now(ZoneInfo("Asia/Shanghai"))
    site.public_video_from = dtime((local.hour + 2) % 24, 0)
    site.public_video_until = dtime((local.hour + 3) % 24, 0)
    cam1 = session.merge(world.cameras["A1"])
    cam1.public = True
    f.camera(session, site, "cam-two", name="后厨-二号")
    session.commit()
    key = world.device_keys["A1"]
    heartbeat(server, key, "cam-a1")
    heartbeat(server, key, "cam-two")
    page = open_page()
    login(page, "sa_a1")
    page.goto("/wall")
    expect(page.get_by_test_id("wall-tile")).to_have_count(2)
    page.wait_for_timeout(4000)
    print("wall states early:", page.locator('[data-testid="live-player"]').evaluate_all("els => els.map(e => e.dataset.state + '/' + e.dataset.reason)"))
    expect(page.locator('[data-testid="live-player"][data-reason="stream_limit"]')).to_have_count(1, timeout=20000)
    print("wall states:", page.locator('[data-testid="live-player"]').evaluate_all("els => els.map(e => e.dataset.state + '/' + e.dataset.reason)"))
    page.screenshot(path="/tmp/wall_limit.png")
    page.get_by_test_id("wall-layout-1").click()
    expect(page.get_by_test_id("wall-tile")).to_have_count(1)
    expect(page.get_by_test_id("wall-next")).to_be_visible()
    page.get_by_test_id("wall-next").click()
    expect(page.get_by_test_id("wall-count")).to_contain_text("2 / 2")
    phone = open_page({"width": 390, "height": 844})
    phone.goto("/p/A1")
    expect(phone.get_by_test_id("public-live-hours")).to_be_visible()
    phone.get_by_test_id("public-live-play").first.click()
    expect(phone.locator('[data-testid="live-player"]')).to_have_attribute("data-reason", "outside_hours")
    phone.screenshot(path="/tmp/public_hours.png")
    page.goto("/video/access-log")  # school admin: forbidden
    expect(page).to_have_url(__import__("re").compile("/forbidden"))
    admin = open_page()
    login(admin, "admin")
    admin.goto("/video/access-log")
    expect(admin.locator('[data-test="access-table"] tbody tr')).not_to_have_count(0)
    expect(admin.get_by_test_id("access-kind-tag").first).to_have_text("实时")
    print("access rows:", admin.locator('[data-test="access-table"] tbody tr').all_inner_texts())
    admin.screenshot(path="/tmp/access_log.png")


def test_smoke_alert(server: str, world: f.World, open_page: Callable[..., Any], session: Session) -> None:
    from sqlalchemy import select
    from brightkitchen.platform.video.models import Playback
    site = session.merge(world.site_a1)
    cam = session.merge(world.cameras["A1"])
    started = datetime.now(UTC) - timedelta(hours=1)
    a = f.alert(session, site, cam, created_at=started, code="rodent")
    f.alert(session, site, cam, created_at=started - timedelta(hours=2), code="smoking")
    heartbeat(server, world.device_keys["A1"], "cam-a1")
    page = open_page()
    page.set_viewport_size({"width": 1366, "height": 1000})
    login(page, "sa_a1")
    page.goto(f"/alerts/{a.id}")
    page.get_by_test_id("alert-playback").click()
    expect(page.locator('[data-test="playback-status"]')).to_have_attribute("data-phase", "waiting")
    session.expire_all()
    pb = session.scalars(select(Playback)).one()
    print("alert", started, "playback", pb.start, pb.end)
    expect(page.get_by_test_id("timeline-alert")).to_have_count(2)
    page.get_by_test_id("timeline-alert").first.click()
    expect(page.locator('[data-test="playback-status"]')).to_have_attribute("data-phase", "waiting")
    page.wait_for_timeout(500)
    session.expire_all()
    rows = session.scalars(select(Playback).order_by(Playback.id)).all()
    print("after mark click:", [(r.start, r.end) for r in rows])
    page.screenshot(path="/tmp/alert_pb.png")
    page.keyboard.press("Escape")
    page.get_by_test_id("alert-live").click()
    expect(page.locator('[data-testid="live-player"]')).to_have_attribute("data-state", "connecting")
    page.keyboard.press("Escape")
    expect(page.locator('[data-testid="live-player"]')).to_have_count(0)
    page.get_by_role("button", name="English").click()
    page.get_by_test_id("alert-live").click()
    expect(page.get_by_test_id("live-state")).to_have_text("Connecting")
