"""Cameras' latest pictures: a device uploads a still, the public page (on a phone) and the school's cameras page
show it as a real JPEG with its time; a camera without one shows a placeholder; a private camera's picture never
reaches the public page; the public page reads itself again every minute and picks up a new picture."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests import factories as f
from tests import support
from tests.e2e.conftest import PHONE, heartbeat, login, shot, upload_picture

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
expect = sync_api.expect
pytestmark = pytest.mark.e2e

LOADED = "img => img.complete && img.naturalWidth > 0"


@pytest.fixture
def pictured(world: f.World, session: Session) -> f.World:
    """A1 is public with two public cameras (the counter, the washing room) and a private store room."""
    site = session.merge(world.site_a1)
    site.public_page = True
    session.merge(world.cameras["A1"]).public = True
    f.camera(session, site, "cam-wash", name="洗消间", public=True)
    f.camera(session, site, "cam-store", name="仓库", public=False)
    session.commit()
    return world


def assert_real_jpeg(page: Any, img: Any) -> None:
    """The <img> has loaded, and its link answers a JPEG by content."""
    page.wait_for_function(LOADED, arg=img.element_handle())
    assert img.evaluate("img => img.naturalWidth") > 0
    src = img.get_attribute("src")
    assert src and src.startswith("/api/v1/"), src
    resp = page.request.get(src)
    assert resp.ok, resp.status
    assert resp.headers["content-type"] == "image/jpeg"
    assert resp.body()[:3] == b"\xff\xd8\xff"


def test_the_public_page_shows_the_latest_pictures(
    server: str, pictured: f.World, open_page: Callable[..., Any]
) -> None:
    key = pictured.device_keys["A1"]
    heartbeat(server, key, "cam-a1")
    upload_picture(server, key, "cam-a1")
    upload_picture(server, key, "cam-store", support.jpeg_bytes(320, 240))  # private: never on the public page

    phone = open_page(PHONE)
    phone.clock.install()  # the page's minute refresh is driven below
    phone.goto("/p/A1")
    cameras = phone.get_by_test_id("public-camera")
    expect(cameras).to_have_count(2)
    counter = cameras.filter(has_text="后厨-操作台")
    wash = cameras.filter(has_text="洗消间")
    assert_real_jpeg(phone, counter.get_by_test_id("picture"))
    expect(counter.get_by_test_id("picture-at")).to_have_text("更新于 刚刚")
    expect(counter).to_contain_text("在线")
    expect(wash.get_by_test_id("no-picture")).to_have_text("暂无画面")
    expect(wash.get_by_test_id("picture")).to_have_count(0)
    expect(phone.get_by_test_id("picture")).to_have_count(1)
    assert "仓库" not in phone.locator("body").inner_text()
    shot(phone, "public-pictures-phone")

    # The device sends the washing room's first picture; within a minute the open page shows it, and keeps the
    # counter's link (the same picture is not downloaded again).
    first_src = counter.get_by_test_id("picture").get_attribute("src")
    upload_picture(server, key, "cam-wash", support.jpeg_bytes(640, 360))
    phone.clock.fast_forward(61_000)
    assert_real_jpeg(phone, wash.get_by_test_id("picture"))
    expect(wash.get_by_test_id("no-picture")).to_have_count(0)
    assert counter.get_by_test_id("picture").get_attribute("src") == first_src
    expect(counter.get_by_test_id("picture-at")).to_have_text("更新于 1分钟前")

    # In English.
    phone.get_by_test_id("lang-switch").click()
    expect(counter.get_by_test_id("picture-at")).to_have_text("Updated 1 minute ago")
    expect(wash.get_by_test_id("picture-at")).to_have_text(re.compile(r"^Updated (just now|1 minute ago)$"))
    shot(phone, "public-pictures-phone-en")


def test_the_cameras_page_shows_thumbnails(server: str, pictured: f.World, open_page: Callable[..., Any]) -> None:
    key = pictured.device_keys["A1"]
    heartbeat(server, key, "cam-a1")
    upload_picture(server, key, "cam-a1")
    upload_picture(server, key, "cam-store", support.jpeg_bytes(320, 240))

    school = open_page()
    login(school, "sa_a1")
    school.get_by_test_id("nav-cameras").click()
    table = school.get_by_test_id("camera-table")
    counter = table.locator("tbody tr", has_text="后厨-操作台")
    wash = table.locator("tbody tr", has_text="洗消间")
    store = table.locator("tbody tr", has_text="仓库")
    assert_real_jpeg(school, counter.get_by_test_id("picture"))
    assert_real_jpeg(school, store.get_by_test_id("picture"))
    expect(counter.get_by_test_id("picture-at")).to_have_text("更新于 刚刚")
    expect(counter.get_by_test_id("camera-status")).to_have_text("在线")
    expect(wash.get_by_test_id("no-picture")).to_have_text("暂无画面")
    expect(wash.get_by_test_id("picture-at")).to_have_count(0)
    shot(school, "school-cameras-pictures")

    # A click enlarges it.
    counter.get_by_test_id("picture").click()
    dialog = school.get_by_test_id("picture-dialog")
    expect(dialog).to_be_visible()
    assert_real_jpeg(school, dialog.get_by_test_id("picture"))
    expect(dialog).to_contain_text("学校 A1")
    expect(dialog).to_contain_text("更新于")
    shot(school, "school-camera-picture-dialog")
