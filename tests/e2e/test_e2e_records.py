"""On a phone, a school worker fills in the day's food-safety records: 晨检 for every active person on the roster
(one of them with a fever) and 留样 for lunch with photos from the camera; a dish under 125 g is refused in words
before anything is sent; the records list then shows both, photos included."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.records.models import Record
from brightkitchen.platform.staff.models import Staff
from tests import factories as f
from tests import support
from tests.e2e.conftest import PHONE, login, shot

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
expect = sync_api.expect
pytestmark = pytest.mark.e2e


def roster(session: Session, world: f.World) -> list[Staff]:
    """Two active people and one who left at A1; one person at A2 who must not show up at A1."""
    people = [
        Staff(site_id=world.site_a1.id, name="张厨师", position="厨师", cert_no="HC-001",
              cert_issued_on=date(2026, 1, 5), cert_expires_on=date(2027, 1, 4)),
        Staff(site_id=world.site_a1.id, name="李帮厨", position="帮厨", cert_no="HC-002",
              cert_issued_on=date(2026, 3, 1), cert_expires_on=date(2027, 2, 28)),
        Staff(site_id=world.site_a1.id, name="王离职", position="保洁", cert_no="HC-003",
              cert_issued_on=date(2025, 3, 1), cert_expires_on=date(2026, 2, 28), active=False),
        Staff(site_id=world.site_a2.id, name="赵外校", position="厨师", cert_no="HC-900",
              cert_issued_on=date(2026, 3, 1), cert_expires_on=date(2027, 2, 28)),
    ]  # fmt: skip
    session.add_all(people)
    session.commit()
    return people


def every_day(server: str, site_id: int) -> None:
    """The school admin schedules records every day of the week, so the story does not depend on the weekday."""
    with httpx.Client(base_url=server, timeout=30) as client:
        headers = f.login(client, "sa_a1")
        body = {"meals": ["breakfast", "lunch"], "school_days": [1, 2, 3, 4, 5, 6, 7], "holidays": []}
        resp = client.put(f"/api/v1/records/schedules/{site_id}", json=body, headers=headers)
        assert resp.status_code == 200, resp.text


def photos(folder: Path) -> list[str]:
    first, second = folder / "留样盒.jpg", folder / "留样柜.png"
    first.write_bytes(support.jpeg_bytes(640, 480))
    second.write_bytes(support.png_bytes())
    return [str(first), str(second)]


def no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"


def test_on_a_phone_a_worker_records_the_morning_check_and_the_lunch_samples(
    world: f.World, session: Session, server: str, open_page: Callable[..., Any], tmp_path: Path
) -> None:
    people = roster(session, world)
    every_day(server, world.site_a1.id)
    phone = open_page(PHONE)
    login(phone, "ss_a1")
    phone.goto("/records")

    # 今日台账: today's items, nothing done yet, one big button each.
    morning = phone.get_by_test_id("today-morning_check-day")
    expect(morning).to_contain_text("晨检")
    expect(morning.get_by_test_id("today-state")).to_have_text(re.compile("未完成|已超时"))
    lunch = phone.get_by_test_id("today-sample_retention-lunch")
    expect(lunch).to_contain_text("午餐留样")
    no_horizontal_scroll(phone)
    shot(phone, "records-today-phone")

    # 晨检: one row per active person of this school, all passing until told otherwise.
    morning.get_by_test_id("today-fill").click()
    form = phone.get_by_test_id("record-form-morning_check")
    rows = form.get_by_test_id("mc-row")
    expect(rows).to_have_count(2)
    expect(form).to_contain_text("张厨师")
    expect(form).to_contain_text("李帮厨")
    expect(form).not_to_contain_text("王离职")
    expect(form).not_to_contain_text("赵外校")
    expect(form.get_by_test_id("mc-summary")).to_contain_text("合格 2 人，不合格 0 人")
    # A fever turns the row to 不合格 as it is typed in.
    temp = phone.locator('input[data-test="mc-temp-1"]')
    temp.fill("37.8")
    temp.blur()
    expect(form.get_by_test_id("mc-summary")).to_contain_text("合格 1 人，不合格 1 人")
    phone.locator('input[data-test="mc-note-1"]').fill("发热，已安排休息")
    no_horizontal_scroll(phone)
    shot(phone, "records-morning-check-phone")
    phone.get_by_test_id("record-submit").click()
    expect(phone).to_have_url(re.compile(r"/records$"))
    expect(phone.get_by_test_id("today-morning_check-day").get_by_test_id("today-state")).to_have_text("已完成")

    # 留样 for lunch: the meal is chosen already; the camera button opens the phone's camera.
    phone.get_by_test_id("today-sample_retention-lunch").get_by_test_id("today-fill").click()
    form = phone.get_by_test_id("record-form-sample_retention")
    expect(phone.locator('[data-test="record-meal-lunch"].is-active')).to_have_count(1)
    camera = phone.get_by_test_id("record-photos-camera")
    expect(camera).to_have_attribute("capture", "environment")
    phone.locator('input[data-test="sr-dish-name-0"]').fill("红烧肉")
    phone.locator('input[data-test="sr-dish-weight-0"]').fill("100")
    phone.locator('input[data-test="sr-storage-place"]').fill("留样专用冰箱")
    phone.get_by_test_id("record-submit").click()
    # Under 125 g: refused in Chinese before anything is sent.
    expect(phone.get_by_test_id("record-problems")).to_contain_text("第 1 个菜品：留样重量不少于 125 克")
    assert session.scalars(select(Record).where(Record.kind == "sample_retention")).first() is None
    phone.locator('input[data-test="sr-dish-weight-0"]').fill("150")
    expect(phone.get_by_test_id("record-problems")).to_have_count(0)  # fixed: the problem goes at once
    phone.get_by_test_id("sr-add-dish").click()
    phone.locator('input[data-test="sr-dish-name-1"]').fill("清炒菠菜")
    phone.locator('input[data-test="sr-dish-weight-1"]').fill("130")
    two = photos(tmp_path)
    camera.set_input_files(two[0])
    phone.get_by_test_id("record-photos").set_input_files(two[1])
    expect(phone.get_by_test_id("record-photos-thumb")).to_have_count(2)
    no_horizontal_scroll(phone)
    shot(phone, "records-sample-phone")
    phone.get_by_test_id("record-submit").click()
    expect(phone).to_have_url(re.compile(r"/records$"))
    expect(phone.get_by_test_id("today-sample_retention-lunch").get_by_test_id("today-state")).to_have_text("已完成")

    # What was stored: every person's row as answered, the dishes and both photos.
    session.expire_all()
    stored = {r.kind: r for r in session.scalars(select(Record).where(Record.site_id == world.site_a1.id))}
    check = stored["morning_check"]
    entries = {e["staff_id"]: e for e in check.data["entries"]}
    assert set(entries) == {people[0].id, people[1].id}
    assert entries[people[0].id]["passed"] is True and entries[people[1].id]["passed"] is False
    assert entries[people[1].id]["temperature_c"] == pytest.approx(37.8)
    sample = stored["sample_retention"]
    assert sample.meal == "lunch"
    assert [(d["name"], d["weight_g"]) for d in sample.data["dishes"]] == [("红烧肉", 150), ("清炒菠菜", 130)]
    assert len(sample.photo_ids) == 2

    # The records list shows both, the samples with their photos.
    phone.get_by_test_id("records-list").click()
    rows = phone.get_by_test_id("record-row")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_test_id("record-summary")).to_contain_text("合格 1 人，不合格 1 人")
    phone.get_by_role("tab", name="留样").click()
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_test_id("record-summary")).to_have_text("红烧肉 150g、清炒菠菜 130g")
    expect(rows.first).to_contain_text("午餐")
    expect(rows.first.get_by_test_id("record-photo")).to_have_count(2)
    no_horizontal_scroll(phone)
    shot(phone, "records-list-phone")

    # A mistake is corrected, never edited: the reason is required, the original stays in the history.
    rows.first.get_by_test_id("record-correct").click()
    dialog = phone.get_by_test_id("correction-dialog")
    expect(dialog).to_contain_text("更正留样记录")
    phone.locator('input[data-test="sr-dish-weight-1"]').fill("135")
    phone.get_by_test_id("correction-submit").click()
    expect(phone.get_by_test_id("correction-problem")).to_have_text("请填写更正原因")
    phone.locator('textarea[data-test="correction-reason"]').fill("菠菜重量称错")
    phone.get_by_test_id("correction-submit").click()
    expect(dialog).to_be_hidden()
    expect(rows.first.get_by_test_id("record-corrected")).to_contain_text("v2")
    expect(rows.first.get_by_test_id("record-summary")).to_have_text("红烧肉 150g、清炒菠菜 135g")
    rows.first.get_by_test_id("record-history").click()
    versions = phone.get_by_test_id("history-version")
    expect(versions).to_have_count(2)
    expect(versions.nth(0)).to_contain_text("清炒菠菜 130g")
    expect(versions.nth(1)).to_contain_text("菠菜重量称错")
    shot(phone, "records-history-phone")
    session.expire_all()
    assert session.get(Record, sample.id).version == 2  # type: ignore[union-attr]


def test_the_regulator_reads_completion_by_site_and_the_certificates_due_in_the_district(
    world: f.World, session: Session, server: str, open_page: Callable[..., Any]
) -> None:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()  # the district's day, as the server counts
    soon, past = today + timedelta(days=10), today - timedelta(days=3)
    due = Staff(
        site_id=world.site_a1.id,
        name="孙将到期",
        position="厨师",
        cert_no="HC-101",
        cert_issued_on=soon - timedelta(days=365),
        cert_expires_on=soon,
    )
    session.add_all([
        due,
        Staff(site_id=world.site_a2.id, name="周已过期", position="帮厨", cert_no="HC-102",
              cert_issued_on=past - timedelta(days=365), cert_expires_on=past),
        Staff(site_id=world.site_b1.id, name="吴外区", position="厨师", cert_no="HC-103",
              cert_issued_on=soon - timedelta(days=365), cert_expires_on=soon),
    ])  # fmt: skip
    session.commit()
    every_day(server, world.site_a1.id)
    with httpx.Client(base_url=server, timeout=30) as client:
        entry = {"staff_id": due.id, "temperature_c": 36.4, "hands_ok": True, "wounds": False, "symptoms": [],
                 "passed": True}  # fmt: skip
        body = {"record_date": today.isoformat(), "data": {"entries": [entry], "checked_by": "校医"}}
        resp = client.post("/api/v1/records/morning_check", json=body, headers=f.login(client, "sa_a1"))
        assert resp.status_code == 201, resp.text

    page = open_page()
    login(page, "reg_a")
    # Both pages are in the region's menu (it folds on a laptop: its last items sit under "…").
    for name in ("completion", "certificates"):
        expect(page.get_by_test_id(f"nav-{name}")).to_have_count(1)
    page.goto("/completion")
    table = page.get_by_test_id("completion-table")
    expect(table).to_contain_text(world.site_a1.name)
    expect(table).to_contain_text(world.site_a2.name)
    expect(table).not_to_contain_text(world.site_b1.name)  # another district's school
    a1 = table.locator("tr", has_text=world.site_a1.name)
    expect(a1.get_by_test_id("completion-rate")).not_to_have_text("—")
    expect(a1).to_contain_text("1/")  # today's 晨检 is done
    expect(page.get_by_test_id("completion-kpi-morning_check")).to_be_visible()
    shot(page, "records-completion")

    page.goto("/certificates")
    certs = page.get_by_test_id("cert-table")
    expect(certs).to_contain_text("孙将到期")
    expect(certs).not_to_contain_text("吴外区")
    expect(certs).not_to_contain_text("周已过期")
    page.get_by_test_id("cert-state").get_by_text("已过期").click()
    expect(certs).to_contain_text("周已过期")
    expect(certs).to_contain_text("已过期 3 天")
    shot(page, "records-certificates")


def sheet(path: Path, rows: list[list[Any]]) -> str:
    """A roster sheet with the Chinese headers, as a school fills it in."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["姓名", "岗位", "电话", "健康证编号", "发证日期", "有效期至"])
    for row in rows:
        ws.append(row)
    book.save(path)
    return str(path)


def test_the_school_admin_keeps_the_roster_and_registers_a_fridge_sensor(
    world: f.World, session: Session, server: str, open_page: Callable[..., Any], tmp_path: Path
) -> None:
    page = open_page()
    login(page, "sa_a1")
    for name in ("records", "sensors"):
        expect(page.get_by_test_id(f"nav-{name}")).to_have_count(1)

    # The schedule today's list follows: every day of the week, lunch only.
    page.goto("/records")
    page.get_by_test_id("records-schedule").click()
    dialog = page.get_by_test_id("schedule-dialog")
    for day in ("周六", "周日"):
        page.get_by_test_id("schedule-days").get_by_text(day).click()
    page.get_by_test_id("schedule-meals").get_by_text("早餐").click()
    page.get_by_test_id("schedule-submit").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("today-sample_retention-lunch")).to_be_visible()
    expect(page.get_by_test_id("today-sample_retention-breakfast")).to_have_count(0)
    expect(page.get_by_test_id("today-morning_check-day")).to_be_visible()

    # A person added by hand, then a sheet with a bad row (nothing imported, the row named), then a good one.
    page.goto("/staff")
    page.get_by_test_id("staff-add").click()
    for test_id, value in (("staff-name", "钱大厨"), ("staff-position", "厨师长"), ("staff-cert-no", "HC-500"),
                           ("staff-issued", "2026-01-10"), ("staff-expires", "2027-01-09")):  # fmt: skip
        page.locator(f'input[data-test="{test_id}"]').fill(value)
    page.get_by_test_id("staff-submit").click()
    table = page.get_by_test_id("staff-table")
    expect(table).to_contain_text("钱大厨")
    expect(table.get_by_test_id("staff-cert-state").first).to_have_text("有效")
    bad = sheet(tmp_path / "bad.xlsx", [["孔一", "帮厨", "", "HC-501", "2026-02-01", "2027-01-31"],
                                        ["孔二", "帮厨", "", "HC-502", "2026-02-01", "不是日期"]])  # fmt: skip
    page.get_by_test_id("staff-import-file").set_input_files(bad)
    expect(page.get_by_test_id("staff-import-errors")).to_contain_text("第 3 行")
    session.expire_all()
    assert session.scalars(select(Staff).where(Staff.name.in_(["孔一", "孔二"]))).first() is None
    good = sheet(tmp_path / "good.xlsx", [["孔一", "帮厨", "", "HC-501", "2026-02-01", "2027-01-31"]])
    page.get_by_test_id("staff-import-file").set_input_files(good)
    expect(table).to_contain_text("孔一")
    expect(page.get_by_test_id("staff-import-errors")).to_have_count(0)
    shot(page, "records-staff")

    # A fridge: the kind fills the unit and the default rule; the edge relays a warm reading.
    page.goto("/sensors")
    page.get_by_test_id("sensor-add").click()
    page.locator('input[data-test="sensor-key"]').fill("fridge-1")
    page.locator('input[data-test="sensor-name"]').fill("冷藏柜一号")
    expect(page.locator('input[data-test="sensor-unit"]')).to_have_value("°C")
    expect(page.locator('input[data-test="sensor-rule-threshold"]')).to_have_value("8")
    page.get_by_test_id("sensor-submit").click()
    card = page.get_by_test_id("sensor-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("冷藏柜一号")
    expect(card).to_contain_text("高于 8°C 持续 30 分钟")
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    readings = [{"key": "fridge-1", "value": v, "at": (now - timedelta(minutes=m)).isoformat()}
                for m, v in ((20, 4.0), (10, 4.5), (1, 9.5))]  # fmt: skip
    resp = httpx.post(f"{server}/api/v1/device/sensors/readings", json={"readings": readings},
                      headers=support.device_headers(world.device_keys["A1"]), timeout=30)  # fmt: skip
    assert resp.status_code == 202, resp.text
    page.reload()
    expect(card.get_by_test_id("sensor-value")).to_have_text("9.5°C")
    expect(page.get_by_test_id("sensor-chart").get_by_test_id("chart")).to_be_visible()
    expect(page.get_by_test_id("sensor-chart")).to_contain_text("brightkitchen/A1/sensors/fridge-1")
    shot(page, "records-sensors")

    # Another school sees neither the roster nor the sensor.
    other = open_page()
    login(other, "sa_a2")
    other.goto("/sensors")
    expect(other.get_by_test_id("sensor-card")).to_have_count(0)
    other.goto("/staff")
    expect(other.get_by_test_id("staff-table")).not_to_contain_text("钱大厨")
