"""台账完成率 over seeded records, and the school home's "today" list, both from the site's schedule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from brightkitchen.platform.app import create_app
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.deps import get_now
from brightkitchen.platform.records import schedules
from brightkitchen.platform.records.models import Record
from brightkitchen.platform.settings import Settings
from tests import factories as f
from tests import support

R = "/api/v1/records"
TZ = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 14, 30, tzinfo=TZ)


@pytest.fixture
def settings(migrated_url: str, tmp_path: Path) -> Settings:
    return support.make_settings(migrated_url, tmp_path)


@pytest.fixture
def client(ctx: PlatformContext) -> Iterator[TestClient]:
    app = create_app(ctx=ctx)

    async def fixed_now() -> datetime:
        return NOW

    app.dependency_overrides[get_now] = fixed_now
    with TestClient(app) as c:
        yield c


@pytest.fixture
def w(session: Session) -> f.World:
    return f.world(session)


def _seed(session: Session, site_id: int, kind: str, day: date, meal: str | None, times: int = 1) -> list[int]:
    rows = [Record(site_id=site_id, kind=kind, record_date=day, meal=meal, data={}, photo_ids=[], version=1,
                   created_by_name="t", created_at=datetime.now(UTC)) for _ in range(times)]  # fmt: skip
    session.add_all(rows)
    session.commit()
    return [r.id for r in rows]


def test_completion_rates_per_site_and_kind(client: TestClient, session: Session, w: f.World) -> None:
    schedules.save(session, w.site_a1.id, schedules.Schedule.model_validate({"meals": ["lunch"]}), None, NOW)
    session.commit()
    week = [MONDAY + timedelta(days=n) for n in range(5)]
    for day in week:
        _seed(session, w.site_a1.id, "morning_check", day, None)
    for day in week[:3]:
        _seed(session, w.site_a1.id, "sample_retention", day, "lunch", times=2)  # a second sample counts once
    _seed(session, w.site_a1.id, "disinfection", week[0], "dinner")  # no dinner is scheduled: not a done slot
    _seed(session, w.site_a1.id, "morning_check", MONDAY + timedelta(days=5), None)  # Saturday: not expected
    _seed(session, w.site_a2.id, "accompanied_meal", week[1], "lunch", times=2)
    _seed(session, w.site_b1.id, "morning_check", week[0], None)
    query = f"date_from={week[0]}&date_to={MONDAY + timedelta(days=6)}"
    body = client.get(f"{R}/completion?{query}", headers=f.bearer(session, "reg_a")).json()
    assert body["days"] == 7
    sites = {s["site_id"]: s for s in body["sites"]}
    assert set(sites) == {w.site_a1.id, w.site_a2.id}
    a1 = sites[w.site_a1.id]
    assert (a1["site_name"], a1["street"]) == (w.site_a1.name, w.street_a.name)
    assert a1["by_kind"]["morning_check"] == {"done": 5, "expected": 5, "rate": 1.0}
    assert a1["by_kind"]["sample_retention"] == {"done": 3, "expected": 5, "rate": 0.6}
    assert a1["by_kind"]["disinfection"] == {"done": 0, "expected": 5, "rate": 0.0}
    assert a1["rate"] == round(8 / 15, 4)
    a2 = sites[w.site_a2.id]  # never saved a schedule: the defaults (breakfast and lunch, Monday to Friday)
    assert a2["by_kind"]["sample_retention"] == {"done": 0, "expected": 10, "rate": 0.0}
    assert a2["by_kind"]["accompanied_meal"] == {"done": 2, "expected": 0, "rate": None}
    assert body["by_kind"]["morning_check"] == {"done": 5, "expected": 10, "rate": 0.5}
    assert body["by_kind"]["accompanied_meal"] == {"done": 2, "expected": 0, "rate": None}
    street = client.get(f"{R}/completion?{query}&street={w.street_b.name}", headers=f.bearer(session, "reg_a")).json()
    assert street["sites"] == []
    mine = client.get(f"{R}/completion?{query}", headers=f.bearer(session, "ss_a1")).json()
    assert [s["site_id"] for s in mine["sites"]] == [w.site_a1.id]
    assert (
        client.get(f"{R}/completion?region_id={w.district_b.id}", headers=f.bearer(session, "reg_a")).status_code == 404
    )
    backwards = client.get(
        f"{R}/completion?date_from=2026-12-05&date_to=2026-12-01", headers=f.bearer(session, "admin")
    )
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "date_from"


def test_today_lists_the_slots_with_deadlines_and_what_is_done(
    client: TestClient, session: Session, w: f.World
) -> None:
    [sample] = _seed(session, w.site_a1.id, "sample_retention", MONDAY, "lunch")
    items = client.get(f"{R}/today", headers=f.bearer(session, "ss_a1")).json()
    assert [(i["kind"], i["meal"], i["done"], i["record_id"]) for i in items] == [
        ("morning_check", None, False, None),
        ("sample_retention", "breakfast", False, None),
        ("disinfection", "breakfast", False, None),
        ("sample_retention", "lunch", True, sample),
        ("disinfection", "lunch", False, None),
    ]
    assert datetime.fromisoformat(items[0]["due_at"]) == datetime(2026, 11, 30, 9, 0, tzinfo=TZ)
    assert client.get(f"{R}/today?site_id={w.site_a1.id}", headers=f.bearer(session, "reg_a")).json() == items
    assert client.get(f"{R}/today", headers=f.bearer(session, "reg_a")).status_code == 422
    assert client.get(f"{R}/today?site_id={w.site_a1.id}", headers=f.bearer(session, "reg_b")).status_code == 404
    schedules.save(session, w.site_a1.id, schedules.Schedule.model_validate({"holidays": ["2026-11-30"]}), None, NOW)
    session.commit()
    assert client.get(f"{R}/today", headers=f.bearer(session, "ss_a1")).json() == []
