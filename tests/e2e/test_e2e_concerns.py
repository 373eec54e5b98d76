"""A concern's loop, as the people in it live it: a parent reports on the public page and keeps a receipt code; the
school sees the contact masked, starts handling and replies; the regulator, who sees the contact in full, closes it;
the parent looks the code up and reads the reply."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests import factories as f
from tests.e2e.conftest import PHONE, fill, login, shot

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
expect = sync_api.expect
pytestmark = pytest.mark.e2e

REPLY = "经核实，当班厨师已整改，学校已组织全体后厨人员重新培训。"


@pytest.fixture
def public_a1(world: f.World, session: Session) -> f.World:
    session.merge(world.site_a1).public_page = True
    session.commit()
    return world


def _open_concern(page: Any, text: str) -> None:
    page.get_by_test_id("concern-table").get_by_text(text).first.click()
    expect(page.get_by_test_id("concern-drawer")).to_be_visible()
    expect(page.get_by_test_id("concern-text")).to_have_text(text)


def test_a_parent_reports_the_school_replies_the_regulator_closes_the_parent_reads_the_reply(
    server: str, public_a1: f.World, open_page: Callable[..., Any]
) -> None:
    # A parent reports on the public page and gets a receipt code to copy.
    parent = open_page(PHONE)
    parent.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    parent.goto("/p/A1")
    fill(parent, "concern-name", "张三")
    fill(parent, "concern-phone", "138 1234 5678")
    fill(parent, "concern-text", "早上看到有厨师没戴口罩")
    parent.get_by_test_id("concern-submit").click()
    code_el = parent.get_by_test_id("receipt-code")
    expect(code_el).to_have_text(re.compile(r"^[0-9A-HJKMNP-TV-Z]{10}$"))
    code = code_el.inner_text()
    parent.get_by_test_id("receipt-copy").click()
    expect(parent.get_by_test_id("receipt-copy")).to_have_text("已复制")
    assert parent.evaluate("navigator.clipboard.readText()") == code
    shot(parent, "public-receipt-phone")
    # Right away the code reads 已受理 and no reply.
    expect(parent.locator('input[data-test="lookup-code"]')).to_have_value(code)
    parent.get_by_test_id("lookup-submit").click()
    expect(parent.get_by_test_id("lookup-state")).to_have_text("已受理")
    expect(parent.get_by_test_id("lookup-reply")).to_have_text("尚未答复，请稍后再查。")

    # The school sees 138****5678 and 张*, never the full number; it starts handling and replies.
    school = open_page()
    login(school, "sa_a1")
    school.get_by_test_id("nav-concerns").click()
    table = school.get_by_test_id("concern-table")
    expect(table).to_contain_text("138****5678")
    expect(table).to_contain_text("张*")
    expect(table).to_contain_text("已受理")
    assert "12345678" not in school.content() and "张三" not in school.content()
    shot(school, "concerns-list-desktop")
    _open_concern(school, "早上看到有厨师没戴口罩")
    expect(school.get_by_test_id("concern-contact")).to_contain_text("138****5678")
    expect(school.get_by_test_id("concern-masked")).to_be_visible()
    assert school.get_by_test_id("concern-close").count() == 0  # closing is the regulator's
    school.get_by_test_id("concern-handle").click()
    expect(school.get_by_test_id("concern-state")).to_have_text("处理中")
    school.get_by_test_id("concern-reply-send").click()  # empty: said in plain words, nothing sent
    expect(school.get_by_test_id("concern-problem")).to_contain_text("答复内容")
    fill(school, "concern-reply-text", REPLY)
    school.get_by_test_id("concern-reply-send").click()
    expect(school.get_by_test_id("concern-state")).to_have_text("已答复")
    expect(school.get_by_test_id("concern-reply")).to_have_text(REPLY)
    expect(school.get_by_test_id("concern-steps")).to_contain_text("开始处理")
    expect(school.get_by_test_id("concern-steps")).to_contain_text("sa_a1")
    expect(school.get_by_test_id("concern-drawer")).to_contain_text("办结和退回由监管部门操作")
    shot(school, "concern-detail-desktop")
    school.keyboard.press("Escape")
    expect(table).to_contain_text("已答复")  # the list caught up without a reload

    # The regulator sees the contact in full, finds it by state and closes it.
    regulator = open_page()
    login(regulator, "reg_a")
    regulator.goto("/concerns")
    table = regulator.get_by_test_id("concern-table")
    expect(table).to_contain_text("138 1234 5678")
    expect(table).to_contain_text("张三")
    regulator.get_by_test_id("concern-filter-state").click()
    regulator.get_by_role("option", name="已办结").click()
    expect(table).not_to_contain_text("早上看到有厨师没戴口罩")
    regulator.get_by_test_id("concern-filter-state").click()
    regulator.get_by_role("option", name="已答复").click()
    _open_concern(regulator, "早上看到有厨师没戴口罩")
    expect(regulator.get_by_test_id("concern-contact")).to_contain_text("138 1234 5678")
    assert regulator.get_by_test_id("concern-masked").count() == 0
    fill(regulator, "concern-close-note", "答复属实，同意办结")
    regulator.get_by_test_id("concern-close").click()
    expect(regulator.get_by_test_id("concern-state")).to_have_text("已办结")
    expect(regulator.get_by_test_id("concern-steps")).to_contain_text("答复属实，同意办结")
    shot(regulator, "concern-detail-regulator-desktop")

    # The parent looks the code up again, typed loosely, and reads the reply.
    parent.reload()
    fill(parent, "lookup-code", f"{code[:5].lower()}-{code[5:].lower()}")
    parent.get_by_test_id("lookup-submit").click()
    expect(parent.get_by_test_id("lookup-state")).to_have_text("已办结")
    expect(parent.get_by_test_id("lookup-reply")).to_have_text(REPLY)
    result = parent.get_by_test_id("lookup-result").inner_text()
    for private in ("张三", "5678", "没戴口罩", "答复属实", "sa_a1", "reg_a"):
        assert private not in result, private
    shot(parent, "public-lookup-phone")

    # A wrong code says so plainly.
    fill(parent, "lookup-code", "ZZZZZZZZZZ")
    parent.get_by_test_id("lookup-submit").click()
    expect(parent.get_by_test_id("lookup-error")).to_have_text("未找到该回执码对应的反映，请核对后重试")
    assert parent.get_by_test_id("lookup-result").count() == 0


def test_the_school_handles_a_concern_on_a_phone(
    server: str, public_a1: f.World, open_page: Callable[..., Any], session: Session
) -> None:
    parent = open_page(PHONE)
    parent.goto("/p/A1")
    fill(parent, "concern-phone", "13987654321")
    fill(parent, "concern-text", "餐厅地面有积水，容易滑倒")
    parent.get_by_test_id("concern-submit").click()
    expect(parent.get_by_test_id("receipt-code")).to_be_visible()
    shot(parent, "public-site-concern-phone")

    school = open_page(PHONE)
    login(school, "sa_a1")
    school.goto("/concerns")
    card = school.get_by_test_id("concern-row").first
    expect(card).to_contain_text("139****4321")
    expect(card).to_contain_text("已受理")
    shot(school, "concerns-list-phone")
    card.click()
    expect(school.get_by_test_id("concern-drawer")).to_be_visible()
    fill(school, "concern-reply-text", "已安排清理并加铺防滑垫。")
    school.get_by_test_id("concern-reply-send").click()
    expect(school.get_by_test_id("concern-state")).to_have_text("已答复")
    shot(school, "concern-detail-phone")

    desktop = open_page()
    desktop.goto("/p/A1")
    expect(desktop.get_by_test_id("public-lookup")).to_contain_text("查询办理进度")
    shot(desktop, "public-lookup-desktop")
