"""Roll-out in a real browser: a regulator's 建设进度 page and a site's checklist (send a test alert and watch the
device pick it up, record training, sign the on-site acceptance with a real photo); a school's own checklist,
read only, and not another school's; the daily bulletin; a report download; the help page of each side."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from brightkitchen.platform.bulletin.service import produce
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests import support
from tests.e2e import evidence
from tests.e2e.conftest import fill, login, shot

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
expect = sync_api.expect
pytestmark = pytest.mark.e2e


def item(page: Any, code: str) -> Any:
    return page.get_by_test_id(f"item-{code}")


def test_a_regulator_takes_a_site_through_its_checklist(
    server: str, world: f.World, open_page: Callable[..., Any], tmp_path: Path
) -> None:
    page = open_page()
    login(page, "reg_a")
    page.get_by_test_id("nav-rollout").click()
    expect(page).to_have_url(re.compile(r"/rollout$"))
    counts = page.get_by_test_id("rollout-counts")
    expect(counts.get_by_test_id("count-total")).to_contain_text("2")  # A1 and A2: district A only
    expect(page.get_by_test_id("rollout-table")).to_contain_text("学校 A1")
    expect(page.get_by_test_id("rollout-table")).not_to_contain_text("学校 B1")
    shot(page, "regulator-rollout")
    page.get_by_test_id("count-not_started").click()
    expect(page).to_have_url(re.compile(r"/rollout\?status=not_started$"))

    page.get_by_test_id("rollout-site-A1").click()
    expect(page).to_have_url(re.compile(rf"/rollout/{world.site_a1.id}$"))
    expect(page.get_by_test_id("checklist-site")).to_contain_text("学校 A1")
    test_item = item(page, "test_alert")
    expect(test_item).to_contain_text("尚未发起测试预警")
    expect(item(page, "training")).to_have_attribute("data-state", "pending")

    # 发送测试预警: acknowledged at once, then the page polls until the device has picked the request up.
    page.get_by_test_id("rollout-test-alert").click()
    expect(test_item).to_have_attribute("data-state", "pending")
    expect(test_item.get_by_test_id("evidence")).to_contain_text("发起；设备尚未取得")
    expect(page.get_by_test_id("test-polling")).to_be_visible()
    shot(page, "regulator-checklist-test-sent")
    resp = httpx.get(
        f"{server}/api/v1/rollout/device/test-request",
        headers=support.device_headers(world.device_keys["A1"]),
        timeout=30,
    )
    assert resp.status_code == 200, resp.text
    expect(test_item.get_by_test_id("evidence")).to_contain_text("设备已于", timeout=20_000)
    expect(page.get_by_test_id("test-polling")).to_be_hidden()

    # 记录培训
    page.get_by_test_id("rollout-training").click()
    dialog = page.get_by_test_id("training-dialog")
    dialog.get_by_test_id("training-submit").click()
    expect(dialog.get_by_test_id("training-problem")).to_have_text("请填写培训人")
    fill(page, "training-trainer", "王工")
    fill(page, "training-attendees", "食堂全体 12 人")
    fill(page, "training-note", "讲解预警处置和拍照整改")
    dialog.get_by_test_id("training-submit").click()
    expect(dialog).to_be_hidden()
    expect(item(page, "training")).to_have_attribute("data-state", "ok")
    expect(item(page, "training")).to_contain_text("王工")
    expect(page.get_by_test_id("training-record")).to_contain_text("食堂全体 12 人")

    # 现场验收: a note and a real photograph.
    photo = tmp_path / "acceptance.jpg"
    photo.write_bytes(evidence.snapshot().jpeg)
    page.get_by_test_id("rollout-acceptance").click()
    dialog = page.get_by_test_id("acceptance-dialog")
    dialog.get_by_test_id("acceptance-submit").click()
    expect(dialog.get_by_test_id("acceptance-problem")).to_have_text("请选择现场照片")
    page.get_by_test_id("acceptance-photos").set_input_files(str(photo))
    fill(page, "acceptance-note", "四个区域摄像头画面清晰")
    shot(page, "regulator-acceptance-dialog")
    dialog.get_by_test_id("acceptance-submit").click()
    expect(dialog).to_be_hidden()
    expect(item(page, "site_acceptance")).to_have_attribute("data-state", "ok")
    expect(item(page, "site_acceptance")).to_contain_text("照片 1 张：四个区域摄像头画面清晰")
    img = page.get_by_test_id("acceptance-record").locator("img")
    expect(img).to_have_count(1)
    page.wait_for_function("(el) => el.complete && el.naturalWidth > 0", arg=img.element_handle())
    for manual in ("training", "site_acceptance"):
        expect(item(page, manual)).to_have_attribute("data-state", "ok")
    shot(page, "regulator-checklist")


def test_a_school_sees_its_own_checklist_read_only_and_not_another(
    server: str, world: f.World, open_page: Callable[..., Any]
) -> None:
    page = open_page()
    login(page, "sa_a1")
    page.get_by_test_id("nav-acceptance").click()
    expect(page).to_have_url(re.compile(r"/acceptance$"))
    expect(page.get_by_test_id("checklist-site")).to_contain_text("学校 A1")
    expect(item(page, "school_login")).to_have_attribute("data-state", "ok")  # signing in just now counts
    expect(page.get_by_test_id("read-only")).to_be_visible()
    for action in ("checklist-actions", "rollout-test-alert", "rollout-training", "rollout-acceptance"):
        assert page.get_by_test_id(action).count() == 0, action
    shot(page, "school-acceptance")

    page.goto(f"/rollout/{world.site_a2.id}")
    expect(page.get_by_test_id("problem")).to_contain_text("页面不存在")
    body = page.locator("body").inner_text()
    assert "学校 A2" not in body
    assert page.get_by_test_id("checklist").count() == 0
    page.goto("/rollout")
    expect(page.get_by_test_id("forbidden")).to_be_visible()


def test_the_daily_bulletin_and_a_report_download(
    server: str, world: f.World, session: Session, settings: Settings, open_page: Callable[..., Any]
) -> None:
    bulletin = produce(session, settings, world.district_a, utcnow())
    assert bulletin is not None
    session.commit()

    page = open_page()
    login(page, "reg_a")
    page.get_by_test_id("nav-bulletins").click()
    expect(page.get_by_test_id("bulletin-table")).to_contain_text("东城分局")
    shot(page, "regulator-bulletins")
    page.get_by_test_id(f"bulletin-{bulletin.id}").click()
    expect(page.get_by_test_id("bulletin-title")).to_contain_text("东城分局")
    expect(page.get_by_test_id("bulletin-rows")).to_contain_text("东街道")
    expect(page.get_by_test_id("bulletin-rows")).to_contain_text("合计")
    expect(page.get_by_test_id("bulletin-stuck")).to_contain_text("学校 A1")
    expect(page.get_by_test_id("bulletin-changes")).to_contain_text("新增验收")
    shot(page, "regulator-bulletin")

    page.get_by_test_id("nav-reports").click()
    expect(page.get_by_test_id("report-region")).to_contain_text("东城分局")  # the regulator's own region
    shot(page, "regulator-reports")
    with page.expect_download() as info:
        page.get_by_test_id("report-download").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    data = Path(download.path()).read_bytes()
    assert data[:2] == b"PK", data[:16]


def test_help_shows_the_guide_of_each_side(server: str, world: f.World, open_page: Callable[..., Any]) -> None:
    school = open_page()
    login(school, "ss_a1")
    school.get_by_test_id("nav-help").click()
    expect(school).to_have_url(re.compile(r"/help$"))
    expect(school.get_by_test_id("help-guide").locator("h1")).to_have_text("学校端快速上手")
    assert school.get_by_test_id("help-guides").count() == 0  # one guide for a school
    shot(school, "school-help")

    regulator = open_page()
    login(regulator, "reg_a")
    regulator.get_by_test_id("nav-help").click()
    expect(regulator.get_by_test_id("help-guide").locator("h1")).to_have_text("监管端快速上手")
    shot(regulator, "regulator-help")
    regulator.get_by_test_id("help-guide-installer").click()
    expect(regulator).to_have_url(re.compile(r"/help\?guide=installer$"))
    expect(regulator.get_by_test_id("help-guide").locator("h1")).to_have_text("安装调试快速上手")
    regulator.get_by_test_id("lang-switch").click()
    expect(regulator.get_by_test_id("help-guide").locator("h1")).to_have_text("Quick start: installer")
    shot(regulator, "regulator-help-installer-en")
