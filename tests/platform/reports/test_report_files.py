"""What a person gets from a download: a Chinese file name, a PDF with its font inside, and the same "—"
for a rate with nothing to count as the ranking page shows."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

import pypdf
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from brightkitchen.platform.db import utcnow
from brightkitchen.platform.reports.disposition import attachment
from brightkitchen.platform.reports.fonts import system_font
from brightkitchen.platform.sites.models import Site
from tests import factories as f
from tests.support.online_hours import watched


def embedded_fonts(content: bytes) -> dict[str, bool]:
    """Every font the pages use -> whether its file is inside the PDF."""
    out = {}
    for page in pypdf.PdfReader(io.BytesIO(content)).pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            font = ref.get_object()
            descendants: Any = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            files = {"/FontFile", "/FontFile2", "/FontFile3"}
            out[str(font["/BaseFont"])] = bool(descriptor) and bool(files & set(descriptor.get_object()))
    return out


def text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize(
    ("name", "fallback", "star"),
    [
        ("东城分局明厨亮灶周报-2025-03-10.xlsx", "report-dist-a.xlsx", "%E4%B8%9C%E5%9F%8E"),
        ('a/b"c.pdf', "x y.pdf", "a_b_c.pdf"),  # no path or quote gets through
    ],
)
def test_content_disposition(name: str, fallback: str, star: str) -> None:
    header = attachment(name, fallback)
    m = re.fullmatch(r'attachment; filename="([ -~]+)"; filename\*=UTF-8\'\'(\S+)', header)
    assert m is not None, header
    assert " " not in m.group(1) and '"' not in m.group(1)
    assert star in m.group(2) and "/" not in unquote(m.group(2))


def seed(session: Session) -> f.World:
    w = f.world(session)
    now = utcnow()
    session.execute(update(Site).values(created_at=now - timedelta(days=30)))
    watched(session, w.devices["A1"], now - timedelta(days=2), 2 * 24 + 1)  # A1: watched, no alerts
    session.commit()  # A2: never watched
    return w


def test_report_download_has_a_chinese_name_and_an_embedded_font(client: TestClient, session: Session) -> None:
    if system_font() is None:
        pytest.skip("no TrueType CJK font installed (fonts-wqy-zenhei)")
    w = seed(session)
    reg = f.login(client, "reg_a")
    resp = client.get("/api/v1/reports/daily", headers=reg, params={"region_id": w.district_a.id, "format": "pdf"})
    assert resp.status_code == 200, resp.text
    disposition = resp.headers["content-disposition"]
    name = unquote(disposition.split("filename*=UTF-8''")[1])
    assert re.fullmatch(r"东城分局明厨亮灶日报-\d{4}-\d{2}-\d{2}\.pdf", name), name
    assert 'filename="report-dist-a-daily-' in disposition
    fonts = embedded_fonts(resp.content)
    assert fonts and all(fonts.values()), fonts  # every font the pages use is inside the file


def test_the_page_and_the_pdf_agree(client: TestClient, session: Session) -> None:
    w = seed(session)
    reg = f.login(client, "reg_a")
    page = client.get("/api/v1/stats/ranking", headers=reg, params={"days": 1}).json()
    assert [(i["site_name"], i["rectification_rate"]) for i in page["items"]] == [(w.site_a1.name, None)]
    assert [u["site_name"] for u in page["unmonitored"]] == [w.site_a2.name]
    pdf = client.get("/api/v1/reports/daily", headers=reg, params={"region_id": w.district_a.id, "format": "pdf"})
    body = text(pdf.content)
    ranking = body.split("红黑榜")[1].split("未在线监测")[0]
    cells = ranking.splitlines()  # one cell a line: 名次 单位 得分 有效预警 逾期 上报 整改率 在线率
    row = cells[cells.index(w.site_a1.name) - 1 :][:8]
    assert row == ["1", w.site_a1.name, "100.0", "0", "0", "0", "—", "100.0%"]  # "—" as on the page, no penalty
    apart = body.split("未在线监测")[1].split("四、")[0]
    assert w.site_a2.name in apart and w.site_a1.name not in apart
