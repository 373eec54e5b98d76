"""Live updates in a real browser: a new alert shows up in 今日待办 by itself, the bell counts it and is cleared,
and a regulator's approval reaches the school's open list, all without reloading the page."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from brightkitchen.platform.context import PlatformContext
from tests import factories as f
from tests import support
from tests.e2e.conftest import PHONE, login, push_new_alerts, shot, upload_violation

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
expect = sync_api.expect
pytestmark = pytest.mark.e2e

LIVE_WITHIN_MS = 5_000
CLOSED = re.compile(r"^(已办结|已整改)$")  # the closed state's name for a school


def mark_page(page: Any) -> None:
    """A flag on the page's window: it survives anything but a reload, so its presence proves there was none."""
    page.evaluate("window.__noReload = true")


def not_reloaded(page: Any) -> bool:
    return bool(page.evaluate("window.__noReload === true"))


def wait_live(page: Any) -> None:
    expect(page.get_by_test_id("bell")).to_have_attribute("data-status", "live")


def test_a_new_alert_appears_in_today_without_reload(
    server: str, world: f.World, open_page: Callable[..., Any]
) -> None:
    school = open_page()
    login(school, "sa_a1")
    expect(school).to_have_url(re.compile(r"/today$"))
    expect(school.get_by_text("今日待办").first).to_be_visible()
    wait_live(school)
    mark_page(school)

    # The kitchen's edge device uploads a violation while the manager has the page open.
    alert_id = upload_violation(server, world.device_keys["A1"], "A1", "cam-a1")
    uploaded = time.monotonic()
    expect(school.get_by_test_id(f"alert-link-{alert_id}")).to_be_visible(timeout=LIVE_WITHIN_MS)
    seen_after_s = time.monotonic() - uploaded
    assert seen_after_s < LIVE_WITHIN_MS / 1000
    expect(school.get_by_test_id("alert-table")).to_contain_text("未戴口罩")
    assert not_reloaded(school)


def test_the_bell_counts_a_new_alert_and_mark_all_read_clears_it(
    server: str, world: f.World, open_page: Callable[..., Any]
) -> None:
    school = open_page()
    login(school, "sa_a1")
    wait_live(school)
    bell = school.get_by_test_id("bell")
    badge = school.get_by_test_id("bell-count").locator(".el-badge__content")
    expect(badge).to_be_hidden()

    alert_id = upload_violation(server, world.device_keys["A1"], "A1", "cam-a1")
    expect(badge).to_have_text("1", timeout=LIVE_WITHIN_MS)

    bell.click()
    panel = school.get_by_test_id("bell-panel")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("1 条未读")
    expect(school.get_by_test_id(f"bell-item-{alert_id}")).to_contain_text("未戴口罩")
    expect(school.get_by_test_id("bell-status")).to_have_text("实时更新中")

    # The chime is off until switched on; switching it on plays a sample, a new alert then rings.
    assert bell.get_attribute("data-chimes") == "0"
    school.get_by_test_id("bell-sound").click()
    expect(bell).to_have_attribute("data-chimes", "1")
    assert school.evaluate("localStorage.getItem('bk.feed.sound')") == "1"
    shot(school, "bell-open-desktop")

    school.get_by_test_id("bell-read-all").click()
    expect(badge).to_be_hidden()
    expect(panel).to_contain_text("0 条未读")
    # The alert is still open, so still listed; only no longer unread.
    expect(school.get_by_test_id(f"bell-item-{alert_id}")).to_be_visible()

    second = upload_violation(server, world.device_keys["A1"], "A1", "cam-a1", code="smoking")
    expect(badge).to_have_text("1", timeout=LIVE_WITHIN_MS)
    expect(bell).to_have_attribute("data-chimes", "2")
    expect(school.get_by_test_id(f"bell-item-{second}")).to_contain_text("抽烟")

    # The read mark is the person's: it holds after a reload and on another device.
    school.reload()
    expect(school.get_by_test_id("bell-count").locator(".el-badge__content")).to_have_text("1")
    phone = open_page(PHONE)
    login(phone, "sa_a1")
    wait_live(phone)
    expect(phone.get_by_test_id("bell-count").locator(".el-badge__content")).to_have_text("1")
    phone.get_by_test_id("bell").click()
    expect(phone.get_by_test_id("bell-panel")).to_be_visible()
    shot(phone, "bell-open-phone")
    box = phone.get_by_test_id("bell-panel").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_the_regulator_approves_and_the_schools_list_shows_it_closed(
    server: str, ctx: PlatformContext, world: f.World, open_page: Callable[..., Any]
) -> None:
    alert_id = upload_violation(server, world.device_keys["A1"], "A1", "cam-a1")
    push_new_alerts(ctx)
    with httpx.Client(base_url=server, timeout=30) as api:
        school_api = f.login(api, "sa_a1")
        assert api.post(f"/api/v1/alerts/{alert_id}/start", headers=school_api).status_code == 200
        photo = {"photo": ("rectified.jpg", support.jpeg_bytes(640, 480), "image/jpeg")}
        resp = api.post(f"/api/v1/alerts/{alert_id}/rectify", headers=school_api, files=photo, data={"note": "已整改"})
        assert resp.status_code == 200, resp.text

    school, regulator = open_page(), open_page()
    login(school, "sa_a1")
    school.goto("/alerts")
    row = school.locator("tr", has=school.get_by_test_id(f"alert-link-{alert_id}"))
    expect(row.get_by_test_id("state")).to_have_text("待审核")  # the school's word for submitted
    wait_live(school)
    mark_page(school)

    login(regulator, "reg_a")
    regulator.goto(f"/alerts/{alert_id}")
    regulator.get_by_test_id("act-approve").click()
    regulator.get_by_test_id("reason-confirm").click()
    expect(regulator.get_by_test_id("history")).to_contain_text(re.compile(CLOSED.pattern.strip("^$")))
    approved = time.monotonic()

    # The school's list, left open, shows the alert closed by itself.
    expect(row.get_by_test_id("state")).to_have_text(CLOSED, timeout=LIVE_WITHIN_MS)
    assert time.monotonic() - approved < LIVE_WITHIN_MS / 1000
    assert not_reloaded(school)
