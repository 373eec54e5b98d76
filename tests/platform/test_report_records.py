"""The region report's "台账与证照" section: seeded records, staff and sensor alerts show as the same figures
in the Excel sheets and the PDF's text, for the report's region and period only."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pypdf
import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from brightkitchen.platform.records.models import Record
from brightkitchen.platform.reports.data import ReportData, gather
from brightkitchen.platform.reports.fonts import system_font
from brightkitchen.platform.reports.pdf import to_pdf
from brightkitchen.platform.reports.periods import PeriodKind, period_of
from brightkitchen.platform.reports.xlsx import to_xlsx
from brightkitchen.platform.sites.models import Site
from tests import factories as f
from tests.platform.records_support import staff

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 30)  # the week runs to Sunday 2026-12-06; default schedule: breakfast and lunch, Mon-Fri


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def record(session: Session, site: Site, kind: str, day: date, meal: str | None = None) -> None:
    session.add(Record(site_id=site.id, kind=kind, record_date=day, meal=meal, data={}, photo_ids=[], version=1,
                       created_by_name="t", created_at=datetime.now(UTC)))  # fmt: skip
    session.commit()


def seed(session: Session) -> f.World:
    w = f.world(session)
    week = [MONDAY + timedelta(days=n) for n in range(5)]
    for day in week:  # A1: 5 morning checks, 5 of 10 samples, 5 of 10 disinfections -> 15/25
        record(session, w.site_a1, "morning_check", day)
        record(session, w.site_a1, "sample_retention", day, "lunch")
        record(session, w.site_a1, "disinfection", day, "lunch")
    for day in week[:2]:  # A2: 2 morning checks -> 2/25
        record(session, w.site_a2, "morning_check", day)
    record(session, w.site_a2, "accompanied_meal", week[0], "lunch")  # counted by nobody's schedule
    for day in week:  # B1 is in the other district
        record(session, w.site_b1, "morning_check", day)
    staff(session, w.site_a1, "过期甲", expires=date(2026, 12, 1))
    staff(session, w.site_a1, "将到期乙", expires=date(2026, 12, 20))
    staff(session, w.site_a2, "将到期丙", expires=date(2027, 1, 5))  # 30 days after the period's last day
    staff(session, w.site_a1, "有效丁", expires=date(2027, 3, 1))
    staff(session, w.site_a1, "离职戊", expires=date(2026, 11, 1), active=False)
    staff(session, w.site_b1, "外区己", expires=date(2026, 11, 1))
    f.alert(session, w.site_a1, code="cold_chain_temperature", created_at=at(week[2]))
    f.alert(session, w.site_a2, code="cold_chain_temperature", created_at=at(week[3]))
    f.alert(session, w.site_a1, code="gas_leak", created_at=at(week[4]))
    f.alert(session, w.site_a1, code="cold_chain_temperature", created_at=at(week[1]), test=True)
    f.alert(session, w.site_a1, code="cold_chain_temperature", created_at=at(MONDAY - timedelta(days=1)))
    f.alert(session, w.site_b1, code="gas_leak", created_at=at(week[2]))
    return w


def weekly(session: Session, w: f.World) -> ReportData:
    period = period_of(PeriodKind.weekly, MONDAY, "Asia/Shanghai")
    return gather(session, w.district_a, period, at(date(2026, 12, 10)))


def sheet(content: bytes, name: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in load_workbook(io.BytesIO(content))[name].iter_rows(values_only=True)]


def pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_section_figures(session: Session) -> None:
    w = seed(session)
    r = weekly(session, w).records
    assert (r.date_from, r.date_to) == (MONDAY, date(2026, 12, 6))
    assert r.rate == 0.34  # 17 of 50
    assert {k: (v.done, v.expected, v.rate) for k, v in r.by_kind.items()} == {
        "morning_check": (7, 10, 0.7), "sample_retention": (5, 20, 0.25), "disinfection": (5, 20, 0.25),
    }  # fmt: skip
    assert [(s.site_id, s.street, s.rate) for s in r.lowest] == [
        (w.site_a2.id, "东街道", 0.08),
        (w.site_a1.id, "东街道", 0.6),
    ]
    assert [(c.name, c.state.value, c.days_left) for c in r.certs] == [
        ("过期甲", "expired", -5), ("将到期乙", "expiring", 14), ("将到期丙", "expiring", 30),
    ]  # fmt: skip
    assert (r.expired, r.expiring) == (1, 2)
    assert r.breaches == [("cold_chain_temperature", "冷藏温度异常", 2), ("gas_leak", "燃气泄漏", 1)]


def test_running_daily_report_counts_up_to_today(session: Session) -> None:
    w = seed(session)
    wednesday = MONDAY + timedelta(days=2)
    period = period_of(PeriodKind.daily, wednesday, "Asia/Shanghai")
    r = gather(session, w.district_a, period, at(wednesday, 15)).records
    assert (r.date_from, r.date_to) == (wednesday, wednesday)
    assert r.rate == 0.3  # A1 3 of 5, A2 0 of 5
    assert [(c.name, c.days_left) for c in r.certs] == [("过期甲", -1), ("将到期乙", 18)]
    assert r.breaches == [("cold_chain_temperature", "冷藏温度异常", 1), ("gas_leak", "燃气泄漏", 0)]


def test_xlsx_sheets_show_the_section(session: Session) -> None:
    w = seed(session)
    content = to_xlsx(weekly(session, w))
    rows = sheet(content, "台账与证照")
    assert rows[0] == ("指标", "已完成/数量", "应完成", "完成率")
    assert rows[1] == ("统计日期", "2026-11-30 至 2026-12-06", None, None)
    assert rows[2] == ("台账完成率（总体）", None, None, 0.34)
    assert rows[3:6] == [("晨检完成率", 7, 10, 0.7), ("留样完成率", 5, 20, 0.25), ("消毒完成率", 5, 20, 0.25)]
    assert rows[6:8] == [
        (f"完成率最低 1：{w.site_a2.name}（东街道）", None, None, 0.08),
        (f"完成率最低 2：{w.site_a1.name}（东街道）", None, None, 0.6),
    ]
    assert rows[8:] == [
        ("健康证已过期（人）", 1, None, None), ("健康证 30 天内到期（人）", 2, None, None),
        ("传感器超限预警：冷藏温度异常", 2, None, None), ("传感器超限预警：燃气泄漏", 1, None, None),
    ]  # fmt: skip
    certs = sheet(content, "健康证")
    assert certs[0] == ("单位名称", "所属街道", "姓名", "岗位", "健康证编号", "有效期至", "状态", "剩余天数")
    assert [(c[0], c[2], c[5].date(), c[6], c[7]) for c in certs[1:]] == [
        (w.site_a1.name, "过期甲", date(2026, 12, 1), "已过期", -5),
        (w.site_a1.name, "将到期乙", date(2026, 12, 20), "即将到期", 14),
        (w.site_a2.name, "将到期丙", date(2027, 1, 5), "即将到期", 30),
    ]


def test_pdf_shows_the_section(session: Session) -> None:
    if system_font() is None:
        pytest.skip("no TrueType CJK font installed (fonts-wqy-zenhei)")
    w = seed(session)
    text = pdf_text(to_pdf(weekly(session, w)))
    section = " ".join(text[text.index("七、台账与证照") :].split())  # table cells come out one a line
    for expected in ("总体 34.0%", "晨检 7 10 70.0%", "留样 5 20 25.0%", "消毒 5 20 25.0%",
                     "完成率最低的 2 家单位", f"{w.site_a2.name} 东街道 8.0%", f"{w.site_a1.name} 东街道 60.0%",
                     "已过期 1 人，30 天内到期 2 人（截至 2026-12-06）", "过期甲", "将到期丙",
                     "冷藏温度异常 2 次；燃气泄漏 1 次"):  # fmt: skip
        assert expected in section, (expected, section)
    assert "外区己" not in text and "离职戊" not in text and "有效丁" not in text


def test_pdf_lists_twenty_certificates_and_the_xlsx_all(session: Session) -> None:
    if system_font() is None:
        pytest.skip("no TrueType CJK font installed (fonts-wqy-zenhei)")
    w = f.world(session)
    for n in range(25):
        staff(session, w.site_a1, f"员工{n:02d}", expires=date(2026, 11, 1) + timedelta(days=n))
    data = weekly(session, w)
    text = pdf_text(to_pdf(data))
    assert "已过期 25 人" in text and "仅列出前 20 条，完整清单见 Excel 报表。" in text
    assert "员工19" in text and "员工20" not in text
    names = [r[2] for r in sheet(to_xlsx(data), "健康证")[1:]]
    assert names == [f"员工{n:02d}" for n in range(25)]


def test_a_day_without_school_expects_nothing(session: Session) -> None:
    if system_font() is None:
        pytest.skip("no TrueType CJK font installed (fonts-wqy-zenhei)")
    w = seed(session)
    saturday = MONDAY + timedelta(days=5)
    data = gather(
        session,
        w.district_a,
        period_of(PeriodKind.daily, saturday, "Asia/Shanghai"),
        at(MONDAY, 12) + timedelta(days=9),
    )
    assert data.records.rate is None and data.records.lowest == []
    assert {k: (v.done, v.expected, v.rate) for k, v in data.records.by_kind.items()} == {
        "morning_check": (0, 0, None), "sample_retention": (0, 0, None), "disinfection": (0, 0, None),
    }  # fmt: skip
    text = " ".join(pdf_text(to_pdf(data)).split())
    assert "台账完成率（2026-12-05）：总体 —" in text and "完成率最低" not in text
    assert sheet(to_xlsx(data), "台账与证照")[2] == ("台账完成率（总体）", None, None, "—")
