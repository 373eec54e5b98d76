"""The model loop's labelling in Chromium: a regulator takes an alert's frame into labelling, corrects its box with
real mouse drags (move, then resize by a corner), saves, makes a dataset version and exports it as YOLO; the
downloaded archive's label file holds the corrected box. Another district's frame is not found, a school cannot
open the pages, and a dataset of a task without reviewed frames is refused in Chinese."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from brightkitchen.edge.video import VideoCamera, VideoService, VideoUplink
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests.e2e.conftest import PHONE, login, settle, shot, upload_picture, upload_violation
from tests.e2e.test_e2e_video import assert_playing, wait_until
from tests.edge.video.conftest import PatternCamera, needs_ffmpeg
from tests.support import labelling as lab

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
expect = sync_api.expect

WIDTH, HEIGHT = 640, 480
# One unmasked face, in pixels of the 640x480 frame: (0.25, 0.25) to (0.5, 0.5833) of it.
FACE = {"label": "face_no_mask", "score": 0.9, "x1": 160.0, "y1": 120.0, "x2": 320.0, "y2": 280.0}
NO_MASK_CLASS = 1  # face_no_mask's place in the mask task's vocabulary (face_mask, face_no_mask)


def _centre(box: dict[str, float]) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _drag(page: Any, start: tuple[float, float], by: tuple[float, float]) -> None:
    """A real mouse drag: press, move in steps, release."""
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + by[0], start[1] + by[1], steps=12)
    page.mouse.up()


def test_a_reviewer_corrects_a_box_exports_the_dataset_and_the_yolo_label_matches(
    server: str,
    world: f.World,
    session: Session,
    settings: Settings,
    open_page: Callable[..., Any],
    tmp_path: Path,
) -> None:
    alert_id = lab.alert_with_snapshot(
        session, settings, world.site_a1, world.cameras["A1"], world.devices["A1"],
        boxes=[FACE], width=WIDTH, height=HEIGHT,
    )  # fmt: skip
    api = f.bearer(session, "reg_a")

    page = open_page()
    login(page, "reg_a")
    page.goto(f"/alerts/{alert_id}")
    page.get_by_test_id("act-add-label").click()
    page.wait_for_url(re.compile(r"/labelling/\d+$"))
    image_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_test_id("label-title")).to_contain_text("口罩")
    expect(page.get_by_test_id("label-status-unreviewed")).to_be_visible()
    body = page.get_by_test_id("box-0-body")
    expect(body).to_be_visible()
    expect(page.get_by_test_id("editor-img")).to_be_visible()
    assert page.get_by_test_id("box-1-body").count() == 0  # the frame has one box
    settle(page)

    original = httpx.get(f"{server}/api/v1/labelling/images/{image_id}", headers=api, timeout=30).json()
    assert original["boxes"] == [
        {"label": "face_no_mask", "x1": 0.25, "y1": 0.25, "x2": 0.5, "y2": pytest.approx(280 / 480)}
    ]

    page.get_by_test_id("box-editor").scroll_into_view_if_needed()
    frame = page.get_by_test_id("box-editor").bounding_box()
    assert frame is not None and frame["width"] > 400

    # Move the box 80 px right and 50 px down by its middle.
    start = body.bounding_box()
    assert start is not None
    _drag(page, _centre(start), (80, 50))
    moved = body.bounding_box()
    assert moved is not None
    assert moved["x"] == pytest.approx(start["x"] + 80, abs=1.5)
    assert moved["y"] == pytest.approx(start["y"] + 50, abs=1.5)

    # Then its bottom-right corner 60 px right and 40 px down (the box is still selected: its handles show).
    handle = page.get_by_test_id("box-0-handle-se")
    expect(handle).to_be_visible()
    corner = handle.bounding_box()
    assert corner is not None
    hx, hy = _centre(corner)
    _drag(page, (hx, hy), (60, 40))

    # What the drags should have made, relative to the frame as shown.
    expected = {
        "x1": 0.25 + 80 / frame["width"],
        "y1": 0.25 + 50 / frame["height"],
        "x2": (hx + 60 - frame["x"]) / frame["width"],
        "y2": (hy + 40 - frame["y"]) / frame["height"],
    }
    expect(page.get_by_test_id("label-save")).to_be_enabled()
    shot(page, "labelling-editor-corrected")
    page.get_by_test_id("label-save").click()
    expect(page.get_by_test_id("label-status-corrected")).to_be_visible()
    expect(page.get_by_test_id("label-history")).to_contain_text("待审核 → 已修正")

    saved = httpx.get(f"{server}/api/v1/labelling/images/{image_id}", headers=api, timeout=30).json()
    assert saved["status"] == "corrected"
    (box,) = saved["boxes"]
    assert box["label"] == "face_no_mask"
    for key, value in expected.items():
        assert box[key] == pytest.approx(value, abs=0.01), key

    # The list shows it reviewed.
    page.goto("/labelling?status=corrected")
    expect(page.get_by_test_id(f"label-link-{image_id}")).to_be_visible()
    expect(page.get_by_test_id(f"thumb-{image_id}")).to_be_visible()
    shot(page, "labelling-list")

    # A new dataset version of the mask task, then its YOLO export.
    page.goto("/datasets")
    page.get_by_test_id("dataset-create").click()
    page.locator('input[data-test="dataset-name"]').fill("口罩-e2e")
    page.get_by_test_id("dataset-task").click()
    page.get_by_role("option", name="口罩").click()
    page.get_by_test_id("dataset-submit").click()
    expect(page.get_by_test_id("dataset-口罩-e2e")).to_be_visible()
    (dataset,) = [
        d for d in httpx.get(f"{server}/api/v1/datasets", headers=api, timeout=30).json() if d["name"] == "口罩-e2e"
    ]
    assert dataset["images"] == 1 and dataset["boxes"] == 1
    shot(page, "datasets-list")
    with page.expect_download() as info:
        page.get_by_test_id(f"dataset-export-yolo-{dataset['id']}").click()
    download = info.value
    assert download.suggested_filename == f"dataset-{dataset['id']}-v1-yolo.zip"
    with zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes())) as zf:
        labels = {n: zf.read(n).decode() for n in zf.namelist() if re.fullmatch(rf"labels/\w+/{image_id}\.txt", n)}
        assert len(labels) == 1, zf.namelist()
        assert any(re.fullmatch(rf"images/\w+/{image_id}\.jpg", n) for n in zf.namelist())
    (line,) = next(iter(labels.values())).splitlines()
    cls, cx, cy, w, h = line.split()
    assert int(cls) == NO_MASK_CLASS
    # The label line is the box read back from the API, in YOLO's centre and size...
    assert float(cx) == pytest.approx((box["x1"] + box["x2"]) / 2, abs=1e-5)
    assert float(cy) == pytest.approx((box["y1"] + box["y2"]) / 2, abs=1e-5)
    assert float(w) == pytest.approx(box["x2"] - box["x1"], abs=1e-5)
    assert float(h) == pytest.approx(box["y2"] - box["y1"], abs=1e-5)
    # ...and so what the drags made.
    assert float(cx) == pytest.approx((expected["x1"] + expected["x2"]) / 2, abs=0.01)
    assert float(cy) == pytest.approx((expected["y1"] + expected["y2"]) / 2, abs=0.01)
    assert float(w) == pytest.approx(expected["x2"] - expected["x1"], abs=0.01)
    assert float(h) == pytest.approx(expected["y2"] - expected["y1"], abs=0.01)

    # The export is in the log.
    page.get_by_test_id(f"dataset-log-{dataset['id']}").click()
    expect(page.get_by_test_id("dataset-log-dialog")).to_contain_text("yolo")
    page.keyboard.press("Escape")

    # A task with no reviewed frame: the server refuses, the dialog says why in Chinese and keeps what was typed.
    page.get_by_test_id("dataset-create").click()
    page.locator('input[data-test="dataset-name"]').fill("烟火-e2e")
    page.get_by_test_id("dataset-task").click()
    page.get_by_role("option", name="烟火").click()
    page.get_by_test_id("dataset-submit").click()
    expect(page.get_by_test_id("dataset-problem")).to_have_text("该任务还没有已审核的图片，请先完成标注")
    expect(page.locator('input[data-test="dataset-name"]')).to_have_value("烟火-e2e")

    # Another district's regulator: the frame is not found; a school cannot open the pages at all.
    other = open_page()
    login(other, "reg_b")
    other.goto(f"/labelling/{image_id}")
    expect(other.get_by_test_id("label-editor")).to_contain_text("页面不存在")
    assert other.get_by_test_id("box-0-body").count() == 0
    school = open_page()
    login(school, "sa_a1")
    school.goto("/labelling")
    expect(school.get_by_text("无权访问")).to_be_visible()
    school.goto(f"/alerts/{alert_id}")
    expect(school.get_by_test_id("alert-title")).to_be_visible()
    settle(school)
    assert school.get_by_test_id("act-add-label").count() == 0  # labelling is the region's work


def test_a_reviewer_labels_a_camera_picture_drawing_a_box_and_removing_one_by_key(
    server: str, world: f.World, session: Session, open_page: Callable[..., Any]
) -> None:
    camera = world.cameras["A1"]
    upload_picture(server, world.device_keys["A1"], camera.key, lab.frame_jpeg(WIDTH, HEIGHT, seed=3))
    api = f.bearer(session, "reg_a")

    page = open_page()
    login(page, "reg_a")
    page.get_by_test_id("nav-admin").hover()
    page.get_by_test_id("nav-labelling").click()
    expect(page.get_by_test_id("labelling-page")).to_contain_text("标注")
    page.get_by_test_id("labelling-from-camera").click()
    page.get_by_test_id("label-pick-site").click()
    page.get_by_test_id("label-pick-site-A1").click()
    page.get_by_test_id("label-pick-camera").click()
    page.get_by_role("option", name=camera.name).click()
    page.get_by_test_id("label-pick-task").click()
    page.get_by_role("option", name="后厨行为").click()
    page.get_by_test_id("label-pick-submit").click()
    page.wait_for_url(re.compile(r"/labelling/\d+$"))
    image_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_test_id("label-title")).to_contain_text("后厨行为")
    expect(page.get_by_test_id("editor-img")).to_be_visible()
    assert page.get_by_test_id("box-0-body").count() == 0

    # A person drawn by dragging on empty picture, from (20%, 10%) to (60%, 90%) of the frame.
    canvas = page.get_by_test_id("box-editor")
    canvas.scroll_into_view_if_needed()
    frame = canvas.bounding_box()
    assert frame is not None
    start = (frame["x"] + 0.2 * frame["width"], frame["y"] + 0.1 * frame["height"])
    _drag(page, start, (0.4 * frame["width"], 0.8 * frame["height"]))
    expect(page.get_by_test_id("box-0-body")).to_be_visible()
    expect(page.get_by_test_id("box-0")).to_have_attribute("data-label", "person")
    # A second one, taken away again with the Delete key (it is the one selected after drawing).
    _drag(page, (frame["x"] + 0.7 * frame["width"], frame["y"] + 0.2 * frame["height"]), (60, 60))
    expect(page.get_by_test_id("box-1-body")).to_be_visible()
    page.keyboard.press("Delete")
    expect(page.get_by_test_id("box-1-body")).to_have_count(0)
    page.get_by_test_id("label-save").click()
    expect(page.get_by_test_id("label-status-corrected")).to_be_visible()

    saved = httpx.get(f"{server}/api/v1/labelling/images/{image_id}", headers=api, timeout=30).json()
    assert saved["source"] == "picture" and saved["camera_id"] == camera.id
    (box,) = saved["boxes"]
    assert box["label"] == "person"
    for key, value in {"x1": 0.2, "y1": 0.1, "x2": 0.6, "y2": 0.9}.items():
        assert box[key] == pytest.approx(value, abs=0.01), key

    # On a phone the frame and its box are shown, for viewing only.
    phone = open_page(PHONE)
    login(phone, "reg_a")
    phone.goto(f"/labelling/{image_id}")
    expect(phone.get_by_test_id("box-0-body")).to_be_visible()
    settle(phone)
    assert phone.get_by_test_id("label-save").count() == 0
    shot(phone, "labelling-editor-phone")


@pytest.fixture
def recording(server: str, world: f.World, tmp_path: Path) -> Iterator[tuple[VideoService, str]]:
    """School A1's camera is a real RTSP stream (640x360) its edge records and plays back."""
    camera = PatternCamera().start()
    key = world.cameras["A1"].key
    service = VideoService(
        tmp_path / "edge", [VideoCamera(key, camera.url)], VideoUplink(server, world.device_keys["A1"]), 0, lambda: 0
    )
    service.start()
    try:
        yield service, key
    finally:
        service.stop()
        camera.stop()


@pytest.mark.rtsp
@needs_ffmpeg
def test_a_frame_grabbed_from_a_recording_goes_to_labelling(
    open_page: Callable[..., Any], server: str, world: f.World, session: Session, recording: tuple[VideoService, str]
) -> None:
    service, key = recording
    wait_until(lambda: (r := service.store.range(key)) is not None and r.days * 86400 > 12, 60, "12 s of recording")
    started = datetime.now(UTC) - timedelta(seconds=8)
    alert_id = upload_violation(
        server, world.device_keys["A1"], world.site_a1.code, key,
        started_at=started.isoformat(), ended_at=(started + timedelta(seconds=2)).isoformat(),
    )  # fmt: skip
    page = open_page()
    login(page, "reg_a")
    page.goto(f"/alerts/{alert_id}")
    page.get_by_test_id("alert-playback").click()
    page.get_by_test_id("playback-dialog").wait_for()
    assert_playing(page, '[data-test="playback-video"]')
    page.get_by_test_id("capture-to-label").click()
    page.get_by_test_id("capture-task-kitchen").click()
    page.wait_for_url(re.compile(r"/labelling/\d+$"))
    image_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_test_id("label-title")).to_contain_text("后厨行为")
    expect(page.get_by_test_id("editor-img")).to_be_visible()

    # The frame as the video has it (the camera's 640x360), from the recording, filmed around the alert.
    saved = httpx.get(f"{server}/api/v1/labelling/images/{image_id}", headers=f.bearer(session, "reg_a"), timeout=30)
    image = saved.json()
    assert (image["source"], image["width"], image["height"]) == ("upload", 640, 360)
    assert image["camera_id"] == world.cameras["A1"].id and image["boxes"] == []
    taken = datetime.fromisoformat(image["captured_at"])
    assert started - timedelta(minutes=2) < taken < datetime.now(UTC)
