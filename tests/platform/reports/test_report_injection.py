"""Names set by a regulator or an import reach the reports as text only: no Excel formula, no ReportLab markup,
and no control character that makes a report fail."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pypdf
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy.orm import Session

from tests import factories as f

HYPERLINK = '=HYPERLINK("http://evil.example/","点我")'
DDE = "=cmd|' /C calc'!A0"


def report(client: TestClient, user: str, region_id: int, fmt: str) -> Any:
    params = {"region_id": region_id, "date": "2025-03-12", "format": fmt}
    return client.get("/api/v1/reports/weekly", headers=f.login(client, user), params=params)


def by_value(wb: Any) -> dict[Any, Any]:
    """Every non-empty cell of the workbook, keyed by its value."""
    return {c.value: c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None}


def test_xlsx_writes_names_as_text_and_drops_control_characters(client: TestClient, session: Session) -> None:
    w = f.world(session)
    w.site_a1.name = HYPERLINK
    w.site_a2.name = DDE
    w.street_a.name = "+1\x07东街道"
    w.district_a.name = "@东城\x1b分局"
    w.site_b1.name = "-2+3\t"
    session.commit()
    for user, region_id in (("reg_a", w.district_a.id), ("reg_city", w.city.id)):
        resp = report(client, user, region_id, "xlsx")
        assert resp.status_code == 200, resp.text
        cells = by_value(load_workbook(io.BytesIO(resp.content)))
        for text in (HYPERLINK, DDE, "+1东街道"):
            assert cells[text].data_type == "s", text  # a string cell that Excel shows and never evaluates
            assert cells[text].quotePrefix, text  # and stays text if a user edits it
        assert not any(c.data_type == "f" for c in cells.values())
        assert not any("\x07" in v or "\x1b" in v for v in cells if isinstance(v, str))
    cells = by_value(load_workbook(io.BytesIO(report(client, "reg_a", w.district_a.id, "xlsx").content)))
    assert cells["@东城分局"].data_type == "s" and cells["@东城分局"].quotePrefix
    city = by_value(load_workbook(io.BytesIO(report(client, "reg_city", w.city.id, "xlsx").content)))
    assert city["-2+3\t"].quotePrefix


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def squeeze(text: str) -> str:
    # A long title wraps; compare without the white space a line break adds or removes.
    return "".join(text.split())


def pdf_images(content: bytes) -> int:
    return sum(len(page.images) for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def test_pdf_prints_markup_in_names_as_text(client: TestClient, session: Session, tmp_path: Path) -> None:
    w = f.world(session)
    evidence = tmp_path / "evidence.png"  # stands for another district's evidence photograph
    Image.new("RGB", (40, 40), "red").save(evidence)
    img = f'<img src="{evidence}" width="40" height="40"/>'
    w.street_a.name = img
    w.district_a.name = "X<b>Y & Z\x07"
    w.site_a1.name = "<font color=red>A1</font>"
    w.site_a2.name = "学校\x07 A2"
    session.commit()
    resp = report(client, "reg_a", w.street_a.id, "pdf")
    assert resp.status_code == 200, resp.text
    assert pdf_images(resp.content) == 0
    text = squeeze(pdf_text(resp.content))
    assert squeeze(f"{img}明厨亮灶周报") in text  # the title, a Paragraph
    assert squeeze("<font color=red>A1</font>") in text and "学校A2" in text  # table cells
    resp = report(client, "reg_a", w.district_a.id, "pdf")
    assert resp.status_code == 200, resp.text
    assert "X<b>Y&Z明厨亮灶周报" in squeeze(pdf_text(resp.content))
