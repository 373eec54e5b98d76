"""The admin's pages, from the admin's and the new user's steps: a school admin created with a one-time password
changes it at the first sign-in; a device's key is shown once; a channel's 发送测试 reaches a real receiver."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.regions.models import Region, RegionKind
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests import support
from tests.e2e.conftest import PHONE, fill, login, settle, shot
from tests.platform.notify.receivers import http_receiver

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
expect = sync_api.expect
pytestmark = pytest.mark.e2e

NEW_PASSWORD = "steamed-bun-basket-7"


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    # The channel's receiver is a real HTTP server on 127.0.0.1: allow-listed as an intranet receiver would be.
    return support.make_settings(migrated_url, tmp_path, notify_allow_http=True, notify_allow_networks=["127.0.0.0/8"])


def pick(page: Any, select_test: str, option_test: str) -> None:
    """Chooses an option of an Element Plus select (its list opens in a layer at the end of the page)."""
    page.locator(f'[data-test="{select_test}"]').first.click()
    page.locator(f'li[data-test="{option_test}"]:visible').click()


def open_admin(page: Any, name: str) -> None:
    page.get_by_test_id("nav-admin").hover()
    page.get_by_test_id(f"nav-{name}").click()
    page.mouse.move(700, 800)  # away from the menu, so its list closes
    page.locator(".el-menu--popup").first.wait_for(state="hidden")


def confirm(page: Any) -> None:
    page.locator(".el-message-box__btns .el-button--danger, .el-message-box__btns .el-button--primary").last.click()


def test_a_new_school_admin_changes_the_one_time_password_then_sees_the_school(
    server: str, world: f.World, open_page: Callable[..., Any]
) -> None:
    admin = open_page()
    login(admin, "admin")
    open_admin(admin, "adminUsers")
    expect(admin).to_have_url(re.compile(r"/admin/users$"))
    expect(admin.get_by_test_id("user-table")).to_contain_text("sa_a1")
    shot(admin, "admin-users-desktop")

    admin.get_by_test_id("user-create").click()
    fill(admin, "user-username", "head-zhao")
    fill(admin, "user-display-name", "赵校长")
    pick(admin, "user-role", "user-role-school_admin")
    pick(admin, "user-site", f"user-site-{world.site_a2.code}")
    shot(admin, "admin-user-create-desktop")
    admin.get_by_test_id("user-submit").click()
    secret = admin.locator('input[data-test="secret-value"]')
    expect(secret).to_have_value(re.compile(r"^[a-z2-9]{4}(-[a-z2-9]{4}){3}$"))
    expect(admin.get_by_test_id("secret-dialog")).to_contain_text("只显示这一次")
    one_time = secret.input_value()
    shot(admin, "admin-one-time-password-desktop")
    admin.get_by_test_id("secret-close").click()
    expect(admin.get_by_test_id("user-table")).to_contain_text("待改密")
    assert one_time not in admin.locator("body").inner_text()

    school = open_page(PHONE)
    login(school, "head-zhao", one_time)
    expect(school).to_have_url(re.compile(r"/account$"))
    expect(school.get_by_test_id("must-change")).to_contain_text("一次性密码")
    school.goto("/today")  # every other page waits until the password is changed
    expect(school).to_have_url(re.compile(r"/account$"))
    shot(school, "account-first-login-phone")
    fill(school, "pw-current", one_time)
    fill(school, "pw-new", "12345678901")
    fill(school, "pw-again", "12345678901")
    school.get_by_test_id("pw-submit").click()
    expect(school.get_by_test_id("pw-problem")).to_contain_text("常见密码或纯数字")
    fill(school, "pw-new", NEW_PASSWORD)
    fill(school, "pw-again", NEW_PASSWORD)
    school.get_by_test_id("pw-submit").click()
    expect(school).to_have_url(re.compile(r"/today$"))
    settle(school)
    assert "password_change_required" not in school.locator("body").inner_text()
    expect(school.get_by_test_id("nav-today")).to_be_visible()

    # The one-time password is spent; the new one signs in straight to the school's day.
    again = open_page()
    login(again, "head-zhao", NEW_PASSWORD)
    expect(again).to_have_url(re.compile(r"/today$"))
    again.get_by_test_id("whoami").click()
    expect(again).to_have_url(re.compile(r"/account$"))
    expect(again.get_by_test_id("must-change")).to_have_count(0)
    shot(again, "account-desktop")


def test_the_admin_registers_a_device_and_sees_its_key_once(
    server: str, world: f.World, open_page: Callable[..., Any]
) -> None:
    admin = open_page()
    login(admin, "admin")
    open_admin(admin, "adminDevices")
    expect(admin.get_by_test_id("device-table")).to_contain_text("edge-A1")
    shot(admin, "admin-devices-desktop")
    admin.get_by_test_id("device-register").click()
    pick(admin, "device-site", f"device-site-{world.site_a1.code}")
    fill(admin, "device-name", "后厨边缘盒-2")
    fill(admin, "device-serial", "SN-2026-0002")
    admin.get_by_test_id("device-submit").click()
    secret = admin.locator('input[data-test="secret-value"]')
    expect(secret).to_have_value(re.compile(r"^bkd_"))
    key = secret.input_value()
    expect(admin.get_by_test_id("secret-dialog")).to_contain_text("关闭后无法再次查看")
    shot(admin, "admin-device-key-desktop")
    # The key works at once for the edge.
    assert httpx.get(f"{server}/api/v1/device/config", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    admin.get_by_test_id("secret-close").click()
    assert key not in admin.locator("body").inner_text()
    admin.reload()
    expect(admin.get_by_test_id("device-table")).to_contain_text("后厨边缘盒-2")
    assert key not in admin.content()

    # A new key replaces it: shown once again, and the old one stops.
    admin.get_by_test_id("rotate-后厨边缘盒-2").click()
    confirm(admin)
    expect(secret).to_have_value(re.compile(r"^bkd_"))
    rotated = secret.input_value()
    assert rotated != key
    admin.get_by_test_id("secret-close").click()
    assert httpx.get(f"{server}/api/v1/device/config", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    ok = httpx.get(f"{server}/api/v1/device/config", headers={"Authorization": f"Bearer {rotated}"})
    assert ok.status_code == 200

    phone = open_page(PHONE)
    login(phone, "admin")
    phone.goto("/admin/devices")
    expect(phone.get_by_test_id("device-table")).to_contain_text("后厨边缘盒-2")
    shot(phone, "admin-devices-phone")


def test_a_channel_s_send_test_reaches_a_real_receiver(
    server: str, world: f.World, open_page: Callable[..., Any]
) -> None:
    with http_receiver() as rx:
        admin = open_page()
        login(admin, "reg_a")
        open_admin(admin, "adminChannels")
        admin.get_by_test_id("channel-create").click()
        fill(admin, "channel-name", "食堂群")
        pick(admin, "channel-kind", "channel-kind-webhook")
        admin.get_by_test_id("channel-scope-site").click()
        pick(admin, "channel-site", f"channel-site-{world.site_a1.code}")
        fill(admin, "channel-target", f"{rx.url}/bk-hook")
        fill(admin, "channel-secret", "hook-secret-1")
        shot(admin, "admin-channel-create-desktop")
        admin.get_by_test_id("channel-submit").click()
        expect(admin.get_by_test_id("channel-table")).to_contain_text("食堂群")
        assert "hook-secret-1" not in admin.content()

        admin.get_by_test_id("test-食堂群").click()
        expect(admin.get_by_test_id("test-result-食堂群")).to_have_text("测试消息已送达")
        assert len(rx.requests) == 1
        assert rx.requests[0].path == "/bk-hook" and rx.requests[0].json()["event"] == "test"
        shot(admin, "admin-channels-desktop")

        rx.status = 500
        admin.get_by_test_id("test-食堂群").click()
        expect(admin.get_by_test_id("test-result-食堂群")).to_have_text("对方返回错误（HTTP 500）")
        assert len(rx.requests) == 2

        phone = open_page(PHONE)
        login(phone, "reg_a")
        phone.goto("/admin/channels")
        expect(phone.get_by_test_id("channel-table")).to_contain_text("食堂群")
        shot(phone, "admin-channels-phone")


def test_every_admin_page_opens_for_the_admin_on_desktop_and_phone(
    server: str, world: f.World, open_page: Callable[..., Any]
) -> None:
    desktop = open_page()
    login(desktop, "admin")
    phone = open_page(PHONE)
    login(phone, "admin")

    desktop.goto("/admin/regions")
    expect(desktop.get_by_test_id("region-tree")).to_contain_text("东城分局")
    shot(desktop, "admin-regions-desktop")
    desktop.goto("/admin/sites")
    expect(desktop.get_by_test_id("site-admin-table")).to_contain_text("学校 A1")
    shot(desktop, "admin-sites-desktop")
    desktop.get_by_test_id(f"setup-{world.site_a1.code}").click()
    expect(desktop.get_by_test_id("site-camera-table")).to_contain_text("cam-a1")
    expect(desktop.get_by_test_id("site-camera-table")).to_contain_text("已设置")
    shot(desktop, "admin-site-setup-desktop")
    desktop.goto("/admin/cameras")
    expect(desktop.get_by_test_id("stream-set-cam-a1")).to_have_text("已设置")
    desktop.get_by_test_id("edit-camera-cam-a1").click()
    expect(desktop.locator('input[data-test="camera-stream"]')).to_have_value("")
    expect(desktop.locator('input[data-test="camera-stream"]')).to_have_attribute("placeholder", re.compile("已设置"))
    assert "rtsp://x/y" not in desktop.content()  # the factory's stream URL never reaches the page
    shot(desktop, "admin-camera-edit-desktop")

    for path, test_id, name in (
        ("/admin/users", "user-table", "admin-users-phone"),
        ("/admin/regions", "region-tree", "admin-regions-phone"),
        ("/admin/sites", "site-admin-table", "admin-sites-phone"),
        ("/admin/cameras", "camera-admin-table", "admin-cameras-phone"),
        ("/account", "pw-submit", "account-phone"),
    ):
        phone.goto(path)
        expect(phone.get_by_test_id(test_id)).to_be_visible()
        shot(phone, name)
    desktop.goto("/admin/cameras")
    expect(desktop.get_by_test_id("camera-admin-table")).to_contain_text("cam-b1")
    shot(desktop, "admin-cameras-desktop")

    # A school sees none of it.
    school = open_page()
    login(school, "sa_a1")
    expect(school.get_by_test_id("nav-admin")).to_have_count(0)
    school.goto("/admin/users")
    expect(school.get_by_test_id("forbidden")).to_be_visible()


def test_the_admin_deletes_an_empty_region_and_is_told_why_a_region_in_use_stays(
    world: f.World, session: Session, open_page: Callable[..., Any]
) -> None:
    f.region(session, "新建街道", RegionKind.street, world.district_a, code="street-new")
    session.commit()
    page = open_page()
    login(page, "admin")
    page.goto("/admin/regions")

    # 东街道 still holds two sites: the admin is told so in words, and it stays.
    page.get_by_test_id("region-delete-street-a").click()
    page.locator(".el-message-box").get_by_role("button", name="确定").click()
    expect(page.locator(".el-message--error")).to_contain_text("不能删除")
    expect(page.get_by_test_id("region-street-a")).to_be_visible()

    # The empty street goes, after a confirmation.
    page.get_by_test_id("region-delete-street-new").click()
    expect(page.locator(".el-message-box")).to_contain_text("新建街道")
    page.locator(".el-message-box").get_by_role("button", name="确定").click()
    expect(page.locator(".el-message--success")).to_contain_text("已删除")
    expect(page.get_by_test_id("region-street-new")).to_have_count(0)
    assert session.scalar(select(Region.id).where(Region.code == "street-new")) is None
