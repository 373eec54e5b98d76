"""The daily alert rollups (alerts/rollups.py): kept on write by every birth and state change, equal to a raw
recount and to ``rebuild``; and the windowed counts read from them equal the raw counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from brightkitchen.cli import app as cli
from brightkitchen.platform.alerts import region_rollups, rollups
from brightkitchen.platform.alerts import transitions as t
from brightkitchen.platform.alerts.birth import open_alert
from brightkitchen.platform.alerts.models import Alert
from brightkitchen.platform.alerts.rollup_tables import AlertRegionDaily
from brightkitchen.platform.alerts.rollups import COUNTERS, AlertDaily
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Site
from brightkitchen.platform.stats import queries as q
from brightkitchen.platform.stats.counts import daily_counts, site_counts, split
from tests import factories as f

A = t.Action
REGULATOR = t.Actor("user", 1, "regulator")
SCHOOL = t.Actor("user", 2, "school_admin")
SYSTEM = t.Actor.system()


def rows(
    session: Session, table: Any = AlertDaily, key: str = "site_id"
) -> dict[tuple[date, int, str], tuple[Any, ...]]:
    """The table without empty rows (a row whose every counter went back to 0 says nothing)."""
    out = {}
    for r in session.scalars(select(table)):
        values = tuple(round(getattr(r, n), 6) for n in COUNTERS)
        if any(values):
            out[(r.day, getattr(r, key), r.code)] = values
    return out


def recount(session: Session, settings: Settings) -> dict[tuple[date, int, str], tuple[Any, ...]]:
    dialect = session.get_bind().dialect.name
    day = rollups.local_date_sql(dialect, Alert.created_at, settings.timezone)
    out = {}
    for r in session.execute(
        select(day.label("day"), Alert.site_id, Alert.code, *rollups.raw_aggregates(dialect))
        .where(Alert.test.is_(False))
        .group_by(day, Alert.site_id, Alert.code)
    ):
        d = r.day if isinstance(r.day, date) else date.fromisoformat(r.day)
        out[(d, r.site_id, r.code)] = tuple(round(float(getattr(r, n)), 6) for n in COUNTERS)
    return out


def laid_down_days(session: Session) -> list[date]:
    """The rollup rows' days in the order they lie in the table (PostgreSQL's ctid, SQLite's rowid)."""
    place = "ctid" if session.get_bind().dialect.name == "postgresql" else "rowid"
    return [d if isinstance(d, date) else date.fromisoformat(d)
            for d in session.scalars(text(f"SELECT day FROM alert_daily ORDER BY {place}"))]  # fmt: skip


def born(session: Session, settings: Settings, site: Site, at: datetime, code: str = "no_mask", **kw: Any) -> Alert:
    return open_alert(
        session, settings, site_id=site.id, code=code, source="edge", event_id=f"ev-{code}-{at.timestamp()}-{kw}",
        actor=SYSTEM, now=at, started_at=at, ended_at=at, boxes=[], **kw,
    )  # fmt: skip


def test_rollups_follow_every_operation_and_equal_rebuild(session: Session, settings: Settings) -> None:
    w = f.world(session)
    now = utcnow()
    # Local midnight +- a minute: the two alerts fall on different local days.
    midnight = rollups.day_start(settings.timezone, now.astimezone(rollups.ZoneInfo(settings.timezone)).date())
    times = [now - timedelta(days=3), midnight - timedelta(minutes=1), midnight + timedelta(minutes=1), now]
    made = [born(session, settings, w.site_a1, at) for at in times]
    fault = born(session, settings, w.site_a2, now - timedelta(hours=5), code="camera_fault")
    test = born(session, settings, w.site_b1, now, test=True)  # never counted
    session.commit()
    assert rows(session) == recount(session, settings)
    assert sum(v[0] for v in rows(session).values()) == 5  # the test alert is not there

    a, b, c, d = made
    for alert, action, actor in [
        (a, A.notify, SYSTEM), (a, A.start, SCHOOL), (a, A.submit, SCHOOL), (a, A.reject, REGULATOR),
        (a, A.submit, SCHOOL), (a, A.approve, REGULATOR),  # closed on time: submitted before the deadline
        (b, A.notify, SYSTEM), (b, A.false_positive, REGULATOR),
        (c, A.notify, SYSTEM), (c, A.start, SCHOOL),  # left open, rectifying
        (fault, A.clear, SYSTEM), (test, A.notify, SYSTEM),
    ]:  # fmt: skip
        t.apply(session, alert, action, actor, alert.created_at + timedelta(hours=1), reason="why")
        session.commit()
        assert rows(session) == recount(session, settings), (alert.id, action)
    # Closed late: submitted after the deadline.
    late = d.deadline_at + timedelta(hours=1)
    for action, actor in [(A.notify, SYSTEM), (A.start, SCHOOL), (A.submit, SCHOOL), (A.approve, REGULATOR)]:
        t.apply(session, d, action, actor, late)
    session.commit()
    kept = rows(session)
    assert kept == recount(session, settings)
    totals = [sum(v[i] for v in kept.values()) for i in range(len(COUNTERS))]
    # created, open, closed, on time, false positive, timed, hours
    assert totals[:6] == [5, 1, 3, 1, 1, 3]
    assert totals[6] == pytest.approx(sum((x.closed_at - x.created_at).total_seconds() / 3600 for x in (a, d, fault)))

    session.execute(delete(AlertDaily))
    assert rollups.rebuild(session, settings) == len(kept)
    assert rows(session) == kept
    assert laid_down_days(session) == sorted(laid_down_days(session))  # a window of days reads few pages
    # From a day on: the earlier days are left as they are.
    since = (now - timedelta(days=1)).astimezone(rollups.ZoneInfo(settings.timezone)).date()
    session.execute(delete(AlertDaily).where(AlertDaily.day >= since))
    assert rollups.rebuild(session, settings, since) == sum(1 for k in kept if k[0] >= since)
    session.commit()
    assert rows(session) == kept


def test_window_counts_equal_raw_counts(session: Session, settings: Settings) -> None:
    """A window that starts mid-day: whole days from the rollups, the first hours raw; same as counting raw."""
    w = f.world(session)
    now = utcnow()
    since = now - timedelta(days=30)
    first, edge = split(settings.timezone, since)
    assert (
        since < edge <= since + timedelta(days=1)
        and first == edge.astimezone(rollups.ZoneInfo(settings.timezone)).date()
    )
    cam = w.cameras["A1"]
    for at in (since - timedelta(minutes=5), since + timedelta(minutes=5), edge - timedelta(minutes=1), edge, now):
        for state in ("closed", "false_positive", "rectifying", "submitted"):
            f.alert(
                session, w.site_a1, cam, state=state, created_at=at, submitted_at=at, closed_at=at + timedelta(hours=1)
            )
        f.alert(
            session, w.site_a2, state="new", code="camera_fault", created_at=at, escalated_at=at + timedelta(days=2)
        )
    ids = select(Site.id)
    raw = {r.site_id: r for r in session.execute(q.alert_counts(ids, since, now))}
    got = site_counts(session, settings, ids, since, now)
    assert set(got) == set(raw)
    for site_id, r in raw.items():
        g = got[site_id]
        assert (g.alerts, g.total, g.open, g.overdue, g.escalated, g.escalated_open, g.closed, g.on_time,
                g.false_positive) == (r.alerts, r.total, r.open, r.overdue, r.escalated, r.escalated_open, r.closed,
                                      r.on_time, r.false_positive)  # fmt: skip
    # The edge matters: 8 of site A1's alerts lie in the window's first hours, 4 before the window.
    assert got[w.site_a1.id].total == 16


@pytest.mark.parametrize("end_hours", [0, 7, 30])  # end at a local midnight, in the day, the next day
def test_period_counts_equal_raw_counts(session: Session, settings: Settings, end_hours: int) -> None:
    """Any period [start, end): whole days from the rollups, the partial days raw; per day, site and code."""
    w = f.world(session)
    tz = settings.timezone
    start = rollups.day_start(tz, utcnow().astimezone(rollups.ZoneInfo(tz)).date() - timedelta(days=5))
    start += timedelta(hours=3)
    end = rollups.day_start(tz, (start + timedelta(days=3)).astimezone(rollups.ZoneInfo(tz)).date())
    end += timedelta(hours=end_hours)
    for hours in range(-4, 24 * 5, 5):
        at = start + timedelta(hours=hours)
        f.alert(session, w.site_a1, state="closed", created_at=at, submitted_at=at, closed_at=at + timedelta(hours=2))
        f.alert(session, w.site_b1, state="false_positive", code="smoking", created_at=at)
    got: dict[tuple[date, int, str], tuple[Any, ...]] = {}
    for d in daily_counts(session, tz, select(Site.id), start, end):
        key = (d.day, d.site_id, d.code)
        values = tuple(getattr(d, n) for n in COUNTERS)
        got[key] = tuple(round(a + b, 6) for a, b in zip(got.get(key, (0,) * len(COUNTERS)), values, strict=True))
    dialect = session.get_bind().dialect.name
    day = rollups.local_date_sql(dialect, Alert.created_at, tz)
    raw = {
        (r.day if isinstance(r.day, date) else date.fromisoformat(r.day), r.site_id, r.code): tuple(
            round(float(getattr(r, n)), 6) for n in COUNTERS
        )
        for r in session.execute(
            select(day.label("day"), Alert.site_id, Alert.code, *rollups.raw_aggregates(dialect))
            .where(Alert.created_at >= start, Alert.created_at < end)
            .group_by(day, Alert.site_id, Alert.code)
        )
    }
    assert got == raw and sum(v[0] for v in raw.values()) > 20


def test_cli_rebuilds_the_rollups(session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """`brightkitchen db rollups` after a bulk import: alerts written straight to the table are counted."""
    w = f.world(session)
    now = utcnow()
    for days in (0, 2, 9):
        f.alert(session, w.site_a1, state="closed", created_at=now - timedelta(days=days), closed_at=now)
    kept = rows(session)
    session.execute(delete(AlertDaily))
    session.commit()
    monkeypatch.setenv("BRIGHTKITCHEN_DATABASE_URL", settings.database_url or "")
    monkeypatch.setenv("BRIGHTKITCHEN_DATA_DIR", str(settings.data_dir))
    since = (now - timedelta(days=3)).astimezone(rollups.ZoneInfo(settings.timezone)).date()
    result = CliRunner().invoke(cli, ["db", "rollups", "--since", since.isoformat()])
    assert result.exit_code == 0, result.output
    assert "2 rows" in result.output
    session.expire_all()
    assert rows(session) == {k: v for k, v in kept.items() if k[0] >= since}
    assert CliRunner().invoke(cli, ["db", "rollups"]).exit_code == 0
    assert rows(session) == kept


def region_rows(session: Session) -> dict[tuple[date, int, str], tuple[Any, ...]]:
    return rows(session, AlertRegionDaily, "region_id")


def site_rows_by_district(session: Session) -> dict[tuple[date, int, str], tuple[Any, ...]]:
    """The site rows summed in Python by each site's key region (its street's parent)."""
    district = {sid: parent or region for sid, region, parent in session.execute(
        select(Site.id, Region.id, Region.parent_id).join(Region, Region.id == Site.region_id))}  # fmt: skip
    sums: dict[tuple[date, int, str], list[float]] = {}
    for (day, site_id, code), values in rows(session).items():
        acc = sums.setdefault((day, district[site_id], code), [0.0] * len(COUNTERS))
        for i, v in enumerate(values):
            acc[i] += v
    return {k: tuple(round(v, 6) for v in vs) for k, vs in sums.items() if any(vs)}


def test_district_rollups_follow_births_changes_moves_and_deletions(session: Session, settings: Settings) -> None:
    w = f.world(session)
    now = utcnow()
    for days, site, code in ((0, w.site_a1, "no_mask"), (1, w.site_a1, "no_mask"), (1, w.site_a2, "smoking"),
                             (5, w.site_b1, "no_mask")):  # fmt: skip
        born(session, settings, site, now - timedelta(days=days), code)
    session.commit()
    assert region_rows(session) == site_rows_by_district(session)
    assert {k[1] for k in region_rows(session)} == {w.district_a.id, w.district_b.id}
    alert = session.scalars(select(Alert).where(Alert.site_id == w.site_a1.id)).first()
    assert alert is not None
    t.apply(session, alert, A.notify, SYSTEM, now)
    t.apply(session, alert, A.false_positive, REGULATOR, now, reason="a shadow")
    session.commit()
    assert region_rows(session) == site_rows_by_district(session)

    # A1 moves to district B's street: its counts go with it, in the same transaction.
    before = region_rows(session)
    w.site_a1.region_id = w.street_b.id
    session.commit()
    session.expire_all()
    moved = region_rows(session)
    assert moved == site_rows_by_district(session) and moved != before
    assert sum(v[0] for k, v in moved.items() if k[1] == w.district_a.id) == 1  # A2's alone

    # A site deleted takes its counts away (its alerts and site rows go by the foreign keys' cascade).
    session.delete(session.get(Site, w.site_b1.id))
    session.commit()
    session.expire_all()
    assert region_rows(session) == site_rows_by_district(session)

    # Rebuilt from the site rows: the same.
    kept = region_rows(session)
    session.execute(delete(AlertRegionDaily))
    rollups.rebuild(session, settings)
    session.commit()
    assert region_rows(session) == kept


def test_a_scope_reads_district_rows_only_when_they_stand_for_its_sites(session: Session) -> None:
    w = f.world(session)
    session.commit()
    everything = region_rollups.scope_regions(session, None)
    assert everything is not None and set(session.scalars(everything)) >= {w.district_a.id, w.district_b.id}
    city = region_rollups.scope_regions(session, w.city.path)
    assert city is not None and {w.district_a.id, w.district_b.id} <= set(session.scalars(city))
    district = region_rollups.scope_regions(session, w.district_a.path)
    assert district is not None and w.district_b.id not in set(session.scalars(district))
    assert region_rollups.scope_regions(session, w.street_a.path) is None  # its sites' own rows
