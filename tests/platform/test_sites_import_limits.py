"""An import sheet is capped at MAX_SITES sites and read as a stream: a sheet of many rows is refused at the cap,
quickly and with the limit named, before the rest of it is read, and nothing is imported."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy.orm import Session

from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.importer import MAX_SITES, MAX_UNPACKED_BYTES, read_rows
from tests import factories as f
from tests.platform.test_sites_import import csv_bytes, site_count, upload

HEADER = ["单位编码", "单位名称", "单位类型", "所属分局", "街道"]
SHEET = "xl/worksheets/sheet1.xml"


def site_row(n: int) -> list[str]:
    return [f"S{n:06d}", f"学校 {n}", "学校", "东城分局", "和平街道"]


def big_xlsx(rows: int, tail: str = "") -> bytes:
    """A workbook of ``rows`` site rows, written as raw sheet XML (openpyxl takes seconds to write 100k rows).
    ``tail`` is appended to the sheet data as is: broken XML there is only noticed by a reader that gets there."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER)
    shell = io.BytesIO()
    wb.save(shell)

    def xml_row(r: int, values: list[str]) -> str:
        cells = "".join(f'<c r="{chr(65 + i)}{r}" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(values))
        return f'<row r="{r}">{cells}</row>'

    body = [xml_row(1, HEADER), *(xml_row(n + 1, site_row(n)) for n in range(1, rows + 1))]
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:E{rows + 1}"/><sheetData>{"".join(body)}{tail}</sheetData></worksheet>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(shell.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, sheet if item.filename == SHEET else src.read(item.filename))
    return out.getvalue()


def test_one_row_over_the_cap_is_refused_and_nothing_imported(client: TestClient, session: Session) -> None:
    f.world(session)
    before = site_count(session)
    headers = f.login(client, "reg_a")
    resp = upload(client, headers, "sites.xlsx", big_xlsx(MAX_SITES + 1))
    assert resp.status_code == 422, resp.text[:300]
    assert f"at most {MAX_SITES} sites" in resp.json()["detail"]
    assert site_count(session) == before
    rows = [site_row(n) for n in range(1, MAX_SITES + 2)]
    resp = upload(client, headers, "sites.csv", "\n".join(",".join(r) for r in [HEADER, *rows]).encode())
    assert resp.status_code == 422 and f"at most {MAX_SITES} sites" in resp.json()["detail"]
    assert site_count(session) == before


def test_reading_stops_at_the_cap(client: TestClient, session: Session) -> None:
    f.world(session)
    # Valid rows well past the cap, then XML that no parser accepts: only a reader that stops at the cap
    # answers with the limit rather than a parse error.
    content = big_xlsx(MAX_SITES + 2000, tail='<row r="999999"><c r="A999999" t="inlineStr"><is><t>')
    resp = upload(client, f.login(client, "reg_a"), "sites.xlsx", content)
    assert resp.status_code == 422, resp.text[:300]
    assert f"at most {MAX_SITES} sites" in resp.json()["detail"]


def test_row_bomb_is_refused_fast(client: TestClient, session: Session) -> None:
    f.world(session)
    content = big_xlsx(100_000)
    headers = f.login(client, "reg_a")
    started = time.monotonic()
    resp = upload(client, headers, "sites.xlsx", content)
    elapsed = time.monotonic() - started
    assert resp.status_code == 422 and f"at most {MAX_SITES} sites" in resp.json()["detail"]
    assert elapsed < 5, elapsed  # reading all 100k rows alone took over ten seconds


def test_blank_row_gap_is_refused(client: TestClient, session: Session) -> None:
    f.world(session)
    # One real row, then a row a million rows down: the gap would be read as a million blank rows.
    far = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>S999</t></is></c></row>'
    resp = upload(client, f.login(client, "reg_a"), "sites.xlsx", big_xlsx(1, tail=far))
    assert resp.status_code == 422, resp.text[:300]
    assert "rows" in resp.json()["detail"]


def test_zip_bomb_is_refused_before_unpacking(client: TestClient, session: Session) -> None:
    f.world(session)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(big_xlsx(1))) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, src.read(item.filename))
        dst.writestr("xl/media/padding.bin", bytes(MAX_UNPACKED_BYTES))  # compresses to about 64 KiB
    resp = upload(client, f.login(client, "reg_a"), "sites.xlsx", out.getvalue())
    assert resp.status_code == 422 and "unpacks to more than" in resp.json()["detail"]


def test_cap_sized_sheet_still_reads(session: Session) -> None:
    rows = read_rows("sites.xlsx", big_xlsx(MAX_SITES))
    assert len(rows) == MAX_SITES and rows[-1][0] == MAX_SITES + 1
    assert len(read_rows("sites.csv", csv_bytes([]))) == 0


def test_cli_names_the_limit(session: Session, settings: Settings, tmp_path: Path) -> None:
    f.world(session)
    before = site_count(session)
    sheet = tmp_path / "big.xlsx"
    sheet.write_bytes(big_xlsx(MAX_SITES + 1))
    env = {
        **os.environ,
        "BRIGHTKITCHEN_DATABASE_URL": settings.resolved_database_url(),
        "BRIGHTKITCHEN_DATA_DIR": str(settings.data_dir),
    }
    run = subprocess.run(
        [sys.executable, "-m", "brightkitchen.cli", "sites", "import", str(sheet)],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 2, run.stderr
    assert f"at most {MAX_SITES} sites" in run.stderr
    assert site_count(session) == before
