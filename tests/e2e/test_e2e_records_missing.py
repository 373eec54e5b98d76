"""A missed 留样 becomes an alert at its deadline, not a minute before: the jobs pass run with the clock at 13:59
raises nothing, at 14:00 one 留样缺失; the school sees it on its phone among the day's to-dos, and the district's
regulator finds an expired health certificate on the 健康证 page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.demo.records_seed import seed_records
from brightkitchen.demo.seed import DEMO_PASSWORD, seed
from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.jobs.runner import run_due_jobs
from brightkitchen.platform.records.models import Meal
from brightkitchen.platform.records.schedules import Schedule, save
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.staff.models import Staff
from tests import factories as f
from tests import support
from tests.e2e.conftest import PHONE, login, shot

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
expect = sync_api.expect
pytestmark = pytest.mark.e2e

TZ = ZoneInfo("Asia/Shanghai")  # the district's time zone, as the server counts days


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    """The suite's settings, with sessions that outlive the browser's clock: a test fixes it at 12:40 today in
    China, which is up to a day ahead of the server's clock (after 16:00 UTC China is already on the next day),
    and the web app signs out a session whose expiry its clock has passed."""
    return support.make_settings(migrated_url, tmp_path).model_copy(update={"access_token_ttl_s": 48 * 3600})


def no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"


def test_a_missed_lunch_sample_is_raised_at_14_00_and_shows_on_the_school_phone(
    world: f.World, session: Session, ctx: PlatformContext, server: str, open_page: Callable[..., Any]
) -> None:
    today = datetime.now(TZ).date()
    # Lunch only, every day, saved at 09:30: the 09:00 morning check is before the schedule existed and is not
    # blamed; the lunch 留样 is due at 14:00 (the default deadline) and its 消毒 at 15:00.
    schedule = Schedule(meals=[Meal.lunch], school_days=[1, 2, 3, 4, 5, 6, 7])
    save(session, world.site_a1.id, schedule, world.users["sa_a1"].id, datetime.combine(today, time(9, 30), TZ))
    session.commit()

    def sample_alerts() -> list[Alert]:
        session.expire_all()
        return list(session.scalars(select(Alert).where(Alert.code == "sample_missing")))

    before = run_due_jobs(ctx, datetime.combine(today, time(13, 59), TZ))
    assert not before.errors, before.errors
    assert sample_alerts() == []
    assert session.scalars(select(Alert)).all() == []  # nothing else is due at 13:59 either
    at_deadline = run_due_jobs(ctx, datetime.combine(today, time(14, 0), TZ))
    assert not at_deadline.errors, at_deadline.errors
    raised = sample_alerts()
    assert len(raised) == 1
    alert = raised[0]
    assert alert.site_id == world.site_a1.id and alert.camera_id is None
    assert f"{today.isoformat()} 午餐留样" in alert.detail
    # The next pass pushes it to the school and does not raise it again.
    again = run_due_jobs(ctx, datetime.combine(today, time(14, 1), TZ))
    assert not again.errors, again.errors
    raised = sample_alerts()
    assert len(raised) == 1 and raised[0].id == alert.id and raised[0].state == "pushed"

    # The school's phone: the alert is a card among the day's to-dos, named in Chinese.
    phone = open_page(PHONE)
    login(phone, "ss_a1")
    expect(phone).to_have_url(re.compile(r"/today$"))
    card = phone.get_by_test_id(f"alert-card-{alert.id}")
    expect(card).to_contain_text("留样缺失")
    expect(phone.get_by_test_id("alert-cards").locator("article")).to_have_count(1)
    no_horizontal_scroll(phone)
    shot(phone, "records-missing-sample-phone")
    # Its 今日台账 still asks for the lunch samples.
    phone.goto("/records")
    lunch = phone.get_by_test_id("today-sample_retention-lunch")
    expect(lunch).to_contain_text("午餐留样")
    expect(lunch.get_by_test_id("today-state")).not_to_have_text("已完成")

    # The district's regulator: an expired certificate at one of its schools is listed under 已过期.
    expired_on = today - timedelta(days=4)
    session.add(
        Staff(site_id=world.site_a2.id, name="钱过期", position="帮厨", cert_no="HC-204",
              cert_issued_on=expired_on - timedelta(days=365), cert_expires_on=expired_on)
    )  # fmt: skip
    session.add(
        Staff(site_id=world.site_b1.id, name="冯外区", position="厨师", cert_no="HC-205",
              cert_issued_on=expired_on - timedelta(days=365), cert_expires_on=expired_on)
    )  # fmt: skip
    session.commit()
    page = open_page(PHONE)
    login(page, "reg_a")
    page.goto("/certificates")
    page.get_by_test_id("cert-state").get_by_text("已过期").click()
    certs = page.get_by_test_id("cert-table")
    expect(certs).to_contain_text("钱过期")
    expect(certs).to_contain_text("已过期 4 天")
    expect(certs).not_to_contain_text("冯外区")  # another district's school
    shot(page, "records-certificates-expired-phone")


def test_the_demo_week_as_the_user_guide_shows_it(
    session: Session, ctx: PlatformContext, open_page: Callable[..., Any]
) -> None:
    """The demo district's week of records, photographed for the user guide (scripts/docs-screenshots). The
    pictures show 12:40 on a school day: breakfast's records done, lunch's still to do."""
    seed(session)
    session.commit()
    noon = datetime.combine(datetime.now(TZ).date(), time(12, 40), TZ)
    assert seed_records(ctx, noon, school_days=(1, 2, 3, 4, 5, 6, 7)).seeded

    phone = open_page(PHONE)
    phone.clock.set_fixed_time(noon)
    login(phone, "staff", DEMO_PASSWORD)
    phone.goto("/records")
    for done in ("today-morning_check-day", "today-sample_retention-breakfast", "today-disinfection-breakfast"):
        expect(phone.get_by_test_id(done).get_by_test_id("today-state")).to_have_text("已完成")
    lunch = phone.get_by_test_id("today-sample_retention-lunch")
    expect(lunch.get_by_test_id("today-state")).to_have_text("未完成")
    no_horizontal_scroll(phone)
    shot(phone, "records-today")

    phone.get_by_test_id("records-new-morning_check").click()
    form = phone.get_by_test_id("record-form-morning_check")
    expect(form.get_by_test_id("mc-row")).to_have_count(5)  # the demo school's roster
    expect(form).to_contain_text("孙磊")
    no_horizontal_scroll(phone)
    shot(phone, "records-morning-check")

    phone.goto("/records")
    phone.get_by_test_id("today-sample_retention-lunch").get_by_test_id("today-fill").click()
    expect(phone.get_by_test_id("record-form-sample_retention")).to_be_visible()
    for i, (dish, grams) in enumerate((("红烧鸡块", "150"), ("清炒西兰花", "135"), ("米饭", "160"))):
        if i:
            phone.get_by_test_id("sr-add-dish").click()
        phone.locator(f'input[data-test="sr-dish-name-{i}"]').fill(dish)
        phone.locator(f'input[data-test="sr-dish-weight-{i}"]').fill(grams)
    phone.locator('input[data-test="sr-storage-place"]').fill("留样专用冰箱")
    phone.locator('input[data-test="sr-storage-place"]').blur()
    no_horizontal_scroll(phone)
    shot(phone, "records-sample")

    desk = open_page()
    login(desk, "regulator", DEMO_PASSWORD)
    desk.goto("/completion")
    table = desk.get_by_test_id("completion-table")
    expect(table).to_contain_text("示范区实验小学")
    expect(table).to_contain_text("示范区第一幼儿园")
    shot(desk, "records-completion-week")
