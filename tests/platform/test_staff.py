"""The staff roster: the school's admin (or an administrator) changes it, nobody deletes anyone (active: false),
certificate states, the all-or-nothing xlsx import with row errors, the export, and the district's
certificate list; another tenant's staff answers 404."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.settings import Settings
from brightkitchen.platform.staff.models import Staff
from tests import factories as f
from tests import support
from tests.platform import records_support as rs

S = "/api/v1/staff"


def local_today() -> date:
    """The district's date (settings.timezone), which is what certificate states count from."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


HEADERS = ["姓名", "岗位", "电话", "健康证编号", "发证日期", "有效期至"]


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return support.make_settings(migrated_url, tmp_path)


@pytest.fixture
def w(session: Session) -> f.World:
    return f.world(session)


def _person(**kw: Any) -> dict[str, Any]:
    today = local_today()
    base = {"name": "张三", "position": "厨师", "phone": "13800000000", "cert_no": "JK-001",
            "cert_issued_on": (today - timedelta(days=300)).isoformat(),
            "cert_expires_on": (today + timedelta(days=65)).isoformat()}  # fmt: skip
    return {**base, **kw}


def _sheet(rows: list[list[Any]], headers: list[str] = HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _upload(client: TestClient, session: Session, who: str, content: bytes, query: str = "") -> Any:
    files = {"file": ("staff.xlsx", content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    return client.post(f"{S}/import{query}", files=files, headers=f.bearer(session, who))


def test_roster_create_read_patch_and_leave(client: TestClient, session: Session, w: f.World) -> None:
    headers = f.bearer(session, "sa_a1")
    resp = client.post(S, json=_person(), headers=headers)
    assert resp.status_code == 201, resp.text
    person = resp.json()
    assert set(person) == {"id", "site_id", "site_name", "name", "position", "phone", "cert_no", "cert_issued_on",
                           "cert_expires_on", "photo_url", "active", "cert_state", "days_left"}  # fmt: skip
    assert (person["site_id"], person["cert_state"], person["days_left"], person["active"]) == (
        w.site_a1.id, "valid", 65, True)  # fmt: skip
    soon = (local_today() + timedelta(days=10)).isoformat()
    patched = client.patch(f"{S}/{person['id']}", json={"cert_expires_on": soon}, headers=headers).json()
    assert (patched["cert_state"], patched["days_left"]) == ("expiring", 10)
    staff_user = f.bearer(session, "ss_a1")
    assert client.patch(f"{S}/{person['id']}", json={"active": False}, headers=staff_user).status_code == 403
    assert client.get(f"{S}/{person['id']}", headers=staff_user).json()["name"] == "张三"
    left = client.patch(f"{S}/{person['id']}", json={"active": False}, headers=headers).json()
    assert left["active"] is False
    assert client.get(f"{S}?active=true", headers=headers).json()["total"] == 0
    assert client.get(f"{S}?active=false&q=张", headers=headers).json()["total"] == 1
    assert client.delete(f"{S}/{person['id']}", headers=headers).status_code in (404, 405)  # no route deletes
    assert session.scalar(select(func.count()).select_from(Staff)) == 1


def test_who_may_change_the_roster_and_bad_input(client: TestClient, session: Session, w: f.World) -> None:
    assert client.post(S, json=_person(), headers=f.bearer(session, "ss_a1")).status_code == 403
    assert client.post(S, json=_person(), headers=f.bearer(session, "reg_a")).status_code == 403
    assert client.post(S, json=_person(site_id=w.site_b1.id), headers=f.bearer(session, "sa_a1")).status_code == 404
    assert client.post(S, json=_person(), headers=f.bearer(session, "admin")).status_code == 422  # no site_id
    made = client.post(S, json=_person(site_id=w.site_b1.id), headers=f.bearer(session, "admin"))
    assert made.status_code == 201 and made.json()["site_id"] == w.site_b1.id
    backwards = _person(cert_issued_on="2026-05-01", cert_expires_on="2026-01-01")
    assert client.post(S, json=backwards, headers=f.bearer(session, "sa_a1")).status_code == 422
    assert client.post(S, json=_person(name=""), headers=f.bearer(session, "sa_a1")).status_code == 422
    other = made.json()["id"]
    for who in ("sa_a1", "ss_a1", "reg_a"):
        assert client.get(f"{S}/{other}", headers=f.bearer(session, who)).status_code == 404
    assert client.patch(f"{S}/{other}", json={"name": "x"}, headers=f.bearer(session, "sa_a1")).status_code == 404
    assert client.get(f"{S}/{other}", headers=f.bearer(session, "reg_b")).status_code == 200
    resp = client.patch(f"{S}/{other}", json={"cert_expires_on": "2000-01-01"}, headers=f.bearer(session, "admin"))
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "cert_expires_on"


def test_import_is_all_or_nothing_with_row_errors_then_idempotent(
    client: TestClient, session: Session, w: f.World
) -> None:
    good = ["李四", "面点师", "13900000000", "JK-100", date(2026, 1, 5), "2027-01-04"]
    bad = _sheet([good, ["王五", "帮厨", None, "JK-101", "2026-02-01", "not a date"], ["赵六", "", None, "JK-100",
                 "2026-01-01", "2027-01-01"]])  # fmt: skip
    resp = _upload(client, session, "sa_a1", bad)
    assert resp.status_code == 422 and resp.json()["code"] == "import_rows_invalid"
    errors = {(e["row"], e["field"]) for e in resp.json()["errors"]}
    assert errors == {(3, "cert_expires_on"), (4, "position")}
    assert session.scalar(select(func.count()).select_from(Staff)) == 0
    dup = _upload(client, session, "sa_a1", _sheet([good, good]))
    assert [(e["row"], e["field"]) for e in dup.json()["errors"]] == [(3, "cert_no")]
    missing = _upload(client, session, "sa_a1", _sheet([good], HEADERS[:3]))
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "file"
    assert _upload(client, session, "sa_a1", b"PK not a zip").status_code == 422
    sheet = _sheet([good, ["王五", "帮厨", 13700000000, "JK-101", "2026/02/01", "2027/01/31"]])
    assert _upload(client, session, "sa_a1", sheet).json() == {"created": 2, "updated": 0}
    assert _upload(client, session, "sa_a1", sheet).json() == {"created": 0, "updated": 0}
    assert _upload(client, session, "ss_a1", sheet).status_code == 403
    assert _upload(client, session, "admin", sheet, f"?site_id={w.site_b1.id}").json() == {"created": 2, "updated": 0}
    exported = client.get(f"{S}/export", headers=f.bearer(session, "sa_a1"))
    assert exported.status_code == 200
    rows = list(load_workbook(io.BytesIO(exported.content)).worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert sorted((r[0], r[2], r[3]) for r in rows[1:]) == [("李四", "13900000000", "JK-100"),
                                                           ("王五", "13700000000", "JK-101")]  # fmt: skip
    assert _upload(client, session, "sa_a1", exported.content).json() == {"created": 0, "updated": 0}
    formula = client.post(S, json=_person(name="=1+1", cert_no="JK-9"), headers=f.bearer(session, "sa_a1"))
    assert formula.status_code == 201
    again = client.get(f"{S}/export", headers=f.bearer(session, "sa_a1")).content
    rows_out = load_workbook(io.BytesIO(again)).worksheets[0].iter_rows(min_row=2)
    cells = {r[3].value: r[0] for r in rows_out}
    assert (cells["JK-9"].value, cells["JK-9"].data_type) == ("=1+1", "s")  # text, never a formula
    assert client.get(f"{S}/export?site_id={w.site_b1.id}", headers=f.bearer(session, "sa_a1")).status_code == 404


def test_certificate_list_for_the_district(client: TestClient, session: Session, w: f.World) -> None:
    today = local_today()
    rs.staff(session, w.site_a1, "过期", expires=today - timedelta(days=2))
    rs.staff(session, w.site_a2, "快到期", expires=today + timedelta(days=20))
    rs.staff(session, w.site_a1, "有效", expires=today + timedelta(days=90))
    rs.staff(session, w.site_a1, "离职", expires=today - timedelta(days=9), active=False)
    rs.staff(session, w.site_b1, "外区", expires=today - timedelta(days=1))
    reg = f.bearer(session, "reg_a")
    names = lambda q: [p["name"] for p in client.get(f"{S}/certificates{q}", headers=reg).json()]  # noqa: E731
    assert names("") == ["过期", "快到期"]
    assert names("?state=expired") == ["过期"]
    assert names("?state=expiring") == ["快到期"]
    assert names("?state=expiring&days=10") == []
    assert names(f"?region_id={w.district_a.id}&street={w.street_a.name}") == ["过期", "快到期"]
    assert names("?street=nowhere") == []
    assert client.get(f"{S}/certificates?region_id={w.district_b.id}", headers=reg).status_code == 404
    assert client.get(f"{S}/certificates", headers=f.bearer(session, "sa_a1")).status_code == 403
    assert [p["name"] for p in client.get(f"{S}/certificates", headers=f.bearer(session, "admin")).json()] == [
        "过期", "外区", "快到期"]  # fmt: skip
