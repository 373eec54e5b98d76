"""The public page on a phone: what a public site shows, a concern that reaches the school, the rate limit,
and a private site that shows nothing of itself."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from brightkitchen.platform.public import service
from tests import factories as f
from tests.e2e.conftest import PHONE, fill, heartbeat, login, shot, upload_violation

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
expect = sync_api.expect
pytestmark = pytest.mark.e2e


@pytest.fixture
def public_a1(world: f.World, session: Session) -> f.World:
    site = session.merge(world.site_a1)
    site.public_page = True
    site.address = "和平路 1 号"
    session.merge(world.cameras["A1"]).public = True
    f.camera(session, site, "cam-store", name="仓库", public=False)
    session.commit()
    return world


def test_public_page_and_a_concern(server: str, public_a1: f.World, open_page: Callable[..., Any]) -> None:
    heartbeat(server, public_a1.device_keys["A1"], "cam-a1")
    upload_violation(server, public_a1.device_keys["A1"], "A1", "cam-a1")
    phone = open_page(PHONE)
    phone.goto("/p/A1")
    expect(phone.get_by_test_id("public-site-name")).to_have_text("学校 A1")
    expect(phone.get_by_test_id("public-cameras")).to_contain_text("后厨-操作台")
    expect(phone.get_by_test_id("public-cameras")).to_contain_text("在线")
    expect(phone.get_by_test_id("public-cameras")).not_to_contain_text("仓库")
    record = phone.get_by_test_id("public-record")
    expect(record.locator("tbody tr")).to_have_count(service.RECORD_MONTHS)
    expect(record.locator("tbody tr").last).to_contain_text("1")
    assert "rtsp://" not in phone.content()

    phone.get_by_test_id("concern-submit").click()
    expect(phone.get_by_test_id("concern-error")).to_contain_text("反映内容")
    fill(phone, "concern-name", "王女士")
    fill(phone, "concern-phone", "13800000000")
    fill(phone, "concern-text", "早上看到有厨师没戴帽子")
    shot(phone, "public-site-phone")
    phone.get_by_test_id("concern-submit").click()
    expect(phone.get_by_test_id("concern-sent")).to_contain_text("已收到您的反映")

    # The school admin finds it among its concerns.
    school = open_page()
    login(school, "sa_a1")
    school.get_by_test_id("nav-concerns").click()
    expect(school.get_by_test_id("concern-table")).to_contain_text("早上看到有厨师没戴帽子")
    # The school sees the contact masked, and a receipt code was given to the parent.
    expect(school.get_by_test_id("concern-table")).to_contain_text("138****0000")
    expect(school.get_by_test_id("concern-table")).to_contain_text("王**")
    assert "13800000000" not in school.content()
    expect(phone.get_by_test_id("receipt-code")).to_have_text(re.compile(r"^[0-9A-HJKMNP-TV-Z]{10}$"))
    shot(school, "school-concerns")

    # Past the limit, the page says to wait, in plain words.
    for _ in range(service.CONCERN_LIMIT - 1):
        httpx.post(f"{server}/api/v1/public/sites/A1/concerns", json={"text": "重复"}, timeout=10)
    phone.reload()
    fill(phone, "concern-text", "再反映一次")
    phone.get_by_test_id("concern-submit").click()
    expect(phone.get_by_test_id("concern-error")).to_contain_text(re.compile(r"提交过于频繁，请 \d+ 秒后再试"))


def test_a_private_site_shows_nothing(server: str, public_a1: f.World, open_page: Callable[..., Any]) -> None:
    phone = open_page(PHONE)
    texts = []
    for code in ("A2", "NO-SUCH-SITE"):
        phone.goto(f"/p/{code}")
        expect(phone.get_by_test_id("not-public")).to_contain_text("该单位未开放公示页面")
        texts.append(phone.locator("body").inner_text())
        assert "学校 A2" not in texts[-1]
        assert phone.get_by_test_id("concern-submit").count() == 0
        assert phone.get_by_test_id("public-cameras").count() == 0
    assert texts[0] == texts[1]
    shot(phone, "public-not-public")
