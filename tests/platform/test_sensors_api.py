"""The sensors API: registration with default rules by kind, scoping, the device relay, chart buckets, on-time,
breach alerts (one per breach, cleared on recovery) and the retention prune."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.models import Alert, AlertAudit
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.jobs.runner import run_due_jobs
from brightkitchen.platform.sensors.models import Sensor, SensorReading
from brightkitchen.platform.sites.models import KitchenArea
from tests import factories as f
from tests import support as s

API = "/api/v1"
SENSOR_FIELDS = {"id", "site_id", "site_name", "key", "name", "kind", "area_id", "area", "unit", "rule", "enabled",
                 "last_value", "last_at", "breach", "topic"}  # fmt: skip


def register(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    resp = client.post(f"{API}/sensors", headers=headers, json=body)
    assert resp.status_code == 201, resp.text
    doc: dict[str, Any] = resp.json()
    return doc


def relay(client: TestClient, key: str, readings: list[dict[str, Any]]) -> Any:
    return client.post(f"{API}/device/sensors/readings", headers=s.device_headers(key), json={"readings": readings})


def at(base: datetime, seconds: float) -> str:
    return (base + timedelta(seconds=seconds)).isoformat()


def alerts(session: Session, code: str = "cold_chain_temperature") -> list[Alert]:
    session.expire_all()
    return list(session.scalars(select(Alert).where(Alert.code == code).order_by(Alert.id)))


def test_register_with_default_rules_by_kind(client: TestClient, session: Session) -> None:
    w = f.world(session)
    area = KitchenArea(site_id=w.site_a1.id, name="冷库", kind="storage")
    session.add(area)
    session.commit()
    h = f.bearer(session, "sa_a1")
    freezer = register(client, h, key="fz-1", name="冷冻柜一", kind="freezer", area_id=area.id)
    assert set(freezer) == SENSOR_FIELDS
    assert freezer["site_id"] == w.site_a1.id and freezer["site_name"] == w.site_a1.name
    assert freezer["rule"] == {"op": "above", "threshold": -12.0, "duration_s": 1800}
    assert (freezer["unit"], freezer["area"], freezer["area_id"]) == ("°C", "冷库", area.id)
    assert freezer["topic"] == "brightkitchen/A1/sensors/fz-1"
    assert (freezer["enabled"], freezer["breach"], freezer["last_value"], freezer["last_at"]) == (
        True,
        False,
        None,
        None,
    )
    fridge = register(client, h, key="fr-1", name="冷藏柜", kind="fridge")
    assert fridge["rule"] == {"op": "above", "threshold": 8.0, "duration_s": 1800}
    gas = register(client, h, key="gas-1", name="燃气", kind="gas")
    assert gas["rule"] == {"op": "above", "threshold": 20.0, "duration_s": 10} and gas["unit"] == "%LEL"
    cabinet = register(client, h, key="cab-1", name="消毒柜", kind="disinfection_cabinet")
    assert cabinet["rule"] is None and cabinet["unit"] == "W"
    own = register(client, h, key="fr-2", name="冷藏柜二", kind="fridge", unit="°F",
                   rule={"op": "below", "threshold": 0, "duration_s": 60})  # fmt: skip
    assert own["rule"] == {"op": "below", "threshold": 0.0, "duration_s": 60} and own["unit"] == "°F"
    no_rule = register(client, h, key="fr-3", name="冷藏柜三", kind="fridge", rule=None)
    assert no_rule["rule"] is None
    # A regulator names the site; a school user's own site is implied.
    reg = f.bearer(session, "reg_a")
    assert (
        register(client, reg, site_id=w.site_a2.id, key="fz-1", name="冷冻", kind="freezer")["site_id"] == w.site_a2.id
    )
    missing = client.post(f"{API}/sensors", headers=reg, json={"key": "x", "name": "x", "kind": "gas"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "site_id"


def test_bad_registrations_are_clear_errors(client: TestClient, session: Session) -> None:
    w = f.world(session)
    h = f.bearer(session, "sa_a1")
    register(client, h, key="fz-1", name="冷冻柜", kind="freezer")
    dup = client.post(f"{API}/sensors", headers=h, json={"key": "fz-1", "name": "again", "kind": "freezer"})
    assert dup.status_code == 409 and dup.json()["code"] == "conflict"
    for body, field in [
        ({"key": "fz/1", "name": "x", "kind": "freezer"}, "key"),
        ({"key": "x", "name": "x", "kind": "oven"}, "kind"),
        ({"key": "x", "name": "x", "kind": "fridge", "rule": {"op": "near", "threshold": 1, "duration_s": 1}},
         "rule.op"),
        ({"key": "x", "name": "x", "kind": "fridge", "rule": {"op": "above", "threshold": 1, "duration_s": -1}},
         "rule.duration_s"),
        ({"key": "x", "name": "x", "kind": "fridge", "colour": "red"}, "colour"),
    ]:  # fmt: skip
        resp = client.post(f"{API}/sensors", headers=h, json=body)
        assert resp.status_code == 422, body
        assert resp.headers["content-type"].startswith("application/problem+json")
        assert resp.json()["errors"][0]["field"] == field
    other_area = KitchenArea(site_id=w.site_b1.id, name="别家冷库", kind="storage")
    session.add(other_area)
    session.commit()
    resp = client.post(f"{API}/sensors", headers=h, json={"key": "x", "name": "x", "kind": "fridge",
                                                          "area_id": other_area.id})  # fmt: skip
    assert resp.status_code == 422
    assert session.scalar(select(func.count()).select_from(Sensor)) == 1  # nothing half-made


def test_scoping_school_sees_own_site_and_other_tenant_is_404(client: TestClient, session: Session) -> None:
    w = f.world(session)
    a1 = register(client, f.bearer(session, "sa_a1"), key="fz-1", name="A1 冷冻", kind="freezer")
    a2 = register(client, f.bearer(session, "sa_a2"), key="fz-1", name="A2 冷冻", kind="freezer")
    b1 = register(client, f.bearer(session, "sa_b1"), key="fz-1", name="B1 冷冻", kind="freezer")

    def listed(user: str, query: str = "") -> set[int]:
        resp = client.get(f"{API}/sensors{query}", headers=f.bearer(session, user))
        assert resp.status_code == 200
        doc = resp.json()
        assert doc["total"] == len(doc["items"])
        return {item["id"] for item in doc["items"]}

    assert listed("ss_a1") == {a1["id"]}
    assert listed("sa_a1", f"?site_id={w.site_b1.id}") == set()
    assert listed("reg_a") == {a1["id"], a2["id"]}
    assert listed("reg_b") == {b1["id"]}
    assert listed("admin") == {a1["id"], a2["id"], b1["id"]}
    assert listed("reg_city", f"?region_id={w.district_b.id}") == {b1["id"]}
    staff = f.bearer(session, "ss_a1")
    assert client.get(f"{API}/sensors/{a1['id']}", headers=staff).status_code == 200
    for method, path in [
        ("GET", f"/sensors/{b1['id']}"),
        ("GET", f"/sensors/{b1['id']}/readings"),
        ("GET", f"/sensors/{b1['id']}/on-time"),
    ]:
        resp = client.request(method, API + path, headers=staff)
        assert resp.status_code == 404 and resp.json()["code"] == "not_found", path
    sa_a1 = f.bearer(session, "sa_a1")
    assert client.patch(f"{API}/sensors/{b1['id']}", headers=sa_a1, json={"name": "x"}).status_code == 404
    assert client.delete(f"{API}/sensors/{b1['id']}", headers=sa_a1).status_code == 404
    assert client.delete(f"{API}/sensors/{b1['id']}", headers=f.bearer(session, "reg_a")).status_code == 404
    # School staff read; they do not register.
    resp = client.post(f"{API}/sensors", headers=staff, json={"key": "x", "name": "x", "kind": "gas"})
    assert resp.status_code == 403
    patched = client.patch(f"{API}/sensors/{a1['id']}", headers=sa_a1, json={"name": "冷冻柜甲", "enabled": False})
    assert patched.status_code == 200 and (patched.json()["name"], patched.json()["enabled"]) == ("冷冻柜甲", False)
    assert client.delete(f"{API}/sensors/{a1['id']}", headers=sa_a1).status_code == 204
    assert client.get(f"{API}/sensors/{a1['id']}", headers=sa_a1).status_code == 404


def test_relay_stores_own_site_readings_and_reports_unknown_keys(client: TestClient, session: Session) -> None:
    w = f.world(session)
    fz = register(client, f.bearer(session, "sa_a1"), key="fz-1", name="冷冻", kind="freezer")
    b1 = register(client, f.bearer(session, "sa_b1"), key="fz-b", name="B1 冷冻", kind="freezer")
    now = utcnow()
    resp = relay(client, w.device_keys["A1"], [
        {"key": "fz-1", "value": -18.5, "at": at(now, -20)},
        {"key": "fz-1", "value": -18.0, "at": at(now, -10)},
        {"key": "fz-b", "value": 3.0, "at": at(now, -10)},  # another site's sensor: not this device's
        {"key": "nope", "value": 1.0, "at": at(now, -10)},
    ])  # fmt: skip
    assert resp.status_code == 202, resp.text
    assert resp.json() == {"accepted": 2, "unknown_keys": ["fz-b", "nope"]}
    got = client.get(f"{API}/sensors/{fz['id']}", headers=f.bearer(session, "sa_a1")).json()
    assert got["last_value"] == -18.0
    assert datetime.fromisoformat(got["last_at"]) == datetime.fromisoformat(at(now, -10))
    session.expire_all()
    assert (
        session.scalar(select(func.count()).select_from(SensorReading).where(SensorReading.sensor_id == b1["id"])) == 0
    )
    # A late reading from a backlog is kept as history but does not move the present back.
    assert relay(client, w.device_keys["A1"], [{"key": "fz-1", "value": -30, "at": at(now, -60)}]).status_code == 202
    assert client.get(f"{API}/sensors/{fz['id']}", headers=f.bearer(session, "sa_a1")).json()["last_value"] == -18.0


def test_relay_refuses_bad_bodies_and_callers(client: TestClient, session: Session) -> None:
    w = f.world(session)
    register(client, f.bearer(session, "sa_a1"), key="fz-1", name="冷冻", kind="freezer")
    key = w.device_keys["A1"]
    now = utcnow()
    for body, field in [
        ({"readings": []}, "readings"),
        ({"readings": [{"key": "fz-1", "value": "cold", "at": at(now, 0)}]}, "readings.0.value"),
        ({"readings": [{"key": "fz-1", "value": 1}]}, "readings.0.at"),
        ({"readings": [{"key": "fz-1", "value": 1, "at": at(now, 3600)}]}, "readings.0.at"),
        ({"readings": [{"key": "fz 1", "value": 1, "at": at(now, 0)}]}, "readings.0.key"),
        ({"readings": [{"key": "fz-1", "value": 1e300, "at": at(now, 0)}]}, "readings.0.value"),
    ]:
        resp = client.post(f"{API}/device/sensors/readings", headers=s.device_headers(key), json=body)
        assert resp.status_code == 422, body
        assert resp.json()["errors"][0]["field"] == field, resp.json()
    raw_nan = b'{"readings": [{"key": "fz-1", "value": NaN, "at": "2026-01-01T00:00:00Z"}]}'
    json_headers = {**s.device_headers(key), "Content-Type": "application/json"}
    nan = client.post(f"{API}/device/sensors/readings", headers=json_headers, content=raw_nan)
    assert nan.status_code == 422
    good = {"readings": [{"key": "fz-1", "value": 1, "at": at(now, 0)}]}
    assert client.post(f"{API}/device/sensors/readings", json=good).status_code == 401
    assert (
        client.post(f"{API}/device/sensors/readings", headers=f.bearer(session, "sa_a1"), json=good).status_code == 403
    )
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(SensorReading)) == 0


def test_breach_raises_one_alert_while_it_lasts_and_clears_on_recovery(client: TestClient, session: Session) -> None:
    w = f.world(session)
    h = f.bearer(session, "sa_a1")
    fz = register(client, h, key="fz-1", name="冷冻柜", kind="freezer",
                  rule={"op": "above", "threshold": -12, "duration_s": 60})  # fmt: skip
    key = w.device_keys["A1"]
    t0 = utcnow() - timedelta(minutes=30)
    # A breach that recovers before duration_s raises nothing.
    relay(client, key, [{"key": "fz-1", "value": -5, "at": at(t0, 0)}, {"key": "fz-1", "value": -4, "at": at(t0, 30)},
                        {"key": "fz-1", "value": -18, "at": at(t0, 50)}])  # fmt: skip
    assert alerts(session) == []
    # -5 °C from t0+100 on: the alert is born once the violation has lasted 60 s, and only once.
    for i, second in enumerate((100, 130, 159)):
        relay(client, key, [{"key": "fz-1", "value": -5 + i * 0.1, "at": at(t0, second)}])
    assert alerts(session) == []
    for second in (160, 190, 220, 250):
        assert relay(client, key, [{"key": "fz-1", "value": -5, "at": at(t0, second)}]).status_code == 202
    raised = alerts(session)
    assert len(raised) == 1
    alert = raised[0]
    assert (alert.site_id, alert.camera_id, alert.state, alert.source) == (w.site_a1.id, None, "new", "system")
    assert alert.started_at == t0 + timedelta(seconds=100) and "冷冻柜" in alert.detail
    assert client.get(f"{API}/sensors/{fz['id']}", headers=h).json()["breach"] is True
    listed = client.get(f"{API}/alerts?code=cold_chain_temperature", headers=h)
    assert listed.status_code == 200 and [a["id"] for a in listed.json()["items"]] == [alert.id]
    detail = client.get(f"{API}/alerts/{alert.id}", headers=f.bearer(session, "reg_a"))
    assert detail.status_code == 200 and detail.json()["code"] == "cold_chain_temperature"
    assert client.get(f"{API}/alerts/{alert.id}", headers=f.bearer(session, "sa_b1")).status_code == 404
    # Recovery clears it, like camera_fault.
    relay(client, key, [{"key": "fz-1", "value": -19, "at": at(t0, 280)}])
    cleared = alerts(session)
    assert len(cleared) == 1 and cleared[0].state == "closed" and cleared[0].open_fault_key is None
    actions = session.scalars(select(AlertAudit.action).where(AlertAudit.alert_id == alert.id)).all()
    assert actions == ["create", "clear"]
    assert client.get(f"{API}/sensors/{fz['id']}", headers=h).json()["breach"] is False
    # A new breach is a new alert.
    relay(
        client, key, [{"key": "fz-1", "value": -2, "at": at(t0, 300)}, {"key": "fz-1", "value": -2, "at": at(t0, 400)}]
    )
    assert [a.state for a in alerts(session)] == ["closed", "new"]


def test_gas_breach_is_a_gas_leak_and_removing_the_sensor_clears_it(client: TestClient, session: Session) -> None:
    w = f.world(session)
    h = f.bearer(session, "sa_a1")
    gas = register(client, h, key="gas-1", name="燃气探头", kind="gas")
    t0 = utcnow() - timedelta(minutes=5)
    relay(client, w.device_keys["A1"], [{"key": "gas-1", "value": 35, "at": at(t0, 0)},
                                        {"key": "gas-1", "value": 40, "at": at(t0, 12)}])  # fmt: skip
    raised = alerts(session, "gas_leak")
    assert len(raised) == 1 and raised[0].state == "new"
    assert client.delete(f"{API}/sensors/{gas['id']}", headers=h).status_code == 204
    assert [a.state for a in alerts(session, "gas_leak")] == ["closed"]


def test_readings_in_buckets_for_charts(client: TestClient, session: Session) -> None:
    w = f.world(session)
    h = f.bearer(session, "sa_a1")
    fr = register(client, h, key="fr-1", name="冷藏", kind="fridge")
    base = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    values = [2.0, 4.0, 3.0, 6.0, 5.0]  # at 0, 20, 40 s (first minute), 60, 80 s (second minute)
    relay(
        client, w.device_keys["A1"], [{"key": "fr-1", "value": v, "at": at(base, i * 20)} for i, v in enumerate(values)]
    )
    q = {"since": base.isoformat(), "until": at(base, 600), "bucket_s": 60}
    resp = client.get(f"{API}/sensors/{fr['id']}/readings", headers=h, params=q)
    assert resp.status_code == 200, resp.text
    points = resp.json()["points"]
    assert [(datetime.fromisoformat(p["at"]), p["value"], p["min"], p["max"]) for p in points] == [
        (base, 3.0, 2.0, 4.0),
        (base + timedelta(seconds=60), 5.5, 5.0, 6.0),
    ]
    raw = client.get(f"{API}/sensors/{fr['id']}/readings", headers=h, params={**q, "bucket_s": 1}).json()["points"]
    assert [p["value"] for p in raw] == values
    for params, field in [
        ({**q, "bucket_s": 0}, "bucket_s"),
        ({"since": at(base, 10), "until": base.isoformat()}, "since"),
        ({"since": base.isoformat(), "until": at(base, 86400 * 30), "bucket_s": 1}, "bucket_s"),
    ]:
        bad = client.get(f"{API}/sensors/{fr['id']}/readings", headers=h, params=params)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == field


def test_on_time_of_a_power_sensor(client: TestClient, session: Session) -> None:
    w = f.world(session)
    h = f.bearer(session, "sa_a1")
    cab = register(client, h, key="cab-1", name="消毒柜", kind="disinfection_cabinet")
    base = datetime(2026, 11, 2, 13, 0, tzinfo=UTC)
    # on at -60 s (before the window), still on at 120, off at 600, on again at 900 and silent after.
    marks = [(-60, 800.0), (120, 790.0), (600, 0.0), (900, 780.0)]
    relay(client, w.device_keys["A1"], [{"key": "cab-1", "value": v, "at": at(base, t)} for t, v in marks])
    resp = client.get(f"{API}/sensors/{cab['id']}/on-time", headers=h,
                      params={"start": base.isoformat(), "end": at(base, 1500)})  # fmt: skip
    assert resp.status_code == 200, resp.text
    # 0..120 (held from -60, within 300 s), 120..420 (hold capped at 300 s), 900..1200 (capped) = 120+300+300.
    assert resp.json() == {"seconds_on": 720.0, "readings": 3}
    fr = register(client, h, key="fr-1", name="冷藏", kind="fridge")
    bad = client.get(f"{API}/sensors/{fr['id']}/on-time", headers=h)
    assert bad.status_code == 422 and bad.json()["code"] == "not_power_sensor"


def test_old_readings_are_pruned_by_the_jobs(client: TestClient, session: Session, ctx: PlatformContext) -> None:
    w = f.world(session)
    register(client, f.bearer(session, "sa_a1"), key="fr-1", name="冷藏", kind="fridge")
    now = utcnow()
    relay(client, w.device_keys["A1"], [{"key": "fr-1", "value": 3, "at": at(now, -91 * 86400)},
                                        {"key": "fr-1", "value": 4, "at": at(now, -89 * 86400)}])  # fmt: skip
    report = run_due_jobs(ctx, now)
    assert report.errors == []
    session.expire_all()
    assert session.scalars(select(SensorReading.value)).all() == [4.0]
