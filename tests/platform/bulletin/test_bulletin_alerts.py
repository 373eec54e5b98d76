"""The bulletin's alert figures: a district with two streets on a known day, asserted exactly; made on
demand for today so far; exported as PDF and xlsx with Chinese names; only the scheduled one is sent."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pypdf
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.bulletin.models import Bulletin
from brightkitchen.platform.bulletin.service import run_bulletin_if_due
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.notify.models import Notification
from brightkitchen.platform.regions.models import RegionKind
from brightkitchen.platform.users.models import Role
from tests import factories as f
from tests.support.online_hours import watched
from tests.support.rollout import clock

# 2026-11-23 08:00 in Asia/Shanghai: the scheduled bulletin covers 11-22 00:00 to 11-23 00:00 local.
NOW = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
DAY_START = NOW - timedelta(days=1) - timedelta(hours=8)  # 2026-11-22 00:00 local
H = timedelta(hours=1)


def seed(session: Session) -> dict[str, Any]:
    city = f.region(session, "示范市", RegionKind.city, code="city")
    dist = f.region(session, "东城分局", RegionKind.district, city, code="dist-e")
    east = f.region(session, "东街道", RegionKind.street, dist, code="street-e")
    south = f.region(session, "南街道", RegionKind.street, dist, code="street-s")
    old = NOW - timedelta(days=60)
    e1 = f.site(session, east, "E1", name="东一小学", created_at=old)
    e2 = f.site(session, east, "E2", name="东二小学", created_at=old)
    s1 = f.site(session, south, "S1", name="南一小学", created_at=old)
    d_e1, _ = f.device(session, e1)
    d_e2, _ = f.device(session, e2)
    # E1 and E2 watched all day; S1 never.
    watched(session, d_e1, DAY_START, 24)
    watched(session, d_e2, DAY_START, 24)
    at = DAY_START + 10 * H
    # E1: two no_mask (one closed the same day), one smoking later marked false positive.
    f.alert(session, e1, code="no_mask", state="closed", created_at=at, submitted_at=at + H, closed_at=at + 2 * H)
    f.alert(session, e1, code="no_mask", state="rectifying", created_at=at)
    f.alert(session, e1, code="smoking", state="false_positive", created_at=at)
    # E2: a rodent from three days ago, overdue and escalated yesterday; a no_mask of yesterday.
    f.alert(session, e2, code="rodent", state="pushed", created_at=at - 48 * H, escalated_at=at)
    f.alert(session, e2, code="no_mask", state="pushed", created_at=at + 3 * H)
    # S1: one phone_use; an alert of today does not count for yesterday.
    f.alert(session, s1, code="phone_use", state="pushed", created_at=at)
    f.alert(session, s1, code="no_mask", state="pushed", created_at=NOW - H)
    f.user(session, "reg_e", Role.regulator, region=dist)
    f.user(session, "reg_city", Role.regulator, region=city)
    f.user(session, "school", Role.school_admin, site=e1)
    session.commit()
    return {"city": city, "district": dist, "sites": (e1, e2, s1)}


def counts(row: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("region_name", "sites", "new", "false_positive", "rectified", "overdue", "escalated", "sites_offline")
    return tuple(row[k] for k in keys)


def test_scheduled_bulletin_alert_figures(ctx: PlatformContext, session: Session) -> None:
    data = seed(session)
    channel = f.channel(session, "webhook", "http://127.0.0.1:9/hook", region=data["district"])
    session.commit()
    run_bulletin_if_due(ctx, NOW)
    with ctx.sessions() as check:
        row = check.scalar(select(Bulletin).where(Bulletin.region_id == data["district"].id))
        assert row is not None
        assert (row.kind, row.date.isoformat()) == ("scheduled", "2026-11-22")
        assert (row.period_start, row.period_end) == (DAY_START, DAY_START + 24 * H)
        a, md = row.figures["alerts"], row.markdown
    assert counts(a["totals"]) == ("东城分局", 3, 5, 1, 1, 1, 1, 1)
    assert a["totals"]["by_code"] == {"no_mask": 3, "smoking": 1, "phone_use": 1}
    assert [counts(r) for r in a["rows"]] == [("东街道", 2, 4, 1, 1, 1, 1, 0), ("南街道", 1, 1, 0, 0, 0, 0, 1)]
    # Worst first among the watched: E2 (overdue and escalated) below E1; S1 not watched, listed apart.
    assert [(w["site_name"], w["score"]) for w in a["worst"]] == [("东二小学", 63.0), ("东一小学", 86.0)]
    assert [(o["site_name"], o["online_hours"], o["expected_hours"]) for o in a["offline"]] == [("南一小学", 0.0, 24.0)]
    assert "统计时段：2026-11-22 00:00 至 2026-11-23 00:00" in md
    assert "新增预警 5 条（其中误报 1 条），办结 1 条，期末逾期未整改 1 条，上报监管 1 条" in md
    assert "按类型：未戴口罩 3、抽烟 1、玩手机 1" in md or "按类型：未戴口罩 3、玩手机 1、抽烟 1" in md
    assert "| 东街道 | 2 | 4 | 1 | 1 | 1 | 0 |" in md
    assert "- 南一小学（南街道）在线 0.0 / 24.0 小时" in md
    sent = session.scalars(select(Notification).where(Notification.channel_id == channel.id)).all()
    assert len(sent) == 1 and "每日通报 2026-11-22" in sent[0].subject and "新增预警 5 条" in sent[0].body


def test_generate_now_covers_today_so_far(client: TestClient, session: Session) -> None:
    data = seed(session)
    f.channel(session, "webhook", "http://127.0.0.1:9/hook", region=data["district"])
    session.commit()
    reg = f.login(client, "reg_e")
    noon = NOW + 4 * H  # 12:00 local
    with clock(client, noon):
        first = client.post("/api/v1/bulletins", json={}, headers=reg)
        assert first.status_code == 201, first.text
        again = client.post("/api/v1/bulletins", json={}, headers=reg)
    body = again.json()
    assert body["id"] == first.json()["id"]  # one on-demand bulletin a day, remade
    assert (body["kind"], body["date"]) == ("on_demand", "2026-11-23")
    assert body["period_start"].startswith("2026-11-22T16:00") and body["period_end"].startswith("2026-11-23T04:00")
    totals = body["figures"]["alerts"]["totals"]
    assert (totals["new"], totals["by_code"]) == (1, {"no_mask": 1})  # S1's alert of this morning only
    assert "今日截至目前" in body["markdown"] and "2026-11-23 00:00 至 2026-11-23 12:00" in body["markdown"]
    assert session.scalars(select(Notification)).all() == []  # on demand is a look, not a message
    listed = client.get("/api/v1/bulletins", headers=reg, params={"kind": "on_demand"}).json()
    assert [b["id"] for b in listed["items"]] == [body["id"]]


def test_generate_now_refusals(client: TestClient, session: Session) -> None:
    data = seed(session)
    other = f.region(session, "西城分局", RegionKind.district, data["city"], code="dist-w")
    f.user(session, "admin", Role.admin)
    session.commit()
    reg = f.login(client, "reg_e")
    assert client.post("/api/v1/bulletins", json={"region_id": other.id}, headers=reg).status_code == 404
    school = client.post("/api/v1/bulletins", json={}, headers=f.login(client, "school"))
    assert school.status_code == 403
    admin = client.post("/api/v1/bulletins", json={}, headers=f.login(client, "admin"))
    assert admin.status_code == 422 and admin.json()["errors"][0]["field"] == "region_id"
    bad = client.post("/api/v1/bulletins", json={"region_id": "东城"}, headers=reg)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "region_id"
    assert session.scalars(select(Bulletin)).all() == []  # nothing half-made


def test_export_pdf_and_xlsx(ctx: PlatformContext, client: TestClient, session: Session) -> None:
    data = seed(session)
    run_bulletin_if_due(ctx, NOW)
    bulletin_id = session.scalar(select(Bulletin.id).where(Bulletin.region_id == data["district"].id))
    reg = f.login(client, "reg_e")
    pdf = client.get(f"/api/v1/bulletins/{bulletin_id}/export", headers=reg, params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    name = unquote(pdf.headers["content-disposition"].split("filename*=UTF-8''")[1])
    assert name == "东城分局每日通报-2026-11-22.pdf"
    assert f'filename="bulletin-{data["district"].id}-2026-11-22.pdf"' in pdf.headers["content-disposition"]
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "东城分局 每日通报 2026-11-22" in text and "南一小学" in text
    xlsx = client.get(f"/api/v1/bulletins/{bulletin_id}/export", headers=reg, params={"format": "xlsx"})
    assert unquote(xlsx.headers["content-disposition"].split("filename*=UTF-8''")[1]).endswith("2026-11-22.xlsx")
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames[:4] == ["预警与整改", "按类型", "得分最低", "未在线监测"]
    by_code = {r[1]: r[2] for r in wb["按类型"].iter_rows(min_row=2, values_only=True)}
    assert by_code == {"no_mask": 3, "smoking": 1, "phone_use": 1}
    city = session.scalar(select(Bulletin.id).where(Bulletin.region_id == data["city"].id))
    f.user(session, "reg_w", Role.regulator, region=f.region(session, "西城", RegionKind.district, data["city"]))
    session.commit()
    outsider = f.login(client, "reg_w")
    assert client.get(f"/api/v1/bulletins/{city}/export", headers=outsider).status_code == 404
    assert (
        client.get(f"/api/v1/bulletins/{bulletin_id}/export", headers=reg, params={"format": "doc"}).status_code == 422
    )
