"""The daily bulletin of a seeded district (7 sites in 2 streets), asserted exactly; exactly once a day."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightkitchen.platform.bulletin.models import Bulletin
from brightkitchen.platform.bulletin.service import run_bulletin_if_due
from brightkitchen.platform.context import PlatformContext
from brightkitchen.platform.notify.models import Notification
from brightkitchen.platform.regions.models import Region, RegionKind
from brightkitchen.platform.users.models import Role
from tests import factories as f
from tests.support import rollout as s

# 2026-11-23 08:00 in Asia/Shanghai, the default bulletin time.
NOW = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def seed(session: Session) -> dict[str, Any]:
    city = f.region(session, "示范市", RegionKind.city, code="city")
    dist = f.region(session, "东城分局", RegionKind.district, city, code="dist-e")
    east = f.region(session, "东街道", RegionKind.street, dist, code="street-e")
    south = f.region(session, "南街道", RegionKind.street, dist, code="street-s")
    old = NOW - 60 * DAY
    sites = {
        code: f.site(session, street, code, name=f"{code}学校", created_at=created)
        for code, street, created in [
            ("E1", east, old),
            ("E2", east, old),
            ("E3", east, old),
            ("E4", east, NOW - 30 * DAY),
            ("S1", south, old),
            ("S2", south, NOW - 20 * DAY),
            ("S3", south, old),
        ]
    }
    # E1: accepted for ten days. E2: in progress yesterday, accepted now.
    s.ready(session, sites["E1"], NOW - 10 * DAY, heartbeat_at=NOW - timedelta(minutes=1))
    s.history(session, sites["E1"], ("in_progress", NOW - 20 * DAY), ("accepted", NOW - 10 * DAY))
    s.ready(session, sites["E2"], NOW - timedelta(hours=3), heartbeat_at=NOW - timedelta(minutes=1))
    s.history(session, sites["E2"], ("in_progress", NOW - 5 * DAY))
    # E3: accepted three days ago, its edge silent for two days: regresses now.
    s.ready(session, sites["E3"], NOW - 3 * DAY, heartbeat_at=NOW - 2 * DAY)
    s.history(session, sites["E3"], ("in_progress", NOW - 4 * DAY), ("accepted", NOW - 3 * DAY))
    # E4: nothing at all, registered 30 days ago.
    # S1: regressed two days ago and still is.
    s.ready(session, sites["S1"], NOW - 6 * DAY, heartbeat_at=NOW - 3 * DAY)
    s.history(session, sites["S1"], ("accepted", NOW - 6 * DAY), ("regressed", NOW - 2 * DAY))
    # S2: cameras registered, nothing else, registered 20 days ago.
    s.equip(session, sites["S2"])
    # S3: regressed yesterday, accepted again now.
    s.ready(session, sites["S3"], NOW - 9 * DAY, heartbeat_at=NOW - timedelta(minutes=2))
    s.history(session, sites["S3"], ("accepted", NOW - 9 * DAY), ("regressed", NOW - 4 * DAY))
    reg = f.user(session, "reg_e", Role.regulator, region=dist)
    session.commit()
    return {"city": city, "district": dist, "sites": sites, "reg": reg}


def refs(rows: list[dict[str, Any]]) -> list[str]:
    return [r["site_code"] for r in rows]


def counts(row: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("region_name", "total", "accepted", "in_progress", "not_started", "regressed", "coverage")
    return tuple(row[k] for k in keys)


def test_bulletin_figures_exactly(ctx: PlatformContext, session: Session) -> None:
    data = seed(session)
    made = run_bulletin_if_due(ctx, NOW)
    assert len(made) == 2  # the city's and the district's
    with ctx.sessions() as check:
        row = check.scalar(select(Bulletin).where(Bulletin.region_id == data["district"].id))
        assert row is not None
        fig, md = row.figures, row.markdown
        assert row.date.isoformat() == "2026-11-22"  # the scheduled bulletin covers the day before
    assert counts(fig["totals"]) == ("东城分局", 7, 3, 1, 1, 2, round(3 / 7, 4))
    assert [counts(r) for r in fig["rows"]] == [
        ("东街道", 4, 2, 0, 1, 1, 0.5),
        ("南街道", 3, 1, 1, 0, 1, round(1 / 3, 4)),
    ]
    assert refs(fig["newly_accepted"]) == ["E2"]
    assert refs(fig["recovered"]) == ["S3"]
    assert refs(fig["newly_regressed"]) == ["E3"]
    assert [(x["site_code"], x["status"], x["days"]) for x in fig["stuck"]] == [
        ("E4", "not_started", 30),
        ("S2", "in_progress", 20),
        ("S1", "regressed", 2),
        ("E3", "regressed", 0),
    ]
    assert "共 7 家，已验收 3 家（覆盖率 42.9%）" in md
    assert "| 东街道 | 4 | 2 | 0 | 1 | 1 | 50.0% |" in md
    assert "- 新增验收：E2学校（东街道）" in md and "- 新增退化：E3学校（东街道）" in md
    assert "1. E4学校（东街道）未开始，已 30 天" in md
    with ctx.sessions() as check:
        city = check.scalar(select(Bulletin).where(Bulletin.region_id == data["city"].id))
        assert city is not None
        assert counts(city.figures["totals"])[1:] == (7, 3, 1, 1, 2, round(3 / 7, 4))
        assert [r["region_name"] for r in city.figures["rows"]] == ["东城分局"]


def test_exactly_once_per_day(ctx: PlatformContext, session: Session) -> None:
    seed(session)
    assert run_bulletin_if_due(ctx, NOW - timedelta(minutes=1)) == []  # 07:59 local: not yet
    assert len(run_bulletin_if_due(ctx, NOW)) == 2
    assert run_bulletin_if_due(ctx, NOW + timedelta(hours=3)) == []
    assert len(run_bulletin_if_due(ctx, NOW + DAY)) == 2  # the next day's
    total = session.scalar(select(func.count()).select_from(Bulletin))
    assert total == 4


def test_two_processes_make_one_bulletin(ctx: PlatformContext, session: Session) -> None:
    seed(session)
    other = PlatformContext.build(ctx.settings)  # a second "process": its own engine and pool
    barrier = threading.Barrier(2)
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def run(c: PlatformContext) -> None:
        try:
            barrier.wait()
            results.append(run_bulletin_if_due(c, NOW))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in (ctx, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    other.engine.dispose()
    assert not errors
    assert sorted(len(r) for r in results) in ([0, 2], [1, 1])
    regions = session.scalars(select(Bulletin.region_id).order_by(Bulletin.region_id)).all()
    assert len(regions) == len(set(regions)) == 2


def test_bulletin_goes_to_the_regions_channels(ctx: PlatformContext, session: Session) -> None:
    data = seed(session)
    everything = f.channel(session, "webhook", "http://127.0.0.1:9/hook", region=data["district"])
    f.channel(session, "webhook", "http://127.0.0.1:9/codes", region=data["district"], codes=["no_mask"])
    f.channel(session, "webhook", "http://127.0.0.1:9/site", site=data["sites"]["E1"])
    run_bulletin_if_due(ctx, NOW)
    rows = session.scalars(select(Notification).where(Notification.event == "bulletin")).all()
    assert [(n.channel_id, n.alert_id) for n in rows] == [(everything.id, None)]
    assert "东城分局" in rows[0].subject and "共 7 家" in rows[0].body


def test_bulletin_api_is_scoped(client: TestClient, ctx: PlatformContext, session: Session) -> None:
    data = seed(session)
    run_bulletin_if_due(ctx, NOW)
    f.user(session, "reg_city", Role.regulator, region=data["city"])
    f.user(session, "school", Role.school_admin, site=data["sites"]["E1"])
    session.commit()
    district = f.login(client, "reg_e")
    page = client.get("/api/v1/bulletins", headers=district).json()
    assert [b["region_id"] for b in page["items"]] == [data["district"].id]
    one = client.get(f"/api/v1/bulletins/{page['items'][0]['id']}", headers=district)
    assert one.status_code == 200 and one.json()["figures"]["totals"]["total"] == 7
    city_page = client.get("/api/v1/bulletins", headers=f.login(client, "reg_city")).json()
    assert len(city_page["items"]) == 2
    city_id = next(b["id"] for b in city_page["items"] if b["region_id"] == data["city"].id)
    assert client.get(f"/api/v1/bulletins/{city_id}", headers=district).status_code == 404
    assert client.get("/api/v1/bulletins", headers=f.login(client, "school")).status_code == 403
    dated = client.get("/api/v1/bulletins", headers=district, params={"since": "2026-11-24"}).json()
    assert dated["total"] == 0


@pytest.mark.parametrize("kinds", [["district"]])
def test_region_kinds_are_configurable(ctx: PlatformContext, session: Session, kinds: list[str]) -> None:
    seed(session)
    settings = ctx.settings.model_copy(update={"bulletin_region_kinds": kinds})
    only = PlatformContext(settings=settings, engine=ctx.engine, sessions=ctx.sessions)
    made = run_bulletin_if_due(only, NOW)
    assert len(made) == 1
    region = session.scalar(select(Region).join(Bulletin, Bulletin.region_id == Region.id))
    assert region is not None and region.kind == "district"
