"""The whole loop in a real browser: a device uploads a violation, the school rectifies, the regulator
rejects once, the school resubmits, the regulator approves, and the overview's counts change."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.sites.models import Site
from tests import factories as f
from tests.e2e import evidence
from tests.e2e.conftest import fill, heartbeat, login, push_new_alerts, shot, upload_violation
from tests.support.online_hours import watched

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
expect = sync_api.expect
pytestmark = pytest.mark.e2e


def kpi(page: Any, name: str) -> str:
    return str(page.get_by_test_id(f"kpi-{name}").locator(".bk-kpi-value").inner_text()).strip()


def state_of(page: Any) -> Any:
    return page.get_by_test_id("alert-actions").locator("xpath=..").get_by_test_id("state")


def test_violation_to_closed_loop(
    server: str,
    ctx: PlatformContext,
    session: Session,
    world: f.World,
    open_page: Callable[..., Any],
    tmp_path: Path,
) -> None:
    # A1 has been watched (its edge's heartbeats with a working camera) since it was set up ten days ago: the
    # ranking counts it; A2 and B1 have no watched time and are listed apart.
    now = utcnow()
    session.execute(update(Site).values(created_at=now - timedelta(days=10)))
    watched(session, world.devices["A1"], now - timedelta(days=10), 10 * 24 + 1)
    session.commit()
    regulator, school = open_page(), open_page()

    # The regulator's district before anything happened.
    login(regulator, "reg_a")
    expect(regulator).to_have_url(re.compile(r"/overview$"))
    expect(regulator.get_by_test_id("kpi-open")).to_be_visible()
    assert (kpi(regulator, "today"), kpi(regulator, "open")) == ("0", "0")
    shot(regulator, "regulator-overview-before")

    # The edge device reports its camera and uploads a violation with a real JPEG and MP4 over HTTP.
    heartbeat(server, world.device_keys["A1"], "cam-a1")
    alert_id = upload_violation(server, world.device_keys["A1"], "A1", "cam-a1")
    push_new_alerts(ctx)
    boxes = len(evidence.snapshot().boxes)

    # The school sees it on today's to-do list.
    login(school, "sa_a1")
    expect(school).to_have_url(re.compile(r"/today$"))
    expect(school.get_by_test_id(f"alert-link-{alert_id}")).to_be_visible()
    expect(school.get_by_test_id("alert-table")).to_contain_text("未戴口罩")
    expect(school.get_by_test_id("alert-table")).to_contain_text("待整改")  # a school's word, not "已推送"
    shot(school, "school-today")

    school.get_by_test_id("nav-cameras").click()
    expect(school.get_by_test_id("camera-status")).to_have_text("在线")
    shot(school, "school-cameras")

    school.get_by_test_id("nav-alerts").click()
    expect(school.get_by_test_id(f"alert-link-{alert_id}")).to_be_visible()
    shot(school, "school-alerts")

    # The detail: snapshot with the boxes drawn, the clip, the history.
    school.get_by_test_id(f"alert-link-{alert_id}").click()
    expect(school.get_by_test_id("alert-title")).to_contain_text(f"#{alert_id}")
    expect(school.get_by_test_id("box")).to_have_count(boxes)
    expect(school.get_by_test_id("clip")).to_have_attribute("src", re.compile(r"/api/v1/evidence/.+\.mp4\?"))
    school.wait_for_function("() => { const i = document.querySelector('[data-test=snapshot] img'); "
                             "return i && i.complete && i.naturalWidth > 0 }")  # fmt: skip
    school.wait_for_function("() => document.querySelector('[data-test=clip]').readyState >= 1")
    expect(school.get_by_test_id("history")).to_contain_text("已推送")
    shot(school, "alert-detail-pushed")

    # The school starts and submits its rectification with a photo and a note.
    school.get_by_test_id("act-start").click()
    expect(state_of(school)).to_have_text("整改中")
    school.get_by_test_id("act-rectify").click()
    school.get_by_test_id("rectify-submit").click()
    expect(school.get_by_test_id("rectify-problem")).to_have_text("请选择整改照片")
    school.get_by_test_id("rectify-photo").set_input_files(str(evidence.photo_file(tmp_path)))
    fill(school, "rectify-note", "已要求当班人员佩戴口罩，并进行了培训")
    shot(school, "rectify-dialog")
    school.get_by_test_id("rectify-submit").click()
    expect(state_of(school)).to_have_text("待审核")
    expect(school.get_by_test_id("rectification")).to_have_count(1)

    # The regulator rejects once: a reason is required.
    regulator.goto(f"/alerts/{alert_id}")
    regulator.get_by_test_id("act-reject").click()
    regulator.get_by_test_id("reason-confirm").click()
    expect(regulator.get_by_test_id("reason-missing")).to_be_visible()
    fill(regulator, "reason-input", "照片看不清操作台，请重新拍摄")
    regulator.get_by_test_id("reason-confirm").click()
    expect(state_of(regulator)).to_have_text("整改中")
    expect(regulator.get_by_test_id("history")).to_contain_text("照片看不清操作台")

    # The school sees why and resubmits.
    school.reload()
    expect(school.get_by_test_id("history")).to_contain_text("照片看不清操作台")
    expect(school.get_by_test_id("act-rectify")).to_have_text("重新提交整改")
    school.get_by_test_id("act-rectify").click()
    school.get_by_test_id("rectify-photo").set_input_files(str(evidence.photo_file(tmp_path)))
    fill(school, "rectify-note", "已重新拍摄操作台，人员均已佩戴口罩")
    school.get_by_test_id("rectify-submit").click()
    expect(state_of(school)).to_have_text("待审核")
    expect(school.get_by_test_id("rectification")).to_have_count(2)
    shot(school, "alert-detail-resubmitted")

    # The regulator approves from the list, in bulk.
    regulator.goto("/alerts?state=submitted")
    row = regulator.locator("tr", has=regulator.get_by_test_id(f"alert-link-{alert_id}"))
    row.locator(".el-checkbox").click()
    expect(regulator.get_by_test_id("selected-count")).to_have_text("已选 1 条")
    shot(regulator, "regulator-alerts")
    regulator.get_by_test_id("bulk-approve").click()
    regulator.get_by_test_id("reason-confirm").click()
    expect(regulator.locator(".el-message")).to_contain_text("成功 1 条，失败 0 条")
    regulator.goto(f"/alerts/{alert_id}")
    expect(state_of(regulator)).to_have_text("已办结")
    expect(regulator.get_by_test_id("alert-actions").locator("button")).to_have_count(0)
    shot(regulator, "alert-detail-closed")

    # The overview has counted it all.
    regulator.get_by_test_id("nav-overview").click()
    expect(regulator.get_by_test_id("kpi-today")).to_contain_text("1")
    assert kpi(regulator, "open") == "0"
    assert kpi(regulator, "rectification") == "100.0%"
    shot(regulator, "regulator-overview-after")

    regulator.get_by_test_id("nav-ranking").click()
    expect(regulator.get_by_test_id("ranking-red")).to_contain_text("学校 A1")
    expect(regulator.get_by_test_id("ranking-unmonitored")).to_contain_text("学校 A2")
    shot(regulator, "regulator-ranking")
    regulator.get_by_test_id("nav-sites").click()
    expect(regulator.get_by_test_id("site-table")).to_contain_text("学校 A2")
    shot(regulator, "regulator-sites")
    regulator.get_by_text("学校 A1").click()
    expect(regulator.get_by_test_id("site-name")).to_have_text("学校 A1")
    shot(regulator, "regulator-site")

    # Signing out ends the session.
    regulator.get_by_test_id("logout").click()
    expect(regulator.get_by_test_id("login-notice")).to_have_text("您已退出登录")
