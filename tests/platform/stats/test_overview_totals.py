"""The overview and the per-site figures as the database sums and ranks them (stats/attention.py, figures.py,
the district rollups) equal the per-site counts (``site_counts``, itself checked against a raw recount) summed
in Python."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from brightkitchen.platform.alerts.region_rollups import scope_regions
from brightkitchen.platform.db import utcnow
from brightkitchen.platform.devices.models import Device
from brightkitchen.platform.health.online import add_online, hour_of, online_seconds
from brightkitchen.platform.regions.models import Region
from brightkitchen.platform.settings import Settings
from brightkitchen.platform.sites.models import Camera, Site
from brightkitchen.platform.stats import queries as q
from brightkitchen.platform.stats.counts import site_counts
from brightkitchen.platform.stats.figures import window_figures
from brightkitchen.platform.stats.service import overview, ranking
from tests import factories as f


def seed(session: Session, now: datetime) -> f.World:
    w = f.world(session)
    fresh, stale = now, now - timedelta(hours=3)
    # A1: all online; A2: its device offline, one of two cameras stale; B1: online, its camera off.
    w.devices["A1"].status, w.devices["A1"].last_heartbeat_at = "online", fresh
    w.devices["A2"].status, w.devices["A2"].last_heartbeat_at = "online", stale
    w.devices["B1"].status, w.devices["B1"].last_heartbeat_at = "online", fresh
    for code, status, seen in (("A1", "online", fresh), ("A2", "online", fresh), ("B1", "offline", fresh)):
        w.cameras[code].status, w.cameras[code].last_seen_at = status, seen
    f.camera(session, w.site_a2, "cam-a2-2", "后厨-2", status="online", last_seen_at=stale)
    session.commit()
    cam = w.cameras["A1"]
    day = timedelta(days=1)
    # Violations across the window's first hours (raw) and its whole days (rollups); open ones of any age.
    for at in (now - 30 * day - timedelta(hours=2), now - 30 * day + timedelta(hours=2), now - 3 * day, now):
        f.alert(
            session, w.site_a1, cam, state="closed", created_at=at, submitted_at=at, closed_at=at + timedelta(hours=3)
        )
        f.alert(session, w.site_a1, cam, state="false_positive", created_at=at)
        f.alert(session, w.site_b1, w.cameras["B1"], state="rectifying", created_at=at, escalated_at=at + 2 * day)
    f.alert(session, w.site_a2, state="new", code="camera_fault", created_at=now - 400 * day)  # open, years old
    f.alert(session, w.site_a2, w.cameras["A2"], state="pushed", code="smoking", created_at=now - timedelta(hours=1))
    f.alert(session, w.site_a1, cam, state="new", test=True)  # never counted
    a1 = w.devices["A1"]
    add_online(session, {(a1.id, hour_of(now - timedelta(hours=h))): (w.site_a1.id, 1800) for h in (2, 24 * 40)})
    session.commit()
    return w


def test_overview_equals_per_site_counts(session: Session, settings: Settings) -> None:
    now = utcnow()
    w = seed(session, now)
    cutoff = q.fresh_cutoff(settings, now)
    for ids in (select(Site.id), select(Site.id).where(Site.region_id == w.street_a.id)):
        site_ids = list(session.scalars(ids))
        counts = site_counts(session, settings, ids, now - timedelta(days=30), now)
        o = overview(session, settings, ids, now)
        devices = session.scalars(select(Device).where(Device.site_id.in_(site_ids))).all()
        cameras = session.scalars(select(Camera).where(Camera.site_id.in_(site_ids))).all()
        on = [c for c in cameras if c.status == "online" and c.last_seen_at and c.last_seen_at >= cutoff]
        live = {d.site_id for d in devices if d.status == "online" and d.last_heartbeat_at >= cutoff}
        assert (o.sites, o.sites_online, o.cameras, o.cameras_online) == (len(site_ids), len(live), len(cameras),
                                                                          len(on))  # fmt: skip
        assert (o.open, o.overdue) == (sum(c.open for c in counts.values()), sum(c.overdue for c in counts.values()))
        total, fp = sum(c.total for c in counts.values()), sum(c.false_positive for c in counts.values())
        closed = sum(c.closed for c in counts.values())
        assert (o.rectification_rate, o.false_positive_rate) == (q.ratio(closed, total - fp), q.ratio(fp, total))
        assert o.on_time_rate == q.ratio(sum(c.on_time for c in counts.values()), closed)
        assert o.mean_time_to_rectify_h == (3.0 if closed else None)
        # Worst first: escalated, overdue, devices offline, cameras offline, open; then by id.
        expected = []
        for sid in site_ids:
            c = counts.get(sid)
            d_off = sum(1 for d in devices if d.site_id == sid and d.site_id not in live)
            c_off = sum(1 for c2 in cameras if c2.site_id == sid and c2 not in on)
            row = (c.escalated_open if c else 0, c.overdue if c else 0, d_off, c_off, c.open if c else 0)
            if row[4] or d_off or c_off:
                expected.append((sid, *row))
        expected.sort(key=lambda r: (-r[1], -r[2], -r[3], -r[4], -r[5], r[0]))
        got = [(i.site_id, i.escalated, i.overdue, i.devices_offline, i.cameras_offline, i.open) for i in o.attention]
        assert got == expected and got
    assert overview(session, settings, select(Site.id).where(Site.id == -1), now).attention == []


def test_window_figures_equal_per_site_counts(session: Session, settings: Settings) -> None:
    now = utcnow()
    seed(session, now)
    since = now - timedelta(days=30)
    ids = select(Site.id)
    counts = site_counts(session, settings, ids, since, now)
    watched = online_seconds(session, session.scalars(ids).all(), since, now)
    rows = window_figures(session, settings, ids, since, now)
    assert [r.id for r, _ in rows] == sorted(session.scalars(ids))
    for row, fig in rows:
        c = counts.get(row.id)
        want = (c.alerts, c.closed, c.overdue, c.escalated) if c else (0, 0, 0, 0)
        assert (fig.alerts, fig.closed, fig.overdue, fig.escalated, fig.online_s) == (*want, watched[row.id])
    # A1's 3 closed and B1's 3 rectifying in the window (one of each in its raw first hours), A2's smoking.
    assert sum(fig.alerts for _, fig in rows) == 7
    assert sum(fig.online_s for _, fig in rows) == 1800


def test_the_overview_and_ranking_are_planned_for_their_own_values_on_postgresql(
    session: Session, settings: Settings, is_postgres: bool
) -> None:
    # psycopg prepares a statement run five times, and PostgreSQL's generic plan of the attention join over a
    # province's sites then took a minute instead of half a second.
    if not is_postgres:
        pytest.skip("plan_cache_mode is PostgreSQL's")
    now = utcnow()
    seed(session, now)
    parallel = session.scalar(text("SHOW max_parallel_workers_per_gather"))
    for call, workers in ((lambda: overview(session, settings, select(Site.id), now), "0"),
                          (lambda: ranking(session, settings, select(Site.id), now, 30), parallel)):  # fmt: skip
        call()
        assert session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
        assert session.scalar(text("SHOW max_parallel_workers_per_gather")) == workers  # the overview's: serial
        session.commit()
        assert session.scalar(text("SHOW plan_cache_mode")) == "auto"
        assert session.scalar(text("SHOW max_parallel_workers_per_gather")) == parallel


def test_the_district_rollups_give_the_overview_its_sites_rows_give(session: Session, settings: Settings) -> None:
    now = utcnow()
    w = seed(session, now)
    in_district_a = select(Site.id).join(Region, Region.id == Site.region_id)
    in_district_a = in_district_a.where(Region.path.startswith(w.district_a.path))
    for path, ids in ((None, select(Site.id)), (w.city.path, select(Site.id)), (w.district_a.path, in_district_a)):
        regions = scope_regions(session, path)
        assert regions is not None
        by_district = overview(session, settings, ids, now, regions)
        assert by_district == overview(session, settings, ids, now)
        assert sum(p.count for p in by_district.trend) > 0 and by_district.false_positive_rate > 0
