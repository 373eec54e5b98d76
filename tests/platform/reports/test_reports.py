"""Region reports: the files are opened (openpyxl, pypdf) and their figures compared with the database."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from brightkitchen.cli import report_cmd
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.reports.fonts import FontError, register
from brightkitchen.platform.reports.periods import PeriodKind
from brightkitchen.platform.reports.service import ReportFormat, build_report
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera, Site
from brightkitchen.platform.stats.ranking import score
from tests import factories as f
from tests.support import rollout as s
from tests.support.online_hours import watched

START = datetime(2025, 3, 9, 16, 0, tzinfo=UTC)  # Monday 2025-03-10 00:00 in Asia/Shanghai
END = START + timedelta(days=7)
H = timedelta(hours=1)


def at(hours: float) -> datetime:
    return START + hours * H


def seed(session: Session) -> dict[str, Any]:
    w = f.world(session)
    a1, a2, b1 = w.site_a1, w.site_a2, w.site_b1
    long_ago = START - timedelta(days=30)
    session.execute(update(Device).values(created_at=long_ago, last_heartbeat_at=long_ago, status="online"))
    session.execute(update(Camera).values(created_at=long_ago, last_seen_at=long_ago, status="online"))
    session.execute(update(Site).values(created_at=long_ago))
    session.commit()
    ids = {
        "a1": f.alert(
            session, a1, code="no_mask", state="closed", created_at=at(10), submitted_at=at(14), closed_at=at(15)
        ),
        "a2": f.alert(
            session, a1, code="no_mask", state="closed", created_at=at(34), submitted_at=at(60), closed_at=at(61)
        ),
        "a3": f.alert(
            session,
            a1,
            code="smoking",
            state="false_positive",
            created_at=at(58),
            closed_at=at(59),
            false_positive_reason="白色帽子",
        ),
        "a4": f.alert(session, a1, code="rodent", state="rectifying", created_at=at(106), escalated_at=at(154)),
        "a5": f.alert(session, a1, code="no_mask", created_at=at(80), test=True),
        "a6": f.alert(
            session,
            a1,
            code="camera_fault",
            state="closed",
            created_at=at(120),
            closed_at=at(132),
            source="system",
            device_id=w.devices["A1"].id,
        ),
        "a7": f.alert(session, a2, code="phone_use", state="pushed", created_at=at(140)),
        "a8": f.alert(session, a2, code="no_mask", state="rectifying", created_at=at(-100)),
        "a9": f.alert(session, a2, code="no_mask", created_at=END + H),
        "a10": f.alert(session, a2, code="no_mask", state="submitted", created_at=at(20), submitted_at=at(30)),
        "b1": f.alert(session, b1, code="no_mask", created_at=at(10)),
    }
    s.history(session, a1, ("accepted", START - timedelta(days=5)))
    # Both sites of district A watched all week (the ranking's rule); A1 for 90% of the hours.
    watched(session, w.devices["A1"], START, 7 * 24, seconds=3240)
    watched(session, w.devices["A2"], START, 7 * 24)
    session.commit()
    return {"w": w, "ids": {k: v.id for k, v in ids.items()}}


def sheet(wb: Any, name: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in wb[name].iter_rows(min_row=2, values_only=True)]


def test_weekly_excel_matches_the_database(client: TestClient, session: Session) -> None:
    data = seed(session)
    w, ids = data["w"], data["ids"]
    reg = f.login(client, "reg_a")
    resp = client.get(
        "/api/v1/reports/weekly",
        headers=reg,
        params={"region_id": w.district_a.id, "date": "2025-03-12", "format": "xlsx"},
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="report-dist-a-weekly-2025-03-10.xlsx"' in resp.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames == ["概览", "按类型", "按单位", "逾期清单", "在线率", "排名", "未在线监测", "趋势",
                             "台账与证照", "健康证"]  # fmt: skip
    summary = dict(sheet(wb, "概览"))
    assert summary["区域"] == "东城分局"
    assert summary["报告期"] == "2025年第11周（3月10日—3月16日） 周报"
    assert summary["统计截至"] == datetime(2025, 3, 17, 0, 0)  # local wall time of the period's end
    expected = {
        "单位数": 2,
        "已验收单位": 1,
        "覆盖率": 0.5,
        "预警数（有效）": 5,
        "误报数": 1,
        "已办结": 2,
        "整改率": 0.4,
        "按时整改": 1,
        "及时率": 0.5,
        "平均整改时长（小时）": 16.0,
        "逾期未整改": 3,
        "上报监管": 1,
        "边缘服务器在线率": 0.9643,
        "摄像头在线率": 0.9643,
    }
    assert {k: summary[k] for k in expected} == expected
    formats = {row[0].value: row[1].number_format for row in wb["概览"].iter_rows(min_row=2)}
    assert formats["整改率"] == formats["覆盖率"] == "0.0%" and formats["生成时间"] == "yyyy-mm-dd hh:mm"
    assert sheet(wb, "按类型") == [
        ("未戴口罩", "no_mask", 3, 0, 3),
        ("玩手机", "phone_use", 1, 0, 1),
        ("老鼠出没", "rodent", 1, 0, 1),
        ("抽烟", "smoking", 1, 1, 0),
    ]
    assert sheet(wb, "按单位") == [
        ("A1", "学校 A1", "东街道", 3, 1, 2, 0.6667, 1, 0.5, 1, 1),
        ("A2", "学校 A2", "东街道", 2, 0, 0, 0.0, 0, None, 2, 0),
    ]
    overdue = sheet(wb, "逾期清单")
    assert [(r[0], r[1], r[3], r[7]) for r in overdue] == [
        (ids["a8"], "A2", "未戴口罩", 244.0),
        (ids["a4"], "A1", "老鼠出没", 38.0),
        (ids["a7"], "A2", "玩手机", 4.0),
    ]
    assert sheet(wb, "在线率") == [("A1", "学校 A1", 1, 1, 1, 0.9286, 0.9286), ("A2", "学校 A2", 1, 1, 0, 1.0, 1.0)]
    a1_score = score(3, 1, 1, 0.6667, 0.9)
    a2_score = score(2, 2, 0, 0.0, 1.0)
    ranked = [(r[0], r[1], r[3], r[9]) for r in sheet(wb, "排名")]
    assert ranked == [(1, "A1", a1_score, 0.9), (2, "A2", a2_score, 1.0)]
    assert sheet(wb, "未在线监测") == []
    trend = [(d.date().isoformat(), n) for d, n in sheet(wb, "趋势")]
    assert trend == [
        ("2025-03-10", 2),
        ("2025-03-11", 1),
        ("2025-03-12", 0),
        ("2025-03-13", 0),
        ("2025-03-14", 1),
        ("2025-03-15", 1),
        ("2025-03-16", 0),
    ]


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_weekly_pdf_shows_the_same_figures(client: TestClient, session: Session) -> None:
    data = seed(session)
    reg = f.login(client, "reg_a")
    resp = client.get(
        "/api/v1/reports/weekly",
        headers=reg,
        params={"region_id": data["w"].district_a.id, "date": "2025-03-16", "format": "pdf"},
    )
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/pdf"
    assert resp.content.startswith(b"%PDF")
    text = pdf_text(resp.content)
    assert "东城分局明厨亮灶周报" in text and "2025年第11周（3月10日—3月16日）" in text
    assert "统计截至 2025-03-17 00:00" in text
    for label, value in [("覆盖率", "50.0%"), ("整改率", "40.0%"), ("及时率", "50.0%"), ("边缘在线率", "96.4%")]:
        assert label in text and value in text
    assert "逾期未整改（共 3 条）" in text
    for name in ("学校 A1", "学校 A2", "未戴口罩", "老鼠出没", "玩手机", "红黑榜"):
        assert name in text
    assert "学校 B1" not in text


def test_daily_and_monthly_windows(client: TestClient, session: Session) -> None:
    data = seed(session)
    reg = f.login(client, "reg_a")
    params = {"region_id": data["w"].district_a.id, "format": "xlsx"}
    daily = client.get("/api/v1/reports/daily", headers=reg, params={**params, "date": "2025-03-10"})
    summary = dict(sheet(load_workbook(io.BytesIO(daily.content)), "概览"))
    assert (summary["预警数（有效）"], summary["已办结"], summary["逾期未整改"]) == (2, 1, 1)
    monthly = client.get("/api/v1/reports/monthly", headers=reg, params={**params, "date": "2025-03-31"})
    wb = load_workbook(io.BytesIO(monthly.content))
    summary = dict(sheet(wb, "概览"))
    assert summary["报告期"] == "2025年3月 月报"
    assert (summary["预警数（有效）"], summary["误报数"]) == (7, 1)  # a8 (5 March) and a9 (17 March) too
    assert len(sheet(wb, "趋势")) == 31


def test_reports_are_scoped(client: TestClient, session: Session) -> None:
    w = seed(session)["w"]
    reg_a = f.login(client, "reg_a")
    assert client.get("/api/v1/reports/weekly", headers=reg_a, params={"region_id": w.district_b.id}).status_code == 404
    assert client.get("/api/v1/reports/weekly", headers=reg_a, params={"region_id": 999999}).status_code == 404
    own = client.get("/api/v1/reports/daily", headers=reg_a)  # default: the caller's own region, today
    assert own.status_code == 200
    assert client.get("/api/v1/reports/weekly", headers=f.login(client, "sa_a1")).status_code == 403
    assert client.get("/api/v1/reports/weekly", headers=f.login(client, "admin")).status_code == 422
    assert client.get("/api/v1/reports/yearly", headers=reg_a).status_code == 422
    city = f.login(client, "reg_city")
    resp = client.get("/api/v1/reports/weekly", headers=city, params={"region_id": w.city.id, "date": "2025-03-10"})
    summary = dict(sheet(load_workbook(io.BytesIO(resp.content)), "概览"))
    assert summary["单位数"] == 3 and summary["预警数（有效）"] == 6  # b1 counts for the city


@pytest.mark.parametrize("suffix", ["pdf", "xlsx"])
def test_cli_writes_the_report(session: Session, settings: Settings, tmp_path: Any, suffix: str) -> None:
    seed(session)
    out = tmp_path / f"report.{suffix}"
    env = {
        "BRIGHTKITCHEN_DATABASE_URL": settings.resolved_database_url(),
        "BRIGHTKITCHEN_DATA_DIR": str(settings.data_dir),
    }
    args = ["weekly", "--region", "dist-a", "--date", "2025-03-10", "--out", str(out)]
    result = CliRunner().invoke(report_cmd.app, args, env=env)
    assert result.exit_code == 0, result.output
    if suffix == "pdf":
        assert "整改率" in pdf_text(out.read_bytes()) and "40.0%" in pdf_text(out.read_bytes())
    else:
        assert dict(sheet(load_workbook(out), "概览"))["整改率"] == 0.4
    bad = CliRunner().invoke(report_cmd.app, ["weekly", "--region", "nope", "--out", str(out)], env=env)
    assert bad.exit_code == 1 and "no region" in bad.output


WQY = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")  # Debian fonts-wqy-zenhei (optional)


@pytest.mark.skipif(not WQY.is_file(), reason="fonts-wqy-zenhei is not installed")
def test_pdf_embeds_a_configured_truetype_font(session: Session, settings: Settings) -> None:
    w = seed(session)["w"]
    embedded = settings.model_copy(update={"report_font_path": WQY})
    report = build_report(session, embedded, w.district_a, PeriodKind.weekly, START.date(), ReportFormat.pdf, END)
    reader = pypdf.PdfReader(io.BytesIO(report.content))
    fonts = {}
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            font = ref.get_object()
            fonts[str(font["/BaseFont"])] = "/FontFile2" in font.get("/FontDescriptor", {})
    fonts = {name: embedded for name, embedded in fonts.items() if "WenQuanYi" in name}
    assert fonts and all(fonts.values())  # subset-embedded, so any viewer shows the same glyphs
    assert "整改率" in pdf_text(report.content)


def test_a_bad_font_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FontError, match=r"nope\.ttf"):
        register(tmp_path / "nope.ttf")
