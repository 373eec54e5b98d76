"""What a browser must not show, and how sessions end: another school's alert, pages of another role,
an expired session, a wrong password; and the language switch that persists."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from brightkitchen.platform.db import utcnow
from brightkitchen.platform.users.models import AccessToken
from tests import factories as f
from tests.e2e.conftest import fill, login, settle, shot, upload_violation

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
expect = sync_api.expect
pytestmark = pytest.mark.e2e


def test_a_school_cannot_open_another_school_s_alert(
    server: str, world: f.World, open_page: Callable[..., Any]
) -> None:
    alert_id = upload_violation(server, world.device_keys["A1"], "A1", "cam-a1")
    other = open_page()
    login(other, "sa_a2")
    other.goto(f"/alerts/{alert_id}")
    expect(other.get_by_test_id("problem")).to_contain_text("页面不存在")
    expect(other.get_by_test_id("problem")).to_contain_text("未找到该记录，或您无权查看")
    body = other.locator("body").inner_text()
    for secret in ("学校 A1", "后厨-操作台", f"#{alert_id}", "未戴口罩"):
        assert secret not in body
    assert other.locator("img, video").count() == 0
    shot(other, "school-other-school-alert")

    other.goto("/alerts")
    settle(other)
    expect(other.get_by_test_id("alert-table")).to_contain_text("暂无数据")
    assert other.get_by_test_id(f"alert-link-{alert_id}").count() == 0

    # A regulator's page is refused to a school, and a school's to a regulator.
    other.goto("/overview")
    expect(other.get_by_test_id("forbidden")).to_contain_text("无权访问")
    shot(other, "forbidden")
    regulator = open_page()
    login(regulator, "reg_b")
    regulator.goto("/today")
    expect(regulator.get_by_test_id("forbidden")).to_be_visible()
    regulator.goto(f"/alerts/{alert_id}")  # another district's alert
    expect(regulator.get_by_test_id("problem")).to_contain_text("页面不存在")


def test_an_expired_session_goes_back_to_the_login_and_returns(
    server: str, world: f.World, session: Session, open_page: Callable[..., Any]
) -> None:
    page = open_page()
    login(page, "sa_a1")
    expect(page).to_have_url(re.compile(r"/today$"))
    expect(page.get_by_test_id("kpi").first).to_be_visible()
    settle(page)  # today's requests are done: the next one meets the expiry
    session.execute(update(AccessToken).values(expires_at=utcnow()))
    session.commit()

    page.get_by_test_id("nav-cameras").click()
    expect(page).to_have_url(re.compile(r"/login\?"))
    expect(page.get_by_test_id("login-notice")).to_have_text("登录已过期，请重新登录")
    shot(page, "login-expired")
    fill(page, "login-username", "sa_a1")
    fill(page, "login-password", f.PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(re.compile(r"/cameras$"))


def test_wrong_password_and_direct_links_need_a_login(
    server: str, world: f.World, open_page: Callable[..., Any]
) -> None:
    page = open_page()
    page.goto("/alerts/1")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)alerts(/|%2F)1$"))
    fill(page, "login-username", "sa_a1")
    fill(page, "login-password", "not-the-password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_have_text("用户名或密码错误")
    shot(page, "login-wrong-password")
    fill(page, "login-password", f.PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(re.compile(r"/alerts/1$"))
    expect(page.get_by_test_id("problem")).to_contain_text("页面不存在")


def test_the_language_switch_is_remembered(server: str, world: f.World, open_page: Callable[..., Any]) -> None:
    page = open_page()
    page.goto("/login")
    expect(page.locator("h1")).to_have_text("明厨亮灶智慧监管平台")
    page.get_by_test_id("lang-switch").click()
    expect(page.locator("h1")).to_have_text("BrightKitchen Supervision Platform")
    page.reload()
    expect(page.locator("h1")).to_have_text("BrightKitchen Supervision Platform")
    login(page, "reg_a")
    expect(page.get_by_test_id("nav-alerts")).to_have_text("Alerts")
    expect(page.get_by_test_id("kpi-open")).to_contain_text("Open")
    shot(page, "regulator-overview-english")
