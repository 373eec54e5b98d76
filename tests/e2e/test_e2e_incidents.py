"""Incidents, not detections, in Chromium: a camera that keeps seeing the same violation makes one alert with a
count, and a regulator's minimum duration keeps short detections from raising alerts."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import utcnow
from tests import factories as f
from tests import support
from tests.e2e import evidence
from tests.e2e.conftest import PHONE, login, push_new_alerts, shot, upload_violation

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
expect = sync_api.expect


def test_a_camera_sees_the_same_unmasked_cook_for_20_minutes_one_alert_with_a_count(
    server: str, world: f.World, ctx: PlatformContext, open_page: Callable[..., Any]
) -> None:
    # The edge reports the cook 20 times, a minute apart (each time the tracker finds the person again).
    start = utcnow() - timedelta(minutes=40)
    ids = set()
    for minute in range(20):
        seen = start + timedelta(minutes=minute)
        ids.add(
            upload_violation(
                server, world.device_keys["A1"], "A1", "cam-a1",
                started_at=seen.isoformat(), ended_at=(seen + timedelta(seconds=5)).isoformat(),
            )
        )  # fmt: skip
    assert len(ids) == 1
    (alert_id,) = ids
    push_new_alerts(ctx)

    school = open_page()
    login(school, "sa_a1")
    school.goto("/alerts")
    table = school.get_by_test_id("alert-table")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(school.get_by_test_id(f"alert-count-{alert_id}")).to_have_text("×20")
    shot(school, "incidents-list-desktop")

    school.get_by_test_id(f"alert-link-{alert_id}").click()
    expect(school).to_have_url(re.compile(rf"/alerts/{alert_id}$"))
    expect(school.get_by_test_id("detection-count")).to_have_text("20 次")
    first_local = (start + timedelta(hours=8)).strftime("%H:%M")
    last_local = (start + timedelta(minutes=19, seconds=5, hours=8)).strftime("%H:%M")
    expect(school.get_by_test_id("first-seen")).to_contain_text(first_local)
    expect(school.get_by_test_id("last-seen")).to_contain_text(last_local)
    # The episode's clips: the first 10 are kept, each named by when it was seen.
    expect(school.get_by_test_id("clip-list").locator("button")).to_have_count(10)
    school.get_by_test_id("clip-3").click()
    expect(school.get_by_test_id("clip-3")).to_have_class(re.compile("el-button--primary"))
    shot(school, "incidents-detail-desktop")

    # Twenty minutes of quiet later the cook is seen again: a new incident, a second alert.
    now = utcnow()
    second = upload_violation(
        server, world.device_keys["A1"], "A1", "cam-a1",
        started_at=(now - timedelta(seconds=5)).isoformat(), ended_at=now.isoformat(),
    )  # fmt: skip
    assert second != alert_id
    school.goto("/alerts?sort=-detection_count")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").first).to_contain_text("×20")
    # The order is in the URL: a reload keeps it, and the column shows it.
    school.reload()
    expect(table.locator("tbody tr").first).to_contain_text("×20")
    expect(table.locator("th.descending")).to_contain_text("发现次数")
    school.get_by_test_id("alert-sort").click()
    school.get_by_role("option", name="最新上报在前").click()
    expect(school).not_to_have_url(re.compile("sort="))
    expect(table.locator("tbody tr").first).to_contain_text("×1")
    school.go_back()
    expect(school).to_have_url(re.compile(r"sort=-detection_count"))
    expect(table.locator("tbody tr").first).to_contain_text("×20")

    phone = open_page(PHONE)
    login(phone, "sa_a1")
    phone.goto("/alerts")
    expect(phone.get_by_test_id(f"alert-count-{alert_id}")).to_have_text("×20")
    shot(phone, "incidents-list-phone")
    phone.goto(f"/alerts/{alert_id}")
    expect(phone.get_by_test_id("detection-count")).to_have_text("20 次")
    shot(phone, "incidents-detail-phone")


def _one_minute_detection(server: str, world: f.World) -> httpx.Response:
    snap = evidence.snapshot()
    now = utcnow()
    doc = support.event(
        "A1", "cam-a1", started_at=(now - timedelta(minutes=1)).isoformat(), ended_at=now.isoformat(),
        boxes=snap.boxes, frame_width=snap.width, frame_height=snap.height,
    )  # fmt: skip
    return httpx.post(
        f"{server}/api/v1/device/events",
        headers=support.device_headers(world.device_keys["A1"]),
        timeout=30,
        **support.parts(doc, snap.jpeg, evidence.clip()),
    )


def test_the_regulator_sets_a_5_minute_minimum_for_no_mask_a_1_minute_detection_raises_no_alert(
    server: str, world: f.World, open_page: Callable[..., Any]
) -> None:
    regulator = open_page()
    login(regulator, "reg_a")
    regulator.goto("/admin/policies")
    page_root = regulator.get_by_test_id("policies-page")
    expect(page_root).to_contain_text("事件合并策略")
    expect(page_root).to_contain_text("整改时限策略")

    regulator.get_by_test_id("add-episode-policy").click()
    dialog = regulator.get_by_test_id("policy-dialog")
    # Nothing chosen and a gap of 0: the page says what is wrong, in Chinese, and sends nothing.
    gap = regulator.locator('[data-test="policy-gap-input"] input')
    gap.fill("0")
    gap.blur()
    regulator.get_by_test_id("policy-save").click()
    expect(regulator.locator(".el-dialog")).to_contain_text("请选择区域")
    expect(regulator.locator(".el-dialog")).to_contain_text("合并间隔须在 1 到 10080 分钟之间")
    shot(regulator, "policies-invalid-desktop")

    regulator.locator('.el-select[data-test="policy-region"]').click()
    regulator.locator(".el-tree-node__content", has_text="东城分局").first.click()
    regulator.get_by_test_id("policy-code").click()
    regulator.get_by_role("option", name="未戴口罩").click()
    minimum = regulator.locator('[data-test="policy-min-input"] input')
    minimum.fill("5")
    minimum.blur()
    gap.fill("10")
    gap.blur()
    regulator.get_by_test_id("policy-save").click()
    expect(dialog).to_be_hidden()
    table = regulator.get_by_test_id("episode-policies")
    expect(table).to_contain_text("东城分局")
    expect(table).to_contain_text("未戴口罩")
    expect(table.get_by_test_id("policy-min")).to_have_text("5")
    shot(regulator, "policies-desktop")

    # A cook without a mask for one minute: recorded and acknowledged, but no alert.
    resp = _one_minute_detection(server, world)
    assert resp.status_code == 201, resp.text
    assert resp.json()["alert_id"] is None and resp.json()["outcome"] == "below_min"
    school = open_page()
    login(school, "sa_a1")
    school.goto("/alerts")
    expect(school.get_by_test_id("alert-table")).to_contain_text("暂无数据")

    phone = open_page(PHONE)
    login(phone, "reg_a")
    phone.goto("/admin/policies")
    expect(phone.get_by_test_id("episode-policies")).to_contain_text("未戴口罩")
    shot(phone, "policies-phone")
