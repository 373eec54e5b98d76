"""The remaining record forms, the sensors page and the staff roster on the demo school's phone, filled in as a
kitchen would fill them, and photographed for the user guide (scripts/docs-screenshots)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from brightkitchen.demo.records_seed import seed_records
from brightkitchen.demo.seed import DEMO_PASSWORD, seed
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.settings import Settings
from tests import support
from tests.e2e.conftest import PHONE, fill, login, shot
from tests.e2e.test_e2e_records_missing import TZ, no_horizontal_scroll

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
expect = sync_api.expect
pytestmark = pytest.mark.e2e


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    """The suite's settings, with sessions that outlive the browser's clock: a test fixes it at 12:40 today in
    China, which is up to a day ahead of the server's clock (after 16:00 UTC China is already on the next day),
    and the web app signs out a session whose expiry its clock has passed."""
    return support.make_settings(migrated_url, tmp_path).model_copy(update={"access_token_ttl_s": 48 * 3600})


def value_of(page: Any, test_id: str) -> Any:
    return page.locator(f'input[data-test="{test_id}"], textarea[data-test="{test_id}"]')


def fill_all(page: Any, values: dict[str, str]) -> None:
    """Types each value and checks the form holds it: the picture shows a filled form, not an empty one."""
    for test_id, value in values.items():
        fill(page, test_id, value)
    for test_id, value in values.items():
        expect(value_of(page, test_id)).to_have_value(value)
    # No caret, and no number spinner under a mouse left where a button was, in the picture.
    page.evaluate("document.activeElement?.blur()")
    page.mouse.move(0, 0)


def new_record(page: Any, kind: str) -> Any:
    page.goto("/records")
    page.get_by_test_id(f"records-new-{kind}").click()
    form = page.get_by_test_id(f"record-form-{kind}")
    expect(form).to_be_visible()
    expect(value_of(page, "record-date")).to_have_value(page.evaluate("new Date().toLocaleDateString('sv')"))
    return form


def test_the_other_record_forms_sensors_and_roster_as_the_user_guide_shows_them(
    session: Session, ctx: PlatformContext, open_page: Callable[..., Any]
) -> None:
    seed(session)
    session.commit()
    noon = datetime.combine(datetime.now(TZ).date(), time(12, 40), TZ)
    assert seed_records(ctx, noon, school_days=(1, 2, 3, 4, 5, 6, 7)).seeded

    phone = open_page(PHONE)
    phone.clock.set_fixed_time(noon)
    login(phone, "staff", DEMO_PASSWORD)

    # 消毒: the cabinet after lunch, 12:10–12:40 (the form's default half hour), at 120 °C.
    form = new_record(phone, "disinfection")
    expect(form.get_by_test_id("record-meal").locator(".is-active")).to_have_text("午餐")
    expect(form.get_by_test_id("ds-method").locator(".is-active")).to_have_text("消毒柜")
    day = noon.date().isoformat()
    fill_all(phone, {"ds-started-at": f"{day}T12:10", "ds-ended-at": f"{day}T12:40", "ds-temperature": "120",
                     "ds-operator": "周芳"})  # fmt: skip
    no_horizontal_scroll(phone)
    shot(phone, "records-disinfection")

    # 陪餐: the head teacher ate lunch with the pupils.
    form = new_record(phone, "accompanied_meal")
    expect(form.get_by_test_id("record-meal").locator(".is-active")).to_have_text("午餐")
    fill_all(phone, {"am-person": "王建华", "am-position": "校长",
                     "am-remarks": "饭菜温度适宜，分量充足；西兰花略咸，已请厨房少放盐。"})  # fmt: skip
    no_horizontal_scroll(phone)
    shot(phone, "records-accompanied-meal")

    # 进货查验: a morning delivery of three goods, with the supplier's licence.
    form = new_record(phone, "incoming_goods")
    goods = (("大米", "50", "kg"), ("西兰花", "20", "kg"), ("鸡腿肉", "15", "kg"))
    for _ in goods[1:]:
        phone.get_by_test_id("ig-add-goods").click()
    expect(form.get_by_test_id("ig-goods")).to_have_count(len(goods))
    expires = (noon.date() + timedelta(days=400)).isoformat()
    values = {"ig-supplier": "示范区绿源农产品配送有限公司", "ig-licence-no": "JY13101150012345",
              "ig-licence-expires": expires, "ig-operator": "刘建国"}  # fmt: skip
    for i, (name, qty, unit) in enumerate(goods):
        values |= {f"ig-goods-name-{i}": name, f"ig-goods-qty-{i}": qty, f"ig-goods-unit-{i}": unit}
    fill_all(phone, values)
    no_horizontal_scroll(phone)
    shot(phone, "records-incoming-goods")

    # 农残快检: the broccoli of that delivery on a rapid-test card, passed.
    form = new_record(phone, "pesticide_test")
    expect(value_of(phone, "pt-method")).to_have_value("速测卡法")
    fill_all(phone, {"pt-sample": "西兰花", "pt-value": "抑制率 12%", "pt-operator": "刘建国"})
    expect(form.get_by_test_id("pt-result").locator(".is-active")).to_have_text("合格")
    no_horizontal_scroll(phone)
    shot(phone, "records-pesticide-test")

    # 传感器: the demo freezer, back to normal; its week shows the night the door was left ajar.
    phone.goto("/sensors")
    card = phone.get_by_test_id("sensor-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("冷冻柜-1")
    expect(card.get_by_test_id("sensor-state")).to_have_text("正常")
    expect(card.get_by_test_id("sensor-value")).to_contain_text("°C")
    chart = phone.get_by_test_id("sensor-chart")
    chart.get_by_text("7 天", exact=True).click()
    expect(chart.locator("canvas").first).to_be_visible()
    expect(chart).to_contain_text("brightkitchen/DEMO-001/sensors/freezer-1")
    no_horizontal_scroll(phone)
    shot(phone, "records-sensors")

    # 从业人员: the school's roster, one certificate expiring and one expired.
    phone.goto("/staff")
    table = phone.get_by_test_id("staff-table")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(5)
    expect(rows.filter(has_text="孙磊").get_by_test_id("staff-cert-state")).to_have_text("已过期")
    expect(rows.filter(has_text="赵敏").get_by_test_id("staff-cert-state")).to_have_text("即将到期")
    expect(rows.filter(has_text="刘建国").get_by_test_id("staff-cert-state")).to_have_text("有效")
    no_horizontal_scroll(phone)
    shot(phone, "records-staff")
