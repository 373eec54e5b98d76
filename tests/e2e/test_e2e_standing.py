"""The ranking and the daily bulletin in a real browser, from a regulator's steps: a site whose camera is not
online is listed apart (未在线监测) with its hours, never on the red list; today's bulletin made on demand shows
the new alerts by code, prints without the menu, and downloads as PDF and Excel with Chinese file names."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from brightkitchen.platform.db import utcnow
from brightkitchen.platform.sites.models import Site
from tests import factories as f
from tests.e2e.conftest import PHONE, heartbeat, login, shot, upload_violation
from tests.support.online_hours import watched

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
expect = sync_api.expect
pytestmark = pytest.mark.e2e


def test_a_site_with_no_camera_online_is_not_on_the_red_list(
    server: str, world: f.World, session: Session, open_page: Callable[..., Any]
) -> None:
    now = utcnow()
    session.execute(update(Site).values(created_at=now - timedelta(days=10)))
    # A1's edge has sent heartbeats with its camera working since the site was set up; one overdue alert.
    watched(session, world.devices["A1"], now - timedelta(days=10), 10 * 24 + 1)
    f.alert(session, world.site_a1, world.cameras["A1"], state="pushed", created_at=now - timedelta(days=2))
    session.commit()
    heartbeat(server, world.device_keys["A1"], world.cameras["A1"].key, "online")
    # A2's edge answers, but its camera is dark: nothing is watched there, and it has no alert at all.
    heartbeat(server, world.device_keys["A2"], world.cameras["A2"].key, "offline")

    page = open_page()
    login(page, "reg_a")
    page.goto("/ranking")
    page.get_by_test_id("ranking-days").get_by_text("近 7 天").click()
    red = page.get_by_test_id("ranking-red")
    expect(red).to_contain_text("学校 A1")
    expect(red).not_to_contain_text("学校 A2")
    expect(page.get_by_test_id("ranking-black")).not_to_contain_text("学校 A2")
    apart = page.get_by_test_id("ranking-unmonitored")
    expect(apart).to_contain_text("未在线监测")
    expect(apart).to_contain_text("学校 A2")
    expect(apart.get_by_test_id("unmonitored-hours")).to_have_text("0.0")
    expect(apart).not_to_contain_text("学校 A1")
    expect(page.get_by_test_id("ranking-formula")).to_contain_text("80.0%")
    expect(page.get_by_test_id("ranking-period")).to_contain_text("统计时段")
    shot(page, "regulator-ranking-desktop")

    phone = open_page(PHONE)
    login(phone, "reg_a")
    phone.goto("/ranking")
    expect(phone.get_by_test_id("ranking-unmonitored")).to_contain_text("学校 A2")
    shot(phone, "regulator-ranking-phone")

    # The site list shows the same: A2 not monitored, sortable by online share.
    page.goto("/sites")
    table = page.get_by_test_id("site-table")
    expect(table).to_contain_text("学校 A2")
    page.get_by_test_id("site-online").click()
    page.get_by_role("option", name="未在线监测").click()
    expect(table).to_contain_text("学校 A2")
    expect(table).not_to_contain_text("学校 A1")
    shot(page, "regulator-sites-desktop")
    phone.goto("/sites")
    expect(phone.get_by_test_id("site-table")).to_contain_text("学校 A2")
    shot(phone, "regulator-sites-phone")


def test_the_regulator_generates_todays_bulletin_and_downloads_it(
    server: str, world: f.World, open_page: Callable[..., Any], tmp_path: Path
) -> None:
    for code in ("no_mask", "smoking"):
        upload_violation(server, world.device_keys["A1"], "A1", world.cameras["A1"].key, code=code)

    page = open_page()
    login(page, "reg_a")
    page.get_by_test_id("nav-bulletins").click()
    expect(page.get_by_test_id("bulletin-generate")).to_have_text("立即生成")
    page.get_by_test_id("bulletin-generate").click()
    expect(page).to_have_url(re.compile(r"/bulletins/\d+$"))
    expect(page.get_by_test_id("bulletin-title")).to_contain_text("东城分局")
    period = page.get_by_test_id("bulletin-period")
    expect(period).to_contain_text("今日截至目前")
    expect(period).to_contain_text("0:00 至")
    expect(page.get_by_test_id("bulletin-code-no_mask")).to_contain_text("未戴口罩 1")
    expect(page.get_by_test_id("bulletin-code-smoking")).to_contain_text("1")
    expect(page.get_by_test_id("bulletin-alert-rows")).to_contain_text("合计")
    expect(page.get_by_test_id("bulletin-offline")).to_contain_text("学校 A2")  # never heard from today
    shot(page, "regulator-bulletin-today-desktop")

    day = re.search(r"\d{4}-\d{2}-\d{2}", page.get_by_test_id("bulletin-title").inner_text())
    assert day is not None
    for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK")):
        with page.expect_download() as info:
            page.get_by_test_id(f"bulletin-{fmt}").click()
        download = info.value
        assert download.suggested_filename == f"东城分局每日通报-今日截至目前-{day.group(0)}.{fmt}"
        assert Path(download.path()).read_bytes()[:4].startswith(magic)

    # Print: the page alone, no menu and no buttons.
    page.emulate_media(media="print")
    expect(page.locator(".bk-header")).to_be_hidden()
    expect(page.get_by_test_id("bulletin-pdf")).to_be_hidden()
    expect(page.get_by_test_id("bulletin-by-code")).to_be_visible()
    shot(page, "regulator-bulletin-print-desktop")
    page.emulate_media(media="screen")

    page.get_by_test_id("nav-bulletins").click()
    expect(page.get_by_test_id("bulletin-table")).to_contain_text("今日截至目前")
    shot(page, "regulator-bulletins-desktop")

    phone = open_page(PHONE)
    login(phone, "reg_a")
    phone.goto("/bulletins")
    expect(phone.get_by_test_id("bulletin-table")).to_contain_text("今日截至目前")
    shot(phone, "regulator-bulletins-phone")
    phone.get_by_test_id("bulletin-table").locator("a").first.click()
    expect(phone.get_by_test_id("bulletin-code-no_mask")).to_be_visible()
    shot(phone, "regulator-bulletin-today-phone")
    phone.emulate_media(media="print")
    expect(phone.locator(".bk-header")).to_be_hidden()
    shot(phone, "regulator-bulletin-print-phone")
