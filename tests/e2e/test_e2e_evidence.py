"""Clean evidence and a light alert list, in a real browser:

- an edge sees an unmasked cook among two masked ones; the school opens the alert: the picture is the camera's
  frame exactly as the edge wrote it (nothing burned in), the page draws the boxes with Chinese labels and
  percentages that neither overlap nor leave the picture, and the "显示检测框" switch takes them all away;
- the alert list loads small thumbnails lazily, never the full snapshots;
- the app's scripts arrive gzip-compressed.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from sqlalchemy.orm import Session

from brightkitchen.demo.synthetic import _FIGURES, frames
from brightkitchen.edge.detect.base import Detections
from brightkitchen.edge.events import wire_boxes
from brightkitchen.edge.evidence import EvidenceJob, EvidenceOptions, EvidenceWriter
from brightkitchen.platform.alerts.models import AlertEvidence
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.storage import build_store
from brightkitchen.platform.storage.base import new_key
from tests import factories as f
from tests import support
from tests.e2e.conftest import DESKTOP, PHONE, heartbeat, login, push_new_alerts, shot

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
expect = sync_api.expect
pytestmark = pytest.mark.e2e

W, H = 1280, 720
LOADED = "img => img.complete && img.naturalWidth > 0"


def kitchen_frame() -> np.ndarray:
    return np.ascontiguousarray(next(iter(frames(seconds=1, fps=1, size=(W, H)))))


def kitchen_detections() -> Detections:
    """Where the three cooks of the first generated frame stand: a person box each, and a face box (the
    middle cook is unmasked); the boxes overlap at the top, where their labels would collide."""
    rows: list[tuple[str, float, float, float, float, float]] = []
    scale = H / 720
    for n, (lane, centre, amplitude, _cycles, phase, masked) in enumerate(_FIGURES):
        cx = W * (centre + amplitude * math.sin(phase))
        head_y = H * lane - 120 * scale + 40 * scale
        r = 28 * scale
        rows.append(("person", 0.9 - n / 50, cx - 58 * scale, head_y - r - 32 * scale, cx + 58 * scale, H * 0.9))
        face = "face_mask" if masked else "face_no_mask"
        rows.append((face, 0.96 if not masked else 0.83, cx - r - 4, head_y - r - 4, cx + r + 4, head_y + r + 4))
    return Detections.from_lists(
        [list(r[2:]) for r in rows], [r[1] for r in rows], [r[0] for r in rows], track_ids=list(range(len(rows)))
    )


def edge_evidence(tmp_path: Path) -> tuple[np.ndarray, Detections, bytes, bytes]:
    """What the edge's evidence writer makes of the frame and its detections."""
    frame, dets = kitchen_frame(), kitchen_detections()
    job = EvidenceJob("evt-e2e-evidence", frame, dets, 0.0, 1.0, on_written=lambda _j, _f: None)
    job.frames = [(i / 4, frame) for i in range(5)]
    files = EvidenceWriter(tmp_path, EvidenceOptions()).render(job)
    return frame, dets, files.snapshot.read_bytes(), files.clip.read_bytes()


def upload(server: str, key: str, dets: Detections, snapshot: bytes, clip: bytes) -> int:
    boxes = [b.model_dump(mode="json") for b in wire_boxes(dets, W, H)]
    doc = support.event("A1", "cam-a1", boxes=boxes, frame_width=W, frame_height=H, score=0.96)
    resp = httpx.post(
        f"{server}/api/v1/device/events",
        headers=support.device_headers(key),
        timeout=30,
        **support.parts(doc, snapshot, clip),
    )
    assert resp.status_code == 201, resp.text
    return int(resp.json()["alert_id"])


def settled(page: Any, done: Callable[[], bool], quiet_ms: int = 500) -> None:
    """Waits until ``done()`` and then a quiet moment, for any later request to show up. (Not "network idle":
    the live feed keeps a request open for as long as the page is.)"""
    for _ in range(150):
        if done():
            break
        page.wait_for_timeout(100)
    assert done()
    page.wait_for_timeout(quiet_ms)


def rect(locator: Any) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None
    return dict(box)


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"] - 0.5
        and b["x"] < a["x"] + a["width"] - 0.5
        and a["y"] < b["y"] + b["height"] - 0.5
        and b["y"] < a["y"] + a["height"] - 0.5
    )


def check_labels(page: Any, count: int) -> list[str]:
    """Every box has one label, inside the picture, none over another; the texts as shown."""
    picture = rect(page.get_by_test_id("snapshot"))
    labels = page.get_by_test_id("box-label")
    expect(labels).to_have_count(count)
    spots = [rect(labels.nth(i)) for i in range(count)]
    for i, a in enumerate(spots):
        assert picture["x"] - 0.5 <= a["x"] and a["x"] + a["width"] <= picture["x"] + picture["width"] + 0.5
        assert picture["y"] - 0.5 <= a["y"] and a["y"] + a["height"] <= picture["y"] + picture["height"] + 0.5
        for j, b in enumerate(spots[i + 1 :], i + 1):
            assert not overlap(a, b), (i, j, a, b)
    return [str(labels.nth(i).inner_text()).strip() for i in range(count)]


def test_the_evidence_is_the_camera_s_picture_and_the_page_draws_chinese_labels(
    server: str, ctx: PlatformContext, world: f.World, open_page: Callable[..., Any], tmp_path: Path
) -> None:
    frame, dets, snapshot, clip = edge_evidence(tmp_path)
    heartbeat(server, world.device_keys["A1"], "cam-a1")
    alert_id = upload(server, world.device_keys["A1"], dets, snapshot, clip)
    push_new_alerts(ctx)

    for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = open_page(viewport)
        login(page, "sa_a1")
        page.goto(f"/alerts/{alert_id}")
        img = page.get_by_test_id("snapshot-img")
        page.wait_for_function(LOADED, arg=img.element_handle())

        # The picture the page shows is byte for byte what the edge wrote, and that is the camera's frame
        # with nothing drawn on it: no box edge, no label text (only JPEG's own small loss).
        served = page.request.get(str(img.get_attribute("src"))).body()
        assert hashlib.sha256(served).digest() == hashlib.sha256(snapshot).digest()
        picture = cv2.imdecode(np.frombuffer(served, np.uint8), cv2.IMREAD_COLOR)
        assert picture.shape == frame.shape
        assert np.abs(picture.astype(int) - frame.astype(int)).mean() < 3
        for x1, y1, x2, y2 in dets.xyxy.round().astype(int):
            rows = slice(max(y1 - 20, 0), y2)  # where a drawn box's sides and its label above it would be
            for side in (slice(max(x1 - 2, 0), x1 + 3), slice(max(x2 - 2, 0), x2 + 3)):
                assert np.abs(picture[rows, side].astype(int) - frame[rows, side].astype(int)).mean() < 6

        # The page draws every box, labelled in Chinese with a percentage, never the model's English.
        expect(page.get_by_test_id("box")).to_have_count(len(dets))
        texts = check_labels(page, len(dets))
        assert "未戴口罩 96%" in texts and texts.count("已戴口罩 83%") == 2
        assert sum(t.startswith("人员 ") and t.endswith("%") for t in texts) == 3
        body = str(page.get_by_test_id("snapshot").inner_text())
        assert not re.search(r"face_|person|no_mask|[0-9]\.[0-9]{2}", body), body
        shot(page, f"alert-detail-boxes-on-{name}")

        # "显示检测框" off: no box and no label is drawn at all.
        switch = page.locator(".el-switch").filter(has_text="显示检测框")
        switch.click()
        expect(switch.get_by_role("switch")).to_have_attribute("aria-checked", "false")
        expect(page.get_by_test_id("box")).to_have_count(0)
        expect(page.get_by_test_id("box-label")).to_have_count(0)
        shot(page, f"alert-detail-boxes-off-{name}")
        switch.click()
        expect(page.get_by_test_id("box")).to_have_count(len(dets))


def seed_alerts(ctx: PlatformContext, session: Session, world: f.World, count: int) -> list[str]:
    """``count`` alerts of site A1, each with its own 1280x720 camera snapshot; their evidence keys."""
    store = build_store(ctx.settings)
    site, camera = session.merge(world.site_a1), session.merge(world.cameras["A1"])
    ok, buf = cv2.imencode(".jpg", kitchen_frame(), [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    jpeg = bytes(buf.tobytes())
    keys = []
    for n in range(count):
        data = jpeg[:-2] + bytes([n]) + jpeg[-2:]  # one more byte after the image: every picture its own file
        key = new_key(site.id, "image/jpeg", utcnow())
        store.put(key, data, "image/jpeg")
        a = f.alert(session, site, camera, code=("no_mask", "smoking", "no_chef_hat")[n % 3])
        session.add(
            AlertEvidence(alert_id=a.id, kind="snapshot", storage_key=key, sha256=hashlib.sha256(data).hexdigest(),
                          size=len(data), content_type="image/jpeg")
        )  # fmt: skip
        keys.append(key)
    session.commit()
    return keys


def test_the_alert_list_loads_thumbnails_not_the_full_snapshots(
    ctx: PlatformContext, session: Session, world: f.World, open_page: Callable[..., Any]
) -> None:
    keys = seed_alerts(ctx, session, world, 8)
    full_size = len(build_store(ctx.settings).read(keys[0]))
    page = open_page()
    pictures: list[Any] = []
    page.on("response", lambda r: pictures.append(r) if "/api/v1/evidence/" in r.url else None)
    login(page, "sa_a1")
    page.goto("/alerts")
    thumbs = page.get_by_test_id("alert-thumb")
    expect(thumbs).to_have_count(8)
    for i in range(8):
        page.wait_for_function(LOADED, arg=thumbs.nth(i).element_handle())
    settled(page, lambda: len(pictures) >= 8)

    for i in range(8):
        img = thumbs.nth(i)
        assert (img.get_attribute("loading"), img.get_attribute("width"), img.get_attribute("height")) == (
            "lazy",
            "88",
            "50",
        )
        assert ".thumb.jpg?" in str(img.get_attribute("src"))
    assert len(pictures) == 8, [r.url for r in pictures]
    for response in pictures:
        assert re.search(r"/api/v1/evidence/[0-9/]+[0-9a-f]{32}\.jpg\.thumb\.jpg\?", response.url), response.url
        assert response.status == 200 and response.headers["content-type"] == "image/jpeg"
        size = len(response.body())
        assert size * 8 < full_size, (size, full_size)  # a small fraction of the snapshot
    assert not [r.url for r in pictures if any(f"/{k}?" in r.url for k in keys)]  # no full picture loaded
    shot(page, "alerts-list-thumbnails-desktop")

    # On a phone the rows are cards, with the same small thumbnails.
    phone = open_page(PHONE)
    login(phone, "sa_a1")
    phone.goto("/alerts")
    first = phone.get_by_test_id("alert-thumb").first
    expect(first).to_be_visible()
    phone.wait_for_function(LOADED, arg=first.element_handle())
    assert ".thumb.jpg?" in str(first.get_attribute("src"))
    assert first.get_attribute("loading") == "lazy"
    shot(phone, "alerts-list-thumbnails-phone")


def test_the_app_s_scripts_and_styles_arrive_gzip_compressed(
    server: str, world: f.World, open_page: Callable[..., Any]
) -> None:
    page = open_page()
    assets: list[Any] = []
    page.on("response", lambda r: assets.append(r) if "/assets/" in r.url else None)
    login(page, "reg_a")
    expect(page.get_by_test_id("kpi-open")).to_be_visible()
    settled(page, lambda: bool(assets))
    scripts = [r for r in assets if r.url.endswith((".js", ".css"))]
    assert scripts, "the app loaded no script"
    big = []
    for response in scripts:
        body = response.body()
        if len(body) < 1024:
            continue
        big.append(response.url)
        assert response.headers.get("content-encoding") == "gzip", response.url
        assert "accept-encoding" in response.headers.get("vary", "").lower()
        sent = response.request.sizes()["responseBodySize"]
        assert 0 < sent < len(body) * 0.6, (response.url, sent, len(body))  # what crossed the wire is smaller
    assert any("/assets/index-" in u and u.endswith(".js") for u in big)  # the app's entry script among them
