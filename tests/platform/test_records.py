"""The records API: school users write their own site's records (region users read), data is checked per
kind with the field named, corrections are new versions with the old ones kept, another tenant's record is
a 404, and photos are checked by content and scoped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.records.models import RecordPhoto
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.storage.reclaim import _referenced
from tests import factories as f
from tests import support
from tests.platform import records_support as rs

R = "/api/v1/records"


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return support.make_settings(migrated_url, tmp_path)


@pytest.fixture
def w(session: Session) -> f.World:
    return f.world(session)


def _post(client: TestClient, session: Session, who: str, kind: str, body: dict[str, Any]) -> Any:
    return client.post(f"{R}/{kind}", json=body, headers=f.bearer(session, who))


def _fields(resp: Any) -> list[str]:
    return [e["field"] for e in resp.json()["errors"]]


def test_every_kind_is_written_and_read_back_in_the_contract_shape(
    client: TestClient, session: Session, w: f.World
) -> None:
    cook = rs.staff(session, w.site_a1)
    for kind in ("morning_check", "sample_retention", "disinfection", "accompanied_meal", "incoming_goods",
                 "pesticide_test"):  # fmt: skip
        extra = {"staff_id": cook.id} if kind == "morning_check" else {}
        resp = _post(client, session, "ss_a1", kind, rs.body(kind, **extra))
        assert resp.status_code == 201, resp.text
        rec = resp.json()
        assert set(rec) == {"id", "kind", "site_id", "site_name", "record_date", "meal", "data", "photos",
                            "created_by_name", "created_at", "version", "corrected"}  # fmt: skip
        assert (rec["kind"], rec["site_id"], rec["site_name"], rec["version"], rec["corrected"]) == (
            kind, w.site_a1.id, w.site_a1.name, 1, False)  # fmt: skip
        assert rec["created_by_name"] == "ss_a1"
    sample = client.get(f"{R}/sample_retention", headers=f.bearer(session, "reg_a")).json()
    assert sample["total"] == 1 and sample["page"] == 1
    kept = sample["items"][0]["data"]
    assert kept["keep_until"] == "2026-12-02T12:10:00+08:00"  # stored_at + 48 h by default
    assert kept["dishes"] == [{"name": "红烧肉", "weight_g": 150.0}]
    assert client.get(f"{R}/sample_retention", headers=f.bearer(session, "reg_b")).json()["total"] == 0


@pytest.mark.parametrize(
    ("kind", "change", "field"),
    [
        ("sample_retention", {"dishes": [{"name": "米饭", "weight_g": 100}]}, "data.dishes.0.weight_g"),
        ("sample_retention", {"keep_until": "2026-12-01T12:10:00+08:00"}, "data.keep_until"),
        ("disinfection", {"ended_at": "2026-11-30T12:00:00+08:00"}, "data.ended_at"),
        ("sample_retention", {"colour": "red"}, "data.colour"),
        ("pesticide_test", {"result": "maybe"}, "data.result"),
    ],
)
def test_bad_data_is_refused_with_the_field_and_nothing_is_stored(
    client: TestClient, session: Session, w: f.World, kind: str, change: dict[str, Any], field: str
) -> None:
    resp = _post(client, session, "ss_a1", kind, rs.body(kind, **change))
    assert resp.status_code == 422, resp.text
    assert field in _fields(resp)
    assert client.get(f"{R}/{kind}", headers=f.bearer(session, "sa_a1")).json()["total"] == 0


def test_morning_check_temperature_and_staff_of_another_site(client: TestClient, session: Session, w: f.World) -> None:
    ours, theirs = rs.staff(session, w.site_a1), rs.staff(session, w.site_a2, "外校")
    gone = rs.staff(session, w.site_a1, "离职", active=False)
    hot = rs.body("morning_check", staff_id=ours.id)
    hot["data"]["entries"][0]["temperature_c"] = 50
    resp = _post(client, session, "ss_a1", "morning_check", hot)
    assert resp.status_code == 422 and _fields(resp) == ["data.entries.0.temperature_c"]
    for stranger in (theirs, gone):
        resp = _post(client, session, "ss_a1", "morning_check", rs.body("morning_check", staff_id=stranger.id))
        assert resp.status_code == 422 and _fields(resp) == ["data.entries.0.staff_id"], resp.text
    with_meal = rs.body("morning_check", meal="lunch", staff_id=ours.id)
    assert _fields(_post(client, session, "ss_a1", "morning_check", with_meal)) == ["meal"]
    no_meal = rs.body("sample_retention")
    del no_meal["meal"]
    assert _fields(_post(client, session, "ss_a1", "sample_retention", no_meal)) == ["meal"]


def test_who_writes_where(client: TestClient, session: Session, w: f.World) -> None:
    body = rs.body("pesticide_test")
    assert _post(client, session, "reg_a", "pesticide_test", body).status_code == 403
    assert _post(client, session, "admin", "pesticide_test", {**body, "site_id": w.site_a1.id}).status_code == 403
    assert _post(client, session, "ss_a1", "pesticide_test", {**body, "site_id": w.site_b1.id}).status_code == 404
    resp = _post(client, session, "sa_a1", "pesticide_test", {**body, "site_id": w.site_a1.id})
    assert resp.status_code == 201 and resp.json()["site_id"] == w.site_a1.id


def test_corrections_keep_every_version(client: TestClient, session: Session, w: f.World) -> None:
    rec = _post(client, session, "ss_a1", "sample_retention", rs.body("sample_retention")).json()
    url = f"{R}/sample_retention/{rec['id']}"
    fixed = {**rec["data"], "dishes": [{"name": "红烧肉", "weight_g": 180}]}
    headers = f.bearer(session, "sa_a1")
    assert client.post(f"{url}/corrections", json={"data": fixed, "reason": " "}, headers=headers).status_code == 422
    assert client.post(f"{url}/corrections", json={"data": fixed}, headers=headers).status_code == 422
    bad = {"data": {**fixed, "dishes": [{"name": "x", "weight_g": 5}]}, "reason": "称重有误"}
    assert _fields(client.post(f"{url}/corrections", json=bad, headers=headers)) == ["data.dishes.0.weight_g"]
    resp = client.post(f"{url}/corrections", json={"data": fixed, "reason": "称重有误"}, headers=headers)
    assert resp.status_code == 200, resp.text
    assert (resp.json()["version"], resp.json()["corrected"]) == (2, True)
    assert resp.json()["data"]["dishes"][0]["weight_g"] == 180.0
    hist = client.get(f"{url}/history", headers=f.bearer(session, "reg_a")).json()
    assert [h["version"] for h in hist] == [1, 2]
    assert set(hist[0]) == {"version", "data", "photos", "by_name", "at", "reason"}
    assert hist[0]["data"]["dishes"][0]["weight_g"] == 150.0 and hist[0]["reason"] == ""
    assert (hist[1]["reason"], hist[1]["by_name"]) == ("称重有误", "sa_a1")
    assert client.post(f"{url}/corrections", json={"data": fixed, "reason": "x"},
                       headers=f.bearer(session, "reg_a")).status_code == 403  # fmt: skip
    for method in ("put", "patch", "delete"):  # append-only: no route changes or removes a record
        assert getattr(client, method)(url, headers=headers).status_code in (404, 405)
    assert len(client.get(f"{url}/history", headers=headers).json()) == 2


def test_another_tenants_record_answers_404(client: TestClient, session: Session, w: f.World) -> None:
    rec = _post(client, session, "sa_b1", "pesticide_test", rs.body("pesticide_test")).json()
    url = f"{R}/pesticide_test/{rec['id']}"
    for who in ("sa_a1", "ss_a1", "reg_a"):
        headers = f.bearer(session, who)
        assert client.get(f"{url}/history", headers=headers).status_code == 404
        resp = client.post(f"{url}/corrections", json={"data": rec["data"], "reason": "x"}, headers=headers)
        assert resp.status_code in (403, 404) if who == "reg_a" else resp.status_code == 404
    assert (
        client.get(f"{R}/sample_retention/{rec['id']}/history", headers=f.bearer(session, "sa_b1")).status_code == 404
    )
    assert (
        client.get(f"{R}/pesticide_test?site_id={w.site_b1.id}", headers=f.bearer(session, "reg_a")).status_code == 404
    )
    assert client.get(f"{url}/history", headers=f.bearer(session, "reg_b")).status_code == 200


def test_photos_are_checked_scoped_and_kept_from_the_orphan_sweep(
    client: TestClient, session: Session, w: f.World
) -> None:
    headers = f.bearer(session, "ss_a1")
    bad = client.post(f"{R}/photos", files={"photo": ("a.jpg", b"not an image")}, headers=headers)
    assert bad.status_code == 415 and bad.json()["code"] == "unsupported_media_type"
    resp = client.post(f"{R}/photos", files={"photo": ("a.jpg", support.jpeg_bytes())}, headers=headers)
    assert resp.status_code == 201, resp.text
    photo = resp.json()
    assert photo == {"photo_id": photo["photo_id"], "url": f"{R}/photos/{photo['photo_id']}"}
    got = client.get(photo["url"], headers=f.bearer(session, "reg_a"))
    assert (
        got.status_code == 200 and got.content == support.jpeg_bytes() and got.headers["content-type"] == "image/jpeg"
    )
    assert client.get(photo["url"], headers=f.bearer(session, "sa_a2")).status_code == 404
    assert client.post(f"{R}/photos", files={"photo": ("a.jpg", support.jpeg_bytes())},
                       headers=f.bearer(session, "reg_a")).status_code == 403  # fmt: skip
    rec = _post(
        client, session, "ss_a1", "pesticide_test", {**rs.body("pesticide_test"), "photo_ids": [photo["photo_id"]]}
    )
    assert rec.status_code == 201 and rec.json()["photos"] == [photo]
    other = client.post(f"{R}/photos", files={"photo": ("b.png", support.png_bytes())},
                        headers=f.bearer(session, "sa_b1")).json()  # fmt: skip
    stolen = _post(
        client, session, "ss_a1", "pesticide_test", {**rs.body("pesticide_test"), "photo_ids": [other["photo_id"]]}
    )
    assert stolen.status_code == 422 and _fields(stolen) == ["photo_ids"]
    keys = set(session.scalars(select(RecordPhoto.storage_key)))
    assert len(keys) == 2 and keys <= _referenced(session)


def test_expired_supplier_licence_raises_one_alert(client: TestClient, session: Session, w: f.World) -> None:
    expired = rs.body("incoming_goods", licence_expires_on="2026-11-01")
    for _ in range(2):
        assert _post(client, session, "ss_a1", "incoming_goods", expired).status_code == 201
    assert _post(client, session, "ss_a1", "incoming_goods", rs.body("incoming_goods")).status_code == 201
    alerts = session.scalars(select(Alert).where(Alert.code == "supplier_cert_expired")).all()
    assert len(alerts) == 1
    assert (alerts[0].site_id, alerts[0].camera_id, alerts[0].state) == (w.site_a1.id, None, "new")
    assert "绿源蔬菜" in alerts[0].detail


def test_schedules_defaults_and_who_may_set_them(client: TestClient, session: Session, w: f.World) -> None:
    url = f"{R}/schedules/{w.site_a1.id}"
    default = client.get(url, headers=f.bearer(session, "ss_a1")).json()
    assert default == {
        "meals": ["breakfast", "lunch"], "school_days": [1, 2, 3, 4, 5], "holidays": [],
        "deadlines": {"morning_check": "09:00",
                      "sample_retention": {"breakfast": "10:00", "lunch": "14:00", "dinner": "20:00"},
                      "disinfection": {"breakfast": "11:00", "lunch": "15:00", "dinner": "21:00"}},
    }  # fmt: skip
    new = {**default, "meals": ["lunch"], "holidays": ["2026-12-01"]}
    assert client.put(url, json=new, headers=f.bearer(session, "ss_a1")).status_code == 403
    assert client.put(url, json=new, headers=f.bearer(session, "reg_a")).status_code == 403
    assert client.put(url, json=new, headers=f.bearer(session, "sa_a2")).status_code == 404
    bad = client.put(url, json={**new, "school_days": [0]}, headers=f.bearer(session, "sa_a1"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "school_days"
    late = {**new, "deadlines": {**default["deadlines"], "morning_check": "25:00"}}
    assert client.put(url, json=late, headers=f.bearer(session, "sa_a1")).status_code == 422
    assert client.put(url, json=new, headers=f.bearer(session, "sa_a1")).json() == new
    assert client.get(url, headers=f.bearer(session, "reg_a")).json() == new
    assert client.get(url, headers=f.bearer(session, "reg_b")).status_code == 404
    assert client.put(url, json=default, headers=f.bearer(session, "admin")).json() == default
