"""Bulk import from the sheet a regulator keeps: all-or-nothing, bad rows named, idempotent, via API and CLI."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.users.models import User
from tests import factories as f

HEADER = ["单位编码", "单位名称", "单位类型", "所属分局", "街道", "地址", "联系人", "联系电话", "管理员账号"]
GOOD = [
    ["S001", "东城实验小学", "学校", "东城分局", "和平街道", "和平路1号", "张老师", "13800000001", "s001_admin"],
    ["S002", "东城第一幼儿园", "幼儿园", "东城分局", "和平街道", "和平路2号", "李老师", "13800000002", "s002_admin"],
    ["S003", "鑫源配餐公司", "配餐单位", "东城分局", "新华街道", "新华路3号", "王经理", "13800000003", ""],
]


def xlsx(rows: list[list[str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(r) for r in [HEADER, *rows]).encode("utf-8-sig")


def upload(client: TestClient, headers: dict[str, str], name: str, content: bytes):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/sites/import", files={"file": (name, content)}, headers=headers)


def site_count(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Site)) or 0


def test_import_xlsx_then_rerun_changes_nothing(client: TestClient, session: Session) -> None:
    f.world(session)
    headers = f.login(client, "reg_a")
    first = upload(client, headers, "sites.xlsx", xlsx(GOOD))
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["sites_created"], body["streets_created"], len(body["accounts"])) == (3, 2, 2)
    login = client.post(
        "/api/v1/auth/login",
        json={"username": "s001_admin", "password": body["accounts"][0]["one_time_password"]},
    )
    assert login.status_code == 200 and login.json()["user"]["role"] == "school_admin"
    again = upload(client, headers, "sites.xlsx", xlsx(GOOD)).json()
    assert (again["sites_created"], again["sites_unchanged"], again["accounts"]) == (0, 3, [])
    assert site_count(session) == 6


def test_bad_row_in_the_middle_imports_nothing(client: TestClient, session: Session) -> None:
    f.world(session)
    before = site_count(session)
    rows = [GOOD[0], ["S002", "", "火锅店", "东城分局", "和平街道", "", "", "", ""], GOOD[2]]
    resp = upload(client, f.login(client, "reg_a"), "sites.csv", csv_bytes(rows))
    assert resp.status_code == 422
    errors = resp.json()["errors"]
    assert {e["row"] for e in errors} == {3}
    assert {e["field"] for e in errors} == {"name", "kind"}
    assert site_count(session) == before
    assert session.scalar(select(User).where(User.username == "s001_admin")) is None


def test_other_district_and_duplicates_are_row_errors(client: TestClient, session: Session) -> None:
    f.world(session)
    rows = [GOOD[0], ["S009", "西城小学", "学校", "西城分局", "西街道", "", "", "", ""], GOOD[0]]
    resp = upload(client, f.login(client, "reg_a"), "sites.csv", csv_bytes(rows))
    assert resp.status_code == 422
    by_row = {e["row"]: e["field"] for e in resp.json()["errors"]}
    assert by_row == {3: "district", 4: "code"}


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("sites.xlsx", b"PK\x03\x04 definitely not a workbook", "Excel"),
        ("sites.pdf", b"%PDF-1.4", ".csv or .xlsx"),
        ("sites.csv", "编码,名称\nS1,x\n".encode(), "missing columns"),
        ("sites.csv", b"", "empty"),
    ],
)
def test_malformed_files_are_refused_clearly(
    client: TestClient, session: Session, name: str, content: bytes, words: str
) -> None:
    f.world(session)
    resp = upload(client, f.login(client, "reg_a"), name, content)
    assert resp.status_code == 422
    assert words in resp.json()["detail"]


def test_school_cannot_import(client: TestClient, session: Session) -> None:
    f.world(session)
    assert upload(client, f.login(client, "sa_a1"), "s.csv", csv_bytes(GOOD)).status_code == 403


def test_cli_import(session: Session, settings: Settings, tmp_path: Path) -> None:
    f.world(session)
    env = {
        **os.environ,
        "BRIGHTKITCHEN_DATABASE_URL": settings.resolved_database_url(),
        "BRIGHTKITCHEN_DATA_DIR": str(settings.data_dir),
    }
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([GOOD[0], ["S002", "x", "学校", "不存在分局", "街", "", "", "", ""]]))
    run = subprocess.run(
        [sys.executable, "-m", "brightkitchen.cli", "sites", "import", str(bad)],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 1
    assert "row 3: district" in run.stderr and "nothing imported" in run.stderr
    assert site_count(session) == 3
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(GOOD))
    run = subprocess.run(
        [sys.executable, "-m", "brightkitchen.cli", "sites", "import", str(good)],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert "sites created 3" in run.stdout
    assert (tmp_path / "new-accounts.csv").read_text(encoding="utf-8").count("\n") == 3
    assert site_count(session) == 6
