"""On a phone, the canteen manager answers several alerts of one type at once, and the regulator approves with
the photos in view; the same pages at desktop size."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert, Rectification, RectificationPhoto
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests import support
from tests.e2e.conftest import DESKTOP, PHONE, fill, login, shot

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
expect = sync_api.expect
pytestmark = pytest.mark.e2e


def photos(folder: Path) -> list[str]:
    """Two photos as a phone's camera leaves them: a JPEG and a PNG."""
    first, second = folder / "灶台.jpg", folder / "员工.png"
    first.write_bytes(support.jpeg_bytes(640, 480))
    second.write_bytes(support.png_bytes())
    return [str(first), str(second)]


def no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"


def test_on_a_phone_three_mask_alerts_are_rectified_with_two_photos_at_once(
    world: f.World, session: Session, open_page: Callable[..., Any], tmp_path: Path
) -> None:
    masks = [f.alert(session, world.site_a1, world.cameras["A1"], state="pushed") for _ in range(3)]
    smoking = f.alert(session, world.site_a1, world.cameras["A1"], state="pushed", code="smoking")
    phone = open_page(PHONE)
    login(phone, "sa_a1")
    expect(phone).to_have_url(re.compile(r"/today$"))

    # 今日待办 is a list of cards: code, camera, times and the school's word for the state, nothing cut off.
    cards = phone.get_by_test_id("alert-cards")
    expect(cards.locator("article")).to_have_count(4)
    first = phone.get_by_test_id(f"alert-card-{masks[0].id}")
    for text in ("未戴口罩", world.cameras["A1"].name, "待整改", "发现时间", "整改期限"):
        expect(first).to_contain_text(text)
    expect(cards).not_to_contain_text("已推送")
    no_horizontal_scroll(phone)
    shot(phone, "school-today-phone")

    # Picking alerts of two types is refused in words; then only the three mask alerts.
    phone.get_by_test_id(f"alert-card-{smoking.id}").click()
    phone.get_by_test_id(f"alert-card-{masks[0].id}").click()
    expect(phone.get_by_test_id("batch-mixed")).to_be_visible()
    expect(phone.get_by_test_id("batch-rectify")).to_be_disabled()
    phone.get_by_test_id(f"alert-card-{smoking.id}").click()
    for alert in masks[1:]:
        phone.get_by_test_id(f"alert-card-{alert.id}").click()
    expect(phone.get_by_test_id("batch-selected")).to_have_text("已选 3 条")
    phone.get_by_test_id("batch-rectify").click()

    # The dialog fills the phone; two photos from the camera button's input, one note, one submit.
    dialog = phone.get_by_test_id("rectify-dialog")
    expect(dialog).to_contain_text("批量整改：3 条“未戴口罩”预警")
    box = dialog.bounding_box()
    assert box is not None and box["width"] >= PHONE["width"] - 1 and box["height"] >= PHONE["height"] - 1
    camera = phone.get_by_test_id("rectify-photo-camera")
    expect(camera).to_have_attribute("capture", "environment")
    expect(camera).to_have_attribute("accept", "image/*")
    expect(phone.get_by_test_id("rectify-photo-camera-button")).to_have_text(re.compile("拍照"))
    expect(phone.get_by_test_id("rectify-photo-album-button")).to_have_text(re.compile("选择照片"))
    two = photos(tmp_path)
    camera.set_input_files(two[0])
    camera.set_input_files(two[1])
    expect(phone.get_by_test_id("rectify-photo-thumb")).to_have_count(2)
    expect(phone.get_by_test_id("rectify-photo-count")).to_have_text("已选 2/6 张")
    fill(phone, "rectify-note", "已要求全部员工佩戴口罩，并在班前会上再次强调")
    submit = phone.get_by_test_id("rectify-submit")
    button = submit.bounding_box()
    assert button is not None and button["y"] > PHONE["height"] * 0.8, "the submit button sits at the bottom"
    assert button["height"] >= 40, "a thumb can hit it"
    shot(phone, "rectify-dialog-phone")
    submit.click()
    expect(phone.locator(".el-message")).to_contain_text("3 条已提交整改")
    expect(cards.locator("article")).to_have_count(1)  # only the smoking alert is left to do

    session.expire_all()
    assert [session.get(Alert, a.id).state for a in masks] == ["submitted"] * 3  # type: ignore[union-attr]
    keys = session.execute(select(Rectification.alert_id, RectificationPhoto.storage_key).join(
        RectificationPhoto, RectificationPhoto.rectification_id == Rectification.id)).all()  # fmt: skip
    assert len(keys) == 6 and len({k for _, k in keys}) == 2

    # The alert list on the phone: cards, the school's words for the new states.
    phone.get_by_test_id("nav-alerts").click() if phone.get_by_test_id("nav-alerts").is_visible() else phone.goto(
        "/alerts"
    )
    expect(phone.get_by_test_id(f"alert-card-{masks[0].id}")).to_contain_text("待审核")
    no_horizontal_scroll(phone)
    shot(phone, "school-alerts-phone")

    # The regulator reviews with both photos in view and approves.
    regulator = open_page(DESKTOP)
    login(regulator, "reg_a")
    regulator.goto(f"/alerts/{masks[1].id}")
    regulator.get_by_test_id("act-approve").click()
    review = regulator.get_by_test_id("review-rectification")
    expect(review).to_contain_text("整改照片（2 张）")
    expect(review).to_contain_text("已要求全部员工佩戴口罩")
    pictures = review.get_by_test_id("rectification-photo").locator("img")
    expect(pictures).to_have_count(2)
    regulator.wait_for_function(
        "() => [...document.querySelectorAll('[data-test=review-rectification] img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    shown = pictures.first.bounding_box()
    assert shown is not None and shown["width"] >= 200, "large enough to judge"
    shot(regulator, "review-dialog-desktop")
    pictures.first.click()  # enlarged
    expect(regulator.locator(".el-image-viewer__wrapper")).to_be_visible()
    regulator.keyboard.press("Escape")
    regulator.get_by_test_id("reason-confirm").click()
    expect(regulator.get_by_test_id("alert-actions").locator("xpath=..").get_by_test_id("state")).to_have_text("已办结")
    session.expire_all()
    assert session.get(Alert, masks[1].id).state == "closed"  # type: ignore[union-attr]


def test_the_school_pages_at_both_sizes(
    world: f.World, session: Session, open_page: Callable[..., Any], tmp_path: Path
) -> None:
    alerts = [f.alert(session, world.site_a1, world.cameras["A1"], state="pushed") for _ in range(2)]
    for viewport, size in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = open_page(viewport)
        login(page, "sa_a1")
        expect(page.get_by_test_id(f"alert-link-{alerts[0].id}")).to_be_visible()
        shot(page, f"school-today-{size}")
        page.goto("/alerts")
        expect(page.get_by_test_id(f"alert-link-{alerts[1].id}")).to_be_visible()
        shot(page, f"school-alerts-{size}")
        page.goto(f"/alerts/{alerts[0].id}")
        if size == "desktop":
            page.get_by_test_id("act-start").click()
        page.get_by_test_id("act-rectify").click()
        page.get_by_test_id("rectify-photo").set_input_files(photos(tmp_path))
        expect(page.get_by_test_id("rectify-photo-thumb")).to_have_count(2)
        fill(page, "rectify-note", "已整改")
        shot(page, f"rectify-dialog-{size}")
        if size == "desktop":
            page.get_by_test_id("rectify-dialog").get_by_role("button", name="取消").click()
        else:
            page.get_by_test_id("rectify-submit").click()
            expect(page.get_by_test_id("rectification")).to_have_count(1)
    regulator = open_page(PHONE)
    login(regulator, "reg_a")
    regulator.goto(f"/alerts/{alerts[0].id}")
    regulator.get_by_test_id("act-approve").click()
    expect(regulator.get_by_test_id("review-rectification").get_by_test_id("rectification-photo")).to_have_count(2)
    shot(regulator, "review-dialog-phone")


def test_a_large_phone_photo_is_made_smaller_before_it_is_sent(
    world: f.World, session: Session, settings: Settings, open_page: Callable[..., Any], tmp_path: Path
) -> None:
    import cv2
    import numpy as np

    alert = f.alert(session, world.site_a1, world.cameras["A1"], state="pushed")
    # An 8-megapixel photo as a phone leaves it: fine detail everywhere, so it is several MB as a JPEG.
    rng = np.random.default_rng(7)
    pixels = cv2.GaussianBlur(rng.integers(0, 256, size=(2448, 3264, 3), dtype=np.uint8), (0, 0), 1.2)
    ok, data = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    original = tmp_path / "灶台.jpg"
    original.write_bytes(data.tobytes())
    assert original.stat().st_size > 3 * 1024 * 1024

    phone = open_page(PHONE)
    login(phone, "sa_a1")
    phone.get_by_test_id(f"alert-card-{alert.id}").click()
    phone.get_by_test_id("batch-rectify").click()
    phone.get_by_test_id("rectify-photo-camera").set_input_files(str(original))
    expect(phone.get_by_test_id("rectify-photo-thumb")).to_have_count(1)
    fill(phone, "rectify-note", "已整改")
    phone.get_by_test_id("rectify-submit").click()
    expect(phone.locator(".el-message")).to_contain_text("已提交整改")

    session.expire_all()
    key = session.scalars(
        select(RectificationPhoto.storage_key)
        .join(Rectification, Rectification.id == RectificationPhoto.rectification_id)
        .where(Rectification.alert_id == alert.id)
    ).one()
    # What arrived is what the phone sent: a picture, at most 1920 px long, a fraction of the original's bytes.
    path = settings.evidence_dir / key
    assert path.stat().st_size < original.stat().st_size / 2, "the photo went as it was"
    stored = cv2.imread(str(path))
    assert stored is not None and max(stored.shape[:2]) == 1920
